/**
 * Runs the engine's Lua scripts by SHA, sending the source only when Redis does not know it: on first use, and
 * after a restart or failover (a new master starts with an empty script cache). `EVAL` caches the script on the
 * node that runs it, so on a Cluster each shard learns it the first time one of its topics needs it.
 */
import { createHash } from 'node:crypto';
import type { RedisLink } from './link.js';

/** Scripts by SHA, with the `NOSCRIPT` fallback. */
export class ScriptRunner {
  private readonly shas = new Map<string, string>();

  constructor(private readonly link: () => RedisLink) {}

  /** Runs `script` with `keys` (the first routes it on a Cluster) and `args`. */
  async run<T>(script: string, keys: readonly string[], args: readonly string[]): Promise<T> {
    const link = this.link();
    const routing = [String(keys.length), ...keys, ...args];
    try {
      return (await link.command(keys[0], ['EVALSHA', this.sha(script), ...routing])) as T;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    }
    return (await link.command(keys[0], ['EVAL', script, ...routing])) as T;
  }

  private sha(script: string): string {
    let sha = this.shas.get(script);
    if (sha === undefined) {
      sha = createHash('sha1').update(script).digest('hex');
      this.shas.set(script, sha);
    }
    return sha;
  }
}
