/**
 * Hub events → audit records: which fields each event keeps. This file is where the privacy rule lives: ids,
 * transports, scopes, key ids, registered topic names, gateway-defined codes; nothing a client typed freely,
 * no address, no payload, no ticket.
 */
import type { SubError } from '../../../src/protocol/index.js';
import type { Hub, Refusal } from '../../delivery/hub.js';
import type { Session } from '../../delivery/session.js';
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
