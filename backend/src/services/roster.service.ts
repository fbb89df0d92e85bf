/**
 * The class list of a session: emails (with names from CSV rosters) turned into stable student ids, so every
 * roster member has an attendance row — joined or not — that a teacher can override.
 */
import type { RosterEntry } from '@qrca/contract';
import { MAX_ROSTER } from '@qrca/contract';
import type { RosterRecord } from '../domain/records';
import { AppError, ValidationError } from '../middleware/errors';
import type { UserRepository } from '../repositories/users.repository';
import type { Caller } from './auth.service';
import { mapLimited } from './map-limited';
import type { SessionAccess } from './session-access';
import type { SessionWriter } from './session-writer';

export class RosterService {
  constructor(
    private readonly deps: {
      readonly access: SessionAccess;
      readonly writer: SessionWriter;
      readonly users: UserRepository;
    },
  ) {}

  /** Replaces the roster of a session that has not ended. @throws NotFoundError; AppError SESSION_ENDED. */
  async putRoster(caller: Caller, sessionId: string, entries: readonly RosterEntry[]): Promise<{ count: number }> {
    const { session } = await this.deps.access.access(caller, sessionId, 'session:write');
    if (session.status === 'ended')
      throw new AppError('SESSION_ENDED', 'This session has ended; it can no longer change.');
    const count = await this.replaceRoster(sessionId, entries);
    await this.deps.writer.updateSession(sessionId, (current) =>
      current.rosterCount === count ? current : { ...current, rosterCount: count },
    );
    return { count };
  }

  /**
   * Stores the roster (one entry per email; a named entry wins), replacing the previous one; returns its
   * size. Safe to repeat after a failure part-way. @throws ValidationError past {@link MAX_ROSTER}.
   */
  async replaceRoster(sessionId: string, entries: readonly RosterEntry[]): Promise<number> {
    const names = new Map<string, string | null>();
    for (const entry of entries) {
      const email = typeof entry === 'string' ? entry : entry.email;
      const name = typeof entry === 'string' ? null : (entry.name ?? null);
      if (!names.has(email) || name) names.set(email, name);
    }
    if (names.size > MAX_ROSTER) throw new ValidationError(`A roster holds at most ${MAX_ROSTER} students.`);
    const people = await mapLimited([...names.keys()], 16, (email) => this.deps.users.ensure(email));
    const roster = people.map((person): RosterRecord => ({
      email: person.email,
      studentId: person.id,
      name: names.get(person.email) ?? null,
    }));
    await this.deps.writer.replaceRoster(sessionId, roster);
    return roster.length;
  }
}
