/**
 * Registers `<rt-feed>` unless it is registered already (a side effect). Pages import `@lydian/realtime/define`,
 * which imports this file and its siblings.
 */
import { RtFeed } from '../elements/rt-feed/rt-feed.component.js';
import { define } from './define.js';

define('rt-feed', RtFeed);

declare global {
  interface HTMLElementTagNameMap {
    'rt-feed': RtFeed;
  }
}
