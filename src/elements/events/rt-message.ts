/**
 * `rt-message`: a new message arrived on the topic an `<rt-topic>` or `<rt-feed>` shows.
 */

/** The detail of an {@link RtMessageEvent}. */
export interface RtMessageDetail<T = unknown> {
  /** The topic. */
  topic: string;
  /** The message (for `<rt-feed>`, the newest item). */
  data: T;
  /** What the element shows: the `field` of `data` for `<rt-topic>`, else `data`. */
  value: unknown;
  /** The message's sequence number. */
  seq: number;
}

/**
 * Dispatched by `<rt-topic>` and `<rt-feed>`; bubbles and crosses shadow roots.
 * @example document.addEventListener('rt-message', (e) => console.log(e.detail.topic, e.detail.value));
 */
export type RtMessageEvent<T = unknown> = CustomEvent<RtMessageDetail<T>>;

declare global {
  interface HTMLElementEventMap {
    'rt-message': RtMessageEvent;
  }
}
