/** The audit log for the activity list: read to its end, refreshed from its last page. */
import { routes } from '@qrca/contract';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { call } from '../../../lib/api-client';
import { loadActivity, type ActivityState } from '../lib/activity';

export const eventsKey = (id: string) => ['session', id, 'events'] as const;

/** The log while `enabled` (the list is open), refreshed every `refreshMs`. */
export function useActivity(sessionId: string, enabled: boolean, refreshMs: number) {
  const client = useQueryClient();
  return useQuery({
    queryKey: eventsKey(sessionId),
    queryFn: ({ signal }) =>
      loadActivity(
        (cursor) =>
          call(routes.eventsList, { params: { id: sessionId }, query: { cursor: cursor ?? undefined }, signal }),
        client.getQueryData<ActivityState>(eventsKey(sessionId)),
      ),
    enabled,
    refetchInterval: enabled ? refreshMs : false,
    structuralSharing: false,
    staleTime: 0,
  });
}
