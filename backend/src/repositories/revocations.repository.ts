/**
 * Revoked session tokens (logout), kept until the token would have expired anyway. Layout: table
 * `Revocations`, PK = the token's expiry day (UTC, YYYY-MM-DD), RK = jti, data { expiresAt }. Partitions by
 * expiry day let the purge drop whole past days without scanning.
 */
import type { TableStore } from '../ports/table-store';

const TABLE = 'Revocations';
const DAY_MS = 86_400_000;

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export class RevocationRepository {
  constructor(private readonly store: TableStore) {}

  async revoke(jti: string, expiresAtMs: number): Promise<void> {
    await this.store.upsert(TABLE, dayOf(expiresAtMs), jti, { expiresAt: new Date(expiresAtMs).toISOString() });
  }

  async isRevoked(jti: string, expiresAtMs: number): Promise<boolean> {
    return (await this.store.get(TABLE, dayOf(expiresAtMs), jti)) !== undefined;
  }

  /**
   * Deletes revocations of tokens that expired on the `days` whole UTC days before today (they can no longer
   * be presented). Returns how many rows went.
   */
  async purgeExpired(nowMs: number, days = 7): Promise<number> {
    let removed = 0;
    for (let back = 1; back <= days; back++) {
      const partition = dayOf(nowMs - back * DAY_MS);
      let continuation: string | undefined;
      do {
        const page = await this.store.query(TABLE, partition, { continuation });
        for (const entity of page.items) await this.store.delete(TABLE, partition, entity.rowKey);
        removed += page.items.length;
        continuation = page.continuation;
      } while (continuation);
    }
    return removed;
  }
}
