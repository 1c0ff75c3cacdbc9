/**
 * Registers `<rt-sparkline>` unless it is registered already (a side effect). Pages import `@lydian/realtime/define`,
 * which imports this file and its siblings.
 */
import { RtSparkline } from '../elements/rt-sparkline/rt-sparkline.component.js';
import { define } from './define.js';

define('rt-sparkline', RtSparkline);

declare global {
  interface HTMLElementTagNameMap {
    'rt-sparkline': RtSparkline;
  }
}
