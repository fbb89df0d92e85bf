/**
 * Everything about one session lives in one partition of table `Sessions` (PK = session id), so a hand-off —
 * chain row, both attendance rows, the audit event and the kept answer — commits in one batch:
 *   RK `meta`                      the session (SessionRecord)
 *   RK `att:<studentId>`           one attendance row per student (AttendanceRecord)
 *   RK `chain:<chainId>`           one row per chain, the compare-and-swap target (ChainRecord)
 *   RK `roster:<emailKey>`         roster entries (RosterRecord)
 *   RK `evt:<ms, 13 digits>:<id>`  the append-only audit log, in time order (AuditEvent)
 *   RK `scan:<studentId>:<scanId>` the first answer to a scan attempt, for idempotent retries (ScanRecord)
 *   RK `dev:<deviceId>`            the accounts a device scanned for (DeviceUseRecord), written with the scan
 *   RK `insights`                  an ended session's insights, computed once (InsightsRecord)
 * Keys, prefixes, paging and ETags stay in this file; callers speak in records, versions and changes.
 */
import type { AuditEvent } from '@qrca/contract';
import type {
  AttendanceRecord,
  ChainRecord,
  DeviceUseRecord,
  RosterRecord,
  InsightsRecord,
  ScanRecord,
  SessionRecord,
} from '../domain/records';
import { ValidationError } from '../middleware/errors';
import {
  MAX_BATCH_OPERATIONS,
  StoreUsageError,
  type BatchOperation,
  type EntityData,
  type TableStore,
} from '../ports/table-store';
import { emailKey } from './keys';
import type { Committed, RowWrite, SessionChanges } from './session-changes';
import { versioned, type Versioned } from './versioned';

const TABLE = 'Sessions';
const PAGE = 1000;
/** Every id we issue (sessions, users, chains, scans) has this shape; anything else is not found. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const isId = (value: string) => ID.test(value);

const rowKeys = {
  meta: 'meta',
  insights: 'insights',
  attendance: (studentId: string) => `att:${studentId}`,
  chain: (chainId: string) => `chain:${chainId}`,
  roster: (email: string) => `roster:${emailKey(email)}`,
  event: (event: AuditEvent) => `evt:${String(Date.parse(event.at)).padStart(13, '0')}:${event.id}`,
  scan: (studentId: string, scanId: string) => `scan:${studentId}:${scanId}`,
  device: (deviceId: string) => `dev:${deviceId}`,
} as const;

const PREFIX = {
  attendance: 'att:',
  chain: 'chain:',
  roster: 'roster:',
  event: 'evt:',
  scan: 'scan:',
  device: 'dev:',
} as const;

/** Everything stored about a session, read at once (tests and diagnostics). */
export interface SessionSnapshot {
  readonly session?: Versioned<SessionRecord>;
  readonly attendance: readonly Versioned<AttendanceRecord>[];
  readonly chains: readonly Versioned<ChainRecord>[];
  readonly roster: readonly RosterRecord[];
  readonly events: readonly AuditEvent[];
  readonly scanAnswers: readonly { readonly studentId: string; readonly scanId: string; readonly answer: ScanRecord }[];
  readonly devices: readonly Versioned<DeviceUseRecord>[];
}

const asData = <T>(value: T) => value as unknown as EntityData;

/** One write of `changes` as a store operation. */
function operation<T>(rowKey: string, write: RowWrite<T>): BatchOperation {
  return write.version === 'new'
    ? { kind: 'insert', rowKey, data: asData(write.value) }
    : { kind: 'update', rowKey, data: asData(write.value), etag: write.version };
}

/** An attendance write with the row's revision counted up (see AttendanceRecord.rev). */
const stampRevision = (write: RowWrite<AttendanceRecord>): RowWrite<AttendanceRecord> => ({
  ...write,
  value: { ...write.value, rev: (write.value.rev ?? 0) + 1 },
});

export class SessionRepository {
  constructor(private readonly store: TableStore) {}

  /** The session, or undefined — also for ids from a URL that no session could have. */
  async getSession(sessionId: string): Promise<Versioned<SessionRecord> | undefined> {
    return this.get<SessionRecord>(sessionId, rowKeys.meta);
  }

  /** Stores a new session. @throws StoreConflictError('exists') when the id is taken. */
  async createSession(record: SessionRecord): Promise<void> {
    await this.store.insert(TABLE, record.id, rowKeys.meta, asData(record));
  }

  async getAttendance(sessionId: string, studentId: string): Promise<Versioned<AttendanceRecord> | undefined> {
    return isId(studentId) ? this.get<AttendanceRecord>(sessionId, rowKeys.attendance(studentId)) : undefined;
  }

  async getChain(sessionId: string, chainId: string): Promise<Versioned<ChainRecord> | undefined> {
    return isId(chainId) ? this.get<ChainRecord>(sessionId, rowKeys.chain(chainId)) : undefined;
  }

  async getRosterEntry(sessionId: string, email: string): Promise<RosterRecord | undefined> {
    return (await this.get<RosterRecord>(sessionId, rowKeys.roster(email)))?.value;
  }

  /** The kept first answer to the student's scan attempt `scanId`, if any. */
  async getScanAnswer(sessionId: string, studentId: string, scanId: string): Promise<ScanRecord | undefined> {
    if (!isId(studentId) || !isId(scanId)) return undefined;
    return (await this.get<ScanRecord>(sessionId, rowKeys.scan(studentId, scanId)))?.value;
  }

  /** Which accounts the device scanned for in the session, or undefined when it never did. */
  async getDeviceUse(sessionId: string, deviceId: string): Promise<Versioned<DeviceUseRecord> | undefined> {
    return isId(deviceId) ? this.get<DeviceUseRecord>(sessionId, rowKeys.device(deviceId)) : undefined;
  }

  /** Every attendance row of the session. */
  async listAttendance(sessionId: string): Promise<Versioned<AttendanceRecord>[]> {
    return (await this.all<AttendanceRecord>(sessionId, PREFIX.attendance)).map((row) => versioned(row));
  }

  /** Every chain of the session, open or closed. */
  async listChains(sessionId: string): Promise<Versioned<ChainRecord>[]> {
    return (await this.all<ChainRecord>(sessionId, PREFIX.chain)).map((row) => versioned(row));
  }

  /** The insights kept for an ended session, if computed yet. */
  async getInsights(sessionId: string): Promise<InsightsRecord | undefined> {
    return (await this.get<InsightsRecord>(sessionId, rowKeys.insights))?.value;
  }

  /** Keeps an ended session's insights (the last write wins: the same facts give the same figures). */
  async putInsights(sessionId: string, record: InsightsRecord): Promise<void> {
    if (!isId(sessionId)) return;
    await this.store.upsert(TABLE, sessionId, rowKeys.insights, asData(record));
  }

  async listRoster(sessionId: string): Promise<RosterRecord[]> {
    return (await this.all<RosterRecord>(sessionId, PREFIX.roster)).map((row) => row.data);
  }

  /** The whole audit log, oldest first (insights; a session's log is a few events per student). */
  async listEvents(sessionId: string): Promise<AuditEvent[]> {
    if (!isId(sessionId)) return [];
    return (await this.all<AuditEvent & EntityData>(sessionId, PREFIX.event)).map((row) => row.data);
  }

  /** One page of the audit log, oldest first. @throws ValidationError for a cursor that is not ours. */
  async events(
    sessionId: string,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ events: AuditEvent[]; cursor: string | null }> {
    try {
      const page = await this.store.query<AuditEvent & EntityData>(TABLE, sessionId, {
        prefix: PREFIX.event,
        limit,
        ...(cursor ? { continuation: cursor } : {}),
      });
      return { events: page.items.map((item) => item.data), cursor: page.continuation ?? null };
    } catch (error) {
      if (error instanceof StoreUsageError) {
        throw new ValidationError('That cursor is not valid.', [{ path: 'cursor', message: 'invalid' }]);
      }
      throw error;
    }
  }

  /**
   * Applies `changes` atomically (one same-partition transaction, at most 100 rows) and returns the written
   * rows at their new versions.
   * @throws StoreConflictError when a row is no longer at the version read (or a new one exists): nothing is
   * applied; StoreUsageError for more than 100 rows.
   */
  async commit(changes: SessionChanges): Promise<Committed> {
    const attendance = (changes.attendance ?? []).map(stampRevision);
    const chains = changes.chains ?? [];
    const devices = changes.devices ?? [];
    const operations: BatchOperation[] = [
      ...(changes.session
        ? [operation(rowKeys.meta, { value: changes.session.record, version: changes.session.version })]
        : []),
      ...attendance.map((write) => operation(rowKeys.attendance(write.value.studentId), write)),
      ...chains.map((write) => operation(rowKeys.chain(write.value.chainId), write)),
      ...devices.map((write) => operation(rowKeys.device(write.value.deviceId), write)),
      ...(changes.events ?? []).map((event) => operation(rowKeys.event(event), { value: event, version: 'new' })),
      ...(changes.scanAnswer
        ? [
            operation(rowKeys.scan(changes.scanAnswer.studentId, changes.scanAnswer.scanId), {
              value: changes.scanAnswer.answer,
              version: 'new',
            }),
          ]
        : []),
    ];
    if (operations.length === 0) return { attendance: [], chains: [] };
    if (operations.length > MAX_BATCH_OPERATIONS) {
      throw new StoreUsageError(`a commit holds at most ${MAX_BATCH_OPERATIONS} rows, not ${operations.length}`);
    }
    const etags = await this.store.batch(TABLE, changes.sessionId, operations);
    let at = 0;
    const next = <T>(value: T): Versioned<T> => versioned({ data: value, etag: etags[at++] ?? '' });
    return {
      ...(changes.session ? { session: next(changes.session.record) } : {}),
      attendance: attendance.map((write) => next(write.value)),
      chains: chains.map((write) => next(write.value)),
    };
  }

  /**
   * Writes many attendance rows in groups of 100: each group atomic, the whole not (for sweeping changes
   * such as freezing final statuses, safe to repeat). @throws StoreConflictError for a group that lost.
   */
  async writeAttendance(sessionId: string, writes: readonly RowWrite<AttendanceRecord>[]): Promise<void> {
    const operations = writes.map((write) =>
      operation(rowKeys.attendance(write.value.studentId), stampRevision(write)),
    );
    await this.inGroups(sessionId, operations);
  }

  /** Makes `entries` the roster (by email): others are removed. Groups of 100, safe to repeat. */
  async replaceRoster(sessionId: string, entries: readonly RosterRecord[]): Promise<void> {
    const keep = new Set(entries.map((entry) => rowKeys.roster(entry.email)));
    const previous = await this.all<RosterRecord>(sessionId, PREFIX.roster);
    await this.inGroups(sessionId, [
      ...previous
        .filter((row) => !keep.has(row.rowKey))
        .map((row) => ({ kind: 'delete' as const, rowKey: row.rowKey })),
      ...entries.map((entry) => ({
        kind: 'upsert' as const,
        rowKey: rowKeys.roster(entry.email),
        data: asData(entry),
      })),
    ]);
  }

  /** Deletes every row of the session, the session row last: until then a retry can find it. */
  async deleteSession(sessionId: string): Promise<void> {
    if (!isId(sessionId)) return;
    for (;;) {
      const page = await this.store.query(TABLE, sessionId, { limit: MAX_BATCH_OPERATIONS });
      const rows = page.items.filter((item) => item.rowKey !== rowKeys.meta);
      if (rows.length === 0) break;
      await this.store.batch(
        TABLE,
        sessionId,
        rows.map((item) => ({ kind: 'delete', rowKey: item.rowKey })),
      );
    }
    await this.store.delete(TABLE, sessionId, rowKeys.meta);
  }

  /**
   * Deletes a session's audit events, kept scan answers and device-use records (identifying data kept for the
   * retention period only); returns how many went.
   */
  async deleteAudit(sessionId: string): Promise<number> {
    let removed = 0;
    for (const prefix of [PREFIX.event, PREFIX.scan, PREFIX.device]) {
      for (;;) {
        const page = await this.store.query(TABLE, sessionId, { prefix, limit: MAX_BATCH_OPERATIONS });
        if (page.items.length === 0) break;
        await this.store.batch(
          TABLE,
          sessionId,
          page.items.map((item) => ({ kind: 'delete' as const, rowKey: item.rowKey })),
        );
        removed += page.items.length;
      }
    }
    return removed;
  }

  /** Everything stored about the session, typed (for tests and diagnostics; reads the whole partition). */
  async snapshot(sessionId: string): Promise<SessionSnapshot> {
    const rows = isId(sessionId) ? await this.all<EntityData>(sessionId) : [];
    const of = (prefix: string) => rows.filter((row) => row.rowKey.startsWith(prefix));
    const meta = rows.find((row) => row.rowKey === rowKeys.meta);
    return {
      ...(meta ? { session: versioned({ data: meta.data as unknown as SessionRecord, etag: meta.etag }) } : {}),
      attendance: of(PREFIX.attendance).map((row) => versioned({ data: row.data as AttendanceRecord, etag: row.etag })),
      chains: of(PREFIX.chain).map((row) => versioned({ data: row.data as ChainRecord, etag: row.etag })),
      roster: of(PREFIX.roster).map((row) => row.data as RosterRecord),
      events: of(PREFIX.event).map((row) => row.data as unknown as AuditEvent),
      scanAnswers: of(PREFIX.scan).map((row) => {
        const [, studentId = '', scanId = ''] = row.rowKey.split(':');
        return { studentId, scanId, answer: row.data as ScanRecord };
      }),
      devices: of(PREFIX.device).map((row) => versioned({ data: row.data as DeviceUseRecord, etag: row.etag })),
    };
  }

  private async get<T>(sessionId: string, rowKey: string): Promise<Versioned<T> | undefined> {
    if (!isId(sessionId)) return undefined;
    const entity = await this.store.get<T & EntityData>(TABLE, sessionId, rowKey);
    return entity ? versioned<T>(entity) : undefined;
  }

  /** Every row (with this RK prefix), following continuations. */
  private async all<T>(sessionId: string, prefix?: string) {
    const rows: { rowKey: string; etag: string; data: T }[] = [];
    let continuation: string | undefined;
    do {
      const page = await this.store.query<T & EntityData>(TABLE, sessionId, {
        ...(prefix ? { prefix } : {}),
        continuation,
        limit: PAGE,
      });
      rows.push(...page.items);
      continuation = page.continuation;
    } while (continuation);
    return rows;
  }

  private async inGroups(sessionId: string, operations: readonly BatchOperation[]): Promise<void> {
    for (let i = 0; i < operations.length; i += MAX_BATCH_OPERATIONS) {
      await this.store.batch(TABLE, sessionId, operations.slice(i, i + MAX_BATCH_OPERATIONS));
    }
  }
}
