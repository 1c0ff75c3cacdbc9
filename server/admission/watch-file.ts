/**
 * Reloading a file an operator's vault agent rewrites (the ticket key ring, the publisher keys): on change, polled,
 * and on SIGHUP. A reload that fails leaves what is in use as it is; the caller says why in its log.
 */
import { unwatchFile, watchFile } from 'node:fs';

/**
 * Calls `apply` whenever the file at `path` changes (polled every `intervalMs`) and on SIGHUP; `rejected` hears why
 * an `apply` failed. Returns a function that stops watching.
 */
export function reloadOnChange(
  path: string,
  apply: () => Promise<void>,
  rejected: (reason: string) => void,
  intervalMs: number,
): () => void {
  const reload = () => {
    apply().catch((error: unknown) => rejected(error instanceof Error ? error.message : 'unknown'));
  };
  watchFile(path, { interval: intervalMs, persistent: false }, reload);
  process.on('SIGHUP', reload);
  return () => {
    unwatchFile(path, reload);
    process.off('SIGHUP', reload);
  };
}
