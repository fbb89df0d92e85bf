/**
 * A session's insights (`GET …/insights`): figures computed on the server on request, not pushed live. Fetched
 * once when the panel shows, kept fresh for 30 s, and again on the panel's Refresh (or when the dashboard takes
 * every list afresh: entry closed, session ended, real time back). The figures come first; an AI summary, when the
 * server writes one, follows in a second request.
 */
import { routes } from '@qrca/contract';
import { useQuery } from '@tanstack/react-query';
import { call } from '../../../lib/api-client';

export const insightsKey = (id: string) => ['session', id, 'insights'] as const;
// Outside the session's ['session', id] prefix: the dashboard's "take every list afresh" refetches the figures,
// and their new `computedAt` asks for a new summary; refetching the old one too would write a summary twice.
const summaryKey = (id: string, computedAt: string) => ['insights-summary', id, computedAt] as const;

/** How long fetched figures count as fresh (a refocus or remount within it fetches nothing). */
const FRESH_MS = 30_000;

/** `GET …/insights?summary=skip`: the figures at once, without waiting for a summary; never polls. */
export function useInsights(sessionId: string) {
  return useQuery({
    queryKey: insightsKey(sessionId),
    queryFn: ({ signal }) =>
      call(routes.insightsGet, { params: { id: sessionId }, query: { summary: 'skip' }, signal }),
    staleTime: FRESH_MS,
    refetchInterval: false,
  });
}

/**
 * The summary the figures computed at `computedAt` left out (`skipped`), asked for once they show: `GET …/insights`
 * with the summary (the server remembers it for the same figures). Disabled while `computedAt` is undefined.
 */
export function useInsightSummary(sessionId: string, computedAt: string | undefined) {
  return useQuery({
    queryKey: summaryKey(sessionId, computedAt ?? ''),
    queryFn: async ({ signal }) => (await call(routes.insightsGet, { params: { id: sessionId }, signal })).summary,
    enabled: computedAt !== undefined,
    staleTime: Infinity,
    refetchInterval: false,
  });
}
