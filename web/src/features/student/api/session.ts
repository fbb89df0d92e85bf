/** A student's session: the session as they see it, their own status and hold, joining, heartbeats. */
import { JOIN_SIGNATURE_ID, routes, type Hold, type MyStatus } from '@qrca/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { call } from '../../../lib/api-client';
import { deviceSignerFor } from '../lib/device-signer';

export const sessionKey = (id: string) => ['session', id] as const;
export const myViewKey = (id: string) => ['session', id, 'me'] as const;

export function useSession(sessionId: string) {
  return useQuery({
    queryKey: sessionKey(sessionId),
    queryFn: () => call(routes.sessionsGet, { params: { id: sessionId } }),
  });
}

/** GET …/me: status and hold; polls while real time is down. */
export function useMyView(sessionId: string, pollMs: number | false) {
  return useQuery({
    queryKey: myViewKey(sessionId),
    queryFn: () => call(routes.sessionsMe, { params: { id: sessionId } }),
    refetchInterval: pollMs,
  });
}

/**
 * Joins with the code; signed by this device's key when it has one (registered first if needed), so a phone
 * joining for a second account is seen at once (`shared_device`).
 */
export function useJoin(sessionId: string, userId: string | undefined) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (joinCode: string) => {
      const device = userId
        ? await deviceSignerFor(userId).sign({ sessionId, scanId: JOIN_SIGNATURE_ID, payload: joinCode })
        : undefined;
      return call(routes.sessionsJoin, {
        params: { id: sessionId },
        body: { joinCode, ...(device ? { device } : {}) },
      });
    },
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: sessionKey(sessionId) });
    },
  });
}

export function heartbeat(sessionId: string): Promise<undefined> {
  return call(routes.sessionsHeartbeat, { params: { id: sessionId } });
}

/** Writers of the cached view, for real-time deltas and scan answers. */
export function useMyViewWriter(sessionId: string) {
  const client = useQueryClient();
  type View = { status: MyStatus; hold: Hold | null };
  const update = (change: (view: View) => View) =>
    client.setQueryData<View>(myViewKey(sessionId), (view) => (view ? change(view) : view));
  return {
    setStatus: (status: MyStatus) => update((view) => ({ ...view, status })),
    setHold: (hold: Hold) => update((view) => ({ ...view, hold })),
    releaseHold: (chainId: string) =>
      update((view) => (view.hold?.chainId === chainId ? { ...view, hold: null } : view)),
    refetch: () => client.invalidateQueries({ queryKey: sessionKey(sessionId) }),
  };
}
