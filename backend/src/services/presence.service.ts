/**
 * Presence: a student counts as online for 30 s after a join, a scan or a heartbeat. Chains are seeded and
 * passed on only to online students; a holder who goes offline stalls their chain.
 */
import { AppError } from '../middleware/errors';
import type { Clock } from '../ports/clock';
import { cacheKeys, type Cache } from '../utils/cache';
import type { Caller } from './auth.service';
import type { SessionAccess } from './session-access';

/** A join, scan or heartbeat marks a student online this long. */
export const ONLINE_MS = 30_000;

export class PresenceService {
  constructor(
    private readonly access: SessionAccess,
    private readonly cache: Cache,
    private readonly clock: Clock,
  ) {}

  /** Marks the caller online for 30 s. @throws NotFoundError unless joined; AppError SESSION_ENDED. */
  async heartbeat(caller: Caller, sessionId: string): Promise<void> {
    const { session } = await this.access.access(caller, sessionId, 'session:attend');
    if (session.status === 'ended') throw new AppError('SESSION_ENDED', 'This session has ended.');
    await this.markOnline(sessionId, caller.id);
  }

  async markOnline(sessionId: string, studentId: string): Promise<void> {
    await this.cache.setJson(cacheKeys.online(sessionId, studentId), this.clock.now(), ONLINE_MS);
  }

  /** Whether the student was seen in the last 30 s. */
  async isOnline(sessionId: string, studentId: string): Promise<boolean> {
    return (await this.cache.getJson<number>(cacheKeys.online(sessionId, studentId))) !== undefined;
  }

  /** Of `studentIds`, those seen in the last 30 s. */
  async online(sessionId: string, studentIds: readonly string[]): Promise<Set<string>> {
    const seen = await Promise.all(studentIds.map((id) => this.isOnline(sessionId, id)));
    return new Set(studentIds.filter((_, i) => seen[i]));
  }
}
