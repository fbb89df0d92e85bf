/** The session's chains and the teacher's chain actions: start, reseed, hand to a student, close. */
import { routes, type Chain, type ChainPhase } from '@qrca/contract';
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { call } from '../../../lib/api-client';
import { mergeChain } from '../lib/chains';

export const chainsKey = (id: string) => ['session', id, 'chains'] as const;

/** Puts chains (from an answer or events) into the cached list, never going back to an older state. */
export function mergeChains(client: QueryClient, sessionId: string, incoming: Iterable<Chain>): void {
  client.setQueryData<readonly Chain[]>(chainsKey(sessionId), (chains) => {
    if (!chains) return chains;
    let next = chains;
    for (const chain of incoming) next = mergeChain(next, chain);
    return next;
  });
}

/** `GET …/chains`; polls every `pollMs` while real time is down. */
export function useChains(sessionId: string, pollMs: number | false) {
  return useQuery({
    queryKey: chainsKey(sessionId),
    queryFn: async ({ signal }): Promise<readonly Chain[]> =>
      (await call(routes.chainsList, { params: { id: sessionId }, signal })).chains,
    refetchInterval: pollMs,
  });
}

/** `POST …/chains` `{phase, count}`: K chains, or `auto`. */
export function useStartChains(sessionId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { phase: ChainPhase; count: number | 'auto' }) =>
      call(routes.chainsStart, { params: { id: sessionId }, body }),
    onSuccess: (answer) => mergeChains(client, sessionId, answer.chains),
  });
}

/** One chain's actions: reseed, hand to a student, close. Each answers the chain as it is now. */
export function useChainActions(sessionId: string, chainId: string) {
  const client = useQueryClient();
  const params = { id: sessionId, chainId };
  const onSuccess = (chain: Chain) => mergeChains(client, sessionId, [chain]);
  return {
    reseed: useMutation({ mutationFn: () => call(routes.chainsReseed, { params }), onSuccess }),
    hand: useMutation({
      mutationFn: (studentId: string) => call(routes.chainsHand, { params, body: { studentId } }),
      onSuccess,
    }),
    close: useMutation({ mutationFn: () => call(routes.chainsClose, { params }), onSuccess }),
  };
}
