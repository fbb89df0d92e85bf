/**
 * Presence: a student counts as online for 30 s after a join, a scan or a heartbeat. Chains are seeded and
 * passed on only to online students; a holder who goes offline stalls their chain. The client address of that
 * last sign of life is kept with it: a hand-off compares the holder's network with the scanner's.
 */
import { AppError } from '../middleware/errors';
import type { Clock } from '../ports/clock';
import { cacheKeys, type Cache } from '../utils/cache';
import type { Caller } from './auth.service';
import type { SessionAccess } from './session-access';

/** A join, scan or heartbeat marks a student online this long. */
export const ONLINE_MS = 30_000;

/** How many recent projector (display) addresses a session keeps, and for how long after the last one. */
const MAX_DISPLAYS = 5;
const DISPLAY_MS = 3 * 60 * 60_000;

/** What presence keeps: when the student was last seen, and from which client address. */
interface Seen {
  readonly at: number;
  readonly ip?: string;
}

export class PresenceService {
  constructor(
    private readonly access: SessionAccess,
    private readonly cache: Cache,
    private readonly clock: Clock,
  ) {}

  /** Marks the caller online for 30 s. @throws NotFoundError unless joined; AppError SESSION_ENDED. */
  async heartbeat(caller: Caller, sessionId: string, clientIp?: string): Promise<void> {
    const { session } = await this.access.access(caller, sessionId, 'session:attend');
    if (session.status === 'ended') throw new AppError('SESSION_ENDED', 'This session has ended.');
    await this.markOnline(sessionId, caller.id, clientIp);
  }

  /** Marks the student online for 30 s, seen from `clientIp` when known. */
  async markOnline(sessionId: string, studentId: string, clientIp?: string): Promise<void> {
    const seen: Seen = { at: this.clock.now(), ...(clientIp ? { ip: clientIp } : {}) };
    await this.cache.setJson(cacheKeys.online(sessionId, studentId), seen, ONLINE_MS);
  }

  /** Whether the student was seen in the last 30 s, and from which client address (when known). */
  async lastSeen(sessionId: string, studentId: string): Promise<{ readonly ip?: string } | undefined> {
    const seen = await this.cache.getJson<Seen | number>(cacheKeys.online(sessionId, studentId));
    if (seen === undefined || seen === null) return undefined;
    // A bare number is a mark from before addresses were kept.
    return typeof seen === 'object' && seen.ip ? { ip: seen.ip } : {};
  }

  /** The client address the student was last seen from in the last 30 s, if known. */
  async lastAddress(sessionId: string, studentId: string): Promise<string | undefined> {
    return (await this.lastSeen(sessionId, studentId))?.ip;
  }

  /**
   * Records the client address of a screen that fetched the session's projector codes (the projector, in the
   * room): a scan of a projector code compares its network with these. The last few addresses are kept.
   */
  async markDisplay(sessionId: string, clientIp: string | undefined): Promise<void> {
    if (!clientIp) return;
    const key = cacheKeys.displays(sessionId);
    const seen = (await this.cache.getJson<Seen[]>(key)) ?? [];
    const next = [{ at: this.clock.now(), ip: clientIp }, ...seen.filter((s) => s.ip !== clientIp)].slice(
      0,
      MAX_DISPLAYS,
    );
    await this.cache.setJson(key, next, DISPLAY_MS);
  }

  /** The client addresses the session's projector codes were fetched from recently, newest first. */
  async displayAddresses(sessionId: string): Promise<string[]> {
    const seen = (await this.cache.getJson<Seen[]>(cacheKeys.displays(sessionId))) ?? [];
    return seen.flatMap((s) => (s.ip ? [s.ip] : []));
  }

  /** Of `studentIds`, those seen in the last 30 s, each with the client address it was seen from (when known). */
  async online(sessionId: string, studentIds: readonly string[]): Promise<Map<string, string | undefined>> {
    const seen = await Promise.all(studentIds.map((id) => this.lastSeen(sessionId, id)));
    return new Map(studentIds.flatMap((id, i) => (seen[i] ? [[id, seen[i]?.ip] as const] : [])));
  }
}
