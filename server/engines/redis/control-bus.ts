/**
 * The control bus over Redis Pub/Sub (`<prefix>control`): operator commands reach every gateway sharing the
 * Redis, within the time a publish takes. Classic Pub/Sub even on a Cluster: a command must reach every node's
 * subscribers, and commands are rare.
 */
import { parseCommand, type ControlBus, type ControlCommand } from '../../access/control.js';
import type { Logger } from '../../ops/log.js';
import type { RedisLink } from './link.js';

/** Commands over a Redis channel. */
export class RedisControlBus implements ControlBus {
  private listening = false;

  constructor(
    private readonly link: () => RedisLink,
    private readonly logger: Logger,
    private readonly prefix = 'rt:',
  ) {}

  private get channel(): string {
    return `${this.prefix}control`;
  }

  async publish(command: ControlCommand): Promise<void> {
    await this.link().command(this.channel, ['PUBLISH', this.channel, JSON.stringify(command)]);
  }

  async listen(handler: (command: ControlCommand) => void): Promise<void> {
    this.listening = true;
    await this.link().subscribeRaw(this.channel, (message) => {
      const command = parseCommand(message);
      if (command) handler(command);
      else this.logger.warn('Access', 'ignored a malformed control message');
    });
  }

  async close(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    await this.link()
      .unsubscribeRaw([this.channel])
      .catch(() => {});
  }
}
