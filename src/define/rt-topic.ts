/**
 * Registers `<rt-topic>` unless it is registered already (a side effect). Pages import `@lydian/realtime/define`,
 * which imports this file and its siblings.
 */
import { RtTopic } from '../elements/rt-topic/rt-topic.component.js';
import { define } from './define.js';

define('rt-topic', RtTopic);

declare global {
  interface HTMLElementTagNameMap {
    'rt-topic': RtTopic;
  }
}
