/** Test helpers for signing in through the real HTTP API and the development outbox. */
import { AuthVerifyResponseSchema, OutboxResponseSchema, type AuthVerifyResponse } from '@qrca/contract';
import type { TestHost } from './test-host';

export const JSON_HEADERS = { 'content-type': 'application/json' } as const;

/** POSTs JSON; `headers` add to the JSON content type. */
export function postJson(
  host: TestHost,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return host.fetch(path, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) });
}

/** The newest sign-in code the dev outbox holds for `email`. @throws Error when there is none. */
export async function latestCode(host: TestHost, email: string): Promise<string> {
  const response = await host.fetch(`/api/dev/outbox?to=${encodeURIComponent(email)}`);
  const { messages } = OutboxResponseSchema.parse(await response.json());
  const code = messages[0]?.code;
  if (!code) throw new Error(`no sign-in code in the outbox for ${email}`);
  return code;
}

/** Requests a code, reads it from the outbox and verifies it. @throws Error when any step fails. */
export async function signIn(host: TestHost, email: string): Promise<AuthVerifyResponse> {
  const sent = await postJson(host, '/api/auth/code', { email });
  if (sent.status !== 202) throw new Error(`code request for ${email}: ${sent.status} ${await sent.text()}`);
  const verified = await postJson(host, '/api/auth/verify', { email, code: await latestCode(host, email) });
  if (verified.status !== 200) throw new Error(`verify for ${email}: ${verified.status} ${await verified.text()}`);
  return AuthVerifyResponseSchema.parse(await verified.json());
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
