/**
 * Registers `<rt-connection>` unless it is registered already (a side effect). Pages import `@lydian/realtime/define`,
 * which imports this file and its siblings.
 */
import { RtConnection } from '../elements/rt-connection/rt-connection.component.js';
import { define } from './define.js';

define('rt-connection', RtConnection);

declare global {
  interface HTMLElementTagNameMap {
    'rt-connection': RtConnection;
  }
}
