/** What the projector shows: the session (join link), each open code, the counts. */
import { PROJECTOR_KINDS, routes, type ProjectorCode, type ProjectorKind } from '@qrca/contract';
import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, call } from '../../../lib/api-client';

export const codeKey = (id: string, kind: ProjectorKind) => ['session', id, 'code', kind] as const;
export const countsKey = (id: string) => ['session', id, 'counts'] as const;

/** The code of `kind` now, or null while that code is not open. */
async function fetchCode(sessionId: string, kind: ProjectorKind): Promise<ProjectorCode | null> {
  try {
    return await call(routes.codesGet, { params: { id: sessionId, kind } });
  } catch (error) {
    if (error instanceof ApiError && error.code === 'WRONG_PHASE') return null;
    throw error;
  }
}

/** Every kind's current code (null when closed); refreshed when a code expires without a push. */
export function useCodes(sessionId: string) {
  return useQueries({
    queries: PROJECTOR_KINDS.map((kind) => ({
      queryKey: codeKey(sessionId, kind),
      queryFn: () => fetchCode(sessionId, kind),
      staleTime: 1_000,
    })),
  });
}

export function useCounts(sessionId: string, pollMs: number | false) {
  return useQuery({
    queryKey: countsKey(sessionId),
    queryFn: async () => (await call(routes.attendanceGet, { params: { id: sessionId } })).counts,
    refetchInterval: pollMs,
  });
}

export function useProjectorWriter(sessionId: string) {
  const client = useQueryClient();
  return {
    setCode: (code: ProjectorCode) => client.setQueryData(codeKey(sessionId, code.kind), code),
    setCounts: (counts: unknown) => client.setQueryData(countsKey(sessionId), counts),
    refetch: () => client.invalidateQueries({ queryKey: ['session', sessionId] }),
  };
}
