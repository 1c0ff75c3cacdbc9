/**
 * Subjects (a ticket's `sub`, the application's user id) never appear in clear in a log, the audit log, a Redis
 * key or a control message: everywhere but the ticket itself they are this digest.
 */
import { createHash } from 'node:crypto';

/**
 * A subject's digest: the first 32 hex characters of SHA-256 over `rt-subject:` and the subject. Stable across
 * gateways and restarts, so an operator can find a user's entries by computing it (`rt-admin digest <sub>`).
 * It hides the id from a casual reader, not from someone who can guess ids and hash them.
 * @example subjectDigest('u-42').length // 32
 */
export function subjectDigest(subject: string): string {
  return createHash('sha256').update(`rt-subject:${subject}`, 'utf8').digest('hex').slice(0, 32);
}
