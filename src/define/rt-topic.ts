/**
 * Registers `<rt-topic>` (a side effect: import it once, anywhere).
 * @example import '@lydian/realtime/define/rt-topic';
 */
import { RtTopic } from '../elements/rt-topic/rt-topic.component.js';
import { define } from './define.js';

define('rt-topic', RtTopic);

declare global {
  interface HTMLElementTagNameMap {
    'rt-topic': RtTopic;
  }
}
