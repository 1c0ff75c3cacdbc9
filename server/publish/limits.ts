/** The publish API's size limits (PROTOCOL.md §10.1), shared by the HTTP endpoint and the stream ingester. */

/** The largest serialized `data` of one message (64 KiB). */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** The largest request body of `POST /rt/publish` (1 MiB). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** The most messages in one batch. */
export const MAX_BATCH = 100;

/** An idempotency key: 1 to 128 printable ASCII characters without space. */
export const MESSAGE_ID = /^[\x21-\x7e]{1,128}$/;
