/** POST /api/auth/devices: registers this device's public key for the signed-in user (a key made after sign-in). */
import { routes, type DeviceKey } from '@qrca/contract';
import { call } from '../../../lib/api-client';

/** Registers `deviceKey`; resolves with its id (`device.id` on scans). Idempotent. @throws ApiError */
export function registerDevice(deviceKey: DeviceKey): Promise<{ deviceId: string }> {
  return call(routes.authDevicesRegister, { body: { deviceKey } });
}
