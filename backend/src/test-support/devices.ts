/**
 * Test devices: a phone's ECDSA P-256 key made with WebCrypto as the web app makes it, signing in with it
 * (`deviceKey`), and signed scan bodies (docs/api.md, "Device keys and flags").
 */
import { generateDeviceKey, signScan, type DeviceKey, type DeviceSigningKey, type Session } from '@qrca/contract';
import type { Person } from './classroom';
import { bearer, JSON_HEADERS, latestCode, postJson } from './sign-in';
import type { TestHost } from './test-host';

export interface TestDevice {
  readonly id: string;
  readonly publicKey: DeviceKey;
  readonly privateKey: DeviceSigningKey;
}

/** A new device key pair; the private key is not extractable, as on a phone. */
export async function newDevice(): Promise<TestDevice> {
  const { deviceId, publicKey, privateKey } = await generateDeviceKey();
  return { id: deviceId, publicKey, privateKey };
}

/** Signs in through the outbox registering `device`'s key. @throws Error when a step fails. */
export async function signInWithDevice(host: TestHost, email: string, device: TestDevice): Promise<Person> {
  const sent = await postJson(host, '/api/auth/code', { email });
  if (sent.status !== 202) throw new Error(`code request for ${email}: ${sent.status}`);
  const code = await latestCode(host, email);
  const verified = await postJson(host, '/api/auth/verify', { email, code, deviceKey: device.publicKey });
  const body = (await verified.json()) as { token: string; user: { id: string }; deviceId?: string };
  if (verified.status !== 200) throw new Error(`verify for ${email}: ${verified.status}`);
  if (body.deviceId !== device.id) throw new Error(`verify for ${email} registered ${body.deviceId}, not ${device.id}`);
  return { id: body.user.id, email, token: body.token };
}

/** The body of a scan of `payload` signed by `device` at `signedAt`. */
export async function signedScanBody(
  session: Pick<Session, 'id'>,
  device: TestDevice,
  scanId: string,
  payload: string,
  signedAt: number,
): Promise<{ scanId: string; payload: string; device: { id: string; signature: string; signedAt: number } }> {
  const signature = await signScan(device.privateKey, { sessionId: session.id, scanId, signedAt, payload });
  return { scanId, payload, device: { id: device.id, signature, signedAt } };
}

/** Request options for a JSON POST as `person`, from `forwardedFor` when given (a trusted proxy's header). */
export function postAs(person: Person, body: unknown, forwardedFor?: string): RequestInit {
  return {
    method: 'POST',
    headers: { ...bearer(person.token), ...JSON_HEADERS, ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
    body: JSON.stringify(body),
  };
}
