/** A human sentence for every error code of the catalogue, for people in a hurry. */
import type { ErrorCode, SignatureVerdict } from '@qrca/contract';

/** What the app says for each code (the server's own message is shown when it is more specific). */
export const errorMessages: Record<ErrorCode | 'NETWORK', string> = {
  VALIDATION_FAILED: 'Something in what you sent is not right. Check it and try again.',
  UNAUTHENTICATED: 'Please sign in again.',
  CODE_INVALID: 'That code is not right, or it has expired. Ask for a new one.',
  FORBIDDEN: 'You are not allowed to do this.',
  DOMAIN_NOT_ALLOWED: 'This email address cannot sign in here. Use your school address.',
  NOT_ON_ROSTER: 'You are not on this class list. Ask your teacher to add you.',
  NOT_FOUND: 'We could not find that. The link may be wrong or the session deleted.',
  METHOD_NOT_ALLOWED: 'That is not possible here.',
  REQUEST_TIMEOUT: 'That took too long. Try again.',
  CONFLICT: 'Something changed at the same moment. Try again.',
  BATON_TAKEN: 'Someone else just took this baton. Scan another holder.',
  ALREADY_VERIFIED: 'You are already checked in.',
  SESSION_ENDED: 'This session has ended.',
  CODE_EXPIRED: 'That code has just changed. Scan it again.',
  PAYLOAD_TOO_LARGE: 'That is too much at once.',
  UNSUPPORTED_MEDIA_TYPE: 'The app sent something the server does not understand. Reload the page.',
  EXPECTATION_FAILED: 'The app sent something the server does not understand. Reload the page.',
  INVALID_QR: 'That is not a code of this session. Scan a classmate’s code or the screen.',
  NOT_LATE_YET: 'You are on time — scan a classmate’s code instead.',
  NOT_ELIGIBLE: 'You cannot do that right now.',
  OUTSIDE_NETWORK: 'Connect to the classroom Wi-Fi and scan again.',
  OUTSIDE_GEOFENCE: 'You seem to be outside the classroom. Move closer, allow location, and scan again.',
  WRONG_PHASE: 'That is not open right now.',
  RATE_LIMITED: 'Too many tries. Wait a moment.',
  TOO_MANY_ATTEMPTS: 'Too many wrong codes. Ask for a new one.',
  HEADERS_TOO_LARGE: 'The request was too large. Reload the page.',
  INTERNAL: 'Something went wrong on our side. Try again.',
  DEPENDENCY_UNAVAILABLE: 'The service is busy right now. Try again in a few seconds.',
  NETWORK: 'You are offline or the server cannot be reached.',
};

/** `details.reason` of a 422 NOT_ELIGIBLE refusing a scan's phone (docs/api.md, "Device keys and flags"). */
export const DEVICE_SIGNATURE_REASON = 'device_signature';
export const DEVICE_SHARED_REASON = 'device_shared';

/** The signature verdicts (`details.signature`) that refuse a scan under the device policy `enforce`. */
export type RefusedSignature = Exclude<SignatureVerdict, 'off' | 'valid'>;

/**
 * What the app says when a session that checks phones refuses a scan's signature, by its verdict (after the app's
 * own retry, where one helps). Calm words: these are rare, and the student can always ask the teacher.
 */
export const signatureRefusalMessages: Record<RefusedSignature, string> = {
  missing:
    'This class checks which phone you scan with, and this browser cannot. Open the class link in an up-to-date browser, not a private window, and scan again — or ask your teacher.',
  unknown_device:
    'This phone is not linked to your account yet. Reload the page and scan again; if that does not help, sign out and sign in again on this phone.',
  invalid: 'Your phone could not prove it is yours this time. Reload the page and scan again.',
  stale: 'Your phone’s clock seems far off. Set it to the automatic time, reload the page and scan again.',
};

/** What the app says when the phone was already used (joined or scanned) for another student (`device_shared`). */
export const DEVICE_SHARED_MESSAGE =
  'This phone was already used for another student in this session. Use your own phone.';
