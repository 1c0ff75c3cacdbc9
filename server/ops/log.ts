/**
 * Gateway log lines in the seed's style (`[RT WS] Client connected: {...}`), with a level so per-fanout lines
 * stay quiet by default. Ticket signatures and nonces never reach a log line: {@link redact} scrubs them.
 */

/** Log levels, most to least severe. */
export const LogLevel = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 } as const;

/** A level name from {@link LogLevel}. */
export type LogLevelName = keyof typeof LogLevel;

/** Where log lines go. Any console-like object fits. */
export interface LogSink {
  /** Takes one finished, redacted `error` line. */
  error(line: string): void;
  /** Takes one finished, redacted `warn` line. */
  warn(line: string): void;
  /** Takes one finished, redacted `info` line. */
  info(line: string): void;
  /** Takes one finished, redacted `debug` line. */
  debug(line: string): void;
}

/** A logger bound to a level. */
export interface Logger {
  /** The level it was created with: lines of a less severe level are dropped. */
  readonly level: LogLevelName;
  /** Logs a failure (`tag`: the part of the gateway, `WS` in `[RT WS]`; `data`: fields shown after the message). */
  error(tag: string, message: string, data?: object): void;
  /** Logs something an operator should look at (same arguments as {@link Logger.error}). */
  warn(tag: string, message: string, data?: object): void;
  /** Logs a lifecycle event: a connect, a subscribe, a refusal (same arguments as {@link Logger.error}). */
  info(tag: string, message: string, data?: object): void;
  /** Logs per-message detail such as fanout lines, dropped unless the level is `debug`. */
  debug(tag: string, message: string, data?: object): void;
}

const SECRET_PARAMS = /([?&](?:sig|nonce)=)[^&\s"']*/gi;

/** Replaces ticket signatures and nonces in a string with `[redacted]`. */
export function redact(text: string): string {
  return text.replace(SECRET_PARAMS, '$1[redacted]');
}

/**
 * Creates a logger. Lines read `[RT WS] Subscribed: { id: 'abc', topic: 'kpis.s2' }`.
 * @param level lines above this level are dropped (default `info`)
 * @param sink where lines go (default `console`)
 */
export function createLogger(level: LogLevelName = 'info', sink: LogSink = console): Logger {
  const threshold = LogLevel[level];
  const emit = (at: Exclude<LogLevelName, 'silent'>) => (tag: string, message: string, data?: object) => {
    if (LogLevel[at] > threshold) return;
    const details = data === undefined ? '' : ` ${formatData(data)}`;
    sink[at](redact(`[RT ${tag}] ${message}${details}`));
  };
  return { level, error: emit('error'), warn: emit('warn'), info: emit('info'), debug: emit('debug') };
}

function formatData(data: object): string {
  const parts = Object.entries(data).map(([k, v]) => `${k}: ${formatValue(v)}`);
  return `{ ${parts.join(', ')} }`;
}

/** As the seed writes values: `'text'`, `['a', 'b']`, numbers and the rest as JSON. */
function formatValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  return JSON.stringify(value) ?? String(value);
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = createLogger('silent');
