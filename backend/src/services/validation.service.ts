/**
 * ValidationService: the checks every scan passes before it touches a chain — rate limits (per device,
 * account and client address), the session's network policy and geofence. Warn mode flags instead of
 * refusing. Only verdicts and a coarse distance band come out; raw coordinates are never kept.
 */
import type { ScanRequest } from '@qrca/contract';
import { geofenceVerdict, type DistanceBand } from '../domain/geofence';
import { enforcement, networkVerdict } from '../domain/scan-policy';
import { AppError, RateLimitedError } from '../middleware/errors';
import type { SessionRecord } from '../domain/records';
import { cacheKeys, type Cache } from '../utils/cache';

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
  /** Flags to record on the scanner's row (warn mode). */
  readonly flags: readonly string[];
}

export interface Evaluation {
  readonly verdicts: Verdicts;
  /** Set when the scan must be refused. */
  readonly refusal?: AppError;
}

export class ValidationService {
  constructor(private readonly cache: Cache) {}

  /** Counts the attempt against the rate limits and evaluates network and geofence. Never throws for a refusal. */
  async evaluateScan(
    studentId: string,
    session: SessionRecord,
    input: ScanRequest,
    origin: ScanOrigin,
  ): Promise<Evaluation> {
    const { networks, geofence } = session.constraints;
    const network = networkVerdict(networks, origin.clientIp);
    const fence = geofenceVerdict(geofence, input.location);
    const verdicts: Verdicts = {
      network,
      geofence: fence.verdict,
      ...(fence.band ? { distanceBand: fence.band } : {}),
      flags: [],
    };
    const limited = await this.rateLimit(studentId, input.device?.id, origin.clientIp);
    if (limited) return { verdicts, refusal: limited };

    const flags: string[] = [];
    const networkRule = enforcement(networks?.mode ?? 'off', network);
    if (networkRule === 'refuse') {
      return {
        verdicts,
        refusal: new AppError('OUTSIDE_NETWORK', 'Connect to the classroom network (campus Wi-Fi) and scan again.'),
      };
    }
    if (networkRule === 'flag') flags.push('off_network');
    const fenceRule = enforcement(geofence?.mode ?? 'off', fence.verdict);
    if (fenceRule === 'refuse') {
      const message =
        fence.verdict === 'missing'
          ? 'This session needs your location: allow location access and scan again.'
          : 'You seem to be outside the classroom (or your location is too imprecise). Move closer and scan again.';
      return { verdicts, refusal: new AppError('OUTSIDE_GEOFENCE', message) };
    }
    if (fenceRule === 'flag') flags.push('outside_geofence');
    return { verdicts: { ...verdicts, flags } };
  }

  private async rateLimit(studentId: string, deviceId: string | undefined, clientIp: string | undefined) {
    const { windowMs } = SCAN_LIMITS;
    const checks = [
      this.cache.rateLimit(cacheKeys.rate('scan-account', studentId), SCAN_LIMITS.perAccount, windowMs),
      this.cache.rateLimit(cacheKeys.rate('scan-ip', clientIp ?? 'unknown'), SCAN_LIMITS.perIp, windowMs),
      ...(deviceId
        ? [this.cache.rateLimit(cacheKeys.rate('scan-device', deviceId), SCAN_LIMITS.perDevice, windowMs)]
        : []),
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
