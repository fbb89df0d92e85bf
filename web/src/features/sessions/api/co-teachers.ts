/** POST /api/sessions/{id}/co-teachers and DELETE …/co-teachers/{email} (the owner shares a session). */
import { routes } from '@qrca/contract';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { call } from '../../../lib/api-client';
import { sessionKey } from '../../student/api/session';
import { sessionsKey } from './sessions-list';

/** Adds a teacher by email; the answer (the session) replaces the cached one. Errors are ApiErrors. */
export function useAddCoTeacher(sessionId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (email: string) => call(routes.coTeachersAdd, { params: { id: sessionId }, body: { email } }),
    onSuccess: async (session) => {
      client.setQueryData(sessionKey(sessionId), session);
      await client.invalidateQueries({ queryKey: sessionsKey });
    },
  });
}

/** Removes a co-teacher by email. Errors are ApiErrors (NOT_FOUND when they no longer co-teach it). */
export function useRemoveCoTeacher(sessionId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (email: string) => call(routes.coTeachersRemove, { params: { id: sessionId, email } }),
    onSettled: async () => {
      await Promise.all([
        client.invalidateQueries({ queryKey: sessionKey(sessionId) }),
        client.invalidateQueries({ queryKey: sessionsKey }),
      ]);
    },
  });
}
