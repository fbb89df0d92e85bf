/**
 * AttendanceService: the record a teacher hands in. The live attendance list (cached for the session), the
 * student's own view, projector-code scans decided (to be committed by the scan flow), overrides, export,
 * the audit log and its retention.
 */
import {
  SPOT_CHECK_DEFAULT_REASON,
  type AttendanceResponse,
  type AttendanceRow,
  type AuditEvent,
  type FinalStatus,
  type ProjectorKind,
  type ScanResponse,
  type SpotCheckAnswerRequest,
  type SpotCheckResponse,
} from '@qrca/contract';
import { randomBytes } from 'node:crypto';
import { closeChain } from '../domain/chain-moves';
import { projectorScanEffect } from '../domain/projector-scan';
import { isSpotCheckable, pickSpotCheck, spotCheckReason } from '../domain/spot-check';
import { flagsText } from '../domain/suspicion-flags';
import { rosterOnly, type AttendanceRecord, type ChainRecord, type SessionRecord } from '../domain/records';
import { NotFoundError } from '../middleware/errors';
import type { Clock } from '../ports/clock';
import { finalOf, presentAttendanceRow, presentMyStatus } from '../presenters/attendance.presenter';
import { create, replace, type RowWrite } from '../repositories/session-changes';
import type { SessionScheduleRepository } from '../repositories/session-schedule.repository';
import type { SessionRepository } from '../repositories/session.repository';
import type { Versioned } from '../repositories/versioned';
import { cacheKeys, type Cache } from '../utils/cache';
import { buildAttendance } from './attendance-list';
import type { AuditLog } from './audit-log';
import type { Caller } from './auth.service';
import type { ChainService } from './chain.service';
import { retryOnConflict } from './retry-on-conflict';
import type { SessionAccess } from './session-access';
import type { SessionWriter } from './session-writer';

const EVENTS_PER_PAGE = 100;
const iso = (ms: number) => new Date(ms).toISOString();

export interface AttendanceDependencies {
  readonly repository: SessionRepository;
  readonly schedule: SessionScheduleRepository;
  readonly access: SessionAccess;
  readonly writer: SessionWriter;
  readonly chains: ChainService;
  readonly audit: AuditLog;
  readonly cache: Cache;
  readonly clock: Clock;
  /** Values in [0, 1), like Math.random (spot-check picks). */
  readonly random: () => number;
}

/** A decided projector scan: its answer and the rows it writes (none when the student already had it). */
export interface ProjectorScan {
  readonly answer: ScanResponse;
  readonly attendance: readonly RowWrite<AttendanceRecord>[];
  readonly chains: readonly RowWrite<ChainRecord>[];
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
  | 'flags'
  | 'spot_check',
  string
>;

/** A teacher's decision on a row (the one rule of overrides, whether from the dialog or a spot check). */
function withOverride(
  row: AttendanceRecord,
  decision: { final: FinalStatus; reason: string },
  by: string,
  nowMs: number,
): AttendanceRecord {
  return { ...row, override: { ...decision, by, at: iso(nowMs) } };
}

/** The export's `spot_check` cell: empty when never picked, `unanswered`, `here` or `not_here`. */
function spotCheckCell(row: AttendanceRow): string {
  if (!row.spotCheck) return '';
  return row.spotCheck.answer ?? 'unanswered';
}

export class AttendanceService {
  constructor(private readonly deps: AttendanceDependencies) {}

  /** The caller's own status, and the hold while they hold a chain. @throws NotFoundError unless joined. */
  async myView(caller: Caller, sessionId: string) {
    const { access, repository, chains } = this.deps;
    const { session, attendance } = await access.access(caller, sessionId, 'session:attend');
    if (!attendance) throw new NotFoundError();
    const holding = attendance.value.holding;
    const chain = holding ? (await repository.getChain(sessionId, holding.chainId))?.value : undefined;
    const hold =
      chain && chain.holderId === caller.id && chain.state !== 'closed' ? chains.holdFor(sessionId, chain) : null;
    return { status: presentMyStatus(attendance.value, session), hold };
  }

  /**
   * Decides a scan of a projector code of `kind` (already resolved) by a joined student: entry, late entry,
   * early leave or exit, once per student. A holder who scans the code of their chain's phase ends that chain
   * (they are its last holder). Writes nothing.
   * @throws NotFoundError (not joined); AppError WRONG_PHASE, NOT_LATE_YET, NOT_ELIGIBLE, ALREADY_VERIFIED
   */
  async decideProjectorScan(
    session: SessionRecord,
    studentId: string,
    kind: ProjectorKind,
    nowMs: number,
    options: { known?: Versioned<AttendanceRecord>; flags: readonly string[] },
  ): Promise<ProjectorScan> {
    const { repository } = this.deps;
    const row = options.known ?? (await repository.getAttendance(session.id, studentId));
    if (!row?.value.joinedAt) throw new NotFoundError();
    const effect = projectorScanEffect(session, row.value, kind, nowMs, options.flags);
    const answer: ScanResponse = { outcome: effect.outcome, flow: 'projector', youAreHolder: false };
    if (!effect.next) return { answer, attendance: [], chains: [] };
    const chain = effect.endsChain ? await repository.getChain(session.id, effect.endsChain) : undefined;
    const ends = chain && chain.value.state !== 'closed' && chain.value.holderId === studentId;
    return {
      answer,
      attendance: [replace(row, effect.next)],
      chains: ends ? [replace(chain, closeChain(chain.value, undefined, 'system', nowMs).chain)] : [],
    };
  }

  /** The attendance list with counts; roster members who never joined are included. @throws NotFoundError */
  async attendance(caller: Caller, sessionId: string): Promise<AttendanceResponse> {
    const { access, cache } = this.deps;
    const { session } = await access.access(caller, sessionId, 'session:write');
    return cache.remember(cacheKeys.attendance(sessionId), cache.attendanceTtlMs(Date.parse(session.endAt)), () =>
      buildAttendance(this.deps.repository, session),
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
    const { access, repository, writer, audit, clock } = this.deps;
    const { session } = await access.access(caller, sessionId, 'session:write');
    const now = clock.now();
    return retryOnConflict(async () => {
      const stored = await repository.getAttendance(sessionId, studentId);
      const base = stored?.value ?? (await this.rosterOnlyRow(sessionId, studentId));
      if (!base) throw new NotFoundError('That student is not in this session.');
      const next = withOverride(base, decision, caller.email, now);
      await writer.commit({
        sessionId,
        attendance: [stored ? replace(stored, next) : create(next)],
        events: [audit.teacherAction(caller.id, now, `override_${decision.final}`, { targetId: studentId })],
      });
      return presentAttendanceRow(next, session);
    });
  }

  /** The export rows (one per student), in email order. @throws NotFoundError */
  async exportRows(caller: Caller, sessionId: string): Promise<{ session: SessionRecord; rows: ExportRow[] }> {
    const { session } = await this.deps.access.access(caller, sessionId, 'session:write');
    const { rows } = await buildAttendance(this.deps.repository, session);
    return {
      session,
      rows: rows.map((row) => ({
        student_id: row.studentId,
        email: row.email,
        name: row.name ?? '',
        entry: row.entry ?? '',
        entry_at: row.entryAt ?? '',
        entry_method: row.entryMethod ?? '',
        minutes_late: row.minutesLate === null || row.minutesLate === undefined ? '' : String(row.minutesLate),
        early_leave_at: row.earlyLeaveAt ?? '',
        exit_verified: String(row.exitVerified),
        exit_at: row.exitAt ?? '',
        final: row.final,
        override: row.override?.final ?? '',
        override_reason: row.override?.reason ?? '',
        flags: flagsText(row.flags, row.flagEvidence),
        spot_check: spotCheckCell(row),
      })),
    };
  }

  /**
   * Starts a spot check: picks up to `count` students verified on entry (domain/spot-check.ts: weighted towards
   * flagged ones), marks them picked on their rows and audits each pick (`spot_check_started`). Also after the
   * session ended. Fewer (or none) when fewer can be picked.
   * @throws NotFoundError; AppError CONFLICT when the rows kept changing
   */
  async startSpotCheck(caller: Caller, sessionId: string, count: number): Promise<SpotCheckResponse> {
    const { access, repository, writer, audit, clock, random } = this.deps;
    const { session } = await access.access(caller, sessionId, 'session:write');
    const spotCheckId = randomBytes(9).toString('base64url');
    return retryOnConflict(async () => {
      const now = clock.now();
      const rows = await repository.listAttendance(sessionId);
      const candidates = rows
        .filter((row) => isSpotCheckable(row.value, finalOf(row.value, session)))
        .map((row) => ({ studentId: row.value.studentId, flags: row.value.flags, row }));
      const picked = pickSpotCheck(candidates, count, random);
      if (picked.length > 0) {
        const mark = { spotCheckId, pickedAt: iso(now), pickedBy: caller.email, answer: null, at: null, by: null };
        await writer.commit({
          sessionId,
          attendance: picked.map(({ row }) => replace(row, { ...row.value, spotCheck: mark })),
          events: picked.map(({ studentId }) =>
            audit.teacherAction(caller.id, now, 'spot_check_started', { targetId: studentId }),
          ),
        });
      }
      return {
        spotCheckId,
        students: picked.map(({ row: { value } }) => ({
          studentId: value.studentId,
          name: value.name ?? null,
          email: value.email,
          flags: [...value.flags],
          reason: spotCheckReason(value.flags),
        })),
      };
    }, 5);
  }

  /**
   * Records the teacher's answer for a student picked in spot check `spotCheckId` (audited
   * `spot_check_answered_here` or `…_not_here`, also after the session ended); `not_here` also overrides the student to absent with `reason`, as the override
   * route does. Answering again replaces the answer.
   * @throws NotFoundError (no such session, or the student was not picked in that spot check)
   */
  async answerSpotCheck(
    caller: Caller,
    sessionId: string,
    spotCheckId: string,
    input: SpotCheckAnswerRequest,
  ): Promise<AttendanceRow> {
    const { access, repository, writer, audit, clock } = this.deps;
    const { session } = await access.access(caller, sessionId, 'session:write');
    return retryOnConflict(async () => {
      const now = clock.now();
      const stored = await repository.getAttendance(sessionId, input.studentId);
      const mark = stored?.value.spotCheck;
      if (!stored || mark?.spotCheckId !== spotCheckId) {
        throw new NotFoundError('That student was not picked in this spot check.');
      }
      const answered: AttendanceRecord = {
        ...stored.value,
        spotCheck: { ...mark, answer: input.answer, at: iso(now), by: caller.email },
      };
      const target = { targetId: input.studentId };
      const events = [audit.teacherAction(caller.id, now, `spot_check_answered_${input.answer}`, target)];
      let next = answered;
      if (input.answer === 'not_here') {
        const decision = { final: 'absent' as const, reason: input.reason ?? SPOT_CHECK_DEFAULT_REASON };
        next = withOverride(answered, decision, caller.email, now);
        events.push(audit.teacherAction(caller.id, now, `override_${decision.final}`, target));
      }
      await writer.commit({ sessionId, attendance: [replace(stored, next)], events });
      return presentAttendanceRow(next, session);
    });
  }

  /** One page of the audit log, oldest first. @throws NotFoundError; ValidationError for a bad cursor. */
  async events(
    caller: Caller,
    sessionId: string,
    cursor: string | undefined,
  ): Promise<{ events: AuditEvent[]; cursor: string | null }> {
    await this.deps.access.access(caller, sessionId, 'events:read');
    return this.deps.repository.events(sessionId, cursor, EVENTS_PER_PAGE);
  }

  /**
   * Deletes audit events and scan answers of sessions that ended more than `retentionDays` ago, after
   * `beforeDelete` (which keeps what must outlive them: the insights).
   */
  async purgeAudit(
    retentionDays: number,
    beforeDelete: (sessionId: string) => Promise<void> = async () => {},
  ): Promise<number> {
    const { repository, schedule, clock } = this.deps;
    const cutoff = clock.now() - retentionDays * 86_400_000;
    let removed = 0;
    for (const sessionId of await schedule.endedBefore(cutoff)) {
      await beforeDelete(sessionId);
      removed += await repository.deleteAudit(sessionId);
      await schedule.forgetEnded(sessionId);
    }
    return removed;
  }

  private async rosterOnlyRow(sessionId: string, studentId: string): Promise<AttendanceRecord | undefined> {
    const entry = (await this.deps.repository.listRoster(sessionId)).find((r) => r.studentId === studentId);
    return entry ? rosterOnly(entry) : undefined;
  }
}
