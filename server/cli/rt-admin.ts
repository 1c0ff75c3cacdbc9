#!/usr/bin/env node
/**
 * `rt-admin`: ends or narrows access through a gateway's admin API (`/rt/admin/*`, with `RT_ADMIN_TOKEN`); with
 * Redis the command reaches every gateway. `digest` prints the digest logs and the audit log name a subject by.
 * `rt-admin --help` lists the flags.
 */
import { subjectDigest } from '../access/subject.js';
import { CliError, defineCommand, runCli, UsageError } from './args.js';

const cli = defineCommand({
  name: 'rt-admin',
  summary: "ends a user's access on every gateway (disconnect), takes scopes away (revoke), or digests a subject.",
  usage: [
    'rt-admin disconnect (--subject <id> | --connection <id> | --scope <s>) [--reason <code>] [--url <http-url>]',
    'rt-admin revoke (--subject <id> | --connection <id> | --scope <s>) --scopes a,b [--reason <code>]',
    'rt-admin digest <subject>',
  ],
  positionals: true,
  flags: {
    subject: { type: 'string', value: '<id>', defaultHelp: 'none', help: 'every connection of this subject (sub)' },
    connection: { type: 'string', value: '<id>', defaultHelp: 'none', help: 'one connection, by its hello id' },
    scope: { type: 'string', value: '<s>', defaultHelp: 'none', help: 'every connection holding this scope' },
    scopes: { type: 'string', value: '<a,b>', defaultHelp: 'none', help: 'revoke: the scopes to take away' },
    reason: {
      type: 'string',
      value: '<code>',
      default: 'revoked',
      help: 'the close reason clients see (a-z 0-9 _ . -)',
    },
    url: { type: 'string', value: '<http-url>', default: 'http://127.0.0.1:3100', help: "the gateway's HTTP URL" },
  },
  env: { RT_ADMIN_TOKEN: "the gateway's admin token (required for disconnect and revoke)" },
  examples: [
    'RT_ADMIN_TOKEN=… rt-admin disconnect --subject u-42 --reason offboarded',
    'RT_ADMIN_TOKEN=… rt-admin revoke --subject u-42 --scopes economy.admin',
    'rt-admin digest u-42   # find the subject in logs and the audit log',
  ],
  notes:
    'Prints the gateway\'s answer ({"applied": n}: connections ended or narrowed on that gateway; the others apply\n' +
    'it as the control message reaches them). Exit codes: 0 done, 1 refused or unreachable, 2 usage.',
});

await runCli(cli, async ({ positionals, values }) => {
  const [command, ...rest] = positionals;
  if (command === 'digest') {
    if (rest.length !== 1 || !rest[0]) throw new UsageError('digest needs one subject');
    return void process.stdout.write(`${subjectDigest(rest[0])}\n`);
  }
  if (command !== 'disconnect' && command !== 'revoke')
    throw new UsageError('name a command: disconnect, revoke or digest');
  if (rest.length > 0) throw new UsageError(`unexpected ${rest.join(' ')}`);
  const targets = (['subject', 'connection', 'scope'] as const).filter((key) => values[key] !== undefined);
  if (targets.length !== 1) throw new UsageError('name exactly one of --subject, --connection, --scope');
  const key = targets[0] as 'subject' | 'connection' | 'scope';
  const body: Record<string, unknown> = {
    [key === 'connection' ? 'connectionId' : key]: values[key],
    reason: values.reason,
  };
  if (command === 'revoke') {
    if (!values.scopes) throw new UsageError('revoke needs --scopes');
    body['scopes'] = values.scopes.split(',');
  } else if (values.scopes !== undefined) throw new UsageError('--scopes goes with revoke');
  const token = process.env['RT_ADMIN_TOKEN'];
  if (!token) throw new UsageError("set RT_ADMIN_TOKEN to the gateway's admin token");
  let endpoint: URL;
  try {
    endpoint = new URL(`/rt/admin/${command}`, values.url);
  } catch {
    throw new UsageError(`--url is not a URL: ${values.url}`);
  }
  let res: Response;
  try {
    res = await fetch(endpoint, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new CliError(`cannot reach ${endpoint.href}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const text = await res.text();
  if (res.status === 404) throw new CliError(`${endpoint.href} answered 404: is RT_ADMIN_TOKEN set on the gateway?`);
  if (!res.ok) throw new CliError(`${endpoint.href} answered ${res.status}: ${text.slice(0, 200)}`);
  process.stdout.write(`${text}\n`);
});
