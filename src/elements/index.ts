/**
 * `@lydian/realtime/elements`: the element classes, their events and the controllers they are built on. Only
 * re-exports; nothing is registered (import `@lydian/realtime/define` for that).
 */
export { RtConnection } from './rt-connection/rt-connection.component.js';
export { RtTopic } from './rt-topic/rt-topic.component.js';
export { RtSparkline } from './rt-sparkline/rt-sparkline.component.js';
export { RtStatus } from './rt-status/rt-status.component.js';
export { RtFeed, type ItemRenderer } from './rt-feed/rt-feed.component.js';
export type { RtMessageDetail, RtMessageEvent } from './events/rt-message.js';
export type { RtStateDetail, RtStateEvent } from './events/rt-state.js';
export type { RtTargetDetail, RtTargetEvent } from './events/rt-target.js';
export { format, pick, type FormatName, type Formatter } from './shared/format.js';
export { onTarget, type Bounds } from './shared/target.js';
export { TopicElement } from './shared/topic-element.js';
export * from '../controllers/index.js';
