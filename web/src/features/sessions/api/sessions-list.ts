/** GET /api/sessions: the signed-in person's sessions (a teacher's own and co-taught ones, a student's joined ones). */
import { routes } from '@qrca/contract';
import { useQuery } from '@tanstack/react-query';
import { call } from '../../../lib/api-client';

export const sessionsKey = ['sessions'] as const;

/** The list, refreshed every `pollMs` while shown (sessions start and end by the clock). Errors are ApiErrors. */
export function useSessions(pollMs: number | false = false) {
  return useQuery({ queryKey: sessionsKey, queryFn: () => call(routes.sessionsList), refetchInterval: pollMs });
}
