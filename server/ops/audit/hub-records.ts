/**
 * Hub events → audit records: which fields each event keeps. This file is where the privacy rule lives: ids,
 * transports, scopes, key ids, registered topic names, gateway-defined codes; nothing a client typed freely,
 * no address, no payload, no ticket.
 */
import type { SubError } from '../../../src/protocol/index.js';
import type { AuthorityChange, Hub, PublishRefusal, Refusal, Revocation } from '../../delivery/hub.js';
import type { Session } from '../../delivery/session.js';
import type { PayloadRefusal } from '../../contracts/admission.js';
import { AuditEvent, type AuditRecord } from './entry.js';

/** An accepted session. */
export function connectRecord(session: Session): AuditRecord {
  const record: AuditRecord = {
    event: AuditEvent.connect,
    id: session.id,
    transport: session.transport,
    scopes: [...session.scopes],
  };
  if (session.kid !== undefined) record.kid = session.kid;
  if (session.subjectDigest !== undefined) record.subject = session.subjectDigest;
  return record;
}

/** A change of a connection's authority (v1.1): expiry, refresh, refusal, narrowing, forced disconnect. */
export function authorityRecord(session: Session, change: AuthorityChange): AuditRecord {
  const base = { id: session.id, transport: session.transport };
  const subject = session.subjectDigest === undefined ? {} : { subject: session.subjectDigest };
  const reason = change.reason === undefined ? {} : { reason: change.reason };
  switch (change.event) {
    case 'expired':
      return { event: AuditEvent.expire, ...base, ...subject };
    case 'refreshed':
      return { event: AuditEvent.refresh, ...base, scopes: [...session.scopes], ...subject };
    case 'refresh_refused':
      return { event: AuditEvent.refreshRefused, ...base, ...reason };
    case 'narrowed':
      return { event: AuditEvent.narrow, ...base, scopes: [...session.scopes], ...reason };
    case 'disconnected':
      return { event: AuditEvent.forcedDisconnect, ...base, ...reason, ...subject };
  }
}

/** An operator's command issued through this gateway (v1.1); a subject only as its digest. */
export function revocationRecord(revocation: Revocation): AuditRecord {
  const record: AuditRecord = {
    event: AuditEvent.revocation,
    op: revocation.op,
    target: revocation.kind,
    reason: revocation.reason,
    count: revocation.applied,
  };
  if (revocation.subjectDigest !== undefined) record.subject = revocation.subjectDigest;
  if (revocation.scopes !== undefined) record.scopes = revocation.scopes;
  return record;
}

/** A session that ended, with its WebSocket close code when known. */
export function disconnectRecord(session: Session, code?: number): AuditRecord {
  const record: AuditRecord = { event: AuditEvent.disconnect, id: session.id, transport: session.transport };
  if (code !== undefined) record.code = code;
  return record;
}

/** A refused connection: the close code on WebSocket, the HTTP status on SSE. */
export function refuseRecord(refusal: Refusal): AuditRecord {
  const code = refusal.transport === 'sse' ? refusal.status : refusal.closeCode;
  return { event: AuditEvent.refuse, transport: refusal.transport, reason: refusal.reason, code };
}

/**
 * A refused subscription. The topic is kept only when the hub knows it: an unknown or malformed name is
 * whatever the client sent, and could carry anything.
 */
export function subRefusedRecord(hub: Hub, session: Session, topic: string, code: SubError): AuditRecord {
  const record: AuditRecord = {
    event: AuditEvent.subRefused,
    id: session.id,
    transport: session.transport,
    reason: code,
  };
  if (hub.topic(topic) !== undefined) record.topic = topic;
  return record;
}

/** A refused publish: the key's id only when known, the topic only when registered (the endpoint sees to both). */
export function publishRefusedRecord(refusal: PublishRefusal): AuditRecord {
  const record: AuditRecord = {
    event: AuditEvent.publishRefused,
    transport: refusal.source,
    reason: refusal.reason,
    code: refusal.status,
  };
  if (refusal.key !== undefined) record.kid = refusal.key;
  if (refusal.topic !== undefined) record.topic = refusal.topic;
  return record;
}

/** v1.3: a payload its topic refused: where it came in, why, content-free paths and kinds; never the payload. */
export function payloadRefusedRecord(refusal: PayloadRefusal): AuditRecord {
  const record: AuditRecord = {
    event: AuditEvent.payloadRefused,
    topic: refusal.topic,
    source: refusal.source,
    reason: refusal.reason,
    paths: refusal.paths.slice(0, 10),
  };
  if (refusal.kinds.length > 0) record.kinds = [...refusal.kinds];
  if (refusal.key !== undefined) record.kid = refusal.key;
  return record;
}
