/**
 * Dispatching the elements' events: always `bubbles` and `composed`, so that a listener on `document` hears
 * elements inside shadow roots too.
 */
import type { RtMessageEvent } from './rt-message.js';
import type { RtStateEvent } from './rt-state.js';
import type { RtTargetEvent } from './rt-target.js';

interface RtEvents {
  'rt-message': RtMessageEvent;
  'rt-state': RtStateEvent;
  'rt-target': RtTargetEvent;
}

/**
 * Dispatches one of the elements' typed events from `target`.
 * @example emit(this, 'rt-state', { status, state });
 */
export const emit = <K extends keyof RtEvents>(target: EventTarget, type: K, detail: RtEvents[K]['detail']): boolean =>
  target.dispatchEvent(new CustomEvent(type, { bubbles: true, composed: true, detail }));
