/** The session's phase actions: start now, close on-time entry now, the early-leave window, end. */
import { routes, type Session } from '@qrca/contract';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { call } from '../../../lib/api-client';
import { sessionKey } from '../../student/api/session';

/** The routes that act on a whole session and answer it. */
export const SESSION_ACTIONS = {
  start: routes.sessionsStart,
  closeEntry: routes.entryClose,
  openEarlyLeave: routes.earlyLeaveOpen,
  closeEarlyLeave: routes.earlyLeaveClose,
  end: routes.sessionsEnd,
} as const;
export type SessionAction = keyof typeof SESSION_ACTIONS;

/**
 * One mutation for every phase action (`mutate('closeEntry')`); the answered session replaces the cached one.
 * Closing entry and ending close chains and may change rows: those lists are fetched again.
 */
export function useSessionAction(sessionId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (action: SessionAction) => call(SESSION_ACTIONS[action], { params: { id: sessionId } }),
    onSuccess: (session: Session, action) => {
      client.setQueryData(sessionKey(sessionId), session);
      if (action === 'closeEntry' || action === 'end') {
        void client.invalidateQueries({ queryKey: ['session', sessionId], predicate: (q) => q.queryKey.length > 2 });
      }
    },
  });
}
