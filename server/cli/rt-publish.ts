#!/usr/bin/env node
/**
 * `rt-publish`: publishes one message through a gateway's publish API (PROTOCOL.md §10) with a signed request, as
 * a backend would, and prints the receipt. The secret is read from the environment only, so it never shows in
 * `ps`. `rt-publish --help` lists the flags.
 */
import { createPublisher, PublishError, type PublishReceipt } from '../publish/client.js';
import { CliError, defineCommand, runCli, UsageError } from './args.js';

const cli = defineCommand({
  name: 'rt-publish',
  summary: 'publishes one message through the publish API (POST /rt/publish), signed, and prints the receipt.',
  usage: ['rt-publish --topic <name> --data <json | -> [--id <key>] [--url <http-url>] [--key-id <id>] [--bearer]'],
  flags: {
    url: { type: 'string', value: '<http-url>', default: 'http://127.0.0.1:3100', help: "the gateway's HTTP URL" },
    topic: { type: 'string', value: '<name>', defaultHelp: 'none, required', help: 'the topic to publish on' },
    data: {
      type: 'string',
      value: '<json | ->',
      defaultHelp: 'none, required',
      help: 'the message: any JSON value; - reads it from stdin',
    },
    id: {
      type: 'string',
      value: '<key>',
      defaultHelp: 'a random UUID',
      help: "idempotency key: a message with the same id on the topic is published once (within the gateway's window, a day by default)",
    },
    'key-id': { type: 'string', value: '<id>', defaultHelp: '$RT_PUBLISH_KEY_ID', help: 'the publisher key id' },
    bearer: {
      type: 'boolean',
      default: false,
      help: 'send the secret as a bearer token instead of signing (keys with "bearer": true; https or loopback)',
    },
    retries: {
      type: 'string',
      value: '<n>',
      default: '3',
      help: 'retries after a network error, a timeout, 429, 502, 503 or 504',
    },
  },
  env: {
    RT_PUBLISH_KEY_ID: 'the publisher key id (or --key-id)',
    RT_PUBLISH_SECRET: "the publisher key's secret (required; read from the environment only)",
  },
  examples: [
    'RT_PUBLISH_KEY_ID=liveops RT_PUBLISH_SECRET=… rt-publish --topic kpis.s2 --data \'{"crash_free":99.2}\'',
    'echo \'{"kind":"start"}\' | rt-publish --url https://rt.example.com --topic liveops.events --data - --id ev-81',
  ],
  notes:
    'Prints the receipt as one JSON line ({"seq":42,"epoch":"…","duplicate":false}). Exit codes: 0 published,\n' +
    '1 refused or unreachable (one line with the status and error code), 2 usage.',
});

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

await runCli(cli, async ({ values }) => {
  if (values.topic === undefined) throw new UsageError('--topic is required');
  if (values.data === undefined) throw new UsageError('--data is required (JSON, or - for stdin)');
  const secret = process.env['RT_PUBLISH_SECRET'];
  if (!secret) throw new UsageError("set RT_PUBLISH_SECRET to the publisher key's secret");
  const keyId = values['key-id'] ?? process.env['RT_PUBLISH_KEY_ID'] ?? '';
  if (!values.bearer && keyId === '') throw new UsageError('set RT_PUBLISH_KEY_ID (or --key-id) to the key id');
  if (!/^\d{1,2}$/.test(values.retries)) throw new UsageError(`--retries takes a number 0-99, not ${values.retries}`);
  const fromStdin = values.data === '-';
  const text = fromStdin ? await readStdin() : values.data;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${fromStdin ? 'stdin' : '--data'} is not JSON (${why})`);
  }
  let receipt: PublishReceipt;
  try {
    const publisher = createPublisher({
      url: values.url,
      keyId,
      secret,
      bearer: values.bearer,
      retries: Number(values.retries),
    });
    receipt = await publisher.publish(values.topic, data, values.id === undefined ? {} : { id: values.id });
  } catch (error) {
    if (error instanceof PublishError) throw new CliError(error.message);
    // createPublisher and publish check their arguments with TypeErrors: a URL, an id out of its grammar.
    if (error instanceof TypeError) throw new UsageError(error.message.replace(/^(createPublisher|publish): /, ''));
    throw error;
  }
  process.stdout.write(`${JSON.stringify(receipt)}\n`);
});
