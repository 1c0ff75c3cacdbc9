/**
 * Registers `<rt-feed>` (a side effect: import it once, anywhere).
 * @example import '@lydian/realtime/define/rt-feed';
 */
import { RtFeed } from '../elements/rt-feed/rt-feed.component.js';
import { define } from './define.js';

define('rt-feed', RtFeed);

declare global {
  interface HTMLElementTagNameMap {
    'rt-feed': RtFeed;
  }
}
