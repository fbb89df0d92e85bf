/**
 * A set of changes to one session, committed at once (all or nothing) by SessionRepository.commit: the
 * session record, attendance and chain rows (each created, or replaced only if still at the version read),
 * audit events, and the kept answer to a scan attempt. Built by the services' flows, in domain terms.
 */
import type { AuditEvent } from '@qrca/contract';
import type { AttendanceRecord, ChainRecord, ScanRecord, SessionRecord } from '../domain/records';
import type { Version, Versioned } from './versioned';

/** A row to write: `new` creates it (and fails if it exists); a version replaces it only if unchanged. */
export interface RowWrite<T> {
  readonly value: T;
  readonly version: Version | 'new';
}

export interface SessionChanges {
  readonly sessionId: string;
  readonly session?: { readonly record: SessionRecord; readonly version: Version };
  readonly attendance?: readonly RowWrite<AttendanceRecord>[];
  readonly chains?: readonly RowWrite<ChainRecord>[];
  readonly events?: readonly AuditEvent[];
  /** The first answer to a scan attempt, kept so a retry gets it again. */
  readonly scanAnswer?: { readonly studentId: string; readonly scanId: string; readonly answer: ScanRecord };
}

/** What a commit wrote, at its new versions. */
export interface Committed {
  readonly session?: Versioned<SessionRecord>;
  readonly attendance: readonly Versioned<AttendanceRecord>[];
  readonly chains: readonly Versioned<ChainRecord>[];
}

/** The write of a row as read (to be replaced if unchanged). */
export const replace = <T>(row: Versioned<unknown>, value: T): RowWrite<T> => ({ value, version: row.version });
/** The write of a row that must not exist yet. */
export const create = <T>(value: T): RowWrite<T> => ({ value, version: 'new' });
