/**
 * A Redis Cluster for the engine, through node-redis's cluster client: commands go to the master owning their
 * key's slot, topic channels are sharded (`SSUBSCRIBE`, Redis ≥ 7), so each message travels only within its shard.
 *
 * node-redis follows the cluster on its own: it rediscovers the slot map after a failover or a `MOVED`, and moves
 * sharded subscriptions to a slot's new owner. What it does not say is when a shard was away; this link reports
 * any node error as `lost`, then probes every master until all answer and reports `restored`, so the engine checks
 * its topics. A second `restored` follows a second later, for messages published while subscriptions were moving.
 */
import { EventEmitter } from 'node:events';
import type { createCluster } from 'redis';
import type { Logger } from '../../ops/log.js';
import { loadRedis, reconnectDelay, type RedisOptions } from './clients.js';
import { runId, type ChannelListener, type RedisLink, type RedisLinkEvents } from './link.js';

type RedisCluster = ReturnType<typeof createCluster>;

/** How often a link that lost a node asks whether every master answers again. */
const PROBE_MS = 250;
/** The second look after a recovery, for subscriptions node-redis was still moving. */
const SETTLE_MS = 1000;

/** A Redis Cluster reached through a few of its nodes. */
export class ClusterRedisLink extends EventEmitter<RedisLinkEvents> implements RedisLink {
  readonly mode = 'cluster';
  readonly publishCommand = 'SPUBLISH';
  private down = false;
  private closed = false;
  private probe: ReturnType<typeof setTimeout> | undefined;
  private settle: ReturnType<typeof setTimeout> | undefined;

  private constructor(
    private readonly cluster: RedisCluster,
    private readonly logger: Logger,
  ) {
    super();
    for (const event of ['node-error', 'node-disconnect', 'sharded-channel-moved-error'] as const)
      cluster.on(event, () => this.markLost());
  }

  /**
   * Connects through `nodes` (`redis://host:port` each; credentials and TLS of the first apply to every node).
   * @throws Error when no node answers within `connectTimeoutMs`
   */
  static async connect(nodes: readonly string[], options: RedisOptions, logger: Logger): Promise<ClusterRedisLink> {
    const { createCluster } = await loadRedis();
    const first = new URL(nodes[0] ?? 'redis://127.0.0.1:6379');
    const maxDelay = options.maxReconnectDelayMs ?? 5000;
    const cluster: RedisCluster = createCluster({
      rootNodes: nodes.map((url) => ({ url })),
      defaults: {
        ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
        ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
        disableOfflineQueue: true,
        socket: {
          connectTimeout: options.connectTimeoutMs ?? 5000,
          reconnectStrategy: (retries: number) => reconnectDelay(retries, maxDelay),
          ...(first.protocol === 'rediss:' ? { tls: true as const } : {}),
        },
      },
    });
    let reported = false;
    cluster.on('error', (error: Error) => {
      if (reported) return;
      reported = true;
      logger.warn('Redis', 'cluster connection error, following the cluster:', { error: error.message });
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis Cluster unreachable at ${nodes.join(', ')}`)),
        options.connectTimeoutMs ?? 5000,
      );
    });
    const connecting = cluster.connect();
    connecting.catch(() => {});
    try {
      await Promise.race([connecting, timeout]);
    } catch (error) {
      cluster.destroy();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return new ClusterRedisLink(cluster, logger);
  }

  get ready(): boolean {
    return !this.down && this.cluster.isReady;
  }

  command(key: string | undefined, args: readonly string[]): Promise<unknown> {
    return this.cluster.sendCommand(key, false, [...args]);
  }

  async subscribeTopic(channel: string, listener: ChannelListener): Promise<void> {
    await this.cluster.sSubscribe(channel, listener);
  }

  async subscribeRaw(channel: string, listener: ChannelListener): Promise<void> {
    // Classic Pub/Sub reaches every node of a cluster, so a pipeline's PUBLISH arrives wherever it was sent.
    await this.cluster.subscribe(channel, listener);
  }

  async unsubscribeRaw(channels: readonly string[]): Promise<void> {
    if (channels.length > 0 && this.cluster.isReady) await this.cluster.unsubscribe([...channels]);
  }

  /** The `run_id` of every master, sorted: a failover or a master's restart changes it. */
  async identity(): Promise<string> {
    const ids = await Promise.all(
      this.cluster.masters.map(async (master) => {
        const client = await this.cluster.nodeClient(master);
        return runId(String(await client.sendCommand(['INFO', 'server'])));
      }),
    );
    return ids.sort().join(',');
  }

  async close(): Promise<void> {
    this.closed = true;
    this.removeAllListeners();
    if (this.probe) clearTimeout(this.probe);
    if (this.settle) clearTimeout(this.settle);
    await this.cluster.close().catch(() => this.cluster.destroy());
  }

  private markLost(): void {
    if (this.closed) return;
    if (!this.down) {
      this.down = true;
      this.emit('lost');
    }
    this.probe ??= setTimeout(() => void this.checkBack(), PROBE_MS);
  }

  /** Back once every master answers a `PING` through the slot map node-redis holds now. */
  private async checkBack(): Promise<void> {
    this.probe = undefined;
    if (this.closed) return;
    try {
      await Promise.all(
        this.cluster.masters.map(async (master) => (await this.cluster.nodeClient(master)).sendCommand(['PING'])),
      );
      if (!this.cluster.isReady) throw new Error('not ready');
    } catch {
      this.probe = setTimeout(() => void this.checkBack(), PROBE_MS);
      return;
    }
    this.down = false;
    this.logger.info('Redis', 'every cluster master answers again');
    this.emit('restored');
    this.settle = setTimeout(() => {
      this.settle = undefined;
      if (!this.down && !this.closed) this.emit('restored');
    }, SETTLE_MS);
  }
}
