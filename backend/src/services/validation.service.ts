/**
 * ValidationService: the checks every scan passes before it touches a chain — rate limits (per device,
 * account and client address), the session's network policy and geofence, and the device signature against
 * the caller's registered keys. Warn mode flags (with evidence) instead of refusing. Only verdicts and a
 * coarse distance band come out; raw coordinates are never kept.
 */
import type { DeviceKey, ScanRequest, SignatureVerdict } from '@qrca/contract';
import { checkScanSignature } from '../domain/device-signature';
import { geofenceVerdict, type DistanceBand } from '../domain/geofence';
import type { SessionRecord } from '../domain/records';
import { enforcement, networkVerdict } from '../domain/scan-policy';
import { signatureRule, type Observation } from '../domain/suspicion-flags';
import { AppError, RateLimitedError } from '../middleware/errors';
import type { Clock } from '../ports/clock';
import type { DeviceRepository } from '../repositories/devices.repository';
import { CACHE_TTL, cacheKeys, type Cache } from '../utils/cache';

/** Scans per minute: per device, per account, per client address (lecture halls share NAT). */
export const SCAN_LIMITS = {
  perDevice: 10,
  perAccount: 20,
  perIp: 600,
  windowMs: 60_000,
} as const;

export interface ScanOrigin {
  readonly clientIp: string | undefined;
  readonly userAgent: string | undefined;
}

export interface Verdicts {
  readonly network: 'off' | 'pass' | 'fail';
  readonly geofence: 'off' | 'pass' | 'fail' | 'missing';
  readonly distanceBand?: DistanceBand;
  /** The device signature (`off` under the session's device policy `off`). */
  readonly signature: SignatureVerdict;
  /** The scan's device, when its signature proved it (`valid`). */
  readonly deviceId?: string;
  /** Flags to record on the scanner's row (warn mode), with their evidence. */
  readonly observations: readonly Observation[];
}

export interface Evaluation {
  readonly verdicts: Verdicts;
  /** Set when the scan must be refused. */
  readonly refusal?: AppError;
}

const DEVICE_REFUSALS: Record<Exclude<SignatureVerdict, 'off' | 'valid'>, string> = {
  missing: 'This session checks the phone you scan with: scan from the app on your own phone.',
  unknown_device: 'This phone is not registered to your account yet: sign in again on it, then scan again.',
  invalid: 'Your phone’s signature did not check out: reload the app and scan again.',
  stale: 'Your phone’s clock or signature is out of date: reload the app and scan again.',
};

export interface ValidationDependencies {
  readonly cache: Cache;
  readonly devices: DeviceRepository;
  readonly clock: Clock;
}

export class ValidationService {
  constructor(private readonly deps: ValidationDependencies) {}

  /**
   * Counts the attempt against the rate limits and evaluates network, geofence and the device signature. Never
   * throws for a refusal; store and cache failures propagate.
   */
  async evaluateScan(
    studentId: string,
    session: SessionRecord,
    input: ScanRequest,
    origin: ScanOrigin,
  ): Promise<Evaluation> {
    const now = this.deps.clock.now();
    const { networks, geofence } = session.constraints;
    const network = networkVerdict(networks, origin.clientIp);
    const fence = geofenceVerdict(geofence, input.location);
    const base = {
      network,
      geofence: fence.verdict,
      ...(fence.band ? { distanceBand: fence.band } : {}),
    };
    const limited = await this.rateLimit(studentId, input.device?.id, origin.clientIp);
    if (limited) return { verdicts: { ...base, signature: 'off', observations: [] }, refusal: limited };

    const policy = session.devicePolicy ?? 'warn';
    const signature = await this.proveDevice(studentId, session, input);
    const verdicts = {
      ...base,
      signature,
      ...(signature === 'valid' && input.device ? { deviceId: input.device.id } : {}),
    };
    const at = { nowMs: now, scanId: input.scanId };
    const observations: Observation[] = [];
    const networkRule = enforcement(networks?.mode ?? 'off', network);
    if (networkRule === 'refuse') {
      return {
        verdicts: { ...verdicts, observations },
        refusal: new AppError('OUTSIDE_NETWORK', 'Connect to the classroom network (campus Wi-Fi) and scan again.'),
      };
    }
    if (networkRule === 'flag') {
      observations.push({
        flag: 'off_network',
        at: new Date(now).toISOString(),
        scanId: input.scanId,
        detail: `scanned from ${origin.clientIp ?? 'an unknown address'}, outside the session’s networks`,
        facts: { address: origin.clientIp ?? 'unknown' },
      });
    }
    const fenceRule = enforcement(geofence?.mode ?? 'off', fence.verdict);
    if (fenceRule === 'refuse') {
      const message =
        fence.verdict === 'missing'
          ? 'This session needs your location: allow location access and scan again.'
          : 'You seem to be outside the classroom (or your location is too imprecise). Move closer and scan again.';
      return { verdicts: { ...verdicts, observations }, refusal: new AppError('OUTSIDE_GEOFENCE', message) };
    }
    if (fenceRule === 'flag') {
      observations.push({
        flag: 'outside_geofence',
        at: new Date(now).toISOString(),
        scanId: input.scanId,
        detail:
          fence.verdict === 'missing'
            ? 'scanned without sending a position'
            : `position outside the session’s area${fence.band ? ` (distance band ${fence.band})` : ''}`,
        facts: { geofence: fence.verdict, ...(fence.band ? { distanceBand: fence.band } : {}) },
      });
    }
    const device = signatureRule(policy, signature, at);
    if (device.evidence) observations.push(device.evidence);
    if (device.refuse && signature !== 'off' && signature !== 'valid') {
      return {
        verdicts: { ...verdicts, observations },
        refusal: new AppError('NOT_ELIGIBLE', DEVICE_REFUSALS[signature], {
          details: { reason: 'device_signature', signature },
        }),
      };
    }
    return { verdicts: { ...verdicts, observations } };
  }

  /**
   * The verdict on a request's device signature (a scan's, or a join's with `scanId` `join`), against the caller's
   * registered key of that device id; `off` under the session's device policy `off`. Store and cache failures
   * propagate.
   */
  async proveDevice(
    studentId: string,
    session: SessionRecord,
    input: Pick<ScanRequest, 'scanId' | 'payload' | 'device'>,
  ): Promise<SignatureVerdict> {
    if ((session.devicePolicy ?? 'warn') === 'off') return 'off';
    return this.signatureOf(studentId, session.id, input, this.deps.clock.now());
  }

  /** The verdict on the scan's device signature, against the caller's registered key of that device id. */
  private async signatureOf(
    studentId: string,
    sessionId: string,
    input: Pick<ScanRequest, 'scanId' | 'payload' | 'device'>,
    nowMs: number,
  ): Promise<SignatureVerdict> {
    const scan = {
      sessionId,
      scanId: input.scanId,
      payload: input.payload,
      ...(input.device ? { device: input.device } : {}),
    };
    if (!input.device?.signature) return checkScanSignature(scan, undefined, nowMs);
    return checkScanSignature(scan, await this.registeredKey(studentId, input.device.id), nowMs);
  }

  /**
   * The caller's registered key with this id. A key found is cached (a thumbprint names one key for good); a
   * miss is not, so a key registered a moment ago counts at once.
   */
  private async registeredKey(userId: string, deviceId: string): Promise<DeviceKey | undefined> {
    const { cache, devices } = this.deps;
    const key = cacheKeys.device(userId, deviceId);
    const cached = await cache.getJson<DeviceKey>(key);
    if (cached) return cached;
    const found = (await devices.find(userId, deviceId))?.jwk;
    if (found) await cache.setJson(key, found, CACHE_TTL.directoryMs);
    return found;
  }

  private async rateLimit(studentId: string, deviceId: string | undefined, clientIp: string | undefined) {
    const { cache } = this.deps;
    const { windowMs } = SCAN_LIMITS;
    const checks = [
      cache.rateLimit(cacheKeys.rate('scan-account', studentId), SCAN_LIMITS.perAccount, windowMs),
      cache.rateLimit(cacheKeys.rate('scan-ip', clientIp ?? 'unknown'), SCAN_LIMITS.perIp, windowMs),
      ...(deviceId ? [cache.rateLimit(cacheKeys.rate('scan-device', deviceId), SCAN_LIMITS.perDevice, windowMs)] : []),
    ];
    const results = await Promise.all(checks);
    const refused = results.filter((r) => !r.allowed);
    if (refused.length === 0) return undefined;
    return new RateLimitedError(
      Math.max(...refused.map((r) => r.retryAfterSeconds)),
      'Too many scans. Wait a moment and try again.',
    );
  }
}
