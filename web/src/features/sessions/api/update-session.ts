/** PATCH /api/sessions/{id} with the changed settings, then PUT …/roster when the roster changed. */
import { routes, type RosterEntry } from '@qrca/contract';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { call } from '../../../lib/api-client';
import { sessionKey } from '../../student/api/session';
import type { SessionSettings } from '../lib/session-form';
import { sessionsKey } from './sessions-list';

export interface SessionChanges {
  /** Only the settings that changed; empty: none. */
  readonly patch: Partial<SessionSettings>;
  /** The new roster (empty: no roster any more); omitted: unchanged. */
  readonly roster?: readonly RosterEntry[];
}

/**
 * Saves the changes of one session; the PATCH goes first, so a refused roster leaves the settings saved.
 * @throws ApiError from either call.
 */
export async function updateSession(sessionId: string, changes: SessionChanges): Promise<void> {
  if (Object.keys(changes.patch).length > 0) {
    await call(routes.sessionsUpdate, { params: { id: sessionId }, body: changes.patch });
  }
  if (changes.roster) {
    await call(routes.rosterPut, { params: { id: sessionId }, body: { entries: [...changes.roster] } });
  }
}

/** The save mutation; afterwards (saved or not) the session and the list are fetched again. */
export function useUpdateSession(sessionId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (changes: SessionChanges) => updateSession(sessionId, changes),
    onSettled: async () => {
      await Promise.all([
        client.invalidateQueries({ queryKey: sessionKey(sessionId) }),
        client.invalidateQueries({ queryKey: sessionsKey }),
      ]);
    },
  });
}
