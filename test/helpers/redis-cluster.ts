/**
 * A real Redis Cluster on loopback for tests: `masters` masters with a replica each, created with
 * `redis-cli --cluster create`, a short `cluster-node-timeout` so failovers are quick, every process started and
 * stopped by PID (and killed with the test process if that ends first). Failover and slot migration as an
 * operator does them.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, killRedis, redisCommand, spawnRedis } from './redis-server.js';

const run = promisify(execFile);

/** One node of the cluster. */
export interface ClusterNode {
  port: number;
  dir: string;
  child: ChildProcess | undefined;
}

/** Polls `check` every 50 ms, at most `tries` times. */
async function poll(what: string, check: () => Promise<boolean>, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`cluster: never happened: ${what}`);
}

/** Runs one command on a node over a short-lived connection. */
export const nodeCommand = redisCommand;

/** A free port whose cluster bus port (+10 000) is free too. */
async function clusterPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await freePort();
    if (port + 10_000 >= 65_536) continue;
    const probe = await import('node:net').then(
      ({ createServer }) =>
        new Promise<boolean>((resolve) => {
          const server = createServer();
          server.once('error', () => resolve(false));
          server.listen(port + 10_000, '127.0.0.1', () => server.close(() => resolve(true)));
        }),
    );
    if (probe) return port;
  }
  throw new Error('cluster: no free port pair');
}

/** A local Redis Cluster. */
export class RedisCluster {
  private constructor(readonly nodes: ClusterNode[]) {}

  /** Starts `masters` × (1 + `replicas`) nodes and creates the cluster; resolves once every node agrees it is ok. */
  static async start({ masters = 3, replicas = 1 } = {}): Promise<RedisCluster> {
    const nodes: ClusterNode[] = [];
    for (let i = 0; i < masters * (1 + replicas); i++)
      nodes.push({ port: await clusterPort(), dir: mkdtempSync(join(tmpdir(), 'rt-cluster-')), child: undefined });
    const cluster = new RedisCluster(nodes);
    try {
      await Promise.all(nodes.map((node) => cluster.startNode(node)));
      await run(
        'redis-cli',
        [
          '--cluster',
          'create',
          ...nodes.map((n) => `127.0.0.1:${n.port}`),
          '--cluster-replicas',
          String(replicas),
          '--cluster-yes',
        ],
        { timeout: 30_000 },
      );
      await cluster.settled();
    } catch (error) {
      await cluster.dispose();
      throw error;
    }
    return cluster;
  }

  /** The URLs a client starts from (every node). */
  get urls(): string[] {
    return this.nodes.map((n) => `redis://127.0.0.1:${n.port}`);
  }

  /** The hash slot of `key`. */
  async slotOf(key: string): Promise<number> {
    return Number(await nodeCommand(this.live()[0]?.port ?? 0, ['CLUSTER', 'KEYSLOT', key]));
  }

  /** The port of the master that owns `slot`, as a live node sees it. */
  async masterOf(slot: number): Promise<number> {
    const shards = (await nodeCommand(this.live()[0]?.port ?? 0, ['CLUSTER', 'SLOTS'])) as [
      number,
      number,
      [string, number, string],
    ][];
    const shard = shards.find(([from, to]) => slot >= from && slot <= to);
    if (!shard) throw new Error(`cluster: no owner for slot ${slot}`);
    return shard[2][1];
  }

  /** The port of a replica of the master on `port`. */
  async replicaOf(port: number): Promise<number> {
    const id = String(await nodeCommand(port, ['CLUSTER', 'MYID']));
    const lines = String(await nodeCommand(port, ['CLUSTER', 'NODES'])).split('\n');
    const line = lines.find((l) => l.split(' ')[3] === id && !l.includes('fail'));
    if (!line) throw new Error(`cluster: no replica of ${port}`);
    return Number(/:(\d+)@/.exec(line)?.[1]);
  }

  /** A manual failover of `slot`'s master (`CLUSTER FAILOVER` on its replica); resolves once all nodes agree. */
  async failover(slot: number): Promise<number> {
    const master = await this.masterOf(slot);
    const replica = await this.replicaOf(master);
    await nodeCommand(replica, ['CLUSTER', 'FAILOVER']);
    await poll('the replica leads', async () => (await this.masterOf(slot)) === replica);
    await this.settled();
    return replica;
  }

  /** SIGKILLs `slot`'s master, as a crash; resolves once its replica took over and the cluster is ok again. */
  async killMaster(slot: number): Promise<ClusterNode> {
    const port = await this.masterOf(slot);
    const node = this.nodes.find((n) => n.port === port) as ClusterNode;
    // A replica still syncing could not take over: wait until it streams from its master.
    const replica = await this.replicaOf(port);
    await poll('the replica streams from its master', async () =>
      String(await nodeCommand(replica, ['INFO', 'replication'])).includes('master_link_status:up'),
    );
    await this.stopNode(node);
    await poll('a replica takes over', async () => (await this.masterOf(slot)) !== port, 400);
    await this.settled();
    return node;
  }

  /** Moves `slot` and its keys to the master on `toPort`, as `redis-cli --cluster reshard` does. */
  async migrateSlot(slot: number, toPort: number): Promise<void> {
    const fromPort = await this.masterOf(slot);
    if (fromPort === toPort) return;
    const toId = String(await nodeCommand(toPort, ['CLUSTER', 'MYID']));
    const fromId = String(await nodeCommand(fromPort, ['CLUSTER', 'MYID']));
    await nodeCommand(toPort, ['CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', fromId]);
    await nodeCommand(fromPort, ['CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', toId]);
    for (let batch = 0; batch < 1000; batch++) {
      const keys = (await nodeCommand(fromPort, ['CLUSTER', 'GETKEYSINSLOT', String(slot), '100'])) as string[];
      if (keys.length === 0) break;
      await nodeCommand(fromPort, ['MIGRATE', '127.0.0.1', String(toPort), '', '0', '5000', 'KEYS', ...keys]);
    }
    // Masters only (replicas learn it from them): the new owner first, as redis-cli does.
    for (const port of [toPort, fromPort, ...(await this.masters()).filter((p) => p !== toPort && p !== fromPort)])
      await nodeCommand(port, ['CLUSTER', 'SETSLOT', String(slot), 'NODE', toId]);
    await poll('every node sees the new owner', async () => {
      for (const node of this.live()) {
        const shards = (await nodeCommand(node.port, ['CLUSTER', 'SLOTS'])) as [number, number, [string, number]][];
        const owner = shards.find(([from, to]) => slot >= from && slot <= to)?.[2][1];
        if (owner !== toPort) return false;
      }
      return true;
    });
  }

  /** The ports of the masters, as a live node sees them. */
  async masters(): Promise<number[]> {
    const shards = (await nodeCommand(this.live()[0]?.port ?? 0, ['CLUSTER', 'SLOTS'])) as [
      number,
      number,
      [string, number],
    ][];
    return [...new Set(shards.map((s) => s[2][1]))];
  }

  /** Stops every node by PID and removes their directories. */
  async dispose(): Promise<void> {
    await Promise.all(this.nodes.map((node) => this.stopNode(node)));
    for (const node of this.nodes) rmSync(node.dir, { recursive: true, force: true });
  }

  private live(): ClusterNode[] {
    return this.nodes.filter((n) => n.child !== undefined);
  }

  /** Every live node says `cluster_state:ok` and sees every slot covered by the same masters. */
  private async settled(): Promise<void> {
    await poll(
      'the cluster is ok on every node',
      async () => {
        let map: string | undefined;
        for (const node of this.live()) {
          const info = String(await nodeCommand(node.port, ['CLUSTER', 'INFO']));
          if (!info.includes('cluster_state:ok') || !info.includes('cluster_slots_ok:16384')) return false;
          const shards = (await nodeCommand(node.port, ['CLUSTER', 'SLOTS'])) as [number, number, [string, number]][];
          const view = JSON.stringify(
            shards.map((s) => [s[0], s[1], s[2][1]]).sort((a, b) => Number(a[0]) - Number(b[0])),
          );
          if (map !== undefined && view !== map) return false;
          map = view;
        }
        return true;
      },
      400,
    );
  }

  private async startNode(node: ClusterNode): Promise<void> {
    node.child = await spawnRedis([
      '--port',
      String(node.port),
      '--bind',
      '127.0.0.1',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(node.dir, 'nodes.conf'),
      '--cluster-node-timeout',
      '1000',
      '--appendonly',
      'yes',
      '--save',
      '',
      '--dir',
      node.dir,
    ]);
  }

  private async stopNode(node: ClusterNode): Promise<void> {
    const child = node.child;
    node.child = undefined;
    await killRedis(child);
  }
}
