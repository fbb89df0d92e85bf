/**
 * Sign-in as a person does it, through the dev outbox: ask for a code, read it from the outbox of the instance
 * that sent it, trade it for a session token (on any instance: codes live in the shared store and cache). A phone
 * registers its device key at sign-in, as the app does, and signs its scans with it.
 */
import { generateDeviceKey, type DeviceKeyPair } from '@qrca/contract';
import { setTimeout as sleep } from 'node:timers/promises';
import { must, type ApiClient } from './api-client';

export interface Person {
  readonly id: string;
  readonly email: string;
  readonly token: string;
  /** The client address this person's requests carry (X-Forwarded-For). */
  readonly ip: string;
  /** The phone's device key (students), registered at sign-in. */
  readonly device?: DeviceKeyPair;
}

/** How long the outbox may take to show a code the server said it sent, and how often to look. */
const OUTBOX_WAIT_MS = 5_000;
const OUTBOX_POLL_MS = 50;

/**
 * Signs `email` in from `ip`, registering a new device key when `withDevice` is true, or the given key (a phone
 * already used by another account: the shared-device scenario). @throws Error when a step is refused (the
 * deployment has no dev outbox, the domain is not allowed, a rate limit) or no code shows up in the outbox.
 */
export async function signIn(
  api: ApiClient,
  email: string,
  ip: string,
  withDevice: boolean | DeviceKeyPair = false,
): Promise<Person> {
  const device = withDevice === true ? await generateDeviceKey() : withDevice || undefined;
  const instance = api.nextInstance();
  const sent = await api.call('authCode', { body: { email }, as: { ip }, instance });
  must(sent, `sign-in code for ${email}`);
  let code: string | undefined;
  for (let waited = 0; code === undefined; waited += OUTBOX_POLL_MS) {
    // The outbox answers only this machine, by the socket's address: no X-Forwarded-For here.
    const outbox = must(
      await api.call('devOutbox', { query: { to: email }, instance }),
      `dev outbox of ${api.origin(instance)} (the deployment must have one: no SMTP_URL, not production)`,
    );
    code = outbox.messages.find((m) => m.code !== undefined && Date.parse(m.sentAt) >= sent.sentAt - 5_000)?.code;
    if (code !== undefined) break;
    if (waited >= OUTBOX_WAIT_MS) throw new Error(`no sign-in code for ${email} in the dev outbox`);
    await sleep(OUTBOX_POLL_MS);
  }
  const verified = must(
    await api.call('authVerify', {
      body: { email, code, ...(device ? { deviceKey: device.publicKey } : {}) },
      as: { ip },
    }),
    `sign-in of ${email}`,
  );
  return { id: verified.user.id, email, token: verified.token, ip, ...(device ? { device } : {}) };
}

/** Runs `work` for every item, at most `limit` at a time, in order of the items. */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}
