/**
 * Everything about one session lives in one partition of table `Sessions` (PK = session id), so a hand-off —
 * chain row, both attendance rows, the audit event and the idempotency record — commits in one batch:
 *   RK `meta`                      the session (SessionRecord)
 *   RK `att:<studentId>`           one attendance row per student (AttendanceRecord)
 *   RK `chain:<chainId>`           one row per chain, the compare-and-swap target (ChainRecord)
 *   RK `roster:<emailKey>`         roster entries (RosterRecord)
 *   RK `evt:<ms, 13 digits>:<id>`  the append-only audit log, in time order (AuditEvent)
 *   RK `scan:<studentId>:<scanId>` the first answer to a scan attempt, for idempotent retries (ScanRecord)
 * Table `SessionIndex` (PK = `user:<userId>`, RK = `<startAt>|<sessionId>`) lists a person's sessions;
 * table `SessionClock` (PK `scheduled`, RK `<startAt ms>|<id>`; PK `active`, RK id) drives the timers.
 */
import type { AuditEvent, Constraints, FinalStatus } from '@qrca/contract';
import type { BatchOperation, Entity, TableStore } from '../ports/table-store';

const TABLE = 'Sessions';
const INDEX = 'SessionIndex';
const CLOCK = 'SessionClock';
const PAGE = 1000;
/** Every id we issue (sessions, users, chains, scans) has this shape; anything else is not found. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const isId = (value: string) => ID.test(value);

export const rowKeys = {
  meta: 'meta',
  attendance: (studentId: string) => `att:${studentId}`,
  chain: (chainId: string) => `chain:${chainId}`,
  roster: (emailKey: string) => `roster:${emailKey}`,
  event: (atMs: number, id: string) => `evt:${String(atMs).padStart(13, '0')}:${id}`,
  scan: (studentId: string, scanId: string) => `scan:${studentId}:${scanId}`,
} as const;

export interface SessionRecord {
  readonly id: string;
  readonly title: string;
  readonly ownerId: string;
  readonly ownerEmail: string;
  readonly coTeachers: readonly { readonly userId: string; readonly email: string }[];
  readonly status: 'scheduled' | 'active' | 'ended';
  readonly startAt: string;
  readonly endAt: string;
  readonly lateCutoffMinutes: number;
  readonly exitWindowMinutes: number;
  readonly entryMethod: 'chain' | 'projector' | 'both';
  readonly joinCode: string;
  readonly rosterMode: 'strict' | 'flag';
  readonly rosterCount: number;
  readonly constraints: Constraints;
  readonly earlyLeaveOpen: boolean;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  /** Exit verification was run (exit chains started or the exit code shown): final status needs exit then. */
  readonly exitRun?: boolean;
  /** Random per session; the projector codes' secret derives from it with a server key. */
  readonly projectorNonce?: string;
  readonly [key: string]: unknown;
}

export interface AttendanceRecord {
  readonly studentId: string;
  readonly email: string;
  /** From the roster, when it gives one. */
  readonly name: string | null;
  readonly joinedAt: string | null;
  readonly onRoster: boolean;
  readonly entry: 'on_time' | 'late' | null;
  readonly entryAt: string | null;
  readonly entryMethod: 'chain' | 'teacher_close' | 'projector' | null;
  readonly entryVerifiedBy: string | null;
  readonly exitVerified: boolean;
  readonly exitAt: string | null;
  readonly earlyLeaveAt: string | null;
  /** The chain this student holds now, if any. */
  readonly holding: { readonly chainId: string; readonly phase: 'entry' | 'exit' } | null;
  readonly flags: readonly string[];
  /** A teacher's decision, which wins over the computed status. */
  readonly override?: {
    readonly final: FinalStatus;
    readonly reason: string;
    readonly by: string;
    readonly at: string;
  } | null;
  /** Last holder of an exit chain that closed without a scanner: may check out with the exit code. */
  readonly awaitingExit?: boolean;
  /** The final status frozen when the session ended (overrides after that still win). */
  readonly frozenFinal?: FinalStatus | null;
  readonly [key: string]: unknown;
}

export interface ChainRecord {
  readonly chainId: string;
  readonly phase: 'entry' | 'exit';
  readonly seq: number;
  /** The current holder; on a closed chain, the last holder (who may still await verification). */
  readonly holderId: string;
  /** Per-hold random value; the hold secret is derived from it with a server key, never stored. */
  readonly nonce: string;
  readonly state: 'active' | 'stalled' | 'closed';
  /** Hand-offs so far. */
  readonly length: number;
  readonly startedAt: string;
  readonly lastHandoffAt: string;
  /** When the current holder got the baton. */
  readonly issuedAt: string;
  readonly [key: string]: unknown;
}

export interface RosterRecord {
  readonly email: string;
  readonly studentId: string;
  readonly name: string | null;
  readonly [key: string]: unknown;
}

/** The first answer to a scan attempt: a success body or an error. */
export interface ScanRecord {
  readonly status: number;
  readonly body?: unknown;
  readonly error?: { readonly code: string; readonly message: string; readonly details?: Record<string, unknown> };
  readonly [key: string]: unknown;
}

export type Stored<T> = Entity<T & Record<string, unknown>>;

/** Index rows: which sessions a person owns, co-teaches or joined. */
export interface IndexRecord {
  readonly sessionId: string;
  readonly relation: 'owner' | 'co_teacher' | 'student';
  readonly [key: string]: unknown;
}

export class SessionRepository {
  /** @param onChange called after every write to a session's partition (write-through cache invalidation). */
  constructor(
    private readonly store: TableStore,
    private readonly onChange: (sessionId: string) => Promise<void> = async () => {},
  ) {}

  getMeta(sessionId: string): Promise<Stored<SessionRecord> | undefined> {
    return this.get<SessionRecord>(sessionId, rowKeys.meta);
  }

  getAttendance(sessionId: string, studentId: string): Promise<Stored<AttendanceRecord> | undefined> {
    return isId(studentId)
      ? this.get<AttendanceRecord>(sessionId, rowKeys.attendance(studentId))
      : Promise.resolve(undefined);
  }

  getChain(sessionId: string, chainId: string): Promise<Stored<ChainRecord> | undefined> {
    return isId(chainId) ? this.get<ChainRecord>(sessionId, rowKeys.chain(chainId)) : Promise.resolve(undefined);
  }

  getRosterEntry(sessionId: string, emailKey: string): Promise<Stored<RosterRecord> | undefined> {
    return this.get<RosterRecord>(sessionId, rowKeys.roster(emailKey));
  }

  getScan(sessionId: string, studentId: string, scanId: string): Promise<Stored<ScanRecord> | undefined> {
    return isId(studentId) && isId(scanId)
      ? this.get<ScanRecord>(sessionId, rowKeys.scan(studentId, scanId))
      : Promise.resolve(undefined);
  }

  /** A row of the session, or undefined — also for ids from a URL that no session could have. */
  private get<T>(sessionId: string, rowKey: string): Promise<Stored<T> | undefined> {
    if (!isId(sessionId)) return Promise.resolve(undefined);
    return this.store.get<T & Record<string, unknown>>(TABLE, sessionId, rowKey);
  }

  /** Every row with this RK prefix (attendance, chains, roster), following continuations. */
  async listByPrefix<T>(sessionId: string, prefix: 'att:' | 'chain:' | 'roster:'): Promise<Stored<T>[]> {
    const rows: Stored<T>[] = [];
    let continuation: string | undefined;
    do {
      const page = await this.store.query<T & Record<string, unknown>>(TABLE, sessionId, {
        prefix,
        continuation,
        limit: PAGE,
      });
      rows.push(...page.items);
      continuation = page.continuation;
    } while (continuation);
    return rows;
  }

  /** One page of the audit log, oldest first. */
  async events(
    sessionId: string,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ events: AuditEvent[]; cursor: string | null }> {
    const page = await this.store.query<AuditEvent & Record<string, unknown>>(TABLE, sessionId, {
      prefix: 'evt:',
      limit,
      ...(cursor ? { continuation: cursor } : {}),
    });
    return { events: page.items.map((item) => item.data), cursor: page.continuation ?? null };
  }

  /** Same-partition batch of operations on this session (atomic). @throws StoreConflictError */
  async batch(sessionId: string, operations: readonly BatchOperation[]): Promise<string[]> {
    const etags = await this.store.batch(TABLE, sessionId, operations);
    await this.onChange(sessionId);
    return etags;
  }

  /** Applies many operations in batches of 100 (not atomic across batches). */
  async batchAll(sessionId: string, operations: readonly BatchOperation[]): Promise<void> {
    for (let i = 0; i < operations.length; i += 100) {
      await this.store.batch(TABLE, sessionId, operations.slice(i, i + 100));
    }
    if (operations.length > 0) await this.onChange(sessionId);
  }

  insertMeta(record: SessionRecord): Promise<string> {
    return this.store.insert(TABLE, record.id, rowKeys.meta, record);
  }

  /** @throws StoreConflictError('etag_mismatch' | 'not_found') */
  async updateMeta(record: SessionRecord, etag: string): Promise<string> {
    const next = await this.store.update(TABLE, record.id, rowKeys.meta, record, etag);
    await this.onChange(record.id);
    return next;
  }

  /** Deletes every row of the session, the session row (`meta`) last: until then a retry can find it. */
  async deletePartition(sessionId: string): Promise<void> {
    for (;;) {
      const page = await this.store.query(TABLE, sessionId, { limit: 100 });
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

  // --- index of a person's sessions ---

  async addToIndex(userId: string, startAt: string, record: IndexRecord): Promise<void> {
    await this.store.upsert(INDEX, `user:${userId}`, `${startAt}|${record.sessionId}`, record);
  }

  async removeFromIndex(userId: string, startAt: string, sessionId: string): Promise<void> {
    await this.store.delete(INDEX, `user:${userId}`, `${startAt}|${sessionId}`);
  }

  /** The person's index rows, by start time. */
  async listIndex(userId: string): Promise<{ rowKey: string; data: IndexRecord }[]> {
    const rows: { rowKey: string; data: IndexRecord }[] = [];
    let continuation: string | undefined;
    do {
      const page = await this.store.query<IndexRecord>(INDEX, `user:${userId}`, { continuation });
      rows.push(...page.items.map((item) => ({ rowKey: item.rowKey, data: item.data })));
      continuation = page.continuation;
    } while (continuation);
    return rows;
  }

  // --- the clock the timers read ---

  async scheduleStart(sessionId: string, startAtMs: number): Promise<void> {
    await this.store.upsert(CLOCK, 'scheduled', `${String(startAtMs).padStart(13, '0')}|${sessionId}`, { sessionId });
  }

  async unscheduleStart(sessionId: string, startAtMs: number): Promise<void> {
    await this.store.delete(CLOCK, 'scheduled', `${String(startAtMs).padStart(13, '0')}|${sessionId}`);
  }

  /** Sessions whose start time is at or before `nowMs`. */
  async dueToStart(nowMs: number): Promise<string[]> {
    const page = await this.store.query<{ sessionId: string }>(CLOCK, 'scheduled', {
      below: `${String(nowMs + 1).padStart(13, '0')}|`,
      limit: 500,
    });
    return page.items.map((item) => item.data.sessionId);
  }

  async markActive(sessionId: string): Promise<void> {
    await this.store.upsert(CLOCK, 'active', sessionId, { sessionId });
  }

  async unmarkActive(sessionId: string): Promise<void> {
    await this.store.delete(CLOCK, 'active', sessionId);
  }

  async markEnded(sessionId: string, endedAtMs: number): Promise<void> {
    await this.store.upsert(CLOCK, 'ended', `${String(endedAtMs).padStart(13, '0')}|${sessionId}`, { sessionId });
  }

  /** Sessions that ended before `cutoffMs` and still have an audit log. */
  async endedBefore(cutoffMs: number): Promise<string[]> {
    const page = await this.store.query<{ sessionId: string }>(CLOCK, 'ended', {
      below: `${String(cutoffMs).padStart(13, '0')}|`,
      limit: 500,
    });
    return page.items.map((item) => item.data.sessionId);
  }

  async forgetEnded(sessionId: string): Promise<void> {
    const page = await this.store.query<{ sessionId: string }>(CLOCK, 'ended', { limit: 1000 });
    for (const item of page.items.filter((i) => i.data.sessionId === sessionId))
      await this.store.delete(CLOCK, 'ended', item.rowKey);
  }

  /** Deletes a session's audit events and kept scan answers; returns how many rows went. */
  async deleteAudit(sessionId: string): Promise<number> {
    let removed = 0;
    for (const prefix of ['evt:', 'scan:']) {
      for (;;) {
        const page = await this.store.query(TABLE, sessionId, { prefix, limit: 100 });
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

  async activeSessions(): Promise<string[]> {
    const ids: string[] = [];
    let continuation: string | undefined;
    do {
      const page = await this.store.query<{ sessionId: string }>(CLOCK, 'active', { continuation });
      ids.push(...page.items.map((item) => item.data.sessionId));
      continuation = page.continuation;
    } while (continuation);
    return ids;
  }
}
