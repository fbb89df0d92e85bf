/** A teacher's sessions in the list's three groups, each in a useful order, and how a session's time reads. */
import type { Session, StudentSession } from '@qrca/contract';

export interface SessionGroups {
  /** Running now, the earliest started first. */
  readonly active: Session[];
  /** Scheduled, the next to start first. */
  readonly upcoming: Session[];
  /** Ended, the most recent first. */
  readonly ended: Session[];
}

const startOf = (session: Session) => Date.parse(session.startAt);
const endOf = (session: Session) => Date.parse(session.endedAt ?? session.endAt);

/** Groups the sessions a teacher runs (sessions they joined as a student are left out). Throws nothing. */
export function groupSessions(sessions: readonly (Session | StudentSession)[]): SessionGroups {
  const taught = sessions.filter((session): session is Session => session.yourRole !== 'student');
  const byStart = (a: Session, b: Session) => startOf(a) - startOf(b) || a.title.localeCompare(b.title);
  return {
    active: taught.filter((s) => s.status === 'active').sort(byStart),
    upcoming: taught.filter((s) => s.status === 'scheduled').sort(byStart),
    ended: taught
      .filter((s) => s.status === 'ended')
      .sort((a, b) => endOf(b) - endOf(a) || a.title.localeCompare(b.title)),
  };
}

const RANGE = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** A session's start and end in the browser's language and time zone ("Tue, 3 Jun 2026, 09:00 – 10:30"). */
export function formatWhen(startAt: string, endAt: string): string {
  const start = new Date(startAt);
  const end = new Date(endAt);
  if (Number.isNaN(start.getTime())) return startAt;
  if (Number.isNaN(end.getTime()) || end < start) return RANGE.format(start);
  return RANGE.formatRange(start, end);
}
