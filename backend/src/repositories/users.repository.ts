/**
 * Users: one row per person, keyed by their email. Layout: table `Users`, PK = emailKey(email), RK = `user`,
 * data { id, email, createdAt }. The id is stable and opaque; it is what other records reference.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../ports/clock';
import { StoreConflictError, type TableStore } from '../ports/table-store';
import { emailKey } from './keys';

const TABLE = 'Users';
const ROW = 'user';

export interface UserRecord {
  readonly id: string;
  readonly email: string;
  readonly createdAt: string;
  readonly [key: string]: unknown;
}

/** `u_` + 20 random bytes, base64url: unguessable and stable. */
function newUserId(): string {
  return `u_${randomBytes(20).toString('base64url')}`;
}

export class UserRepository {
  constructor(
    private readonly store: TableStore,
    private readonly clock: Clock,
  ) {}

  async findByEmail(email: string): Promise<UserRecord | undefined> {
    return (await this.store.get<UserRecord>(TABLE, emailKey(email), ROW))?.data;
  }

  /** The user with this email, created on first sight; concurrent first sign-ins agree on one id. */
  async ensure(email: string): Promise<UserRecord> {
    const existing = await this.findByEmail(email);
    if (existing) return existing;
    const record: UserRecord = { id: newUserId(), email, createdAt: new Date(this.clock.now()).toISOString() };
    try {
      await this.store.insert(TABLE, emailKey(email), ROW, record);
      return record;
    } catch (error) {
      if (!(error instanceof StoreConflictError) || error.reason !== 'exists') throw error;
      const winner = await this.findByEmail(email);
      if (!winner) throw error;
      return winner;
    }
  }
}
