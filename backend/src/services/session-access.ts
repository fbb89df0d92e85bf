/**
 * Who may do what to a session: the session record through the cache (5 min; every scan reads it), the
 * caller's relations to it, and the one access check every session operation starts with.
 */
import { requireAccess, type Action, type Relation } from '../domain/access-policy';
import type { AttendanceRecord, SessionRecord } from '../domain/records';
import { NotFoundError } from '../middleware/errors';
import type { SessionRepository } from '../repositories/session.repository';
import type { Versioned } from '../repositories/versioned';
import { CACHE_TTL, cacheKeys, type Cache } from '../utils/cache';
import type { Caller } from './auth.service';

export interface Access {
  readonly session: SessionRecord;
  readonly relations: readonly Relation[];
  /** A joined student's attendance row, as read for the check (saves the flows a read). */
  readonly attendance?: Versioned<AttendanceRecord>;
}

export class SessionAccess {
  constructor(
    private readonly repository: SessionRepository,
    private readonly cache: Cache,
  ) {}

  /** The session record through the cache (5 min), or undefined. */
  async findSession(sessionId: string): Promise<SessionRecord | undefined> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(sessionId)) return undefined;
    const cached = await this.cache.remember<SessionRecord | null>(
      cacheKeys.session(sessionId),
      CACHE_TTL.activeSessionMs,
      async () => (await this.repository.getSession(sessionId))?.value ?? null,
    );
    return cached ?? undefined;
  }

  /**
   * Loads the session and checks that `caller` may do `action`; a student's attendance row is read to know
   * whether they joined.
   * @throws NotFoundError (no such session, or the caller may not even read it), ForbiddenError
   */
  async access(caller: Caller, sessionId: string, action: Action): Promise<Access> {
    const session = await this.findSession(sessionId);
    if (!session) throw new NotFoundError();
    const { relations, attendance } = await this.relationsOf(caller, session);
    requireAccess(caller, action, relations);
    return { session, relations, ...(attendance ? { attendance } : {}) };
  }

  /** The caller's relations to the session; for a student, also their attendance row as just read. */
  async relationsOf(
    caller: Caller,
    session: SessionRecord,
  ): Promise<{ relations: Relation[]; attendance?: Versioned<AttendanceRecord> }> {
    if (caller.id === session.ownerId) return { relations: ['owner'] };
    if (session.coTeachers.some((t) => t.userId === caller.id)) return { relations: ['co_teacher'] };
    if (caller.role !== 'student') return { relations: [] };
    const row = await this.repository.getAttendance(session.id, caller.id);
    return row?.value.joinedAt ? { relations: ['joined'], attendance: row } : { relations: [] };
  }
}

/** How a teacher relates to a session, for presenters. */
export const teacherRole = (relations: readonly Relation[]): 'owner' | 'co_teacher' =>
  relations.includes('owner') ? 'owner' : 'co_teacher';
