/**
 * The session form's rules, without React: what the fields hold, local date-times ↔ ISO, the checks made
 * before sending (the backend's, in people's words), the request, what changed, and which field a server
 * error names.
 */
import { isValidCidrOrIp, MAX_SESSION_HOURS, type Constraints, type PolicyMode, type Session } from '@qrca/contract';

export type EntryMethod = Session['entryMethod'];
export type RosterMode = Session['rosterMode'];

/** The form's fields as typed (strings, as inputs hold them). */
export interface SessionFormValues {
  readonly title: string;
  /** `YYYY-MM-DDTHH:mm` in the browser's time zone (a datetime-local input's value). */
  readonly startAt: string;
  readonly endAt: string;
  readonly lateCutoffMinutes: string;
  readonly exitWindowMinutes: string;
  readonly entryMethod: EntryMethod;
  readonly rosterMode: RosterMode;
  /** One IP address or CIDR per line. */
  readonly networks: string;
  readonly networksMode: PolicyMode;
  readonly lat: string;
  readonly lon: string;
  readonly radiusM: string;
  readonly geofenceMode: PolicyMode;
  /** The phone check: what the session does with scans from a phone that cannot prove itself, or is shared. */
  readonly devicePolicy: PolicyMode;
}

/** Where an error is shown: next to one of these fields, or at the top (`form`). */
export type FieldName = keyof SessionFormValues | 'roster' | 'coTeachers' | 'form';

export type FieldErrors = Partial<Record<FieldName, string>>;

/** The settings a session is created with or changed to (everything but the roster and co-teachers). */
export interface SessionSettings {
  readonly title: string;
  readonly startAt: string;
  readonly endAt: string;
  readonly lateCutoffMinutes: number;
  readonly exitWindowMinutes: number;
  readonly entryMethod: EntryMethod;
  readonly rosterMode: RosterMode;
  readonly constraints: Constraints;
  readonly devicePolicy: PolicyMode;
}

export const MAX_MINUTES = 240;
export const MAX_NETWORKS = 50;
export const MIN_RADIUS_M = 10;
export const MAX_RADIUS_M = 5_000;
export const DEFAULT_RADIUS_M = 100;

const pad = (n: number) => String(n).padStart(2, '0');

/** An instant as a datetime-local value in the browser's time zone ('' when not a date). Throws nothing. */
export function toLocalInput(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

/** A datetime-local value (browser's time zone) as an ISO instant; undefined when incomplete. Throws nothing. */
export function fromLocalInput(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Moves a datetime-local value by `minutes` ('' when it is not one). Throws nothing. */
export function shiftLocalInput(value: string, minutes: number): string {
  const iso = fromLocalInput(value);
  return iso ? toLocalInput(new Date(Date.parse(iso) + minutes * 60_000).toISOString()) : '';
}

/** A new session's fields: starting at the next quarter hour, for an hour, the contract's defaults. */
export function newSessionValues(nowMs: number): SessionFormValues {
  const quarter = 15 * 60_000;
  const start = Math.ceil((nowMs + 60_000) / quarter) * quarter;
  return {
    title: '',
    startAt: toLocalInput(new Date(start).toISOString()),
    endAt: toLocalInput(new Date(start + 60 * 60_000).toISOString()),
    lateCutoffMinutes: '10',
    exitWindowMinutes: '10',
    entryMethod: 'chain',
    rosterMode: 'strict',
    networks: '',
    networksMode: 'off',
    lat: '',
    lon: '',
    radiusM: String(DEFAULT_RADIUS_M),
    geofenceMode: 'off',
    devicePolicy: 'warn',
  };
}

/** The fields of an existing session. */
export function valuesFromSession(session: Session): SessionFormValues {
  const { networks, geofence } = session.constraints;
  return {
    title: session.title,
    startAt: toLocalInput(session.startAt),
    endAt: toLocalInput(session.endAt),
    lateCutoffMinutes: String(session.lateCutoffMinutes),
    exitWindowMinutes: String(session.exitWindowMinutes),
    entryMethod: session.entryMethod,
    rosterMode: session.rosterMode,
    networks: networks?.cidrs.join('\n') ?? '',
    networksMode: networks?.mode ?? 'off',
    lat: geofence ? String(geofence.lat) : '',
    lon: geofence ? String(geofence.lon) : '',
    radiusM: String(geofence?.radiusM ?? DEFAULT_RADIUS_M),
    geofenceMode: geofence?.mode ?? 'off',
    // Servers from before device keys send none: they behaved as `warn` does now.
    devicePolicy: session.devicePolicy ?? 'warn',
  };
}

/** A number as typed (a decimal comma is read as a point); undefined when blank or not a number. */
function numberFrom(text: string): number | undefined {
  const trimmed = text.trim().replace(',', '.');
  if (trimmed === '') return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

/** The lines of the networks field, trimmed, blanks dropped, each with its line number. */
export function networkLines(text: string): { line: number; text: string }[] {
  return text
    .split(/\r\n|\r|\n/)
    .map((line, i) => ({ line: i + 1, text: line.trim() }))
    .filter((line) => line.text !== '');
}

const quote = (text: string) => `“${text.length > 40 ? `${text.slice(0, 40)}…` : text}”`;

/** The networks field's problem: lines that are not an address or a network, too many, or none. */
function networksProblem(values: SessionFormValues): string | undefined {
  const lines = networkLines(values.networks);
  const bad = lines.filter((line) => !isValidCidrOrIp(line.text));
  if (bad.length > 0) {
    const listed = bad
      .slice(0, 5)
      .map((line) => `line ${line.line} ${quote(line.text)}`)
      .join(', ');
    const more = bad.length > 5 ? ` and ${bad.length - 5} more` : '';
    return (
      `Not an IP address or network: ${listed}${more}. ` +
      'Write one per line, such as 192.168.1.0/24 or 2001:db8::/32.'
    );
  }
  if (lines.length > MAX_NETWORKS) return `At most ${MAX_NETWORKS} networks; this list has ${lines.length}.`;
  if (lines.length === 0 && values.networksMode !== 'off') {
    return 'Add at least one network, or turn the network check off.';
  }
  return undefined;
}

function minutesProblem(text: string): string | undefined {
  const value = numberFrom(text);
  if (value === undefined || !Number.isInteger(value) || value < 0 || value > MAX_MINUTES) {
    return `Enter whole minutes from 0 to ${MAX_MINUTES}.`;
  }
  return undefined;
}

/**
 * Checks the fields as the backend will (its rules, in people's words) and builds the settings when they
 * pass. Every problem is listed at once. Throws nothing.
 */
export function checkValues(values: SessionFormValues): { settings?: SessionSettings; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const title = values.title.trim();
  if (title === '') errors.title = 'Give the session a title.';
  else if (title.length > 200) errors.title = 'Keep the title to 200 characters or fewer.';

  const startAt = fromLocalInput(values.startAt);
  const endAt = fromLocalInput(values.endAt);
  if (!startAt) errors.startAt = 'Enter the date and time the session starts.';
  if (!endAt) errors.endAt = 'Enter the date and time the session ends.';
  const minutes = startAt && endAt ? (Date.parse(endAt) - Date.parse(startAt)) / 60_000 : undefined;
  if (minutes !== undefined && minutes <= 0) errors.endAt = 'The end must be after the start.';
  else if (minutes !== undefined && minutes > MAX_SESSION_HOURS * 60) {
    errors.endAt = `A session lasts at most ${MAX_SESSION_HOURS} hours.`;
  }

  const late = minutesProblem(values.lateCutoffMinutes);
  const exit = minutesProblem(values.exitWindowMinutes);
  if (late) errors.lateCutoffMinutes = late;
  if (exit) errors.exitWindowMinutes = exit;
  const lateCutoffMinutes = numberFrom(values.lateCutoffMinutes) ?? 0;
  const exitWindowMinutes = numberFrom(values.exitWindowMinutes) ?? 0;
  if (minutes !== undefined && minutes > 0) {
    if (!late && lateCutoffMinutes >= minutes) {
      errors.lateCutoffMinutes = 'The late cutoff must fall before the end of the session.';
    }
    if (!exit && exitWindowMinutes >= minutes) {
      errors.exitWindowMinutes = 'The exit window must be shorter than the session.';
    }
  }

  const networks = networksProblem(values);
  if (networks) errors.networks = networks;

  const lat = numberFrom(values.lat);
  const lon = numberFrom(values.lon);
  const radiusM = numberFrom(values.radiusM);
  const place = values.lat.trim() !== '' || values.lon.trim() !== '';
  const wantsGeofence = place || values.geofenceMode !== 'off';
  if (wantsGeofence) {
    if (!place) errors.lat = 'Enter the latitude and longitude, or use your location.';
    else {
      if (lat === undefined || lat < -90 || lat > 90) errors.lat = 'Enter a latitude from -90 to 90.';
      if (lon === undefined || lon < -180 || lon > 180) errors.lon = 'Enter a longitude from -180 to 180.';
    }
    if (radiusM === undefined || radiusM < MIN_RADIUS_M || radiusM > MAX_RADIUS_M) {
      errors.radiusM = `Enter a radius from ${MIN_RADIUS_M} to ${MAX_RADIUS_M.toLocaleString()} metres.`;
    }
  }

  if (Object.keys(errors).length > 0 || !startAt || !endAt) return { errors };
  const constraints: Constraints = {};
  const cidrs = networkLines(values.networks).map((line) => line.text);
  if (cidrs.length > 0) constraints.networks = { cidrs, mode: values.networksMode };
  if (wantsGeofence && lat !== undefined && lon !== undefined && radiusM !== undefined) {
    constraints.geofence = { lat, lon, radiusM, mode: values.geofenceMode };
  }
  return {
    errors,
    settings: {
      title,
      startAt,
      endAt,
      lateCutoffMinutes,
      exitWindowMinutes,
      entryMethod: values.entryMethod,
      rosterMode: values.rosterMode,
      constraints,
      devicePolicy: values.devicePolicy,
    },
  };
}

/** The settings that differ between `before` and `after` (constraints compared whole). Throws nothing. */
export function changedSettings(before: SessionSettings, after: SessionSettings): Partial<SessionSettings> {
  const changed: Partial<Record<keyof SessionSettings, unknown>> = {};
  for (const key of Object.keys(after) as (keyof SessionSettings)[]) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) changed[key] = after[key];
  }
  return changed as Partial<SessionSettings>;
}

/** The field a server error path names (`endAt`, `constraints.geofence.lat`, `roster.3`, `entries.0`…). */
export function fieldOfPath(path: string): FieldName | undefined {
  const [head, second, third] = path.split('.');
  switch (head) {
    case 'title':
    case 'startAt':
    case 'endAt':
    case 'lateCutoffMinutes':
    case 'exitWindowMinutes':
    case 'entryMethod':
    case 'rosterMode':
    case 'devicePolicy':
      return head;
    case 'roster':
    case 'entries':
      return 'roster';
    case 'email':
      return 'coTeachers';
    case 'constraints':
      if (second === 'networks') return third === 'mode' ? 'networksMode' : 'networks';
      if (second === 'geofence') {
        if (third === 'lat' || third === 'lon' || third === 'radiusM') return third;
        return third === 'mode' ? 'geofenceMode' : 'lat';
      }
      return undefined;
    default:
      return undefined;
  }
}

/**
 * Sorts a server refusal's issues into the fields they name; the rest (and the refusal itself when it names
 * no field) are for the top of the form. The first message wins where a field is named twice.
 */
export function errorsFromIssues(issues: readonly { path: string; message: string }[]): {
  fields: FieldErrors;
  other: string[];
} {
  const fields: FieldErrors = {};
  const other: string[] = [];
  for (const issue of issues) {
    const field = fieldOfPath(issue.path);
    if (field) fields[field] ??= issue.message;
    else other.push(issue.message);
  }
  return { fields, other };
}
