/**
 * The command line of the gateway's tools (`rt-sign`, `rt-audit`, `rt-gateway`): flags parsed by node:util
 * `parseArgs`, a `--help` written from the same table, and one exit convention for all of them:
 * 0 done, 1 a runtime failure (a file that cannot be read, a check that failed), 2 a usage error. Every failure
 * is one line on stderr, never a stack trace.
 */
import { parseArgs } from 'node:util';

/** One flag: what `parseArgs` needs, and what `--help` says about it. */
export interface Flag {
  /** `string` takes a value (`--url <url>` or `--url=<url>`); `boolean` takes none. */
  readonly type: 'string' | 'boolean';
  /** One-letter alias (`-j`). */
  readonly short?: string;
  /** The value when the flag is absent (leave out when absence means something, and say so in `defaultHelp`). */
  readonly default?: string | boolean;
  /** How the default reads in `--help` when `default` alone does not say it (`none`, `$WS_HMAC_KID`). */
  readonly defaultHelp?: string;
  /** The value's name in `--help` (`--url <url>`; default `<value>`). */
  readonly value?: string;
  /** One line for `--help`. */
  readonly help: string;
}

/** A command: its flags and the text of its `--help`. */
export interface Command<F extends Record<string, Flag> = Record<string, Flag>> {
  /** The command's name, as typed (`rt-sign`); prefixes every error line. */
  readonly name: string;
  /** What it does, one sentence. */
  readonly summary: string;
  /** Usage lines, each starting with the name. */
  readonly usage: readonly string[];
  /** Flags by long name (`--help`/`-h` is added). */
  readonly flags: F;
  /** Whether it takes positional arguments (default `false`: one is a usage error). */
  readonly positionals?: boolean;
  /** Environment variables read, with what each does. */
  readonly env?: Readonly<Record<string, string>>;
  /** Example invocations. */
  readonly examples: readonly string[];
  /** Closing paragraph of `--help` (exit codes, output format). */
  readonly notes?: string;
}

/** The parsed value of one flag: a string or a boolean, `undefined` when absent and without a default. */
type FlagValue<T extends Flag> =
  | (T['type'] extends 'boolean' ? boolean : string)
  | (T extends { readonly default: string | boolean } ? never : undefined);

/** A command line, parsed. */
export interface Parsed<F extends Record<string, Flag>> {
  /** Flag values by long name. */
  values: { [K in keyof F]: FlagValue<F[K]> };
  /** Positional arguments, in order. */
  positionals: string[];
}

/** A mistake in the command line: exit 2, with a pointer to `--help`. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A failure at run time with its exit code (default 1): the message is printed as is, without a stack. */
export class CliError extends Error {
  override name = 'CliError';
  /**
   * @param message one line
   * @param exitCode the process exit code (default 1)
   */
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/**
 * Declares a command; the flag table's literal types give {@link Parsed.values} their types.
 * @example const cli = defineCommand({ name: 'rt-x', summary: '…', usage: ['rt-x'], flags: {}, examples: [] });
 */
export function defineCommand<const F extends Record<string, Flag>>(command: Command<F>): Command<F> {
  return command;
}

const HELP: Flag = { type: 'boolean', short: 'h', help: 'print this help and exit' };

/** Whether `argv` asks for help (`--help` or `-h` before any `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/**
 * Parses `argv` against the command's flags.
 * @throws UsageError for an unknown flag, a missing or unexpected value, or a positional argument the command
 *   does not take
 */
export function parseCommandLine<F extends Record<string, Flag>>(
  command: Command<F>,
  argv: readonly string[],
): Parsed<F> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean }> = {};
  for (const [name, flag] of Object.entries(command.flags)) {
    options[name] = {
      type: flag.type,
      ...(flag.short === undefined ? {} : { short: flag.short }),
      ...(flag.default === undefined ? {} : { default: flag.default }),
    };
  }
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: command.positionals ?? false,
    });
    return { values: { ...values } as Parsed<F>['values'], positionals }; // a plain object, not null-prototype
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
}

/** `parseArgs`' error, said in one line. */
function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  const quoted = /'(?:-\w, )?([^' ]+)/.exec(message)?.[1]; // '-j, --json <value>' → --json
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted) return `unknown flag ${quoted}`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' && quoted) return `unexpected argument ${quoted}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && quoted) {
    if (message.includes('does not take an argument')) return `${quoted} takes no value`;
    if (message.includes('ambiguous')) return `${quoted} needs a value (one starting with "-" is written ${quoted}=-…)`;
    return `${quoted} needs a value`;
  }
  return oneLine(message);
}

/** The `--help` text: what the command does, usage, every flag with its default, environment, examples. */
export function helpText(command: Command): string {
  const flags = Object.entries({ ...command.flags, help: HELP }).map(([name, flag]) => {
    const short = flag.short === undefined ? '    ' : `-${flag.short}, `;
    const value = flag.type === 'string' ? ` ${flag.value ?? '<value>'}` : '';
    const fallback = flag.defaultHelp ?? (typeof flag.default === 'string' ? flag.default : undefined);
    const shown = flag === HELP ? '' : ` (default: ${fallback ?? (flag.type === 'boolean' ? 'off' : 'none')})`;
    return [`${short}--${name}${value}`, `${flag.help}${shown}`] as const;
  });
  const sections = [
    `${command.name}: ${command.summary}`,
    `Usage:\n${command.usage.map((line) => `  ${line}`).join('\n')}`,
    `Flags:\n${table(flags)}`,
  ];
  if (command.env) sections.push(`Environment:\n${table(Object.entries(command.env))}`);
  sections.push(`Examples:\n${command.examples.map((line) => `  ${line}`).join('\n')}`);
  if (command.notes) sections.push(command.notes);
  return `${sections.join('\n\n')}\n`;
}

function table(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join('\n');
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * Runs a command: `--help` prints the help and exits 0; otherwise `main` gets the parsed command line, and its
 * result (or 0) is the exit code. A {@link UsageError} exits 2 with "see --help", a {@link CliError} with its code,
 * any other error 1, each as one line on stderr. Sets `process.exitCode` rather than exiting, so output is flushed.
 * @example await runCli(cli, ({ values }) => { process.stdout.write(`${values.url}\n`); });
 */
export async function runCli<F extends Record<string, Flag>>(
  command: Command<F>,
  main: (parsed: Parsed<F>) => number | void | Promise<number | void>,
  argv: readonly string[] = process.argv.slice(2),
): Promise<void> {
  try {
    if (wantsHelp(argv)) {
      process.stdout.write(helpText(command));
      process.exitCode = 0;
      return;
    }
    process.exitCode = (await main(parseCommandLine(command, argv))) ?? 0;
  } catch (error) {
    const message = oneLine(error instanceof Error ? error.message : String(error));
    if (error instanceof UsageError) {
      process.stderr.write(`${command.name}: ${message} (see ${command.name} --help)\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`${command.name}: ${message}\n`);
      process.exitCode = error instanceof CliError ? error.exitCode : 1;
    }
  }
}
