/** How the dashboard says things: statuses, entry methods, flags, times and ages in plain words. */
import { FLAG_KINDS, type AttendanceRow, type FinalStatus, type FlagKind, type SpotCheckAnswer } from '@qrca/contract';

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

/** A row's spot-check mark in words: picked and waiting for an answer, or the teacher's answer. Throws nothing. */
export function spotCheckLabel(answer: SpotCheckAnswer | null): string {
  if (answer === 'here') return 'Spot check: here';
  if (answer === 'not_here') return 'Spot check: not here';
  return 'Picked for a spot check';
}

/** A suspicion flag's badge (one short line) and what it means, in a teacher's words. */
export interface FlagText {
  readonly label: string;
  readonly explanation: string;
}

/** Every flag the server raises (docs/api.md, "Device keys and flags"): evidence to look at, never proof. */
const FLAGS: Record<FlagKind, FlagText> = {
  not_on_roster: { label: 'Not on the roster', explanation: 'Joined although the class list does not name them.' },
  off_network: {
    label: 'Off the school network',
    explanation: 'Scanned from an address outside the session’s allowed networks.',
  },
  outside_geofence: {
    label: 'Away from the classroom',
    explanation: 'The phone reported a position outside the session’s area, or none at all.',
  },
  unsigned_scan: {
    label: 'Phone not verified',
    explanation:
      'The scan did not come with a valid proof from a phone registered to this student: an old browser or a private window, or a script instead of the app.',
  },
  shared_device: {
    label: 'Shared phone',
    explanation: 'One phone checked in more than one student in this session. The evidence names the other account.',
  },
  device_changed: {
    label: 'Changed phone',
    explanation: 'Scanned with a different phone than earlier in this session.',
  },
  late_code: {
    label: 'Late code',
    explanation:
      'A code was used after it had left the screen, later than a camera scan takes: it may have been sent on as a photo or a message.',
  },
  too_fast: {
    label: 'Too-fast hand-off',
    explanation: 'The baton was passed on sooner after it arrived than a person can show and scan a code.',
  },
  network_mismatch: {
    label: 'Different networks',
    explanation:
      'The two phones of a hand-off (or the phone and the projector) reached the server from different networks: one may be elsewhere — or just on mobile data. A refused try at a classmate’s baton from another network counts too.',
  },
  holder_offline: {
    label: 'Holder offline',
    explanation:
      'The baton was passed on while the holder’s phone had not been in touch for over 30 seconds: the code scanned may have been a photo or a recording — or the phone just lost its connection.',
  },
};

/** Every known flag, in the order the console explains them. */
export const FLAG_ORDER: readonly FlagKind[] = FLAG_KINDS;

const isFlagKind = (flag: string): flag is FlagKind => (FLAG_KINDS as readonly string[]).includes(flag);

/** A flag's badge text and its explanation; unknown flags are shown as they are. Throws nothing. */
export function flagText(flag: string): FlagText {
  return isFlagKind(flag) ? FLAGS[flag] : { label: flag, explanation: '' };
}

/** One piece of a flag's evidence as the console lists it: when, and what was seen. */
export interface EvidenceLine {
  readonly at: string;
  readonly text: string;
}

/**
 * The evidence behind `flag` on `row`, oldest first (the server keeps a few per flag), each detail as a sentence.
 * Empty when the server sent none (older servers, or a flag with nothing measured). Throws nothing.
 */
export function flagEvidence(row: Pick<AttendanceRow, 'flagEvidence'>, flag: string): EvidenceLine[] {
  return (row.flagEvidence ?? [])
    .filter((evidence) => evidence.flag === flag)
    .map((evidence) => ({ at: evidence.at, text: sentence(evidence.detail) }));
}

/** "chain code used 3.4 s after…" → "Chain code used 3.4 s after….". */
function sentence(detail: string): string {
  const text = detail.trim();
  if (text === '') return text;
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
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
