/**
 * Registers `<rt-status>` (a side effect: import it once, anywhere).
 * @example import '@lydian/realtime/define/rt-status';
 */
import { RtStatus } from '../elements/rt-status/rt-status.component.js';
import { define } from './define.js';

define('rt-status', RtStatus);

declare global {
  interface HTMLElementTagNameMap {
    'rt-status': RtStatus;
  }
}
