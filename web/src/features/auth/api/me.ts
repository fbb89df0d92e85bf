/** GET /api/auth/me: who is signed in (undefined when nobody). */
import { routes, type User } from '@qrca/contract';
import { useQuery } from '@tanstack/react-query';
import { ApiError, call } from '../../../lib/api-client';

export const meKey = ['auth', 'me'] as const;

export async function fetchMe(): Promise<User | null> {
  try {
    return await call(routes.authMe);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'UNAUTHENTICATED') return null;
    throw error;
  }
}

/** The signed-in user, or null. */
export function useMe() {
  return useQuery({ queryKey: meKey, queryFn: fetchMe, staleTime: 60_000 });
}
