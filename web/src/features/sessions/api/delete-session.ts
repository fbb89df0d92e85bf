/** DELETE /api/sessions/{id} (the owner only): the session and everything in it. */
import { routes } from '@qrca/contract';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { call } from '../../../lib/api-client';
import { sessionsKey } from './sessions-list';

type SessionList = Awaited<ReturnType<typeof call<typeof routes.sessionsList>>>;

/** Deletes the session; it leaves the cached list at once, and the list is fetched again. Errors are ApiErrors. */
export function useDeleteSession(sessionId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => call(routes.sessionsDelete, { params: { id: sessionId } }),
    onSuccess: async () => {
      client.setQueryData<SessionList>(sessionsKey, (list) =>
        list ? { sessions: list.sessions.filter((session) => session.id !== sessionId) } : list,
      );
      await client.invalidateQueries({ queryKey: sessionsKey });
    },
  });
}
