/** Which accounts a proven phone was used for in a session (decision 0013): judged the same at a join and a scan. */
import type { DeviceUseRecord, SessionRecord } from '../domain/records';
import { sharedDeviceRule, type ScanContext, type SharedDevice } from '../domain/suspicion-flags';
import { AppError } from '../middleware/errors';
import { create, replace, type RowWrite } from '../repositories/session-changes';
import type { SessionRepository } from '../repositories/session.repository';

/**
 * The `shared_device` verdict on `studentId` using the phone `deviceId` now, and the write that records the use
 * (absent when it adds nothing). Reads the phone's use in the session.
 * @throws AppError NOT_ELIGIBLE (`device_shared`, `refusal` as its message) for a second account on one phone under
 * device policy `enforce`.
 */
export async function judgeDeviceUse(
  repository: SessionRepository,
  session: SessionRecord,
  attempt: { readonly studentId: string; readonly deviceId: string; readonly at: ScanContext },
  refusal: string,
): Promise<{ readonly shared: SharedDevice; readonly write?: RowWrite<DeviceUseRecord> }> {
  const use = await repository.getDeviceUse(session.id, attempt.deviceId);
  const shared = sharedDeviceRule({ policy: session.devicePolicy ?? 'warn', ...attempt, use: use?.value });
  if (shared.refuse) throw new AppError('NOT_ELIGIBLE', refusal, { details: { reason: 'device_shared' } });
  return { shared, ...(shared.next ? { write: use ? replace(use, shared.next) : create(shared.next) } : {}) };
}
