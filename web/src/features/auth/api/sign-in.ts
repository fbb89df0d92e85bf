/** POST /api/auth/code and /api/auth/verify: sign-in by a code sent to the email address. */
import { routes } from '@qrca/contract';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { call } from '../../../lib/api-client';
import { loadDeviceKey, rememberRegistration } from '../../../lib/device-key';
import { meKey } from './me';

export function useRequestCode() {
  return useMutation({ mutationFn: (email: string) => call(routes.authCode, { body: { email } }) });
}

/**
 * Exchanges the code for a session, registering this device's key with it (`deviceKey`) when the browser can keep
 * one; without one the sign-in goes ahead all the same. @throws ApiError
 */
export async function verifyCode(input: { email: string; code: string }) {
  const key = await loadDeviceKey();
  const answer = await call(routes.authVerify, { body: { ...input, ...(key ? { deviceKey: key.publicKey } : {}) } });
  if (key && answer.deviceId === key.deviceId) await rememberRegistration(answer.user.id, key.deviceId);
  return answer;
}

export function useVerifyCode() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: verifyCode,
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
