/** Sessions: create, list, read, change, start, end, delete; roster; co-teachers; join; heartbeat. */
import { IdempotencyKeySchema, routes } from '@qrca/contract';
import { validationErrorFromZod } from '../middleware/errors';
import { parse } from 'csv-parse/sync';
import { defineRoute } from './http';

/**
 * Roster CSV: one student per row with an email cell; the row's first other non-empty cell is the name.
 * Rows without an email (headers) are skipped.
 */
export function rosterFromCsv(text: string): { entries: ({ email: string; name?: string } | string)[] } {
  const rows = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as string[][];
  return {
    entries: rows.flatMap((row) => {
      const email = row.find((cell) => cell.includes('@'));
      if (!email) return [];
      const name = row.find((cell) => cell !== email && cell !== '');
      return [name ? { email, name } : email];
    }),
  };
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
    jsonBody: await services.sessions.joinSession(caller, params.id, body.joinCode, clientIp),
  })),

  defineRoute(routes.sessionsHeartbeat, async ({ caller, params, services }) => {
    await services.presence.heartbeat(caller, params.id);
    return { status: 204 };
  }),
];
