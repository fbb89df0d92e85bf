/**
 * The activity list: the audit log loaded page by page (the server pages oldest first, so the list is read to
 * its end and later refreshes continue from the last page), shown newest first, each event in words.
 */
import type { AuditEvent } from '@qrca/contract';
import { errorMessages } from '../../../lib/error-messages';
import { STATUS_LABEL, type DisplayStatus } from './labels';

/** One fetched page and the cursor it was fetched with (to fetch it again when it may have grown). */
export interface ActivityPage {
  readonly cursor: string | null;
  readonly events: readonly AuditEvent[];
}

export interface ActivityState {
  readonly pages: readonly ActivityPage[];
}

/** Stop after this many pages in one load (100 events each); the next refresh goes on from there. */
export const MAX_PAGES_PER_LOAD = 500;

/**
 * Loads the log to its end. Starting from `previous`, only its last page is fetched again (new events land
 * there and after it), so a refresh costs one request when little happened.
 * @throws whatever `fetchPage` throws (the previous state stays in the cache).
 */
export async function loadActivity(
  fetchPage: (cursor: string | null) => Promise<{ events: AuditEvent[]; cursor: string | null }>,
  previous: ActivityState | undefined,
  maxPages = MAX_PAGES_PER_LOAD,
): Promise<ActivityState> {
  const pages = [...(previous?.pages ?? [])];
  let cursor = pages.pop()?.cursor ?? null;
  for (let fetched = 0; fetched < maxPages; fetched++) {
    const page = await fetchPage(cursor);
    pages.push({ cursor, events: page.events });
    if (page.cursor === null || page.cursor === cursor) break;
    cursor = page.cursor;
  }
  return { pages };
}

/** Every loaded event, newest first, each once. */
export function newestFirst(state: ActivityState | undefined): AuditEvent[] {
  const seen = new Set<string>();
  const events: AuditEvent[] = [];
  const pages = state?.pages ?? [];
  for (let p = pages.length - 1; p >= 0; p--) {
    const page = (pages[p] as ActivityPage).events;
    for (let i = page.length - 1; i >= 0; i--) {
      const event = page[i] as AuditEvent;
      if (seen.has(event.id)) continue;
      seen.add(event.id);
      events.push(event);
    }
  }
  return events;
}

/** Who people are, for sentences: a student's name, "You" for the viewer. */
export interface People {
  /** A student's name (or email) by id; undefined when unknown. */
  readonly nameOf: (id: string) => string | undefined;
  /** The signed-in teacher's id. */
  readonly meId: string | undefined;
}

const PROJECTOR_SCAN: Record<string, string> = {
  'projector:entry': 'checked in with the projector code',
  'projector:late': 'checked in late with the projector’s late code',
  'projector:early-leave': 'left early with the early-leave code',
  'projector:exit': 'checked out with the exit code',
};

const PROJECTOR_CODE: Record<string, string> = {
  'projector:entry': 'the projector’s entry code',
  'projector:late': 'the projector’s late code',
  'projector:early-leave': 'the early-leave code',
  'projector:exit': 'the exit code',
};

/** A refusal code in words (the catalogue's sentence), or the code itself when it is not one. */
function refusalText(code: string): string {
  return code in errorMessages ? errorMessages[code as keyof typeof errorMessages] : code;
}

function teacherName(id: string, people: People): string {
  if (id === 'system') return 'Automatically';
  if (id === people.meId) return 'You';
  return people.nameOf(id) ?? 'A teacher';
}

function evidence(event: AuditEvent): string {
  const notes = [
    ...(event.network === 'fail' ? ['from outside the school network'] : []),
    ...(event.geofence === 'fail' ? ['away from the classroom'] : []),
    ...(event.geofence === 'missing' ? ['without a location'] : []),
  ];
  return notes.length > 0 ? ` (${notes.join(', ')})` : '';
}

function describeTeacher(event: AuditEvent, people: People): string {
  const who = teacherName(event.actorId, people);
  const target = event.targetId ? (people.nameOf(event.targetId) ?? 'a student') : 'a student';
  const action = event.outcome;
  const auto = event.actorId === 'system';
  if (action === 'entry_closed') return `${who} closed on-time entry`;
  if (action === 'chain_started') return `${who} started a chain with ${target}`;
  if (action === 'chain_closed') return `${who} closed a chain, verifying ${target}`;
  if (action === 'chain_handed') return `${who} handed a chain to ${target}`;
  if (action === 'chain_reseeded') {
    return auto ? `A stalled chain passed to ${target} automatically` : `${who} reseeded a chain to ${target}`;
  }
  if (action === 'chain_closed_phase_over') return `A chain held by ${target} closed: its phase is over`;
  if (action === 'chain_closed_no_candidates')
    return `A stalled chain held by ${target} closed: nobody left to take it`;
  if (action === 'chain_closed_session_ended') return `A chain held by ${target} closed at the end of the session`;
  if (action.startsWith('chain_closed_')) return `A chain held by ${target} closed (${action.slice(13)})`;
  if (action === 'spot_check_started') return `${who} picked ${target} for a spot check`;
  if (action === 'spot_check_answered_here') return `${who} saw ${target} in the room (spot check)`;
  if (action === 'spot_check_answered_not_here') return `${who} did not find ${target} in the room (spot check)`;
  if (action.startsWith('override_')) {
    const status = action.slice(9);
    const label = status in STATUS_LABEL ? STATUS_LABEL[status as DisplayStatus].toLowerCase() : status;
    return `${who} set ${target} to ${label} (override)`;
  }
  return `${who}: ${action.replace(/_/g, ' ')}`;
}

/** One event in words: "Ana Lima scanned Ben Ode’s baton — accepted", "You closed on-time entry". Throws nothing. */
export function describeEvent(event: AuditEvent, people: People): string {
  if (event.kind === 'teacher') return describeTeacher(event, people);
  const who = people.nameOf(event.actorId) ?? 'A student';
  const accepted = event.outcome === 'accepted';
  if (event.flow === 'chain') {
    const holder = event.targetId ? people.nameOf(event.targetId) : undefined;
    const what = holder ? `${holder}’s baton` : 'a baton';
    return accepted
      ? `${who} scanned ${what} — accepted${evidence(event)}`
      : `${who} scanned ${what} — refused: ${refusalText(event.outcome)}${evidence(event)}`;
  }
  if (accepted && PROJECTOR_SCAN[event.flow]) return `${who} ${PROJECTOR_SCAN[event.flow]}${evidence(event)}`;
  const what = PROJECTOR_CODE[event.flow] ?? 'a code';
  return accepted
    ? `${who} scanned ${what} — accepted${evidence(event)}`
    : `${who} scanned ${what} — refused: ${refusalText(event.outcome)}${evidence(event)}`;
}
