/**
 * The append-only audit log of a session: every scan attempt (accepted or refused) and every teacher or
 * system action, as insert operations into the session's partition so they commit with what they record.
 */
import type { AuditEvent } from '@qrca/contract';
import { randomBytes } from 'node:crypto';
import type { BatchOperation } from '../ports/table-store';
import { rowKeys } from '../repositories/session.repository';

/** What a scan event records besides who and when. */
export type ScanEventFields = Omit<AuditEvent, 'id' | 'at' | 'kind' | 'actorId'>;

const MAX_USER_AGENT = 200;

export class AuditLog {
  /** The insert of one scan-attempt event. */
  scanEvent(actorId: string, atMs: number, fields: ScanEventFields): BatchOperation {
    return this.event({
      kind: 'scan',
      actorId,
      atMs,
      ...fields,
      ...(fields.userAgent ? { userAgent: fields.userAgent.slice(0, MAX_USER_AGENT) } : {}),
    });
  }

  /** The insert of one teacher (or `system`) action event. */
  teacherAction(
    actorId: string,
    atMs: number,
    action: string,
    target: { chainId?: string; targetId?: string } = {},
  ): BatchOperation {
    return this.event({ kind: 'teacher', actorId, atMs, flow: 'teacher', outcome: action, ...target });
  }

  private event(fields: Omit<AuditEvent, 'id' | 'at'> & { atMs: number }): BatchOperation {
    const { atMs, ...rest } = fields;
    const id = randomBytes(6).toString('base64url');
    const data: AuditEvent = { id, at: new Date(atMs).toISOString(), ...rest };
    // Drop undefined fields so stored events stay compact.
    const compact = Object.fromEntries(Object.entries(data).filter(([, value]) => value !== undefined));
    return { kind: 'insert', rowKey: rowKeys.event(atMs, id), data: compact };
  }
}
