/**
 * SessionService: create, read, list, change, start, end and delete sessions; roster and co-teachers;
 * joining with the join code and presence (heartbeat). Session records are cached (5 min, invalidated on
 * every write) because every scan reads them.
 */
import type {
  CreateSessionRequest,
  MyStatus,
  RosterEntry,
  Session,
  StudentSession,
  UpdateSessionRequest,
} from '@qrca/contract';
import { MAX_ROSTER, MAX_SESSION_HOURS } from '@qrca/contract';
import { createHmac, hkdfSync, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { requireAccess, type Relation } from '../domain/access-policy';
import { isValidCidrOrIp } from '../domain/network';
import { roleFor, type RoleRules } from '../domain/roles';
import { AppError, NotFoundError, RateLimitedError, ValidationError } from '../middleware/errors';
import type { Clock } from '../ports/clock';
import { StoreConflictError, type BatchOperation } from '../ports/table-store';
import { presentMyStatus } from '../presenters/attendance.presenter';
import { presentSession, presentStudentSession } from '../presenters/session.presenter';
import { emailKey } from '../repositories/keys';
import {
  rowKeys,
  type AttendanceRecord,
  type RosterRecord,
  type SessionRecord,
  type SessionRepository,
  type Stored,
} from '../repositories/session.repository';
import type { UserRepository } from '../repositories/users.repository';
import { CACHE_TTL, cacheKeys, type Cache } from '../utils/cache';
import type { Caller } from './auth.service';
import { retryOnConflict } from './retry-on-conflict';
import type { TeacherService } from './teacher.service';

/** Presence: a heartbeat marks a student online this long. */
export const ONLINE_MS = 30_000;
const JOIN_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const MAX_CO_TEACHERS = 20;
/** Join attempts per minute: per account (wrong codes included), per client address (lecture halls share NAT). */
export const JOIN_LIMITS = { perAccount: 60, perIp: 1_000, windowMs: 60_000 } as const;
/** Sessions nobody ended are ended this long after their end time. */
export const AUTO_END_AFTER_MS = 30 * 60_000;
const CONCURRENCY = 16;

export interface SessionDependencies {
  readonly sessions: SessionRepository;
  readonly users: UserRepository;
  readonly teachers: TeacherService;
  readonly cache: Cache;
  readonly clock: Clock;
  readonly roles: RoleRules;
  readonly publicUrl: string;
  /** Server secret that idempotent session ids derive from (JWT_SECRET). */
  readonly secret: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

function newJoinCode(): string {
  return Array.from({ length: 8 }, () => JOIN_CODE_ALPHABET[randomInt(JOIN_CODE_ALPHABET.length)]).join('');
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  });
  await Promise.all(runners);
  return results;
}

/** Checks the time and constraint rules a session must satisfy. @throws ValidationError */
function validateSettings(
  s: Pick<SessionRecord, 'startAt' | 'endAt' | 'lateCutoffMinutes' | 'exitWindowMinutes' | 'constraints'>,
) {
  const issues: { path: string; message: string }[] = [];
  const start = Date.parse(s.startAt);
  const end = Date.parse(s.endAt);
  const minutes = (end - start) / 60_000;
  if (!(end > start)) issues.push({ path: 'endAt', message: 'The end must be after the start.' });
  else if (minutes > MAX_SESSION_HOURS * 60)
    issues.push({ path: 'endAt', message: `A session lasts at most ${MAX_SESSION_HOURS} hours.` });
  if (end > start && s.lateCutoffMinutes >= minutes) {
    issues.push({ path: 'lateCutoffMinutes', message: 'The late cutoff must fall before the end.' });
  }
  if (end > start && s.exitWindowMinutes >= minutes) {
    issues.push({ path: 'exitWindowMinutes', message: 'The exit window must be shorter than the session.' });
  }
  s.constraints.networks?.cidrs.forEach((cidr, i) => {
    if (!isValidCidrOrIp(cidr))
      issues.push({ path: `constraints.networks.cidrs.${i}`, message: `"${cidr}" is not an IP network.` });
  });
  if (issues.length > 0) throw new ValidationError('Check the session settings.', issues);
}

export class SessionService {
  private readonly idKey: Buffer;

  constructor(private readonly deps: SessionDependencies) {
    this.idKey = Buffer.from(hkdfSync('sha256', deps.secret, 'qrca', 'session ids v1', 32));
  }

  /**
   * Creates a scheduled session owned by the caller (roster optional). With an idempotency key the session id
   * derives from the caller and the key, so a retry (after a lost answer or a crash part-way) completes and
   * returns the same session instead of making a second one. The session row is written after the roster and
   * before the index rows, so a crash leaves nothing a user can see. @throws ValidationError
   */
  async createSession(caller: Caller, input: CreateSessionRequest, idempotencyKey?: string): Promise<Session> {
    const { sessions, clock } = this.deps;
    const id = idempotencyKey ? this.sessionIdFor(caller.id, idempotencyKey) : randomBytes(12).toString('base64url');
    const earlier = idempotencyKey ? await sessions.getMeta(id) : undefined;
    if (earlier) {
      if (earlier.data.ownerId !== caller.id) throw new AppError('CONFLICT', 'That idempotency key is taken.');
      return this.completeCreation(earlier.data);
    }
    const now = clock.now();
    const record: SessionRecord = {
      id,
      title: input.title,
      ownerId: caller.id,
      ownerEmail: caller.email,
      coTeachers: [],
      status: 'scheduled',
      startAt: iso(Date.parse(input.startAt)),
      endAt: iso(Date.parse(input.endAt)),
      lateCutoffMinutes: input.lateCutoffMinutes,
      exitWindowMinutes: input.exitWindowMinutes,
      entryMethod: input.entryMethod,
      joinCode: newJoinCode(),
      rosterMode: input.rosterMode,
      rosterCount: 0,
      constraints: input.constraints,
      earlyLeaveOpen: false,
      projectorNonce: randomBytes(16).toString('base64url'),
      createdAt: iso(now),
      startedAt: null,
      endedAt: null,
    };
    validateSettings(record);
    const rosterCount = input.roster ? await this.replaceRoster(record.id, input.roster) : 0;
    const stored: SessionRecord = { ...record, rosterCount };
    try {
      await sessions.insertMeta(stored);
    } catch (error) {
      // The same key sent twice at once: the other request made the session.
      if (!(error instanceof StoreConflictError) || !idempotencyKey) throw error;
      const winner = await sessions.getMeta(id);
      if (!winner || winner.data.ownerId !== caller.id) throw error;
      return this.completeCreation(winner.data);
    }
    return this.completeCreation(stored);
  }

  /** The writes after the session row (owner's index row, the start timer); idempotent. */
  private async completeCreation(session: SessionRecord): Promise<Session> {
    const { sessions, publicUrl } = this.deps;
    await sessions.addToIndex(session.ownerId, session.startAt, { sessionId: session.id, relation: 'owner' });
    if (session.status === 'scheduled') await sessions.scheduleStart(session.id, Date.parse(session.startAt));
    return presentSession(session, 'owner', publicUrl);
  }

  /** A session id only this owner's key yields (HMAC), so nobody can predict or claim another's. */
  private sessionIdFor(ownerId: string, idempotencyKey: string): string {
    return createHmac('sha256', this.idKey)
      .update(`${ownerId}\n${idempotencyKey}`)
      .digest()
      .subarray(0, 12)
      .toString('base64url');
  }

  /** The caller's sessions: a teacher's own and co-taught ones, a student's joined ones. */
  async listSessions(caller: Caller): Promise<(Session | StudentSession)[]> {
    const index = await this.deps.sessions.listIndex(caller.id);
    const views = await mapLimited(index, CONCURRENCY, async ({ data }) => {
      const session = await this.findSession(data.sessionId);
      if (!session) return undefined;
      const { relations } = await this.relationsOf(caller, session);
      return this.present(caller, session, relations);
    });
    return views.filter((view): view is Session | StudentSession => view !== undefined);
  }

  /** @throws NotFoundError when the caller may not see the session. */
  async getSession(caller: Caller, sessionId: string): Promise<Session | StudentSession> {
    const { session, relations } = await this.access(caller, sessionId, 'session:read');
    const view = this.present(caller, session, relations);
    if (!view) throw new NotFoundError();
    return view;
  }

  /** @throws NotFoundError; ValidationError; AppError SESSION_ENDED. */
  async updateSession(caller: Caller, sessionId: string, patch: UpdateSessionRequest): Promise<Session> {
    const { session, relations } = await this.access(caller, sessionId, 'session:write');
    assertNotEnded(session);
    const { roster, ...fields } = patch;
    const rosterCount = roster ? await this.replaceRoster(sessionId, roster) : session.rosterCount;
    const updated = await this.saveMeta(sessionId, (current) => {
      const next: SessionRecord = {
        ...current,
        ...fields,
        ...(fields.startAt ? { startAt: iso(Date.parse(fields.startAt)) } : {}),
        ...(fields.endAt ? { endAt: iso(Date.parse(fields.endAt)) } : {}),
        rosterCount,
      };
      validateSettings(next);
      return next;
    });
    if (updated.status === 'scheduled' && updated.startAt !== session.startAt) {
      await this.deps.sessions.unscheduleStart(sessionId, Date.parse(session.startAt));
      await this.deps.sessions.scheduleStart(sessionId, Date.parse(updated.startAt));
    }
    return presentSession(updated, relations.includes('owner') ? 'owner' : 'co_teacher', this.deps.publicUrl);
  }

  /** Starts the session now (idempotent while active). @throws NotFoundError; AppError SESSION_ENDED. */
  async startSession(caller: Caller, sessionId: string): Promise<Session> {
    const { relations } = await this.access(caller, sessionId, 'session:write');
    const started = await this.activate(sessionId);
    return presentSession(started, relations.includes('owner') ? 'owner' : 'co_teacher', this.deps.publicUrl);
  }

  /** Ends the session (idempotent). @throws NotFoundError */
  async endSession(caller: Caller, sessionId: string): Promise<Session> {
    const { relations } = await this.access(caller, sessionId, 'session:write');
    const ended = await this.finish(sessionId);
    return presentSession(ended, relations.includes('owner') ? 'owner' : 'co_teacher', this.deps.publicUrl);
  }

  /** Deletes the session and everything in it (owner only). @throws NotFoundError, ForbiddenError */
  async deleteSession(caller: Caller, sessionId: string): Promise<void> {
    const { session } = await this.access(caller, sessionId, 'session:delete');
    const { sessions, cache } = this.deps;
    const students = await sessions.listByPrefix<AttendanceRecord>(sessionId, 'att:');
    const people = [
      session.ownerId,
      ...session.coTeachers.map((t) => t.userId),
      ...students.map((s) => s.data.studentId),
    ];
    // Everything that points at the session goes first and the session row last, so a retry after a crash
    // part-way still finds the session and finishes the job.
    await mapLimited(people, CONCURRENCY, (userId) => sessions.removeFromIndex(userId, session.startAt, sessionId));
    await sessions.unscheduleStart(sessionId, Date.parse(session.startAt));
    await sessions.unmarkActive(sessionId);
    await sessions.forgetEnded(sessionId);
    await sessions.deletePartition(sessionId);
    await cache.invalidate(cacheKeys.session(sessionId));
  }

  /** Replaces the roster. @throws NotFoundError; AppError SESSION_ENDED. */
  async putRoster(caller: Caller, sessionId: string, entries: readonly RosterEntry[]): Promise<{ count: number }> {
    const { session } = await this.access(caller, sessionId, 'session:write');
    assertNotEnded(session);
    const count = await this.replaceRoster(sessionId, entries);
    await this.saveMeta(sessionId, (current) => ({ ...current, rosterCount: count }));
    return { count };
  }

  /** Adds a co-teacher by email (owner only; the email must be a teacher's). @throws NotFoundError, ForbiddenError, ValidationError */
  async addCoTeacher(caller: Caller, sessionId: string, email: string): Promise<Session> {
    const { session } = await this.access(caller, sessionId, 'session:share');
    const onList = await this.deps.teachers.isAllowListed(email);
    const role = roleFor(email, this.deps.roles, onList);
    if (role !== 'teacher' && role !== 'admin') {
      throw new ValidationError('Only teachers can co-teach.', [{ path: 'email', message: 'not a teacher' }]);
    }
    const teacher = await this.deps.users.ensure(email);
    if (teacher.id === session.ownerId)
      throw new ValidationError('You already own this session.', [{ path: 'email', message: 'owner' }]);
    // The index row first: until the session row names them it lists nothing (access is checked on read).
    await this.deps.sessions.addToIndex(teacher.id, session.startAt, { sessionId, relation: 'co_teacher' });
    const updated = await this.saveMeta(sessionId, (current) => {
      if (current.coTeachers.some((t) => t.userId === teacher.id)) return current;
      if (current.coTeachers.length >= MAX_CO_TEACHERS) {
        throw new ValidationError(`At most ${MAX_CO_TEACHERS} co-teachers.`, [{ path: 'email', message: 'too many' }]);
      }
      return { ...current, coTeachers: [...current.coTeachers, { userId: teacher.id, email: teacher.email }] };
    });
    return presentSession(updated, 'owner', this.deps.publicUrl);
  }

  /** @throws NotFoundError (also when the email is not a co-teacher), ForbiddenError */
  async removeCoTeacher(caller: Caller, sessionId: string, email: string): Promise<void> {
    const { session } = await this.access(caller, sessionId, 'session:share');
    const teacher = session.coTeachers.find((t) => t.email === email);
    if (!teacher) throw new NotFoundError('That teacher does not co-teach this session.');
    // The index row first: a retry after a crash in between still finds them on the session and finishes.
    await this.deps.sessions.removeFromIndex(teacher.userId, session.startAt, sessionId);
    await this.saveMeta(sessionId, (current) => ({
      ...current,
      coTeachers: current.coTeachers.filter((t) => t.userId !== teacher.userId),
    }));
  }

  /**
   * Joins the caller with the session's join code; idempotent.
   * @throws NotFoundError (no such session or wrong code); AppError SESSION_ENDED, NOT_ON_ROSTER.
   */
  async joinSession(
    caller: Caller,
    sessionId: string,
    joinCode: string,
    clientIp: string | undefined,
  ): Promise<{ status: MyStatus }> {
    const { sessions, clock } = this.deps;
    // Counted before the code is checked: join codes must not be guessable by trying.
    await this.limitJoins(caller.id, clientIp);
    const session = await this.findSession(sessionId);
    if (!session || !sameCode(session.joinCode, joinCode.toUpperCase())) throw new NotFoundError();
    requireAccess(caller, 'session:join', ['anyone']);
    const existing = await sessions.getAttendance(sessionId, caller.id);
    // The index row before the attendance row, and again on every repeat: a join that crashed in between
    // is completed by its retry (a dangling index row lists nothing: access is checked on read).
    const index = () => sessions.addToIndex(caller.id, session.startAt, { sessionId, relation: 'student' });
    if (existing?.data.joinedAt) {
      await index();
      return { status: presentMyStatus(existing.data, session) };
    }
    assertNotEnded(session);
    const rosterEntry =
      session.rosterCount === 0 ? undefined : await sessions.getRosterEntry(sessionId, emailKey(caller.email));
    const onRoster = session.rosterCount === 0 || rosterEntry !== undefined;
    if (!onRoster && session.rosterMode === 'strict') {
      throw new AppError('NOT_ON_ROSTER', 'You are not on this class list. Ask your teacher to add you.');
    }
    const row: AttendanceRecord = {
      ...(existing?.data ?? emptyAttendance(caller.id, caller.email)),
      joinedAt: iso(clock.now()),
      name: rosterEntry?.data.name ?? existing?.data.name ?? null,
      onRoster: session.rosterCount > 0 && onRoster,
      flags: onRoster ? (existing?.data.flags ?? []) : [...new Set([...(existing?.data.flags ?? []), 'not_on_roster'])],
    };
    await index();
    try {
      if (existing)
        await sessions.batch(sessionId, [
          { kind: 'update', rowKey: rowKeys.attendance(caller.id), data: row, etag: existing.etag },
        ]);
      else await sessions.batch(sessionId, [{ kind: 'insert', rowKey: rowKeys.attendance(caller.id), data: row }]);
    } catch (error) {
      // A concurrent join of the same student won; its row is the answer.
      if (!(error instanceof StoreConflictError)) throw error;
      const winner = await sessions.getAttendance(sessionId, caller.id);
      if (!winner) throw error;
      return { status: presentMyStatus(winner.data, session) };
    }
    await this.markOnline(sessionId, caller.id);
    return { status: presentMyStatus(row, session) };
  }

  /** Marks the caller online for 30 s. @throws NotFoundError unless joined; AppError SESSION_ENDED. */
  async heartbeat(caller: Caller, sessionId: string): Promise<void> {
    const { session } = await this.access(caller, sessionId, 'session:attend');
    assertNotEnded(session);
    await this.markOnline(sessionId, caller.id);
  }

  /** @throws RateLimitedError past {@link JOIN_LIMITS}. */
  private async limitJoins(studentId: string, clientIp: string | undefined): Promise<void> {
    const { cache } = this.deps;
    const results = await Promise.all([
      cache.rateLimit(cacheKeys.rate('join-account', studentId), JOIN_LIMITS.perAccount, JOIN_LIMITS.windowMs),
      cache.rateLimit(cacheKeys.rate('join-ip', clientIp ?? 'unknown'), JOIN_LIMITS.perIp, JOIN_LIMITS.windowMs),
    ]);
    const refused = results.filter((r) => !r.allowed);
    if (refused.length > 0) {
      throw new RateLimitedError(
        Math.max(...refused.map((r) => r.retryAfterSeconds)),
        'Too many join attempts. Wait a moment.',
      );
    }
  }

  /** Whether the student sent a heartbeat (or joined or scanned) in the last 30 s. */
  async isOnline(sessionId: string, studentId: string): Promise<boolean> {
    return (await this.deps.cache.getJson<number>(cacheKeys.online(sessionId, studentId))) !== undefined;
  }

  async markOnline(sessionId: string, studentId: string): Promise<void> {
    await this.deps.cache.setJson(cacheKeys.online(sessionId, studentId), this.deps.clock.now(), ONLINE_MS);
  }

  /** The session record through the cache (5 min), or undefined. */
  async findSession(sessionId: string): Promise<SessionRecord | undefined> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(sessionId)) return undefined;
    const cached = await this.deps.cache.remember<SessionRecord | null>(
      cacheKeys.session(sessionId),
      CACHE_TTL.activeSessionMs,
      async () => (await this.deps.sessions.getMeta(sessionId))?.data ?? null,
    );
    return cached ?? undefined;
  }

  /**
   * Loads the session and checks `action`; `joined` is looked up only for students.
   * @throws NotFoundError, ForbiddenError
   */
  async access(
    caller: Caller,
    sessionId: string,
    action: Parameters<typeof requireAccess>[1],
  ): Promise<{ session: SessionRecord; relations: Relation[]; attendance?: Stored<AttendanceRecord> }> {
    const session = await this.findSession(sessionId);
    if (!session) throw new NotFoundError();
    const { relations, attendance } = await this.relationsOf(caller, session);
    requireAccess(caller, action, relations);
    return { session, relations, ...(attendance ? { attendance } : {}) };
  }

  /** Read-modify-write of the session record with its ETag; retried on a concurrent change. */
  async saveMeta(sessionId: string, change: (current: SessionRecord) => SessionRecord): Promise<SessionRecord> {
    return retryOnConflict(async () => {
      const current = await this.deps.sessions.getMeta(sessionId);
      if (!current) throw new NotFoundError();
      const next = change(current.data);
      if (next === current.data) return next;
      await this.deps.sessions.updateMeta(next, current.etag);
      await this.deps.cache.invalidate(cacheKeys.session(sessionId));
      return next;
    }, 5);
  }

  /**
   * The session clock (a timer): starts sessions whose start time has come, ends active ones 30 minutes after
   * their end time (then `afterEnd`: chains closed, statuses frozen), and `sweep`s the others for stalled chains.
   */
  async tick(hooks: {
    sweep(session: SessionRecord): Promise<void>;
    afterEnd(sessionId: string): Promise<void>;
  }): Promise<{ started: number; ended: number; active: number }> {
    const { sessions, clock } = this.deps;
    const now = clock.now();
    let started = 0;
    let ended = 0;
    for (const sessionId of await sessions.dueToStart(now)) {
      const meta = await sessions.getMeta(sessionId);
      if (!meta || meta.data.status === 'ended')
        await sessions.unscheduleStart(sessionId, Date.parse(meta?.data.startAt ?? ''));
      else if (meta.data.status === 'scheduled') {
        await this.activate(sessionId);
        started++;
      }
    }
    const active = await sessions.activeSessions();
    for (const sessionId of active) {
      const meta = await sessions.getMeta(sessionId);
      if (!meta) {
        await sessions.unmarkActive(sessionId);
      } else if (meta.data.status === 'ended') {
        // Ended, but its chains and statuses were not (all) settled: a crash after the end. Settle them now.
        await hooks.afterEnd(sessionId);
      } else if (meta.data.status !== 'active') {
        await sessions.unmarkActive(sessionId);
      } else if (now >= Date.parse(meta.data.endAt) + AUTO_END_AFTER_MS) {
        await this.finish(sessionId);
        await hooks.afterEnd(sessionId);
        ended++;
      } else {
        await hooks.sweep(meta.data);
      }
    }
    return { started, ended, active: active.length - ended };
  }

  /** scheduled → active (startedAt = now); a no-op when active. @throws AppError SESSION_ENDED */
  async activate(sessionId: string): Promise<SessionRecord> {
    const now = this.deps.clock.now();
    const session = await this.saveMeta(sessionId, (current) => {
      if (current.status === 'ended') throw new AppError('SESSION_ENDED', 'This session has ended.');
      return current.status === 'active' ? current : { ...current, status: 'active', startedAt: iso(now) };
    });
    await this.deps.sessions.markActive(sessionId);
    await this.deps.sessions.unscheduleStart(sessionId, Date.parse(session.startAt));
    return session;
  }

  /** Opens or closes the early-leave window. @throws NotFoundError; AppError SESSION_ENDED, WRONG_PHASE. */
  async setEarlyLeave(caller: Caller, sessionId: string, open: boolean): Promise<Session> {
    const { relations } = await this.access(caller, sessionId, 'session:write');
    const updated = await this.saveMeta(sessionId, (current) => {
      assertNotEnded(current);
      if (open && current.status !== 'active') throw new AppError('WRONG_PHASE', 'Start the session first.');
      return current.earlyLeaveOpen === open ? current : { ...current, earlyLeaveOpen: open };
    });
    return presentSession(updated, relations.includes('owner') ? 'owner' : 'co_teacher', this.deps.publicUrl);
  }

  /**
   * → ended (endedAt = now, early leave closed). Chains and final statuses are settled by the caller
   * (AttendanceService.afterEnd), which also takes the session off the clock's active list: until then the
   * clock finishes that work itself if the process stops in between.
   */
  async finish(sessionId: string): Promise<SessionRecord> {
    const now = this.deps.clock.now();
    const session = await this.saveMeta(sessionId, (current) =>
      current.status === 'ended' ? current : { ...current, status: 'ended', endedAt: iso(now), earlyLeaveOpen: false },
    );
    await this.deps.sessions.markEnded(sessionId, Date.parse(session.endedAt ?? iso(now)));
    await this.deps.sessions.unscheduleStart(sessionId, Date.parse(session.startAt));
    return session;
  }

  /** The caller's relations to the session; for a student, also their attendance row as just read. */
  private async relationsOf(
    caller: Caller,
    session: SessionRecord,
  ): Promise<{ relations: Relation[]; attendance?: Stored<AttendanceRecord> }> {
    if (caller.id === session.ownerId) return { relations: ['owner'] };
    if (session.coTeachers.some((t) => t.userId === caller.id)) return { relations: ['co_teacher'] };
    if (caller.role !== 'student') return { relations: [] };
    const row = await this.deps.sessions.getAttendance(session.id, caller.id);
    return row?.data.joinedAt ? { relations: ['joined'], attendance: row } : { relations: [] };
  }

  private present(caller: Caller, session: SessionRecord, relations: Relation[]): Session | StudentSession | undefined {
    if (relations.includes('owner')) return presentSession(session, 'owner', this.deps.publicUrl);
    if (relations.includes('co_teacher')) return presentSession(session, 'co_teacher', this.deps.publicUrl);
    if (relations.includes('joined') && caller.role === 'student') return presentStudentSession(session);
    return undefined;
  }

  /** Stores the roster (emails → stable student ids, with names), replacing the previous one; returns its size. */
  private async replaceRoster(sessionId: string, entries: readonly RosterEntry[]): Promise<number> {
    const names = new Map<string, string | null>();
    for (const entry of entries) {
      const email = typeof entry === 'string' ? entry : entry.email;
      const name = typeof entry === 'string' ? null : (entry.name ?? null);
      if (!names.has(email) || name) names.set(email, name);
    }
    if (names.size > MAX_ROSTER) throw new ValidationError(`A roster holds at most ${MAX_ROSTER} students.`);
    const { sessions, users } = this.deps;
    const people = await mapLimited([...names.keys()], CONCURRENCY, (email) => users.ensure(email));
    const previous = await sessions.listByPrefix<RosterRecord>(sessionId, 'roster:');
    const keep = new Set(people.map((p) => rowKeys.roster(emailKey(p.email))));
    const operations: BatchOperation[] = [
      ...previous
        .filter((row) => !keep.has(row.rowKey))
        .map((row) => ({ kind: 'delete' as const, rowKey: row.rowKey })),
      ...people.map((p) => ({
        kind: 'upsert' as const,
        rowKey: rowKeys.roster(emailKey(p.email)),
        data: { email: p.email, studentId: p.id, name: names.get(p.email) ?? null } satisfies RosterRecord,
      })),
    ];
    await sessions.batchAll(sessionId, operations);
    return people.length;
  }
}

/** An attendance row before anything happened. */
export function emptyAttendance(studentId: string, email: string): AttendanceRecord {
  return {
    studentId,
    email,
    name: null,
    joinedAt: null,
    onRoster: false,
    entry: null,
    entryAt: null,
    entryMethod: null,
    entryVerifiedBy: null,
    exitVerified: false,
    exitAt: null,
    earlyLeaveAt: null,
    holding: null,
    flags: [],
  };
}

function assertNotEnded(session: SessionRecord): void {
  if (session.status === 'ended')
    throw new AppError('SESSION_ENDED', 'This session has ended; it can no longer change.');
}

function sameCode(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
