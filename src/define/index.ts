/**
 * `@lydian/realtime/define`: registers every tag (a side effect). `<rt-connection>` comes first, so that a
 * page's providers are upgraded before the elements that look for them.
 * @example import '@lydian/realtime/define';
 */
import './rt-connection.js';
import './rt-topic.js';
import './rt-sparkline.js';
import './rt-status.js';
import './rt-feed.js';

export { define } from './define.js';
