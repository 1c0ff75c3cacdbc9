/**
 * The logging hook: every state change and frame goes through it; nothing is logged unless the application
 * passes a `logger` or `debug: true`, except each kind of error once (a `problem`: a `[lydian]` console warning
 * when there is no `logger`), so a misconfiguration is never silent.
 */

/** How much a log event matters. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Receives the client's log events: `event` is a short name (`state`, `frame.in`, `frame.out`, `close`,
 * `ticket.error`, `transport`, `problem`: an error, once per kind, …), `data` its details.
 * @example createClient({ …, logger: (level, event, data) => myLog[level](event, data) })
 */
export type Logger = (level: LogLevel, event: string, data?: unknown) => void;

/** A {@link Logger} that writes to the console with a `[lydian]` prefix (what `debug: true` uses). */
export const consoleLogger: Logger = (level, event, data) => console[level]('[lydian]', event, data ?? '');
