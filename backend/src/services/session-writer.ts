/**
 * The one commit point for changes to a session, and the publish step after it. Flows decide (reads only) and
 * hand their changes here: they are written at once, then published — cached chains updated to the versions
 * just written, the session's cached record and attendance list dropped, real-time deltas queued.
 */
import type { AuditEvent } from '@qrca/contract';
import { NotFoundError } from '../middleware/errors';
import type { AttendanceRecord, RosterRecord, SessionRecord } from '../domain/records';
import type { Committed, RowWrite, SessionChanges } from '../repositories/session-changes';
import type { SessionRepository } from '../repositories/session.repository';
import { CACHE_TTL, cacheKeys, type Cache } from '../utils/cache';
import { retryOnConflict } from './retry-on-conflict';

/** The real-time side of the publish step (SignalRService); never throws. */
export interface DeltaPublisher {
  /** Deltas for committed changes. */
  publish(sessionId: string, changes: SessionChanges, committed: Committed): Promise<void>;
  /** The counts may have changed in ways rows do not show one by one (a roster replaced). */
  countsChanged(sessionId: string): void;
}

const silent: DeltaPublisher = { publish: async () => {}, countsChanged: () => {} };

export class SessionWriter {
  constructor(
    private readonly repository: SessionRepository,
    private readonly cache: Cache,
    private readonly deltas: DeltaPublisher = silent,
  ) {}

  /**
   * Commits `changes` (all or nothing), then publishes them.
   * @throws StoreConflictError when a row changed since it was read (nothing written: decide again).
   */
  async commit(changes: SessionChanges): Promise<Committed> {
    const committed = await this.repository.commit(changes);
    await this.publish(changes.sessionId, committed);
    await this.deltas.publish(changes.sessionId, changes, committed);
    return committed;
  }

  /**
   * Read-modify-write of the session record, retried on a concurrent change, with the audit `events` of the
   * change committed along. `change` returning its input unchanged writes nothing.
   * @throws NotFoundError when the session is gone; what `change` throws; AppError CONFLICT after retries.
   */
  async updateSession(
    sessionId: string,
    change: (current: SessionRecord) => SessionRecord,
    events: (next: SessionRecord) => readonly AuditEvent[] = () => [],
  ): Promise<SessionRecord> {
    return retryOnConflict(async () => {
      const current = await this.repository.getSession(sessionId);
      if (!current) throw new NotFoundError();
      const next = change(current.value);
      if (next === current.value) return next;
      await this.commit({ sessionId, session: { record: next, version: current.version }, events: events(next) });
      return next;
    }, 5);
  }

  /**
   * Writes many attendance rows in groups of 100 (each group atomic, the whole not: for sweeping changes that
   * are safe to repeat, such as freezing final statuses), then drops the cached list.
   * @throws StoreConflictError for a group whose rows changed meanwhile.
   */
  async writeAttendance(sessionId: string, writes: readonly RowWrite<AttendanceRecord>[]): Promise<void> {
    await this.repository.writeAttendance(sessionId, writes);
    await this.cache.invalidate(cacheKeys.attendance(sessionId));
  }

  /** Makes `entries` the session's roster (safe to repeat), then drops the cached attendance list. */
  async replaceRoster(sessionId: string, entries: readonly RosterRecord[]): Promise<void> {
    await this.repository.replaceRoster(sessionId, entries);
    await this.cache.invalidate(cacheKeys.attendance(sessionId));
    this.deltas.countsChanged(sessionId);
  }

  /** After a commit: what readers cache of the session must show it. */
  private async publish(sessionId: string, committed: Committed): Promise<void> {
    const { cache } = this;
    await Promise.all(
      committed.chains.map((chain) =>
        cache.setJson(cacheKeys.chain(sessionId, chain.value.chainId), chain, CACHE_TTL.activeSessionMs),
      ),
    );
    // Events and kept answers change nothing readers cache; rows and the session record do.
    const stale = [
      ...(committed.attendance.length > 0 || committed.session ? [cacheKeys.attendance(sessionId)] : []),
      ...(committed.session ? [cacheKeys.session(sessionId)] : []),
    ];
    if (stale.length > 0) await cache.invalidate(...stale);
  }
}
