/** POST /api/auth/code and /api/auth/verify: sign-in by a code sent to the email address. */
import { routes } from '@qrca/contract';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { call } from '../../../lib/api-client';
import { meKey } from './me';

export function useRequestCode() {
  return useMutation({ mutationFn: (email: string) => call(routes.authCode, { body: { email } }) });
}

export function useVerifyCode() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: { email: string; code: string }) => call(routes.authVerify, { body: input }),
    onSuccess: (answer) => client.setQueryData(meKey, answer.user),
  });
}

export function useSignOut() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => call(routes.authLogout),
    onSuccess: () => {
      client.clear();
      client.setQueryData(meKey, null);
    },
  });
}
