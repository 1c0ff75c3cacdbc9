/**
 * Registers `<rt-status>` unless it is registered already (a side effect). Pages import `@lydian/realtime/define`,
 * which imports this file and its siblings.
 */
import { RtStatus } from '../elements/rt-status/rt-status.component.js';
import { define } from './define.js';

define('rt-status', RtStatus);

declare global {
  interface HTMLElementTagNameMap {
    'rt-status': RtStatus;
  }
}
