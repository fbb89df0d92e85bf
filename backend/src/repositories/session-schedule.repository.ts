/**
 * The timetable the session clock reads: sessions waiting to start, sessions running, sessions ended (for
 * audit retention). Layout: table `SessionClock`, PK `scheduled` RK `<startAt ms, 13 digits>|<id>`; PK
 * `active` RK `<id>`; PK `ended` RK `<endedAt ms, 13 digits>|<id>`; data { sessionId }.
 */
import type { TableStore } from '../ports/table-store';

const TABLE = 'SessionClock';
const ms = (value: number) => String(value).padStart(13, '0');

export class SessionScheduleRepository {
  constructor(private readonly store: TableStore) {}

  async scheduleStart(sessionId: string, startAtMs: number): Promise<void> {
    await this.store.upsert(TABLE, 'scheduled', `${ms(startAtMs)}|${sessionId}`, { sessionId });
  }

  async unscheduleStart(sessionId: string, startAtMs: number): Promise<void> {
    await this.store.delete(TABLE, 'scheduled', `${ms(startAtMs)}|${sessionId}`);
  }

  /** Sessions whose start time is at or before `nowMs` (up to 500 at a time). */
  async dueToStart(nowMs: number): Promise<string[]> {
    const page = await this.store.query<{ sessionId: string }>(TABLE, 'scheduled', {
      below: `${ms(nowMs + 1)}|`,
      limit: 500,
    });
    return page.items.map((item) => item.data.sessionId);
  }

  async markActive(sessionId: string): Promise<void> {
    await this.store.upsert(TABLE, 'active', sessionId, { sessionId });
  }

  async unmarkActive(sessionId: string): Promise<void> {
    await this.store.delete(TABLE, 'active', sessionId);
  }

  async activeSessions(): Promise<string[]> {
    const ids: string[] = [];
    let continuation: string | undefined;
    do {
      const page = await this.store.query<{ sessionId: string }>(TABLE, 'active', { continuation });
      ids.push(...page.items.map((item) => item.data.sessionId));
      continuation = page.continuation;
    } while (continuation);
    return ids;
  }

  async markEnded(sessionId: string, endedAtMs: number): Promise<void> {
    await this.store.upsert(TABLE, 'ended', `${ms(endedAtMs)}|${sessionId}`, { sessionId });
  }

  /** Sessions that ended before `cutoffMs` and still have an audit log (up to 500 at a time). */
  async endedBefore(cutoffMs: number): Promise<string[]> {
    const page = await this.store.query<{ sessionId: string }>(TABLE, 'ended', {
      below: `${ms(cutoffMs)}|`,
      limit: 500,
    });
    return page.items.map((item) => item.data.sessionId);
  }

  /** Forgets the session's end (after its audit log was purged, or the session deleted). */
  async forgetEnded(sessionId: string): Promise<void> {
    let continuation: string | undefined;
    do {
      const page = await this.store.query<{ sessionId: string }>(TABLE, 'ended', { continuation });
      for (const item of page.items.filter((i) => i.data.sessionId === sessionId)) {
        await this.store.delete(TABLE, 'ended', item.rowKey);
      }
      continuation = page.continuation;
    } while (continuation);
  }
}
