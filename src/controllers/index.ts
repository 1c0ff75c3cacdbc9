/**
 * Lit reactive controllers that own the realtime state; any Lit element (or host with the same controller
 * protocol) can use them. Only re-exports.
 */
export { clientContext, defaultClient, setDefaultClient } from './context.js';
export { ClientConsumer, type ControllerHost } from './client-consumer.js';
export { ConnectionController, type ConnectionConfig } from './connection-controller.js';
export { StoreController } from './store-controller.js';
export { LinkStatus, linkStatus, StatusController } from './status-controller.js';
export { TopicController, TopicView, type TopicControllerOptions } from './topic-controller.js';
