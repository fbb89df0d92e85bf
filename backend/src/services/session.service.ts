/**
 * SessionService: create, list, read, change and delete sessions; co-teachers; joining with the join code.
 * Multi-write operations are ordered so that a retry after a failure part-way completes them.
 */
import {
  JOIN_SIGNATURE_ID,
  type CreateSessionRequest,
  type DeviceProof,
  type MyStatus,
  type RosterEntry,
  type Session,
  type StudentSession,
  type UpdateSessionRequest,
} from '@qrca/contract';
import { createHmac, hkdfSync, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { requireAccess, type Relation } from '../domain/access-policy';
import { emptyAttendance, type AttendanceRecord, type SessionRecord } from '../domain/records';
import { validateSettings } from '../domain/session-settings';
import { withEvidence } from '../domain/suspicion-flags';
import { roleFor, type RoleRules } from '../domain/roles';
import { AppError, NotFoundError, RateLimitedError, ValidationError } from '../middleware/errors';
import type { Clock } from '../ports/clock';
import { StoreConflictError } from '../ports/table-store';
import { presentMyStatus } from '../presenters/attendance.presenter';
import { presentSession, presentStudentSession } from '../presenters/session.presenter';
import { create, replace, type RowWrite } from '../repositories/session-changes';
import type { SessionIndexRepository } from '../repositories/session-index.repository';
import type { SessionScheduleRepository } from '../repositories/session-schedule.repository';
import type { SessionRepository } from '../repositories/session.repository';
import type { UserRepository } from '../repositories/users.repository';
import { cacheKeys, type Cache } from '../utils/cache';
import type { Caller } from './auth.service';
import { mapLimited } from './map-limited';
import type { PresenceService } from './presence.service';
import type { RosterService } from './roster.service';
import { teacherRole, type SessionAccess } from './session-access';
import type { SessionWriter } from './session-writer';
import { judgeDeviceUse } from './device-use';
import type { TeacherService } from './teacher.service';
import type { ValidationService } from './validation.service';

const JOIN_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const MAX_CO_TEACHERS = 20;
/** Join attempts per minute: per account (wrong codes included), per client address (lecture halls share NAT). */
export const JOIN_LIMITS = { perAccount: 60, perIp: 1_000, windowMs: 60_000 } as const;

export interface SessionDependencies {
  readonly repository: SessionRepository;
  readonly index: SessionIndexRepository;
  readonly schedule: SessionScheduleRepository;
  readonly access: SessionAccess;
  readonly writer: SessionWriter;
  readonly roster: RosterService;
  readonly presence: PresenceService;
  readonly users: UserRepository;
  readonly teachers: TeacherService;
  readonly cache: Cache;
  readonly clock: Clock;
  readonly roles: RoleRules;
  readonly publicUrl: string;
  /** Server secret that idempotent session ids derive from (JWT_SECRET). */
  readonly secret: string;
  /** Proves a joining device by its signature. */
  readonly validation: ValidationService;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A create request as parsed; callers in code (tests, the simulator) may leave the device policy at its default. */
export type NewSessionInput = Omit<CreateSessionRequest, 'devicePolicy'> & {
  readonly devicePolicy?: CreateSessionRequest['devicePolicy'];
};

function newJoinCode(): string {
  return Array.from({ length: 8 }, () => JOIN_CODE_ALPHABET[randomInt(JOIN_CODE_ALPHABET.length)]).join('');
}

const assertNotEnded = (session: SessionRecord) => {
  if (session.status === 'ended')
    throw new AppError('SESSION_ENDED', 'This session has ended; it can no longer change.');
};

export class SessionService {
  private readonly idKey: Buffer;

  constructor(private readonly deps: SessionDependencies) {
    this.idKey = Buffer.from(hkdfSync('sha256', deps.secret, 'qrca', 'session ids v1', 32));
  }

  /**
   * Creates a scheduled session owned by the caller (roster optional). With an idempotency key the session id
   * derives from the caller and the key, so a retry (after a lost answer or a failure part-way) completes and
   * returns the same session instead of making a second one. The session record is written after the roster
   * and before the index rows, so a failure leaves nothing a user can see.
   * @throws ValidationError; AppError CONFLICT when the key is another owner's.
   */
  async createSession(caller: Caller, input: NewSessionInput, idempotencyKey?: string): Promise<Session> {
    const { repository, clock, roster } = this.deps;
    const id = idempotencyKey ? this.sessionIdFor(caller.id, idempotencyKey) : randomBytes(12).toString('base64url');
    const earlier = idempotencyKey ? await repository.getSession(id) : undefined;
    if (earlier) return this.completeCreation(caller, earlier.value);
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
      devicePolicy: input.devicePolicy ?? 'warn',
      earlyLeaveOpen: false,
      projectorNonce: randomBytes(16).toString('base64url'),
      createdAt: iso(clock.now()),
      startedAt: null,
      endedAt: null,
    };
    validateSettings(record);
    const rosterCount = input.roster ? await roster.replaceRoster(id, input.roster) : 0;
    const stored: SessionRecord = { ...record, rosterCount };
    try {
      await repository.createSession(stored);
    } catch (error) {
      // The same key sent twice at once: the other request made the session.
      if (!(error instanceof StoreConflictError) || !idempotencyKey) throw error;
      const winner = await repository.getSession(id);
      if (!winner) throw error;
      return this.completeCreation(caller, winner.value);
    }
    return this.completeCreation(caller, stored);
  }

  /** The caller's sessions: a teacher's own and co-taught ones, a student's joined ones. */
  async listSessions(caller: Caller): Promise<(Session | StudentSession)[]> {
    const { index, access } = this.deps;
    const views = await mapLimited(await index.list(caller.id), 16, async ({ sessionId }) => {
      const session = await access.findSession(sessionId);
      if (!session) return undefined;
      return this.present(caller, session, (await access.relationsOf(caller, session)).relations);
    });
    return views.filter((view): view is Session | StudentSession => view !== undefined);
  }

  /** @throws NotFoundError when the caller may not see the session. */
  async getSession(caller: Caller, sessionId: string): Promise<Session | StudentSession> {
    const { session, relations } = await this.deps.access.access(caller, sessionId, 'session:read');
    const view = this.present(caller, session, relations);
    if (!view) throw new NotFoundError();
    return view;
  }

  /** @throws NotFoundError; ValidationError; AppError SESSION_ENDED. */
  async updateSession(caller: Caller, sessionId: string, patch: UpdateSessionRequest): Promise<Session> {
    const { access, writer, roster, schedule, publicUrl } = this.deps;
    const { session, relations } = await access.access(caller, sessionId, 'session:write');
    assertNotEnded(session);
    const { roster: entries, ...fields } = patch;
    const rosterCount = entries ? await roster.replaceRoster(sessionId, entries) : session.rosterCount;
    const updated = await writer.updateSession(sessionId, (current) => {
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
      await schedule.unscheduleStart(sessionId, Date.parse(session.startAt));
      await schedule.scheduleStart(sessionId, Date.parse(updated.startAt));
    }
    return presentSession(updated, teacherRole(relations), publicUrl);
  }

  /** Deletes the session and everything in it (owner only). @throws NotFoundError, ForbiddenError */
  async deleteSession(caller: Caller, sessionId: string): Promise<void> {
    const { access, repository, index, schedule, cache } = this.deps;
    const { session } = await access.access(caller, sessionId, 'session:delete');
    const students = await repository.listAttendance(sessionId);
    const people = [
      session.ownerId,
      ...session.coTeachers.map((t) => t.userId),
      ...students.map((s) => s.value.studentId),
    ];
    // Everything that points at the session goes first and the session record last, so a retry after a
    // failure part-way still finds the session and finishes the job.
    await mapLimited(people, 16, (userId) => index.remove(userId, session));
    await schedule.unscheduleStart(sessionId, Date.parse(session.startAt));
    await schedule.unmarkActive(sessionId);
    await schedule.forgetEnded(sessionId);
    await repository.deleteSession(sessionId);
    await cache.invalidate(cacheKeys.session(sessionId), cacheKeys.attendance(sessionId));
  }

  /** Replaces the roster. @throws NotFoundError; AppError SESSION_ENDED. */
  putRoster(caller: Caller, sessionId: string, entries: readonly RosterEntry[]): Promise<{ count: number }> {
    return this.deps.roster.putRoster(caller, sessionId, entries);
  }

  /**
   * Adds a co-teacher by email (owner only; the email must be a teacher's).
   * @throws NotFoundError, ForbiddenError, ValidationError
   */
  async addCoTeacher(caller: Caller, sessionId: string, email: string): Promise<Session> {
    const { access, writer, index, teachers, users, roles, publicUrl } = this.deps;
    const { session } = await access.access(caller, sessionId, 'session:share');
    const role = roleFor(email, roles, await teachers.isAllowListed(email));
    if (role !== 'teacher' && role !== 'admin') {
      throw new ValidationError('Only teachers can co-teach.', [{ path: 'email', message: 'not a teacher' }]);
    }
    const teacher = await users.ensure(email);
    if (teacher.id === session.ownerId)
      throw new ValidationError('You already own this session.', [{ path: 'email', message: 'owner' }]);
    // The index row first: until the session record names them it lists nothing (access is checked on read).
    await index.add(teacher.id, session, 'co_teacher');
    const updated = await writer.updateSession(sessionId, (current) => {
      if (current.coTeachers.some((t) => t.userId === teacher.id)) return current;
      if (current.coTeachers.length >= MAX_CO_TEACHERS) {
        throw new ValidationError(`At most ${MAX_CO_TEACHERS} co-teachers.`, [{ path: 'email', message: 'too many' }]);
      }
      return { ...current, coTeachers: [...current.coTeachers, { userId: teacher.id, email: teacher.email }] };
    });
    return presentSession(updated, 'owner', publicUrl);
  }

  /** @throws NotFoundError (also when the email is not a co-teacher), ForbiddenError */
  async removeCoTeacher(caller: Caller, sessionId: string, email: string): Promise<void> {
    const { access, writer, index } = this.deps;
    const { session } = await access.access(caller, sessionId, 'session:share');
    const teacher = session.coTeachers.find((t) => t.email === email);
    if (!teacher) throw new NotFoundError('That teacher does not co-teach this session.');
    // The index row first: a retry after a failure in between still finds them on the session and finishes.
    await index.remove(teacher.userId, session);
    await writer.updateSession(sessionId, (current) => ({
      ...current,
      coTeachers: current.coTeachers.filter((t) => t.userId !== teacher.userId),
    }));
  }

  /**
   * Joins the caller with the session's join code; idempotent, and a repeat completes a join that failed
   * part-way.
   * @throws RateLimitedError; NotFoundError (no such session or wrong code); AppError SESSION_ENDED, NOT_ON_ROSTER.
   */
  async joinSession(
    caller: Caller,
    sessionId: string,
    joinCode: string,
    clientIp: string | undefined,
    device?: DeviceProof,
  ): Promise<{ status: MyStatus }> {
    const { access, repository, writer, index, presence, clock } = this.deps;
    // Counted before the code is checked: join codes must not be guessable by trying.
    await this.limitJoins(caller.id, clientIp);
    const session = await access.findSession(sessionId);
    if (!session || !sameCode(session.joinCode, joinCode.toUpperCase())) throw new NotFoundError();
    requireAccess(caller, 'session:join', ['anyone']);
    const existing = await repository.getAttendance(sessionId, caller.id);
    // The index row before the attendance row, and again on every repeat: a dangling index row lists
    // nothing (access is checked on read), a joined student always finds the session in their list.
    await index.add(caller.id, session, 'student');
    if (existing?.value.joinedAt) return { status: presentMyStatus(existing.value, session) };
    assertNotEnded(session);
    const rosterEntry =
      session.rosterCount === 0 ? undefined : await repository.getRosterEntry(sessionId, caller.email);
    const onRoster = session.rosterCount === 0 || rosterEntry !== undefined;
    if (!onRoster && session.rosterMode === 'strict') {
      throw new AppError('NOT_ON_ROSTER', 'You are not on this class list. Ask your teacher to add you.');
    }
    const base = existing?.value ?? emptyAttendance(caller.id, caller.email);
    const joined: AttendanceRecord = {
      ...base,
      joinedAt: iso(clock.now()),
      name: rosterEntry?.name ?? base.name,
      onRoster: session.rosterCount > 0 && onRoster,
      flags: onRoster ? base.flags : [...new Set([...base.flags, 'not_on_roster'])],
    };
    const phone = device ? await this.deviceAtJoin(caller, session, joinCode, device) : undefined;
    const row = phone?.row(joined) ?? joined;
    try {
      await writer.commit({
        sessionId,
        attendance: [existing ? replace(existing, row) : create(row), ...(phone?.others ?? [])],
        ...(phone?.use ? { devices: [phone.use] } : {}),
      });
    } catch (error) {
      // A concurrent join of the same student won; its row is the answer.
      if (!(error instanceof StoreConflictError)) throw error;
      const winner = await repository.getAttendance(sessionId, caller.id);
      if (!winner) throw error;
      return { status: presentMyStatus(winner.value, session) };
    }
    await presence.markOnline(sessionId, caller.id, clientIp);
    return { status: presentMyStatus(row, session) };
  }

  /**
   * What joining with a proven device changes (only a valid signature proves one): the phone's use in the session,
   * and when it already joined or scanned for another account, `shared_device` on both rows (decision 0013).
   * @throws AppError NOT_ELIGIBLE (`device_shared`) for a second account on one device under device policy `enforce`.
   */
  private async deviceAtJoin(caller: Caller, session: SessionRecord, joinCode: string, device: DeviceProof) {
    const { validation, repository, clock } = this.deps;
    const proof = { scanId: JOIN_SIGNATURE_ID, payload: joinCode, device };
    if ((await validation.proveDevice(caller.id, session, proof)) !== 'valid') return undefined;
    const { shared, write } = await judgeDeviceUse(
      repository,
      session,
      { studentId: caller.id, deviceId: device.id, at: { nowMs: clock.now(), scanId: JOIN_SIGNATURE_ID } },
      'This phone was already used for another student in this session. Use your own phone.',
    );
    const others: RowWrite<AttendanceRecord>[] = [];
    for (const other of shared.others) {
      const stored = await repository.getAttendance(session.id, other.studentId);
      if (stored) others.push(replace(stored, withEvidence(stored.value, [other.evidence])));
    }
    return {
      row: (row: AttendanceRecord): AttendanceRecord => ({
        ...withEvidence(row, shared.scanner ? [shared.scanner] : []),
        deviceId: device.id,
      }),
      others,
      use: write,
    };
  }

  /** The writes after the session record (owner's index row, the start timer); idempotent. */
  private async completeCreation(caller: Caller, session: SessionRecord): Promise<Session> {
    if (session.ownerId !== caller.id) throw new AppError('CONFLICT', 'That idempotency key is taken.');
    // Writing the roster published counts, whose read of the not-yet-stored session may have cached "none".
    await this.deps.cache.invalidate(cacheKeys.session(session.id));
    await this.deps.index.add(session.ownerId, session, 'owner');
    if (session.status === 'scheduled') await this.deps.schedule.scheduleStart(session.id, Date.parse(session.startAt));
    return presentSession(session, 'owner', this.deps.publicUrl);
  }

  /** A session id only this owner's key yields (HMAC), so nobody can predict or claim another's. */
  private sessionIdFor(ownerId: string, idempotencyKey: string): string {
    return createHmac('sha256', this.idKey)
      .update(`${ownerId}\n${idempotencyKey}`)
      .digest()
      .subarray(0, 12)
      .toString('base64url');
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
      const wait = Math.max(...refused.map((r) => r.retryAfterSeconds));
      throw new RateLimitedError(wait, 'Too many join attempts. Wait a moment.');
    }
  }

  private present(caller: Caller, session: SessionRecord, relations: readonly Relation[]) {
    if (relations.includes('owner') || relations.includes('co_teacher')) {
      return presentSession(session, teacherRole(relations), this.deps.publicUrl);
    }
    if (relations.includes('joined') && caller.role === 'student') return presentStudentSession(session);
    return undefined;
  }
}

function sameCode(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
