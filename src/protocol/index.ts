export * from './close-codes.js';
export * from './errors.js';
export * from './frames.js';
export * from './client-frames.js';
export * from './names.js';
export * from './sse.js';
export * from './ticket.js';
export * from './standard-schema.js';
