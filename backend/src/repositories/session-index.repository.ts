/**
 * Which sessions a person owns, co-teaches or joined, so listing them never scans every session. Layout: table
 * `SessionIndex`, PK = `user:<userId>`, RK = `<startAt>|<sessionId>` (by start time), data { sessionId,
 * relation }. Rows are hints: the session's own record decides access when it is read.
 */
import type { IndexRelation } from '../domain/records';
import type { EntityData, TableStore } from '../ports/table-store';

const TABLE = 'SessionIndex';

interface IndexRow {
  readonly sessionId: string;
  readonly relation: IndexRelation;
}

type SessionRef = { readonly id: string; readonly startAt: string };

export class SessionIndexRepository {
  constructor(private readonly store: TableStore) {}

  /** Lists `session` for the person (idempotent). */
  async add(userId: string, session: SessionRef, relation: IndexRelation): Promise<void> {
    const row: IndexRow = { sessionId: session.id, relation };
    await this.store.upsert(TABLE, `user:${userId}`, `${session.startAt}|${session.id}`, row as unknown as EntityData);
  }

  /** Stops listing `session` for the person (idempotent). */
  async remove(userId: string, session: SessionRef): Promise<void> {
    await this.store.delete(TABLE, `user:${userId}`, `${session.startAt}|${session.id}`);
  }

  /** The person's sessions, by start time. */
  async list(userId: string): Promise<IndexRow[]> {
    const rows: IndexRow[] = [];
    let continuation: string | undefined;
    do {
      const page = await this.store.query<IndexRow & EntityData>(TABLE, `user:${userId}`, { continuation });
      rows.push(...page.items.map((item) => ({ sessionId: item.data.sessionId, relation: item.data.relation })));
      continuation = page.continuation;
    } while (continuation);
    return rows;
  }
}
