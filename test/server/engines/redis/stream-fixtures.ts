/**
 * What the ingest-stream tests share: a tally of numbered messages per subscriber (WebSocket or SSE), a producer
 * that `XADD`s numbered entries in bounded chunks and retries through a Redis restart, and gateways run as real
 * `rt-gateway` child processes, killed by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { MsgFrame, ServerFrame } from '../../../../src/protocol/index.js';
import type { RedisClient } from '../../../../server/engines/redis/clients.js';
import { freePort } from '../../../helpers/redis-server.js';
import { eventually } from '../../../helpers/until.js';
import { get, SECRET, SseReader, TestClient, signedQuery, wsUrl } from '../../helpers.js';

/** The payload of a numbered entry. */
export interface Numbered {
  n: number;
}

/** The numbers a subscriber received per topic, in arrival order. */
export class Tally {
  readonly byTopic = new Map<string, number[]>();

  constructor(readonly name: string) {}

  /** Folds a frame in (anything but a `msg` is ignored). */
  add(frame: ServerFrame): void {
    if (frame.type !== 'msg') return;
    const { n } = (frame as MsgFrame).data as Numbered;
    const list = this.byTopic.get(frame.topic) ?? [];
    list.push(n);
    this.byTopic.set(frame.topic, list);
  }

  /** Messages received in all. */
  get count(): number {
    return [...this.byTopic.values()].reduce((sum, list) => sum + list.length, 0);
  }

  /** Messages received more than once (same topic and number). */
  get duplicates(): number {
    return [...this.byTopic.values()].reduce((sum, list) => sum + list.length - new Set(list).size, 0);
  }

  /** The numbers of `topic`, in arrival order. */
  of(topic: string): number[] {
    return this.byTopic.get(topic) ?? [];
  }

  /** Whether every number of `expected` (topic → numbers) arrived. */
  hasAll(expected: ReadonlyMap<string, readonly number[]>): boolean {
    return [...expected].every(([topic, numbers]) => {
      const seen = new Set(this.of(topic));
      return numbers.every((n) => seen.has(n));
    });
  }
}

/** A subscriber whose messages are tallied. */
export interface Watcher {
  /** What arrived so far. */
  tally: () => Tally;
  close: () => void;
}

/** A WebSocket client subscribed to `topics` (resolves after every `sub.ok`). */
export async function wsWatcher(url: string, scopes: string[], topics: readonly string[]): Promise<Watcher> {
  const tally = new Tally(`ws@${url}`);
  const client = new TestClient(wsUrl({ url }, signedQuery(scopes)));
  client.ws.on('message', (data) => tally.add(JSON.parse(String(data)) as ServerFrame));
  await client.next('hello');
  for (const topic of topics) {
    client.send({ type: 'sub', topic });
    await client.next('sub.ok');
  }
  return { tally: () => tally, close: () => client.ws.terminate() };
}

/** An SSE stream on `topics` (resolves once every topic answered `sub.ok`). */
export async function sseWatcher(url: string, scopes: string[], topics: readonly string[]): Promise<Watcher> {
  const tally = new Tally(`sse@${url}`);
  const stream = new SseReader(`${url}/rt/sse?${signedQuery(scopes)}&topics=${topics.join(',')}`);
  const subscribed = () => stream.events.filter((e) => e.data.type === 'sub.ok').length;
  for (let events = 1; subscribed() < topics.length; events++) await stream.waitFor(events); // throws if it ended
  let read = 0;
  const fold = () => {
    for (; read < stream.events.length; read++) tally.add((stream.events[read] as { data: ServerFrame }).data);
    return tally;
  };
  return { tally: fold, close: () => stream.close() };
}

/** Fields of one `XADD` (after the id). */
export type Fields = readonly string[];

/** The fields of numbered entry `n` on `topic`, with an idempotency key when `keyed`. */
export function numbered(topic: string, n: number, keyed = false): Fields {
  const fields = ['topic', topic, 'data', JSON.stringify({ n } satisfies Numbered)];
  return keyed ? [...fields, 'id', `n-${topic}-${n}`] : fields;
}

/**
 * `XADD`s entries `chunk` at a time (each chunk pipelined), retrying a chunk that failed (Redis away) up to
 * `retries` times. A retried entry may be added twice: give entries an `id` when Redis may restart.
 */
export async function produce(
  client: RedisClient,
  key: string,
  entries: readonly Fields[],
  { chunk = 50, retries = 400, onChunk }: { chunk?: number; retries?: number; onChunk?: (sent: number) => void } = {},
): Promise<void> {
  for (let start = 0; start < entries.length; start += chunk) {
    const part = entries.slice(start, start + chunk);
    for (let attempt = 0; ; attempt++) {
      try {
        await Promise.all(part.map((fields) => client.sendCommand(['XADD', key, '*', ...fields])));
        break;
      } catch (error) {
        if (attempt >= retries) throw error;
        await new Promise((resolve) => setTimeout(resolve, 25)); // Redis away: it comes back on its own
      }
    }
    onChunk?.(start + part.length);
  }
}

/** Every process a test started, killed if the test process exits first. */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** `rt-gateway` (server/main.ts) as a child process on its own port. */
export class GatewayProcess {
  private output = '';

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.stderr?.setEncoding('utf8');
    child.stdout?.setEncoding('utf8');
    const keep = (chunk: string) => (this.output = (this.output + chunk).slice(-4000));
    child.stderr?.on('data', keep);
    child.stdout?.on('data', keep);
  }

  /** Starts one with `env` added to the test's; resolves once `/health` answers 200 (Redis connected). */
  static async start(env: Record<string, string>): Promise<GatewayProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      env: { ...process.env, WS_HMAC_SECRET: SECRET, LOG_LEVEL: 'warn', ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    const gateway = new GatewayProcess(child, `http://127.0.0.1:${port}`);
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`gateway exited: ${gateway.output}`);
        return (await get(`${gateway.url}/health`).catch(() => ({ status: 0 }))).status === 200;
      },
      { tries: 600, intervalMs: 50, what: 'a gateway process answering /health' },
    );
    return gateway;
  }

  /** What it wrote last (stdout and stderr), for failure messages. */
  get log(): string {
    return this.output;
  }

  /** Sends `signal` by PID; resolves once it exited (SIGKILL after 10 s of draining). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    const pid = this.child.pid as number;
    process.kill(pid, signal);
    const stuck = setTimeout(() => process.kill(pid, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(stuck);
  }
}
