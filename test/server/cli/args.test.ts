import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineCommand, helpText, parseCommandLine, UsageError, wantsHelp } from '../../../server/cli/args.js';

const cli = defineCommand({
  name: 'rt-x',
  summary: 'does x.',
  usage: ['rt-x [--url <url>] [--json]'],
  flags: {
    url: { type: 'string', value: '<url>', default: 'ws://h/rt', help: 'where' },
    kid: { type: 'string', value: '<id>', defaultHelp: '$KID', help: 'which key' },
    json: { type: 'boolean', short: 'j', default: false, help: 'as JSON' },
  },
  env: { KID: 'the key id' },
  examples: ['rt-x --json', 'rt-x --url ws://a/rt'],
  notes: 'Exit codes: 0, 1, 2.',
});

/** The UsageError message `argv` is refused with. */
function refusal(argv: string[], command = cli): string {
  try {
    parseCommandLine(command, argv);
  } catch (error) {
    assert.ok(error instanceof UsageError, `a UsageError for ${argv.join(' ')}`);
    return error.message;
  }
  assert.fail(`${argv.join(' ')} was accepted`);
}

describe('parseCommandLine', () => {
  it('gives every flag its default when absent', () => {
    assert.deepEqual(parseCommandLine(cli, []), {
      values: { url: 'ws://h/rt', json: false },
      positionals: [],
    });
  });

  it('reads values in both spellings, and short aliases', () => {
    const { values } = parseCommandLine(cli, ['--url', 'ws://a/rt', '--kid=k1', '-j']);
    assert.deepEqual(values, { url: 'ws://a/rt', kid: 'k1', json: true });
  });

  it('refuses an unknown flag by its name', () => {
    assert.equal(refusal(['--bogus']), 'unknown flag --bogus');
    assert.equal(refusal(['-x']), 'unknown flag -x');
  });

  it('refuses a string flag without its value', () => {
    assert.equal(refusal(['--url']), '--url needs a value');
    assert.match(refusal(['--url', '--json']), /^--url needs a value \(one starting with "-" is written --url=-…\)$/);
  });

  it('refuses a value given to a boolean flag', () => {
    assert.equal(refusal(['--json=yes']), '--json takes no value');
  });

  it('refuses positional arguments unless the command takes them', () => {
    assert.equal(refusal(['extra']), 'unexpected argument extra');
    const withPositionals = defineCommand({ ...cli, positionals: true });
    assert.deepEqual(parseCommandLine(withPositionals, ['verify', 'dir']).positionals, ['verify', 'dir']);
  });
});

describe('wantsHelp', () => {
  it('finds --help or -h anywhere before --', () => {
    assert.equal(wantsHelp(['--url', 'x', '--help']), true);
    assert.equal(wantsHelp(['-h']), true);
    assert.equal(wantsHelp(['--', '--help']), false);
    assert.equal(wantsHelp(['--url', 'x']), false);
  });
});

describe('helpText', () => {
  const text = helpText(cli);

  it('starts with what the command does and how it is called', () => {
    assert.match(text, /^rt-x: does x\.\n\nUsage:\n {2}rt-x \[--url <url>\] \[--json\]\n/);
  });

  it('lists every flag with its value, its help and its default, and --help itself', () => {
    assert.match(text, /\n {6}--url <url> {2}where \(default: ws:\/\/h\/rt\)\n/);
    assert.match(text, /\n {6}--kid <id> {3}which key \(default: \$KID\)\n/);
    assert.match(text, /\n {2}-j, --json {7}as JSON \(default: off\)\n/);
    assert.match(text, /\n {2}-h, --help {7}print this help and exit\n/);
  });

  it('lists the environment variables, the examples and the notes', () => {
    assert.match(text, /\nEnvironment:\n {2}KID {2}the key id\n/);
    assert.match(text, /\nExamples:\n {2}rt-x --json\n {2}rt-x --url ws:\/\/a\/rt\n/);
    assert.match(text, /\n\nExit codes: 0, 1, 2\.\n$/);
  });
});
