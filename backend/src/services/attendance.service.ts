/**
 * AttendanceService: the record a teacher hands in. Projector-code scans (entry, late, early leave, exit),
 * the live attendance list (cached for the session, invalidated on every write), overrides, freezing final
 * statuses at the end, export, the student's own view, the audit log and its retention.
 */
import type {
  AttendanceResponse,
  AttendanceRow,
  AuditEvent,
  FinalStatus,
  ProjectorKind,
  ScanResponse,
} from '@qrca/contract';
import { phaseAt } from '../domain/phases';
import { finalStatus } from '../domain/final-status';
import { AppError, NotFoundError, ValidationError } from '../middleware/errors';
import type { Clock } from '../ports/clock';
import { StoreUsageError, type BatchOperation } from '../ports/table-store';
import { presentAttendanceRow, presentMyStatus } from '../presenters/attendance.presenter';
import {
  rowKeys,
  type AttendanceRecord,
  type RosterRecord,
  type SessionRecord,
  type SessionRepository,
  type Stored,
} from '../repositories/session.repository';
import { cacheKeys, type Cache } from '../utils/cache';
import type { AuditLog } from './audit-log';
import type { Caller } from './auth.service';
import type { ChainService } from './chain.service';
import { retryOnConflict } from './retry-on-conflict';
import { emptyAttendance, type SessionService } from './session.service';

const EVENTS_PER_PAGE = 100;
const iso = (ms: number) => new Date(ms).toISOString();

export interface AttendanceDependencies {
  readonly sessions: SessionRepository;
  readonly sessionService: SessionService;
  readonly chains: ChainService;
  readonly audit: AuditLog;
  readonly cache: Cache;
  readonly clock: Clock;
}

/** What a projector-code scan does to the scanner's row. */
interface ProjectorEffect {
  readonly outcome: ScanResponse['outcome'];
  /** The new row, or undefined when this student already has the effect (same answer, no change). */
  readonly next: AttendanceRecord | undefined;
}

export class AttendanceService {
  constructor(private readonly deps: AttendanceDependencies) {}

  /** The caller's own status, and the hold while they hold a chain. @throws NotFoundError unless joined. */
  async myView(caller: Caller, sessionId: string) {
    const { session } = await this.deps.sessionService.access(caller, sessionId, 'session:attend');
    const row = await this.deps.sessions.getAttendance(sessionId, caller.id);
    if (!row) throw new NotFoundError();
    const holding = row.data.holding;
    const chain = holding ? await this.deps.sessions.getChain(sessionId, holding.chainId) : undefined;
    const hold =
      chain && chain.data.holderId === caller.id && chain.data.state !== 'closed'
        ? this.deps.chains.holdFor(sessionId, chain.data)
        : null;
    return { status: presentMyStatus(row.data, session), hold };
  }

  /**
   * A scan of a projector code of `kind` (already resolved and validated): marks entry, late entry, early
   * leave or exit, once per student — a repeat gives the same answer and changes nothing. A holder who scans
   * the code of their chain's phase ends that chain (they are its last holder). `extra` (audit event and
   * idempotency record) commits in the same batch.
   * @throws AppError WRONG_PHASE, NOT_LATE_YET, NOT_ELIGIBLE, ALREADY_VERIFIED
   */
  async projectorScan(
    session: SessionRecord,
    studentId: string,
    kind: ProjectorKind,
    flags: readonly string[],
    extra: () => BatchOperation[],
    /** The student's row as just read by the access check (saves a read); read here when absent. */
    known?: Stored<AttendanceRecord>,
  ): Promise<ScanResponse> {
    // A lost compare-and-swap (a hand-off or another scan of this student in between) reads and decides again.
    return retryOnConflict((attempt) =>
      this.applyProjectorScan(session, studentId, kind, flags, extra, attempt === 1 ? known : undefined),
    );
  }

  private async applyProjectorScan(
    session: SessionRecord,
    studentId: string,
    kind: ProjectorKind,
    flags: readonly string[],
    extra: () => BatchOperation[],
    known: Stored<AttendanceRecord> | undefined,
  ): Promise<ScanResponse> {
    const { sessions, clock } = this.deps;
    const now = clock.now();
    const row = known ?? (await sessions.getAttendance(session.id, studentId));
    if (!row?.data.joinedAt) throw new NotFoundError();
    const effect = this.projectorEffect(session, row.data, kind, now);
    const operations: BatchOperation[] = [];
    let closed: string | undefined;
    if (effect.next) {
      const held = row.data.holding;
      // The code of the held chain's phase makes this student its last holder: the chain ends here.
      const ends =
        held !== null &&
        (held.phase === 'entry' ? kind === 'entry' || kind === 'late' : kind === 'exit' || kind === 'early-leave');
      if (held && ends) {
        const chain = await sessions.getChain(session.id, held.chainId);
        if (chain && chain.data.state !== 'closed' && chain.data.holderId === studentId) {
          closed = held.chainId;
          operations.push({
            kind: 'update',
            rowKey: chain.rowKey,
            data: { ...chain.data, state: 'closed' },
            etag: chain.etag,
          });
        }
      }
      const next: AttendanceRecord = {
        ...effect.next,
        holding: ends ? null : effect.next.holding,
        flags: [...new Set([...effect.next.flags, ...flags])],
      };
      operations.push({ kind: 'update', rowKey: rowKeys.attendance(studentId), data: next, etag: row.etag });
    }
    await sessions.batch(session.id, [...operations, ...extra()]);
    if (closed) await this.deps.cache.invalidate(cacheKeys.chain(session.id, closed));
    return { outcome: effect.outcome, flow: 'projector', youAreHolder: false };
  }

  /** The attendance list with counts; roster members who never joined are included. @throws NotFoundError */
  async attendance(caller: Caller, sessionId: string): Promise<AttendanceResponse> {
    const { session } = await this.deps.sessionService.access(caller, sessionId, 'session:write');
    return this.deps.cache.remember(
      cacheKeys.attendance(sessionId),
      this.deps.cache.attendanceTtlMs(Date.parse(session.endAt)),
      () => this.buildAttendance(session),
    );
  }

  /**
   * Sets a teacher's decision on one student (also after the session ended); audited.
   * @throws NotFoundError (no such student in the session)
   */
  async override(
    caller: Caller,
    sessionId: string,
    studentId: string,
    decision: { final: FinalStatus; reason: string },
  ): Promise<AttendanceRow> {
    const { session } = await this.deps.sessionService.access(caller, sessionId, 'session:write');
    const { sessions, clock, audit } = this.deps;
    const now = clock.now();
    return retryOnConflict(async () => {
      const stored = await sessions.getAttendance(sessionId, studentId);
      const base = stored?.data ?? (await this.rosterOnlyRow(sessionId, studentId));
      if (!base) throw new NotFoundError('That student is not in this session.');
      const next: AttendanceRecord = { ...base, override: { ...decision, by: caller.email, at: iso(now) } };
      await sessions.batch(sessionId, [
        stored
          ? { kind: 'update', rowKey: rowKeys.attendance(studentId), data: next, etag: stored.etag }
          : { kind: 'insert', rowKey: rowKeys.attendance(studentId), data: next },
        audit.teacherAction(caller.id, now, `override_${decision.final}`, { targetId: studentId }),
      ]);
      return presentAttendanceRow(next, session);
    });
  }

  /** Ends the session: status, open chains closed (holders keep waiting), final statuses frozen. */
  async endSession(caller: Caller, sessionId: string) {
    const session = await this.deps.sessionService.endSession(caller, sessionId);
    await this.afterEnd(sessionId);
    return session;
  }

  /**
   * Closes chains and freezes final statuses of an ended session, then takes it off the clock's active list
   * (also run by the session clock, which repeats it after a crash part-way). Idempotent.
   */
  async afterEnd(sessionId: string): Promise<void> {
    await this.deps.chains.closeAll(sessionId);
    const session = await this.deps.sessions.getMeta(sessionId);
    if (!session) return;
    const rows = await this.deps.sessions.listByPrefix<AttendanceRecord>(sessionId, 'att:');
    const operations: BatchOperation[] = rows
      .filter((row) => (row.data.frozenFinal ?? null) === null)
      .map((row) => ({
        kind: 'update',
        rowKey: row.rowKey,
        data: { ...row.data, frozenFinal: finalStatus({ ...row.data, override: null }, session.data.exitRun === true) },
        etag: row.etag,
      }));
    await this.deps.sessions.batchAll(sessionId, operations);
    await this.deps.sessions.unmarkActive(sessionId);
  }

  /** The export rows (one per student), in email order. @throws NotFoundError */
  async exportRows(caller: Caller, sessionId: string): Promise<{ session: SessionRecord; rows: ExportRow[] }> {
    const { session } = await this.deps.sessionService.access(caller, sessionId, 'session:write');
    const { rows } = await this.buildAttendance(session);
    const startMs = Math.max(Date.parse(session.startAt), Date.parse(session.startedAt ?? session.startAt));
    return {
      session,
      rows: rows.map((row) => ({
        student_id: row.studentId,
        email: row.email,
        name: row.name ?? '',
        entry: row.entry ?? '',
        entry_at: row.entryAt ?? '',
        entry_method: row.entryMethod ?? '',
        minutes_late:
          row.entry === 'late' && row.entryAt
            ? String(Math.max(0, Math.round((Date.parse(row.entryAt) - startMs) / 60_000)))
            : '',
        early_leave_at: row.earlyLeaveAt ?? '',
        exit_verified: String(row.exitVerified),
        exit_at: row.exitAt ?? '',
        final: row.final,
        override: row.override?.final ?? '',
        override_reason: row.override?.reason ?? '',
        flags: row.flags.join(';'),
      })),
    };
  }

  /** One page of the audit log, oldest first. @throws NotFoundError; ValidationError for a bad cursor. */
  async events(
    caller: Caller,
    sessionId: string,
    cursor: string | undefined,
  ): Promise<{ events: AuditEvent[]; cursor: string | null }> {
    await this.deps.sessionService.access(caller, sessionId, 'events:read');
    try {
      return await this.deps.sessions.events(sessionId, cursor, EVENTS_PER_PAGE);
    } catch (error) {
      if (error instanceof StoreUsageError) {
        throw new ValidationError('That cursor is not valid.', [{ path: 'cursor', message: 'invalid' }]);
      }
      throw error;
    }
  }

  /** Deletes audit events and scan answers of sessions that ended more than `retentionDays` ago. */
  async purgeAudit(retentionDays: number): Promise<number> {
    const cutoff = this.deps.clock.now() - retentionDays * 86_400_000;
    let removed = 0;
    for (const sessionId of await this.deps.sessions.endedBefore(cutoff)) {
      removed += await this.deps.sessions.deleteAudit(sessionId);
      await this.deps.sessions.forgetEnded(sessionId);
    }
    return removed;
  }

  private projectorEffect(
    session: SessionRecord,
    row: AttendanceRecord,
    kind: ProjectorKind,
    now: number,
  ): ProjectorEffect {
    const { phase, exitWindowOpen } = phaseAt(session, now);
    const active = session.status === 'active';
    switch (kind) {
      case 'entry': {
        if (!active || phase !== 'entry' || session.entryMethod === 'chain')
          throw wrongPhase('The entry code is not open now.');
        if (row.entry !== null) return { outcome: 'entry', next: undefined };
        return {
          outcome: 'entry',
          next: { ...row, entry: 'on_time', entryAt: iso(now), entryMethod: 'projector', entryVerifiedBy: null },
        };
      }
      case 'late': {
        if (active && phase === 'entry') {
          throw new AppError('NOT_LATE_YET', 'You are on time — scan a classmate’s chain instead.');
        }
        if (!active || phase !== 'late') throw wrongPhase('The late code is not open now.');
        if (row.entry === 'late') return { outcome: 'late_entry', next: undefined };
        if (row.entry === 'on_time') throw new AppError('ALREADY_VERIFIED', 'You are already checked in on time.');
        return {
          outcome: 'late_entry',
          next: { ...row, entry: 'late', entryAt: iso(now), entryMethod: 'projector', entryVerifiedBy: null },
        };
      }
      case 'early-leave': {
        if (!active || !session.earlyLeaveOpen) throw wrongPhase('Early leave is not open now.');
        if (row.entry === null) throw notEligible('Check in first: only students who came can leave early.');
        if (row.earlyLeaveAt) return { outcome: 'early_leave', next: undefined };
        return { outcome: 'early_leave', next: { ...row, earlyLeaveAt: iso(now) } };
      }
      case 'exit': {
        if (!active || !exitWindowOpen) throw wrongPhase('The exit code is not open now.');
        if (row.exitVerified) return { outcome: 'exit_holder', next: undefined };
        if (row.entry === null || row.earlyLeaveAt)
          throw notEligible('Only students who came and stayed can check out.');
        const lastHolder = row.holding?.phase === 'exit';
        if (session.entryMethod === 'chain' && !lastHolder && !row.awaitingExit) {
          throw notEligible('Check out through a classmate’s exit chain.');
        }
        return { outcome: 'exit_holder', next: { ...row, exitVerified: true, exitAt: iso(now), awaitingExit: false } };
      }
    }
  }

  private async buildAttendance(session: SessionRecord): Promise<AttendanceResponse> {
    const { sessions } = this.deps;
    const [rows, roster] = await Promise.all([
      sessions.listByPrefix<AttendanceRecord>(session.id, 'att:'),
      sessions.listByPrefix<RosterRecord>(session.id, 'roster:'),
    ]);
    const byId = new Map<string, AttendanceRecord>(rows.map((row) => [row.data.studentId, row.data]));
    for (const entry of roster) {
      if (!byId.has(entry.data.studentId)) {
        byId.set(entry.data.studentId, rosterOnly(entry.data));
      }
    }
    const presented = [...byId.values()]
      .map((row) => presentAttendanceRow(row, session))
      .sort((a, b) => a.email.localeCompare(b.email));
    const counts = { present: 0, late: 0, early_leave: 0, left_early: 0, absent: 0, unverified: 0 };
    for (const row of presented) {
      counts[row.final]++;
      if (row.joined && row.entry === null) counts.unverified++;
    }
    return { counts, rows: presented };
  }

  private async rosterOnlyRow(sessionId: string, studentId: string): Promise<AttendanceRecord | undefined> {
    const roster = await this.deps.sessions.listByPrefix<RosterRecord>(sessionId, 'roster:');
    const entry = roster.find((r) => r.data.studentId === studentId);
    return entry ? rosterOnly(entry.data) : undefined;
  }
}

/** The row of a roster member who never joined. */
function rosterOnly(entry: RosterRecord): AttendanceRecord {
  return { ...emptyAttendance(entry.studentId, entry.email), name: entry.name, onRoster: true };
}

/** One export row: the stable columns of EXPORT_COLUMNS, as text. */
export type ExportRow = Record<
  | 'student_id'
  | 'email'
  | 'name'
  | 'entry'
  | 'entry_at'
  | 'entry_method'
  | 'minutes_late'
  | 'early_leave_at'
  | 'exit_verified'
  | 'exit_at'
  | 'final'
  | 'override'
  | 'override_reason'
  | 'flags',
  string
>;

const wrongPhase = (message: string) => new AppError('WRONG_PHASE', message);
const notEligible = (message: string) => new AppError('NOT_ELIGIBLE', message);
