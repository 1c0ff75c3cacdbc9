/**
 * A frame serialized once and framed lazily for each transport, so a fanout to thousands of subscribers costs
 * one `JSON.stringify` and at most one buffer per transport, never one per recipient.
 */
import type { MsgFrame, ServerFrame } from '../../src/protocol/index.js';

/** A frame ready to be written to any number of connections. */
export class PreparedFrame {
  private wsBytes: Buffer | undefined;
  private sseBytes: Buffer | undefined;
  private publishedAt: number | undefined;

  /**
   * @param json the frame's JSON text
   * @param seq the message's seq (0 for other frames)
   * @param eventId SSE `id:` of the event (`<topic>:<seq>` for messages)
   * @param droppable whether backpressure may drop it (messages and pings; never control answers)
   */
  private constructor(
    readonly json: string,
    readonly seq: number,
    private readonly eventId: string | undefined,
    readonly droppable: boolean,
  ) {}

  /** Prepares a `msg` frame. */
  static message(topic: string, seq: number, ts: number, data: unknown): PreparedFrame {
    const frame: MsgFrame = { type: 'msg', topic, seq, ts, data };
    const prepared = PreparedFrame.fromJson(topic, seq, JSON.stringify(frame));
    prepared.publishedAt = ts;
    return prepared;
  }

  /** Wraps the JSON of a `msg` frame serialized elsewhere (by the Redis engine's publish script). */
  static fromJson(topic: string, seq: number, json: string): PreparedFrame {
    return new PreparedFrame(json, seq, `${topic}:${seq}`, true);
  }

  /**
   * A message's `ts` (ms since the epoch, the publishing gateway's clock): read from its JSON the first time it is
   * asked for, where `ts` comes before `data` (so nothing in the payload can pose as it); `NaN` for other frames.
   */
  get ts(): number {
    if (this.publishedAt === undefined) {
      const at = this.seq > 0 ? this.json.indexOf('"ts":') : -1;
      this.publishedAt = at < 0 ? Number.NaN : Number.parseInt(this.json.slice(at + 5, at + 25), 10);
    }
    return this.publishedAt;
  }

  /** Prepares any other frame. */
  static control(frame: ServerFrame): PreparedFrame {
    return new PreparedFrame(JSON.stringify(frame), 0, undefined, frame.type === 'ping' || frame.type === 'pong');
  }

  /**
   * The whole WebSocket frame of this text message as a server sends it (FIN, opcode 1, unmasked, no
   * compression): header and payload in one buffer, built once for every recipient, so each send is a single
   * socket write with no per-recipient framing (what Socket.IO does with `wsPreEncodedFrame`).
   */
  get ws(): Buffer {
    if (!this.wsBytes) {
      const payload = Buffer.from(this.json, 'utf8');
      const length = payload.length;
      const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
      const frame = Buffer.allocUnsafe(headerLength + length);
      frame[0] = 0x81;
      if (length < 126) frame[1] = length;
      else if (length < 65_536) {
        frame[1] = 126;
        frame.writeUInt16BE(length, 2);
      } else {
        frame[1] = 127;
        frame.writeBigUInt64BE(BigInt(length), 2);
      }
      payload.copy(frame, headerLength);
      this.wsBytes = frame;
    }
    return this.wsBytes;
  }

  /** The bytes of an SSE event: `id:` (messages only), one `data:` line, a blank line. */
  get sse(): Buffer {
    if (!this.sseBytes) {
      const id = this.eventId === undefined ? '' : `id: ${this.eventId}\n`;
      this.sseBytes = Buffer.from(`${id}data: ${this.json}\n\n`, 'utf8');
    }
    return this.sseBytes;
  }
}
