/** This device's signer for a signed-in student: the key in IndexedDB, the registration route and the server clock. */
import { forgetRegistration, isRegistered, loadDeviceKey, rememberRegistration } from '../../../lib/device-key';
import { serverNow } from '../../../lib/server-clock';
import { registerDevice } from '../../auth/api/register-device';
import { ScanSigner } from './scan-signer';

/** A signer of `userId`'s scans and joins on this device. Throws nothing. */
export const deviceSignerFor = (userId: string) =>
  new ScanSigner(userId, {
    loadKey: loadDeviceKey,
    isRegistered,
    rememberRegistration,
    forgetRegistration,
    register: registerDevice,
    now: serverNow,
  });
