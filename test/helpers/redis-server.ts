/**
 * A real `redis-server` for tests that restart, kill or snapshot it: its own port and directory, started and
 * stopped by PID, killed with the test process if that ends first. No automatic snapshots (`--save ""`): a test
 * takes one when it wants a stale RDB.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';

/** How the server persists: an append-only file (fsync always), RDB snapshots only, or nothing. */
export type Persistence = 'aof' | 'rdb' | 'none';

/** A port free on loopback now (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Every server a test process started, killed if it exits without stopping them. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts `redis-server` with `args`; resolves once it accepts connections, its data loaded. */
export async function spawnRedis(args: readonly string[]): Promise<ChildProcess> {
  const child = spawn('redis-server', [...args], { stdio: ['ignore', 'pipe', 'ignore'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let out = '';
  child.stdout?.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start in 10 s: ${out}`)), 10_000);
    child.stdout?.on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited: ${out}`));
    });
  });
  child.stdout?.removeAllListeners('data');
  child.stdout?.resume();
  return child;
}

/** SIGKILL by PID, as a crash; resolves once the process exited. */
export async function killRedis(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** Runs one command on a short-lived connection to the server on `port`. */
export async function redisCommand(port: number, args: readonly string[]): Promise<unknown> {
  const client = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false } });
  client.on('error', () => {});
  await client.connect();
  try {
    return await client.sendCommand([...args]);
  } finally {
    client.destroy();
  }
}

/** One redis-server process, restartable on the same port and directory. */
export class RedisServer {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly persistence: Persistence,
  ) {}

  /** Starts a server with `persistence` on a free port. */
  static async start(options: { persistence?: Persistence } = {}): Promise<RedisServer> {
    const server = new RedisServer(
      await freePort(),
      mkdtempSync(join(tmpdir(), 'rt-redis-')),
      options.persistence ?? 'none',
    );
    await server.restart();
    return server;
  }

  /** `redis://127.0.0.1:<port>`. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The running process's id (undefined while stopped). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts it (again) on its port and directory; resolves once it accepts connections, its data loaded. */
  async restart(): Promise<void> {
    const aof =
      this.persistence === 'aof' ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
    this.child = await spawnRedis([
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      ...aof,
      '--dir',
      this.dir,
    ]);
  }

  /** Runs one command on a short-lived connection. */
  command(args: string[]): Promise<unknown> {
    return redisCommand(this.port, args);
  }

  /** Writes an RDB snapshot now (`SAVE`): what a later kill and restart of an `rdb` server comes back to. */
  async snapshot(): Promise<void> {
    await this.command(['SAVE']);
  }

  /** `SHUTDOWN SAVE` or `SHUTDOWN NOSAVE`, as an operator stops it; resolves once the process exited. */
  async shutdown({ save }: { save: boolean }): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    // The connection drops as the server exits: that is the answer.
    await this.command(['SHUTDOWN', save ? 'SAVE' : 'NOSAVE']).catch(() => {});
    await exited;
    this.child = undefined;
  }

  /** SIGKILL by PID, as a crash: what was not persisted is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    await killRedis(child);
  }

  /** Kills it for good and removes its directory. */
  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The Redis tests share: the one at `url` when it answers, else a throwaway `redis-server` started here (the caller
 * disposes of `own`).
 */
export async function reachableRedis(url: string): Promise<{ url: string; own: RedisServer | undefined }> {
  const probe = createClient({ url, socket: { connectTimeout: 1000, reconnectStrategy: false } });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.close();
    return { url, own: undefined };
  } catch {
    const own = await RedisServer.start();
    return { url: own.url, own };
  }
}

/** What {@link deleteKeys} needs of a client: any connected node-redis client. */
interface KeyScanner {
  scanIterator(options: { MATCH: string; COUNT: number }): AsyncIterable<string[]>;
  del(keys: string[]): Promise<unknown>;
}

/** Deletes every key under `prefix`: a test's keys on a Redis other tests share. */
export async function deleteKeys(client: KeyScanner, prefix: string): Promise<void> {
  for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 200 }))
    if (keys.length) await client.del(keys);
}
