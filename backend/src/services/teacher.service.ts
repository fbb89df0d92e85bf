/** The admin-managed teacher allow-list: list, add, remove (admins only), and a cached membership check. */
import type { TeacherEntry } from '@qrca/contract';
import { requireAccess, type Principal } from '../domain/access-policy';
import type { Clock } from '../ports/clock';
import { emailKey } from '../repositories/keys';
import type { TeacherRepository } from '../repositories/teachers.repository';
import { CACHE_TTL, cacheKeys, type Cache } from '../utils/cache';
import { NotFoundError } from '../middleware/errors';

export class TeacherService {
  constructor(
    private readonly teachers: TeacherRepository,
    private readonly cache: Cache,
    private readonly clock: Clock,
  ) {}

  /** Whether `email` is on the allow-list (cached; other instances see changes within the cache TTL). */
  async isAllowListed(email: string): Promise<boolean> {
    return this.cache.remember(cacheKeys.teacherAllowed(emailKey(email)), CACHE_TTL.directoryMs, () =>
      this.teachers.has(email),
    );
  }

  /** @throws NotFoundError unless the caller is an admin. */
  async listTeachers(caller: Principal): Promise<TeacherEntry[]> {
    requireAccess(caller, 'teachers:read', []);
    return this.teachers.list();
  }

  /** Adds (or refreshes) an email on the allow-list. @throws NotFoundError unless the caller is an admin. */
  async addTeacher(caller: Principal & { email: string }, email: string): Promise<TeacherEntry> {
    requireAccess(caller, 'teachers:write', []);
    const entry: TeacherEntry = { email, addedBy: caller.email, addedAt: new Date(this.clock.now()).toISOString() };
    await this.teachers.put(entry);
    await this.cache.invalidate(cacheKeys.teacherAllowed(emailKey(email)));
    return entry;
  }

  /** @throws NotFoundError unless the caller is an admin, or when the email is not on the list. */
  async removeTeacher(caller: Principal, email: string): Promise<void> {
    requireAccess(caller, 'teachers:write', []);
    const removed = await this.teachers.remove(email);
    await this.cache.invalidate(cacheKeys.teacherAllowed(emailKey(email)));
    if (!removed) throw new NotFoundError('That email is not on the teacher list.');
  }
}
