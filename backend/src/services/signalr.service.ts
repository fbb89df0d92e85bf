/**
 * SignalRService: real time over Azure SignalR Service (serverless) or the bundled emulator. Clients negotiate
 * here for a connection and are put in their session's groups (teachers, display, students); the publish step
 * after each commit turns the changed rows into deltas through the presenters — one attendance row and the
 * counts for teachers, a chain for teachers, a student's own status and hold for that student alone — and
 * hands them to the delivery queue, so no request waits on delivery.
 */
import {
  realtimeGroups,
  type Chain,
  type NegotiateResponse,
  type NegotiateView,
  type ProjectorCode,
} from '@qrca/contract';
import type { AttendanceRecord, ChainRecord, SessionRecord } from '../domain/records';
import type { Realtime } from '../ports/realtime';
import { presentAttendanceRow, presentMyStatus } from '../presenters/attendance.presenter';
import { presentChain } from '../presenters/chain.presenter';
import { presentSessionState } from '../presenters/session.presenter';
import type { Committed, SessionChanges } from '../repositories/session-changes';
import type { SessionRepository } from '../repositories/session.repository';
import { cacheKeys, type Cache } from '../utils/cache';
import type { Logger } from '../utils/logger';
import { buildAttendance } from './attendance-list';
import type { Caller } from './auth.service';
import type { HoldKeys } from './hold-keys';
import type { RealtimeDelivery } from './realtime-delivery';
import type { SessionAccess } from './session-access';
import type { DeltaPublisher } from './session-writer';

/** Client tokens live one hour (then the client negotiates again); group memberships a little longer. */
export const CONNECTION_TTL_SECONDS = 3_600;
const MEMBERSHIP_TTL_SECONDS = CONNECTION_TTL_SECONDS + 600;
/**
 * Counts go out at once for a change, then at most every 250 ms per session to teachers while changes keep
 * coming, and at most once a second to the display (a projector shows them; it may be on many screens).
 */
const COUNTS_INTERVAL_MS = 250;
const DISPLAY_COUNTS_INTERVAL_MS = 1_000;

/** The SignalR user a connection is for: a display connection is its teacher's, under a name of its own. */
export const realtimeUser = (userId: string, view: NegotiateView): string =>
  view === 'display' ? `${userId}~display` : userId;

export interface SignalRDependencies {
  readonly realtime: Realtime;
  readonly delivery: RealtimeDelivery;
  readonly access: SessionAccess;
  readonly repository: SessionRepository;
  readonly cache: Cache;
  readonly holds: HoldKeys;
  readonly logger: Logger;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export class SignalRService implements DeltaPublisher {
  /**
   * Per session: the counts timer, whether a change came in since the last counts went out, and when the
   * display last got them (and whether it still lacks the latest).
   */
  private readonly counting = new Map<
    string,
    { timer: NodeJS.Timeout; dirty: boolean; displayAt: number; displayBehind: boolean }
  >();

  constructor(private readonly deps: SignalRDependencies) {}

  /**
   * A connection to the session's real time for the caller: teachers as `dashboard` (default) or `display`
   * (the projector), joined students as `student`. Puts the connection's user in the matching group only; a
   * display connects as a user of its own (`<id>~display`), so it never gets the dashboard's events however
   * many screens show it.
   * @throws NotFoundError, ForbiddenError (no access for that view); DependencyUnavailableError without a
   * realtime service (clients poll then).
   */
  async negotiate(
    caller: Caller,
    sessionId: string,
    view: NegotiateView | undefined,
    origin: string | undefined,
  ): Promise<NegotiateResponse> {
    const { access, realtime } = this.deps;
    const chosen = view ?? (caller.role === 'student' ? 'student' : 'dashboard');
    await access.access(caller, sessionId, chosen === 'student' ? 'session:attend' : 'session:write');
    const group =
      chosen === 'student'
        ? realtimeGroups.students(sessionId)
        : chosen === 'display'
          ? realtimeGroups.display(sessionId)
          : realtimeGroups.teachers(sessionId);
    const user = realtimeUser(caller.id, chosen);
    const connection = await realtime.clientConnection(user, CONNECTION_TTL_SECONDS, origin);
    await realtime.addUserToGroup(group, user, MEMBERSHIP_TTL_SECONDS);
    return connection;
  }

  /**
   * The publish step's deltas for committed changes (see the module comment). Never throws: a failure here
   * costs clients a delta (they catch up with a snapshot), never the commit's answer.
   */
  async publish(sessionId: string, changes: SessionChanges, committed: Committed): Promise<void> {
    if (this.deps.realtime.kind === 'none') return;
    try {
      const session = committed.session?.value ?? (await this.deps.access.findSession(sessionId));
      if (session) await this.deltas(session, changes, committed);
    } catch (error) {
      this.deps.logger.warn({ err: error, sessionId }, 'realtime: deltas not published');
    }
  }

  /** The current projector codes of a session, to its display. */
  sendCodes(sessionId: string, codes: readonly ProjectorCode[]): void {
    for (const code of codes) {
      this.deps.delivery.enqueue({ group: realtimeGroups.display(sessionId) }, 'codeRotated', { sessionId, code });
    }
  }

  /** Counts to teachers and display soon (see {@link countsSoon}). */
  countsChanged(sessionId: string): void {
    if (this.deps.realtime.kind !== 'none') this.countsSoon(sessionId);
  }

  /** Stops the counts timers (shutdown). */
  close(): void {
    for (const { timer } of this.counting.values()) clearTimeout(timer);
    this.counting.clear();
  }

  private async deltas(session: SessionRecord, changes: SessionChanges, committed: Committed): Promise<void> {
    const { delivery } = this.deps;
    const sessionId = session.id;
    const teachers = { group: realtimeGroups.teachers(sessionId) };
    const names = new Map<string, string>();
    let rowsChanged = false;
    for (const [i, { value, previous }] of (changes.attendance ?? []).entries()) {
      names.set(value.studentId, value.name ?? value.email);
      if (!previous || !same(presentAttendanceRow(value, session), presentAttendanceRow(previous, session))) {
        rowsChanged = true;
        // As written: with the revision the commit gave the row (clients drop older ones).
        const row = presentAttendanceRow(committed.attendance[i]?.value ?? value, session);
        delivery.enqueue(teachers, 'attendanceChanged', { sessionId, row });
      }
      const status = presentMyStatus(value, session);
      if (value.joinedAt && previous?.joinedAt && !same(status, presentMyStatus(previous, session))) {
        delivery.enqueue({ user: value.studentId }, 'statusChanged', { sessionId, status });
      }
    }
    for (const { value, previous } of changes.chains ?? []) {
      delivery.enqueue(teachers, 'chainChanged', { sessionId, chain: await this.present(sessionId, value, names) });
      this.holdDeltas(sessionId, value, previous);
    }
    for (const announcement of changes.announce ?? []) {
      const write = changes.chains?.find((c) => c.value.chainId === announcement.chainId);
      const stalled = write?.previous ?? write?.value;
      if (!stalled) continue;
      const chain = await this.present(sessionId, { ...stalled, state: 'stalled' }, names);
      delivery.enqueue(teachers, 'chainStalled', { sessionId, chain, reason: announcement.reason });
    }
    if (changes.session) {
      const state = presentSessionState(session);
      for (const group of [realtimeGroups.teachers, realtimeGroups.display, realtimeGroups.students]) {
        delivery.enqueue({ group: group(sessionId) }, 'sessionChanged', { sessionId, session: state });
      }
    }
    if (rowsChanged || changes.session) this.countsSoon(sessionId);
  }

  /** A new holder (or a new hold: every pass changes it) hears of it; a holder who lost the baton too. */
  private holdDeltas(sessionId: string, chain: ChainRecord, previous: ChainRecord | undefined): void {
    const { delivery, holds } = this.deps;
    const open = chain.state !== 'closed';
    const passed = !previous || previous.holderId !== chain.holderId || previous.seq !== chain.seq;
    if (open && passed) {
      delivery.enqueue({ user: chain.holderId }, 'holdAssigned', { sessionId, hold: holds.holdFor(sessionId, chain) });
    }
    if (previous && previous.state !== 'closed' && (previous.holderId !== chain.holderId || !open)) {
      delivery.enqueue({ user: previous.holderId }, 'holdReleased', { sessionId, chainId: chain.chainId });
    }
  }

  /** A chain as teachers see it, with its holder's name (from the same commit, else read). */
  private async present(sessionId: string, chain: ChainRecord, names: Map<string, string>): Promise<Chain> {
    let name = names.get(chain.holderId);
    if (name === undefined) {
      const holder: AttendanceRecord | undefined = (await this.deps.repository.getAttendance(sessionId, chain.holderId))
        ?.value;
      name = holder ? (holder.name ?? holder.email) : undefined;
    }
    return presentChain(chain, name ?? null);
  }

  /** Counts now, then again while changes keep coming (see {@link COUNTS_INTERVAL_MS}). */
  private countsSoon(sessionId: string): void {
    const current = this.counting.get(sessionId);
    if (current) {
      current.dirty = true;
      return;
    }
    const tick = () => {
      const state = this.counting.get(sessionId);
      if (!state) return;
      if (state.dirty || state.displayBehind) {
        const display = !state.dirty || Date.now() - state.displayAt >= DISPLAY_COUNTS_INTERVAL_MS;
        const teachers = state.dirty;
        state.dirty = false;
        state.timer = setTimeout(tick, COUNTS_INTERVAL_MS).unref();
        if (display) {
          state.displayAt = Date.now();
          state.displayBehind = false;
        } else state.displayBehind = true;
        void this.sendCounts(sessionId, { teachers, display });
      } else this.counting.delete(sessionId);
    };
    const timer = setTimeout(tick, COUNTS_INTERVAL_MS).unref();
    this.counting.set(sessionId, { timer, dirty: false, displayAt: Date.now(), displayBehind: false });
    void this.sendCounts(sessionId, { teachers: true, display: true });
  }

  private async sendCounts(sessionId: string, to: { teachers: boolean; display: boolean }): Promise<void> {
    const { access, repository, cache, delivery, logger } = this.deps;
    try {
      const session = await access.findSession(sessionId);
      if (!session) return;
      const { counts } = await cache.remember(
        cacheKeys.attendance(sessionId),
        cache.attendanceTtlMs(Date.parse(session.endAt)),
        () => buildAttendance(repository, session),
      );
      if (to.teachers) {
        delivery.enqueue({ group: realtimeGroups.teachers(sessionId) }, 'countsChanged', { sessionId, counts });
      }
      if (to.display) {
        delivery.enqueue({ group: realtimeGroups.display(sessionId) }, 'countsChanged', { sessionId, counts });
      }
    } catch (error) {
      logger.warn({ err: error, sessionId }, 'realtime: counts not published');
    }
  }
}
