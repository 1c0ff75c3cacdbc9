import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LogLevel, createLogger, redact, silentLogger, type LogSink } from '../../../server/ops/log.js';

const SIG = 'ab'.repeat(32);
const NONCE = '0123456789abcdef';

/** A sink that records each line with the method it went through. */
function recordingSink() {
  const lines: [string, string][] = [];
  const sink: LogSink = {
    error: (line) => lines.push(['error', line]),
    warn: (line) => lines.push(['warn', line]),
    info: (line) => lines.push(['info', line]),
    debug: (line) => lines.push(['debug', line]),
  };
  return { sink, lines };
}

function logAll(logger: ReturnType<typeof createLogger>) {
  logger.error('T', 'e');
  logger.warn('T', 'w');
  logger.info('T', 'i');
  logger.debug('T', 'd');
}

describe('redact', () => {
  it('scrubs sig and nonce in a ticket URL and keeps the rest', () => {
    const url = `/rt?ts=1700000000&nonce=${NONCE}&scopes=ops.admin&sig=${SIG}`;
    assert.equal(redact(url), '/rt?ts=1700000000&nonce=[redacted]&scopes=ops.admin&sig=[redacted]');
  });

  it('scrubs a sig or nonce right after the ?', () => {
    assert.equal(redact(`/rt/sse?sig=${SIG}&topics=a`), '/rt/sse?sig=[redacted]&topics=a');
    assert.equal(redact(`/rt?nonce=${NONCE}`), '/rt?nonce=[redacted]');
  });

  it('scrubs parameter names in any case', () => {
    assert.equal(redact(`/rt?SIG=${SIG}&Nonce=${NONCE}`), '/rt?SIG=[redacted]&Nonce=[redacted]');
  });

  it('scrubs every URL in a line', () => {
    const line = `a /rt?sig=${SIG} b ws://h/rt?ts=1&sig=${SIG}&nonce=${NONCE}`;
    assert.equal(redact(line), 'a /rt?sig=[redacted] b ws://h/rt?ts=1&sig=[redacted]&nonce=[redacted]');
  });

  it('stops the value at whitespace and quotes', () => {
    assert.equal(redact(`url: '/rt?sig=${SIG}', x`), "url: '/rt?sig=[redacted]', x");
    assert.equal(redact(`"/rt?nonce=${NONCE}"`), '"/rt?nonce=[redacted]"');
  });

  it('scrubs a percent-encoded or malformed value too', () => {
    assert.equal(redact('/rt?sig=%20abc%2Bdef'), '/rt?sig=[redacted]');
  });

  it('leaves parameters that merely end in sig or nonce alone', () => {
    assert.equal(redact('/x?design=1&xnonce=2'), '/x?design=1&xnonce=2');
  });

  it('leaves a line without secrets unchanged', () => {
    assert.equal(redact('[RT WS] Client connected: { id: 1 }'), '[RT WS] Client connected: { id: 1 }');
  });
});

describe('createLogger', () => {
  it('orders levels from silent to debug', () => {
    assert.deepEqual(LogLevel, { silent: 0, error: 1, warn: 2, info: 3, debug: 4 });
  });

  it('hides debug lines at info', () => {
    const { sink, lines } = recordingSink();
    logAll(createLogger('info', sink));
    assert.deepEqual(
      lines.map(([level]) => level),
      ['error', 'warn', 'info'],
    );
  });

  it('is at info by default', () => {
    const { sink, lines } = recordingSink();
    const logger = createLogger(undefined, sink);
    assert.equal(logger.level, 'info');
    logAll(logger);
    assert.deepEqual(
      lines.map(([level]) => level),
      ['error', 'warn', 'info'],
    );
  });

  it('shows everything at debug', () => {
    const { sink, lines } = recordingSink();
    logAll(createLogger('debug', sink));
    assert.deepEqual(
      lines.map(([level]) => level),
      ['error', 'warn', 'info', 'debug'],
    );
  });

  it('shows only errors at error, and errors and warnings at warn', () => {
    const errors = recordingSink();
    logAll(createLogger('error', errors.sink));
    assert.deepEqual(
      errors.lines.map(([level]) => level),
      ['error'],
    );
    const warnings = recordingSink();
    logAll(createLogger('warn', warnings.sink));
    assert.deepEqual(
      warnings.lines.map(([level]) => level),
      ['error', 'warn'],
    );
  });

  it('shows nothing at silent', () => {
    const { sink, lines } = recordingSink();
    logAll(createLogger('silent', sink));
    assert.deepEqual(lines, []);
  });

  it('writes lines in the seed style with data', () => {
    const { sink, lines } = recordingSink();
    createLogger('info', sink).info('WS', 'Client connected:', { id: 'abc', n: 1, scopes: ['ops.admin'] });
    assert.deepEqual(lines, [['info', "[RT WS] Client connected: { id: 'abc', n: 1, scopes: ['ops.admin'] }"]]);
  });

  it('writes a line without data as tag and message only', () => {
    const { sink, lines } = recordingSink();
    createLogger('info', sink).warn('Gateway', 'draining');
    assert.deepEqual(lines, [['warn', '[RT Gateway] draining']]);
  });

  it('redacts signatures and nonces in the message and in the data', () => {
    const { sink, lines } = recordingSink();
    const logger = createLogger('debug', sink);
    logger.info('WS', `GET /rt?nonce=${NONCE}&sig=${SIG}`);
    logger.debug('WS', 'Request:', { url: `/rt/sse?ts=1&nonce=${NONCE}&sig=${SIG}` });
    assert.equal(lines.length, 2);
    for (const [, line] of lines) {
      assert.ok(!line.includes(SIG), line);
      assert.ok(!line.includes(NONCE), line);
      assert.match(line, /sig=\[redacted\]/);
    }
  });

  it('offers a silent logger that writes nothing to the console', (t) => {
    const calls = (['error', 'warn', 'info', 'debug'] as const).map((name) => t.mock.method(console, name, () => {}));
    assert.equal(silentLogger.level, 'silent');
    logAll(silentLogger);
    assert.deepEqual(
      calls.map((c) => c.mock.callCount()),
      [0, 0, 0, 0],
    );
  });
});
