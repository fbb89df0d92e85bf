/**
 * The admin-managed teacher allow-list. Layout: table `Teachers`, PK = `allow-list` (one small partition,
 * listed whole), RK = emailKey(email), data { email, addedBy, addedAt }.
 */
import type { TeacherEntry } from '@qrca/contract';
import type { TableStore } from '../ports/table-store';
import { emailKey } from './keys';

const TABLE = 'Teachers';
const PARTITION = 'allow-list';

type TeacherRow = TeacherEntry & { readonly [key: string]: unknown };

export class TeacherRepository {
  constructor(private readonly store: TableStore) {}

  async has(email: string): Promise<boolean> {
    return (await this.store.get(TABLE, PARTITION, emailKey(email))) !== undefined;
  }

  /** Every entry, sorted by email. */
  async list(): Promise<TeacherEntry[]> {
    const entries: TeacherEntry[] = [];
    let continuation: string | undefined;
    do {
      const page = await this.store.query<TeacherRow>(TABLE, PARTITION, { continuation });
      entries.push(
        ...page.items.map(({ data }) => ({ email: data.email, addedBy: data.addedBy, addedAt: data.addedAt })),
      );
      continuation = page.continuation;
    } while (continuation);
    return entries.sort((a, b) => a.email.localeCompare(b.email));
  }

  /** Adds or refreshes the entry. */
  async put(entry: TeacherEntry): Promise<void> {
    await this.store.upsert(TABLE, PARTITION, emailKey(entry.email), { ...entry });
  }

  /** Removes the entry; true when there was one. */
  async remove(email: string): Promise<boolean> {
    const existed = await this.has(email);
    await this.store.delete(TABLE, PARTITION, emailKey(email));
    return existed;
  }
}
