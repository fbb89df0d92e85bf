/**
 * A session's insights (`GET …/insights`): figures computed on the server on request, not pushed live. Fetched
 * once when the panel shows, kept fresh for 30 s, and again on the panel's Refresh (or when the dashboard takes
 * every list afresh: entry closed, session ended, real time back).
 */
import { routes } from '@qrca/contract';
import { useQuery } from '@tanstack/react-query';
import { call } from '../../../lib/api-client';

export const insightsKey = (id: string) => ['session', id, 'insights'] as const;

/** How long fetched figures count as fresh (a refocus or remount within it fetches nothing). */
const FRESH_MS = 30_000;

/** `GET …/insights`; never polls. */
export function useInsights(sessionId: string) {
  return useQuery({
    queryKey: insightsKey(sessionId),
    queryFn: ({ signal }) => call(routes.insightsGet, { params: { id: sessionId }, signal }),
    staleTime: FRESH_MS,
    refetchInterval: false,
  });
}
