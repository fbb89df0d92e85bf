/** Sessions: create, list, read, change, start, end, delete; roster; co-teachers; join; heartbeat. */
import {
  IdempotencyKeySchema,
  rosterCsvOptions,
  rosterFromRows,
  rosterRowsFromCsv,
  routes,
  type CsvRecordWithInfo,
  type RosterEntry,
} from '@qrca/contract';
import { validationErrorFromZod } from '../middleware/errors';
import { parse } from 'csv-parse/sync';
import { defineRoute } from './http';

/**
 * Roster CSV: the contract's roster rules (one student per row, the cell with an '@' is the email, the row's
 * first other non-empty cell the name; rows without one, such as headers, are skipped, repeats merged).
 * Invalid emails stay in, so the request schema refuses the roster as it refuses any bad entry.
 * @throws CsvError when the text is not CSV (the pipeline answers VALIDATION_FAILED).
 */
export function rosterFromCsv(text: string): { entries: RosterEntry[] } {
  // With `info: true` csv-parse returns records with their info, which its types do not say.
  const records = parse(text, rosterCsvOptions(text)) as unknown as CsvRecordWithInfo[];
  const { entries, rejected } = rosterFromRows(rosterRowsFromCsv(records));
  const invalid = rejected.flatMap((row) => (row.reason === 'invalid_email' && row.email ? [row.email] : []));
  return { entries: [...entries, ...invalid] };
}

/** The optional `Idempotency-Key` header of a create. @throws ValidationError when malformed. */
function idempotencyKey(header: string | null): string | undefined {
  if (header === null) return undefined;
  const parsed = IdempotencyKeySchema.safeParse(header);
  if (!parsed.success) throw validationErrorFromZod(parsed.error, 'The Idempotency-Key header is not valid.');
  return parsed.data;
}

export const sessionRoutes = [
  defineRoute(routes.sessionsCreate, async ({ caller, body, request, services }) => ({
    status: 201,
    jsonBody: await services.sessions.createSession(
      caller,
      body,
      idempotencyKey(request.headers.get('idempotency-key')),
    ),
  })),

  defineRoute(routes.sessionsList, async ({ caller, services }) => ({
    jsonBody: { sessions: await services.sessions.listSessions(caller) },
  })),

  defineRoute(routes.sessionsGet, async ({ caller, params, services }) => ({
    jsonBody: await services.sessions.getSession(caller, params.id),
  })),

  defineRoute(routes.sessionsUpdate, async ({ caller, params, body, services }) => ({
    jsonBody: await services.sessions.updateSession(caller, params.id, body),
  })),

  defineRoute(routes.sessionsStart, async ({ caller, params, services }) => ({
    jsonBody: await services.lifecycle.startSession(caller, params.id),
  })),

  defineRoute(routes.sessionsEnd, async ({ caller, params, services }) => ({
    jsonBody: await services.lifecycle.endSession(caller, params.id),
  })),

  defineRoute(routes.entryClose, async ({ caller, params, services }) => ({
    jsonBody: await services.lifecycle.closeEntry(caller, params.id),
  })),

  defineRoute(routes.sessionsDelete, async ({ caller, params, services }) => {
    await services.sessions.deleteSession(caller, params.id);
    return { status: 204 };
  }),

  defineRoute(
    routes.rosterPut,
    async ({ caller, params, body, services }) => ({
      jsonBody: await services.sessions.putRoster(caller, params.id, body.entries),
    }),
    { fromCsv: rosterFromCsv },
  ),

  defineRoute(routes.coTeachersAdd, async ({ caller, params, body, services }) => ({
    jsonBody: await services.sessions.addCoTeacher(caller, params.id, body.email),
  })),

  defineRoute(routes.coTeachersRemove, async ({ caller, params, services }) => {
    await services.sessions.removeCoTeacher(caller, params.id, params.email);
    return { status: 204 };
  }),

  defineRoute(routes.sessionsJoin, async ({ caller, params, body, clientIp, services }) => ({
    jsonBody: await services.sessions.joinSession(caller, params.id, body.joinCode, clientIp, body.device),
  })),

  defineRoute(routes.sessionsHeartbeat, async ({ caller, params, clientIp, services }) => {
    await services.presence.heartbeat(caller, params.id, clientIp);
    return { status: 204 };
  }),
];
