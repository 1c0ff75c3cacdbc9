/**
 * Registers `<rt-connection>` (a side effect: import it once, anywhere).
 * @example import '@lydian/realtime/define/rt-connection';
 */
import { RtConnection } from '../elements/rt-connection/rt-connection.component.js';
import { define } from './define.js';

define('rt-connection', RtConnection);

declare global {
  interface HTMLElementTagNameMap {
    'rt-connection': RtConnection;
  }
}
