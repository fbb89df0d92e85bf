/**
 * The life of a session in time: scheduled → active (at its start time, or "start now") → ended (by the
 * teacher, or automatically 30 minutes after its end time), closing on-time entry early, the early-leave
 * window, and the session clock (a
 * timer) that starts, ends and sweeps sessions. Ending settles the session: chains closed, final statuses
 * frozen — repeated by the clock if the process stops in between.
 */
import type { Session } from '@qrca/contract';
import { finalStatus } from '../domain/final-status';
import { phaseAt } from '../domain/phases';
import type { SessionRecord } from '../domain/records';
import { AppError } from '../middleware/errors';
import type { Clock } from '../ports/clock';
import { presentSession } from '../presenters/session.presenter';
import type { SessionScheduleRepository } from '../repositories/session-schedule.repository';
import type { SessionRepository } from '../repositories/session.repository';
import type { AuditLog } from './audit-log';
import type { Caller } from './auth.service';
import type { ChainSweeper } from './chain-sweep';
import { teacherRole, type SessionAccess } from './session-access';
import type { SessionWriter } from './session-writer';

/** Sessions nobody ended are ended this long after their end time. */
export const AUTO_END_AFTER_MS = 30 * 60_000;

const iso = (ms: number) => new Date(ms).toISOString();
const ended = () => new AppError('SESSION_ENDED', 'This session has ended.');

export interface LifecycleDependencies {
  readonly access: SessionAccess;
  readonly writer: SessionWriter;
  readonly repository: SessionRepository;
  readonly schedule: SessionScheduleRepository;
  readonly sweeper: ChainSweeper;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly publicUrl: string;
}

export class LifecycleService {
  constructor(private readonly deps: LifecycleDependencies) {}

  /** Starts the session now (idempotent while active). @throws NotFoundError; AppError SESSION_ENDED. */
  async startSession(caller: Caller, sessionId: string): Promise<Session> {
    const { relations } = await this.deps.access.access(caller, sessionId, 'session:write');
    return presentSession(await this.activate(sessionId), teacherRole(relations), this.deps.publicUrl);
  }

  /** Ends the session and settles it (idempotent). @throws NotFoundError */
  async endSession(caller: Caller, sessionId: string): Promise<Session> {
    const { relations } = await this.deps.access.access(caller, sessionId, 'session:write');
    const session = await this.finish(sessionId);
    await this.settle(sessionId);
    return presentSession(session, teacherRole(relations), this.deps.publicUrl);
  }

  /** Opens or closes the early-leave window. @throws NotFoundError; AppError SESSION_ENDED, WRONG_PHASE. */
  async setEarlyLeave(caller: Caller, sessionId: string, open: boolean): Promise<Session> {
    const { relations } = await this.deps.access.access(caller, sessionId, 'session:write');
    const updated = await this.deps.writer.updateSession(sessionId, (current) => {
      if (current.status === 'ended') throw ended();
      if (open && current.status !== 'active') throw new AppError('WRONG_PHASE', 'Start the session first.');
      return current.earlyLeaveOpen === open ? current : { ...current, earlyLeaveOpen: open };
    });
    return presentSession(updated, teacherRole(relations), this.deps.publicUrl);
  }

  /**
   * "Close on-time entry now": entry ends at once (before its cutoff), entry chains close — their last holders
   * stay unverified and may use the late code — and the projector's late code opens. Audited; idempotent once
   * entry is closed (by hand or by the cutoff).
   * @throws NotFoundError; AppError SESSION_ENDED, WRONG_PHASE (not started).
   */
  async closeEntry(caller: Caller, sessionId: string): Promise<Session> {
    const { relations } = await this.deps.access.access(caller, sessionId, 'session:write');
    const now = this.deps.clock.now();
    const updated = await this.deps.writer.updateSession(
      sessionId,
      (current) => {
        if (current.status === 'ended') throw ended();
        if (current.status !== 'active') throw new AppError('WRONG_PHASE', 'Start the session first.');
        return phaseAt(current, now).phase === 'entry' ? { ...current, entryClosedAt: iso(now) } : current;
      },
      () => [this.deps.audit.teacherAction(caller.id, now, 'entry_closed')],
    );
    // Entry chains close now rather than at the clock's next sweep.
    await this.deps.sweeper.sweep(updated);
    return presentSession(updated, teacherRole(relations), this.deps.publicUrl);
  }

  /**
   * The session clock: starts sessions whose start time has come; for running ones, ends those 30 minutes past
   * their end time, settles any ended but not settled (a failure after the end), and sweeps the others for
   * stalled chains.
   */
  async tick(): Promise<{ started: number; ended: number; active: number }> {
    const { repository, schedule, sweeper, clock } = this.deps;
    const now = clock.now();
    let started = 0;
    let endedCount = 0;
    for (const sessionId of await schedule.dueToStart(now)) {
      const session = (await repository.getSession(sessionId))?.value;
      if (session?.status === 'scheduled') {
        await this.activate(sessionId);
        started++;
      } else if (session?.status !== 'active') {
        await schedule.unscheduleStart(sessionId, Date.parse(session?.startAt ?? ''));
      }
    }
    const active = await schedule.activeSessions();
    for (const sessionId of active) {
      const session = (await repository.getSession(sessionId))?.value;
      if (!session || session.status === 'scheduled') await schedule.unmarkActive(sessionId);
      else if (session.status === 'ended') await this.settle(sessionId);
      else if (now >= Date.parse(session.endAt) + AUTO_END_AFTER_MS) {
        await this.finish(sessionId);
        await this.settle(sessionId);
        endedCount++;
      } else await sweeper.sweep(session);
    }
    return { started, ended: endedCount, active: active.length - endedCount };
  }

  /** scheduled → active (startedAt = now); a no-op when active. @throws AppError SESSION_ENDED */
  async activate(sessionId: string): Promise<SessionRecord> {
    const now = this.deps.clock.now();
    const session = await this.deps.writer.updateSession(sessionId, (current) => {
      if (current.status === 'ended') throw ended();
      return current.status === 'active' ? current : { ...current, status: 'active', startedAt: iso(now) };
    });
    await this.deps.schedule.markActive(sessionId);
    await this.deps.schedule.unscheduleStart(sessionId, Date.parse(session.startAt));
    return session;
  }

  /** → ended (endedAt = now, early leave closed); idempotent. Settling is {@link settle}'s. */
  private async finish(sessionId: string): Promise<SessionRecord> {
    const now = this.deps.clock.now();
    const session = await this.deps.writer.updateSession(sessionId, (current) =>
      current.status === 'ended' ? current : { ...current, status: 'ended', endedAt: iso(now), earlyLeaveOpen: false },
    );
    await this.deps.schedule.markEnded(sessionId, Date.parse(session.endedAt ?? iso(now)));
    await this.deps.schedule.unscheduleStart(sessionId, Date.parse(session.startAt));
    return session;
  }

  /**
   * Settles an ended session: open chains closed (their holders keep awaiting verification), final statuses
   * frozen, then off the clock's list of running sessions. Idempotent.
   */
  private async settle(sessionId: string): Promise<void> {
    const { repository, schedule, sweeper } = this.deps;
    await sweeper.closeAll(sessionId);
    const session = await repository.getSession(sessionId);
    if (!session) return;
    const rows = await repository.listAttendance(sessionId);
    const exitRun = session.value.exitRun === true;
    await this.deps.writer.writeAttendance(
      sessionId,
      rows
        .filter((row) => (row.value.frozenFinal ?? null) === null)
        .map((row) => ({
          value: { ...row.value, frozenFinal: finalStatus({ ...row.value, override: null }, exitRun) },
          version: row.version,
        })),
    );
    await schedule.unmarkActive(sessionId);
  }
}
