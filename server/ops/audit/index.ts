/** The attested audit log: writer, verifier, retention and the entry format. */
export { AuditLog, type AuditLogOptions } from './audit-log.js';
export { AUDIT_VERSION, AuditEvent, ENTRY_FIELDS, EVENT_FIELDS, type AuditEntry, type AuditRecord } from './entry.js';
export { GENESIS, canonicalJson, entryHash } from './hash.js';
export { pruneAuditDir, type PruneOptions } from './retention.js';
export { formatProblem, verifyAuditLog, type VerifyOptions, type VerifyProblem, type VerifyResult } from './verify.js';
