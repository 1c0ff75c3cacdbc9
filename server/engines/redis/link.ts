/**
 * What the Redis engine needs from Redis, whatever its shape: commands routed by key, Pub/Sub for topic channels
 * and raw ingestion, and word of outages. A single Redis ({@link SingleRedisLink}) and a Redis Cluster
 * (`ClusterRedisLink`) both provide it, so the engine's logic never asks which one it runs on.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../../ops/log.js';
import { connectRedis, type RedisClient, type RedisOptions } from './clients.js';

/** A Pub/Sub listener: the message as a string. */
export type ChannelListener = (message: string) => void;

/** Which Redis the engine runs on (`/health`, metrics, logs). */
export type RedisMode = 'single' | 'cluster';

/** Events of a {@link RedisLink}. */
export interface RedisLinkEvents {
  /** A connection dropped: Pub/Sub messages may be missed from now on, commands fail until `restored`. */
  lost: [];
  /** Every connection is back after `lost` (subscriptions included): time to check what was missed. */
  restored: [];
}

/** The engine's view of Redis. */
export interface RedisLink extends EventEmitter<RedisLinkEvents> {
  /** Single Redis or Cluster. */
  readonly mode: RedisMode;
  /** The command that publishes on a topic channel inside a script: `PUBLISH`, or `SPUBLISH` on a cluster. */
  readonly publishCommand: 'PUBLISH' | 'SPUBLISH';
  /** Whether every connection is up. */
  readonly ready: boolean;
  /**
   * Runs one command. `key` routes it on a cluster (the node owning its slot); commands without keys go
   * anywhere. Fails at once while Redis is away (no offline queue).
   */
  command(key: string | undefined, args: readonly string[]): Promise<unknown>;
  /** Subscribes to a topic channel (sharded on a cluster, so a message travels only to its shard). */
  subscribeTopic(channel: string, listener: ChannelListener): Promise<void>;
  /** Subscribes to raw channels a pipeline `PUBLISH`es on (classic Pub/Sub in both modes). */
  subscribeRaw(channel: string, listener: ChannelListener): Promise<void>;
  /** Leaves raw channels. */
  unsubscribeRaw(channels: readonly string[]): Promise<void>;
  /**
   * Who Redis is now: the `run_id` of the server, or of every master on a cluster. A different answer after
   * `restored` means a restart or failover happened, whose data may have gone back.
   */
  identity(): Promise<string>;
  /** Closes every connection. */
  close(): Promise<void>;
}

/** One Redis server: a command connection and a subscriber connection. */
export class SingleRedisLink extends EventEmitter<RedisLinkEvents> implements RedisLink {
  readonly mode = 'single';
  readonly publishCommand = 'PUBLISH';
  private down = false;

  private constructor(
    private readonly commands: RedisClient,
    private readonly subscriber: RedisClient,
  ) {
    super();
    for (const client of [commands, subscriber]) {
      client.on('error', () => this.markLost());
      client.on('end', () => this.markLost());
      // node-redis resubscribes every channel by itself before `ready`.
      client.on('ready', () => {
        if (this.down && this.ready) {
          this.down = false;
          this.emit('restored');
        }
      });
    }
  }

  /** Connects both connections. @throws Error when Redis cannot be reached in time */
  static async connect(options: RedisOptions, logger: Logger): Promise<SingleRedisLink> {
    const commands = await connectRedis(options, logger, 'command');
    try {
      return new SingleRedisLink(commands, await connectRedis(options, logger, 'subscriber'));
    } catch (error) {
      commands.destroy();
      throw error;
    }
  }

  get ready(): boolean {
    return this.commands.isReady && this.subscriber.isReady;
  }

  command(_key: string | undefined, args: readonly string[]): Promise<unknown> {
    return this.commands.sendCommand([...args]);
  }

  async subscribeTopic(channel: string, listener: ChannelListener): Promise<void> {
    await this.subscriber.subscribe(channel, listener);
  }

  async subscribeRaw(channel: string, listener: ChannelListener): Promise<void> {
    await this.subscriber.subscribe(channel, listener);
  }

  async unsubscribeRaw(channels: readonly string[]): Promise<void> {
    if (channels.length > 0 && this.subscriber.isReady) await this.subscriber.unsubscribe([...channels]);
  }

  async identity(): Promise<string> {
    return runId(String(await this.commands.sendCommand(['INFO', 'server'])));
  }

  async close(): Promise<void> {
    this.removeAllListeners();
    for (const client of [this.subscriber, this.commands]) {
      if (client.isOpen) await client.close().catch(() => client.destroy());
    }
  }

  private markLost(): void {
    if (this.down) return;
    this.down = true;
    this.emit('lost');
  }
}

/** The `run_id` line of `INFO server` ('' when absent). */
export function runId(info: string): string {
  return /run_id:(\w+)/.exec(info)?.[1] ?? '';
}
