/**
 * The append-only audit log of a session: every scan attempt (accepted or refused) and every teacher or
 * system action becomes one event, committed with the changes it records.
 */
import type { AuditEvent } from '@qrca/contract';
import { randomBytes } from 'node:crypto';

/** What a scan event records besides who and when. */
export type ScanEventFields = Omit<AuditEvent, 'id' | 'at' | 'kind' | 'actorId'>;

const MAX_USER_AGENT = 200;

export class AuditLog {
  /** One scan-attempt event. */
  scanEvent(actorId: string, atMs: number, fields: ScanEventFields): AuditEvent {
    return this.event({
      kind: 'scan',
      actorId,
      atMs,
      ...fields,
      ...(fields.userAgent ? { userAgent: fields.userAgent.slice(0, MAX_USER_AGENT) } : {}),
    });
  }

  /** One teacher (or `system`) action event. */
  teacherAction(
    actorId: string,
    atMs: number,
    action: string,
    target: { chainId?: string; targetId?: string } = {},
  ): AuditEvent {
    return this.event({ kind: 'teacher', actorId, atMs, flow: 'teacher', outcome: action, ...target });
  }

  private event(fields: Omit<AuditEvent, 'id' | 'at'> & { atMs: number }): AuditEvent {
    const { atMs, ...rest } = fields;
    const data: AuditEvent = { id: randomBytes(6).toString('base64url'), at: new Date(atMs).toISOString(), ...rest };
    // Drop undefined fields so stored events stay compact.
    return Object.fromEntries(Object.entries(data).filter(([, value]) => value !== undefined)) as AuditEvent;
  }
}
