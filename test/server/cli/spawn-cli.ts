/** Runs the gateway's command-line tools for real, as a user would (`node --import tsx server/cli/…`). */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** How a run ended. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `server/cli/<script>` with `args` and only the environment given in `env` (plus `PATH`), so the caller's
 * own `WS_HMAC_SECRET` cannot leak in. With `input`, that is written to its stdin, which is then closed.
 */
export function runCli(
  script: string,
  args: readonly string[],
  env: Record<string, string> = {},
  input?: string,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `server/cli/${script}`, ...args], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (input !== undefined) child.stdin.end(input);
  });
}

/** Whether `text` is exactly one line (an error message, not a stack trace). */
export function isOneLine(text: string): boolean {
  return /^[^\n]+\n$/.test(text);
}
