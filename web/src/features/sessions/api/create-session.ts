/** POST /api/sessions (idempotent by key), then the co-teachers it was created with. */
import { routes, type RosterEntry, type Session } from '@qrca/contract';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ApiError, call } from '../../../lib/api-client';
import { sessionKey } from '../../student/api/session';
import type { SessionSettings } from '../lib/session-form';
import { sessionsKey } from './sessions-list';

export interface NewSession {
  readonly settings: SessionSettings;
  /** Omitted: no roster. */
  readonly roster?: readonly RosterEntry[];
  readonly coTeachers: readonly string[];
  /** One per form: a retried submit returns the session the first one made. */
  readonly idempotencyKey: string;
}

export interface CreatedSession {
  readonly session: Session;
  /** Co-teachers that could not be added (the session exists all the same), with the reason. */
  readonly coTeacherFailures: readonly { email: string; message: string }[];
}

/**
 * Creates the session, then adds each co-teacher; a co-teacher refused does not undo the session.
 * @throws ApiError when the session itself is refused (validation, network…).
 */
export async function createSession(input: NewSession): Promise<CreatedSession> {
  let session = await call(routes.sessionsCreate, {
    body: { ...input.settings, ...(input.roster ? { roster: [...input.roster] } : {}) },
    headers: { 'Idempotency-Key': input.idempotencyKey },
  });
  const coTeacherFailures: { email: string; message: string }[] = [];
  for (const email of input.coTeachers) {
    try {
      session = await call(routes.coTeachersAdd, { params: { id: session.id }, body: { email } });
    } catch (error) {
      coTeacherFailures.push({ email, message: error instanceof ApiError ? error.message : String(error) });
    }
  }
  return { session, coTeacherFailures };
}

/** The create mutation; on success the new session is cached and the list refreshed. */
export function useCreateSession() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: createSession,
    onSuccess: async ({ session }) => {
      client.setQueryData(sessionKey(session.id), session);
      await client.invalidateQueries({ queryKey: sessionsKey });
    },
  });
}

/** A fresh Idempotency-Key (8–64 of A–Z a–z 0–9 - _), also where `crypto.randomUUID` is missing (plain HTTP). */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
}
