/**
 * Connection ids: 9 random bytes each (12 base64url characters), drawn from a pool filled 256 ids at a time. One
 * `randomBytes` call per connection cost more than the rest of making its session (BENCHMARKS.md).
 */
import { randomFillSync } from 'node:crypto';

const ID_BYTES = 9;
const IDS_PER_FILL = 256;

/** Random ids, unguessable like `randomBytes(9)`'s, at a fraction of the cost per id. */
export class RandomIds {
  private readonly pool = Buffer.alloc(ID_BYTES * IDS_PER_FILL);
  private offset = this.pool.length;

  /** The next id. */
  next(): string {
    if (this.offset === this.pool.length) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const id = this.pool.toString('base64url', this.offset, this.offset + ID_BYTES);
    this.offset += ID_BYTES;
    return id;
  }
}
