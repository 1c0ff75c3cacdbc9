/**
 * The control bus over Redis: each command is added to a log (`<prefix>{control}:log`, a sorted set by time,
 * trimmed to `retentionMs`) and published on `<prefix>control` (classic Pub/Sub, even on a Cluster: a command
 * must reach every node's subscribers, and commands are rare). Pub/Sub delivers at most once; the log is what a
 * gateway that was reconnecting reads to catch up.
 */
import { parseCommand, type ControlBus, type ControlCommand } from '../../access/control.js';
import type { Logger } from '../../ops/log.js';
import type { RedisLink } from './link.js';

/** Most commands the log keeps, whatever their age. */
const MAX_LOGGED = 10_000;

/** Commands over Redis. */
export class RedisControlBus implements ControlBus {
  private listening = false;

  constructor(
    private readonly link: () => RedisLink,
    private readonly logger: Logger,
    private readonly prefix = 'rt:',
    /** How long the log keeps a command: as long as a connection it could reach may live. */
    private readonly retentionMs = 24 * 60 * 60 * 1000,
  ) {}

  private get channel(): string {
    return `${this.prefix}control`;
  }

  private get log(): string {
    return `${this.prefix}{control}:log`;
  }

  async publish(command: ControlCommand): Promise<void> {
    const link = this.link();
    const { log } = this;
    await link.command(log, ['ZADD', log, String(command.at), JSON.stringify(command)]);
    await link.command(log, ['ZREMRANGEBYSCORE', log, '-inf', `(${command.at - this.retentionMs}`]);
    await link.command(log, ['ZREMRANGEBYRANK', log, '0', String(-MAX_LOGGED - 1)]);
    await link.command(this.channel, ['PUBLISH', this.channel, JSON.stringify(command)]);
  }

  async listen(handler: (command: ControlCommand) => void): Promise<void> {
    this.listening = true;
    await this.link().subscribeRaw(this.channel, (message) => {
      const command = parseCommand(message);
      if (command) handler(command);
      else this.logger.warn('Access', 'ignored a malformed control message');
    });
  }

  async catchUp(sinceMs: number): Promise<ControlCommand[]> {
    const { log } = this;
    const entries = (await this.link().command(log, ['ZRANGEBYSCORE', log, String(sinceMs), '+inf'])) as unknown[];
    return entries.map((entry) => parseCommand(String(entry))).filter((c): c is ControlCommand => c !== undefined);
  }

  async close(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    await this.link()
      .unsubscribeRaw([this.channel])
      .catch(() => {});
  }
}
