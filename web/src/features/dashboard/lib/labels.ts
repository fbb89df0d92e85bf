/** How the dashboard says things: statuses, entry methods, flags, times and ages in plain words. */
import type { AttendanceRow, FinalStatus } from '@qrca/contract';

/** A row's status on the dashboard: its final status, or `waiting` while a joined student is unverified. */
export type DisplayStatus = FinalStatus | 'waiting';

export const STATUS_LABEL: Record<DisplayStatus, string> = {
  waiting: 'Waiting',
  present: 'Present',
  late: 'Late',
  early_leave: 'Early leave',
  left_early: 'Left early',
  absent: 'Absent',
};

/** What each final status means, for the override dialog and tooltips. */
export const STATUS_HINT: Record<DisplayStatus, string> = {
  waiting: 'Joined, not verified yet',
  present: 'Verified on time (and on exit, when exit chains ran)',
  late: 'Verified after on-time entry closed',
  early_leave: 'Left early through the early-leave window',
  left_early: 'Verified on entry but not on exit',
  absent: 'Not verified',
};

export const ENTRY_METHOD_LABEL: Record<NonNullable<AttendanceRow['entryMethod']>, string> = {
  chain: 'chain',
  projector: 'projector',
  teacher_close: 'teacher close',
};

/** Known suspicion flags: a short badge and the evidence behind it. */
const FLAGS: Record<string, { readonly label: string; readonly explanation: string }> = {
  not_on_roster: { label: 'Not on the roster', explanation: 'Joined although the class list does not name them.' },
  off_network: {
    label: 'Scanned from outside the school network',
    explanation: 'The scan came from an address outside the session’s allowed networks.',
  },
  outside_geofence: {
    label: 'Scanned away from the classroom',
    explanation: 'The phone reported a position outside the session’s area (or none).',
  },
};

/** A flag's badge text and its explanation; unknown flags are shown as they are. Throws nothing. */
export function flagText(flag: string): { label: string; explanation: string } {
  return FLAGS[flag] ?? { label: flag, explanation: '' };
}

const TIME = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const TIME_SECONDS = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const DATE_TIME = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
});

/** "09:05" (or with seconds) in the browser's language; the input itself when it is not a time. */
export function formatTime(iso: string, seconds = false): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return (seconds ? TIME_SECONDS : TIME).format(date);
}

/** "Tue, 3 Jun, 09:00" in the browser's language. */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : DATE_TIME.format(date);
}

/** How long ago, in words: "just now", "12 s ago", "3 min ago", "1 h 5 min ago". Throws nothing. */
export function formatAgo(thenIso: string, nowMs: number): string {
  const then = Date.parse(thenIso);
  if (Number.isNaN(then)) return '';
  const seconds = Math.max(0, Math.floor((nowMs - then) / 1000));
  if (seconds < 2) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours} h ago` : `${hours} h ${minutes % 60} min ago`;
}
