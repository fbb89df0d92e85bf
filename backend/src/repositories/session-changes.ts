/**
 * A set of changes to one session, committed at once (all or nothing) by SessionRepository.commit: the
 * session record, attendance, chain and device-use rows (each created, or replaced only if still at the version
 * read), audit events, and the kept answer to a scan attempt. Built by the services' flows, in domain terms.
 */
import type { AuditEvent } from '@qrca/contract';
import type { AttendanceRecord, ChainRecord, DeviceUseRecord, ScanRecord, SessionRecord } from '../domain/records';
import type { Version, Versioned } from './versioned';

/** A row to write: `new` creates it (and fails if it exists); a version replaces it only if unchanged. */
export interface RowWrite<T> {
  readonly value: T;
  readonly version: Version | 'new';
  /** The row as read, when replacing: what the publish step compares to say what changed. */
  readonly previous?: T;
}

/** Something to tell the session's teachers that the rows alone do not say. */
export type Announcement = {
  readonly event: 'chainStalled';
  readonly chainId: string;
  readonly reason: 'idle' | 'holder_offline' | 'holder_off_network';
};

export interface SessionChanges {
  readonly sessionId: string;
  readonly session?: { readonly record: SessionRecord; readonly version: Version };
  readonly attendance?: readonly RowWrite<AttendanceRecord>[];
  readonly chains?: readonly RowWrite<ChainRecord>[];
  /** Which accounts a device scanned for (the scan's device, proven by its signature). */
  readonly devices?: readonly RowWrite<DeviceUseRecord>[];
  readonly events?: readonly AuditEvent[];
  /** The first answer to a scan attempt, kept so a retry gets it again. */
  readonly scanAnswer?: { readonly studentId: string; readonly scanId: string; readonly answer: ScanRecord };
  /** Published after the commit; never stored. */
  readonly announce?: readonly Announcement[];
}

/** What a commit wrote, at its new versions. */
export interface Committed {
  readonly session?: Versioned<SessionRecord>;
  readonly attendance: readonly Versioned<AttendanceRecord>[];
  readonly chains: readonly Versioned<ChainRecord>[];
}

/** The write of a row as read (to be replaced if unchanged). */
export const replace = <T>(row: Versioned<T>, value: T): RowWrite<T> => ({
  value,
  version: row.version,
  previous: row.value,
});
/** The write of a row that must not exist yet. */
export const create = <T>(value: T): RowWrite<T> => ({ value, version: 'new' });
