/**
 * `rt-target`: the value an `<rt-topic>` shows went on or off its target (`min` / `max`).
 */

/** The detail of an {@link RtTargetEvent}. */
export interface RtTargetDetail {
  /** The topic. */
  topic: string;
  /** The value shown (the `field` of the latest payload). */
  value: number;
  /** Whether the value is on target (`min ≤ value ≤ max`). */
  met: boolean;
}

/**
 * Dispatched by `<rt-topic>` when its target state is first known and whenever it changes (met ⇄ missed);
 * bubbles and crosses shadow roots.
 * @example document.addEventListener('rt-target', (e) => e.detail.met || page(e.detail.topic, e.detail.value));
 */
export type RtTargetEvent = CustomEvent<RtTargetDetail>;

declare global {
  interface HTMLElementEventMap {
    'rt-target': RtTargetEvent;
  }
}
