/**
 * ScanService: one scan attempt from end to end — idempotent replay by scan id, validation (rate limits,
 * network, geofence), the flow for the payload (a classmate's chain code, or a projector code scanned or
 * typed), and exactly one audit event per attempt.
 */
import { parseQr, type ErrorCode, type ProjectorKind, type ScanRequest, type ScanResponse } from '@qrca/contract';
import { AppError, NotFoundError } from '../middleware/errors';
import type { Clock } from '../ports/clock';
import { StoreConflictError, type BatchOperation } from '../ports/table-store';
import {
  rowKeys,
  type AttendanceRecord,
  type ChainRecord,
  type ScanRecord,
  type SessionRepository,
} from '../repositories/session.repository';
import { cacheKeys, type Cache, type CacheKey } from '../utils/cache';
import type { AttendanceService } from './attendance.service';
import type { AuditLog, ScanEventFields } from './audit-log';
import type { Caller } from './auth.service';
import type { ChainService } from './chain.service';
import type { SessionService } from './session.service';
import type { TokenService } from './token.service';
import type { ScanOrigin, ValidationService } from './validation.service';

/** A code typed from the projector: 6 letters and digits. */
const TYPED_CODE = /^[A-Za-z0-9]{6}$/;

/** How long a scan id stays claimed by the copy deciding it (longer than any decision takes). */
const CLAIM_MS = 30_000;
/** How long a copy waits for the answer another instance is deciding, and how often it looks. */
const DUPLICATE_WAIT_MS = 3_000;
const DUPLICATE_POLL_MS = 50;
/** How long a transient refusal stays the answer of copies decided elsewhere. */
const TRANSIENT_ANSWER_MS = 5_000;

/** A refusal left on a scan id's claim for copies waiting on other instances. */
interface ClaimAnswer {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

/** Refusals that depend on the moment, not on the attempt: a retry is a new attempt, so no answer is kept. */
const TRANSIENT: ReadonlySet<ErrorCode> = new Set(['RATE_LIMITED', 'DEPENDENCY_UNAVAILABLE', 'CONFLICT']);

export interface ScanDependencies {
  readonly sessions: SessionRepository;
  readonly sessionService: SessionService;
  readonly chains: ChainService;
  readonly validation: ValidationService;
  readonly tokens: TokenService;
  readonly attendance: AttendanceService;
  readonly audit: AuditLog;
  readonly cache: Cache;
  readonly clock: Clock;
}

export class ScanService {
  /** Attempts being decided in this process, by session, student and scan id: copies share one. */
  private readonly inFlight = new Map<string, Promise<ScanResponse>>();

  constructor(private readonly deps: ScanDependencies) {}

  /**
   * Handles one scan. A retry with the same scan id returns the first answer and changes nothing; copies sent
   * at the same time are one attempt: they get its answer, and count once against the rate limits.
   * @throws NotFoundError (unknown session, not joined); AppError with the refusal's code; CONFLICT when a
   * copy is still being decided by another instance after {@link DUPLICATE_WAIT_MS}.
   */
  scan(caller: Caller, sessionId: string, input: ScanRequest, origin: ScanOrigin): Promise<ScanResponse> {
    const key = `${sessionId}\n${caller.id}\n${input.scanId}`;
    const running = this.inFlight.get(key);
    if (running) return running;
    const attempt = this.scanOnce(caller, sessionId, input, origin).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, attempt);
    return attempt;
  }

  private async scanOnce(
    caller: Caller,
    sessionId: string,
    input: ScanRequest,
    origin: ScanOrigin,
  ): Promise<ScanResponse> {
    const { sessions, cache } = this.deps;
    const prior = await sessions.getScan(sessionId, caller.id, input.scanId);
    if (prior) return this.replay(caller, sessionId, prior.data);
    // Across instances: the first copy to claim the scan id decides; the others wait for its stored answer.
    const claim = cacheKeys.once('scan', `${sessionId}:${caller.id}:${input.scanId}`);
    if (!(await cache.claimOnce(claim, CLAIM_MS))) return this.awaitAnswer(caller, sessionId, input, origin, claim);
    return this.decideClaimed(caller, sessionId, input, origin, claim);
  }

  /** Decides the scan whose id this process has claimed. */
  private async decideClaimed(
    caller: Caller,
    sessionId: string,
    input: ScanRequest,
    origin: ScanOrigin,
    claim: CacheKey,
  ): Promise<ScanResponse> {
    const { cache } = this.deps;
    try {
      return await this.decide(caller, sessionId, input, origin);
    } catch (error) {
      // No answer is stored for a transient refusal: copies still waiting get it from the claim for a few
      // seconds, after which the id is free for a retry (a new attempt). Other failures free it at once.
      if (error instanceof AppError && TRANSIENT.has(error.code)) {
        const answer: ClaimAnswer = {
          code: error.code,
          message: error.message,
          ...(error.details ? { details: error.details } : {}),
        };
        await cache.setJson(claim, { answer }, TRANSIENT_ANSWER_MS).catch(() => undefined);
      } else if (!(error instanceof AppError)) await cache.invalidate(claim).catch(() => undefined);
      throw error;
    }
  }

  /**
   * The answer of the copy another instance is deciding: its stored answer, or the transient refusal it left
   * on the claim. When the claim is gone without an answer, this copy decides after all.
   * @throws that refusal; CONFLICT when nothing came within {@link DUPLICATE_WAIT_MS}.
   */
  private async awaitAnswer(
    caller: Caller,
    sessionId: string,
    input: ScanRequest,
    origin: ScanOrigin,
    claim: CacheKey,
  ): Promise<ScanResponse> {
    const { sessions, cache } = this.deps;
    for (let waited = 0; waited < DUPLICATE_WAIT_MS; waited += DUPLICATE_POLL_MS) {
      await new Promise((resolve) => setTimeout(resolve, DUPLICATE_POLL_MS));
      const stored = await sessions.getScan(sessionId, caller.id, input.scanId);
      if (stored) return this.replay(caller, sessionId, stored.data);
      const state = await cache.getJson<{ answer?: ClaimAnswer } | number>(claim);
      if (typeof state === 'object' && state.answer) {
        const { code, message, details } = state.answer;
        throw new AppError(code, message, details ? { details } : {});
      }
      if (state === undefined && (await cache.claimOnce(claim, CLAIM_MS))) {
        return this.decideClaimed(caller, sessionId, input, origin, claim);
      }
    }
    throw new AppError('CONFLICT', 'This scan is still being processed. Try again in a moment.');
  }

  private async decide(
    caller: Caller,
    sessionId: string,
    input: ScanRequest,
    origin: ScanOrigin,
  ): Promise<ScanResponse> {
    const { sessionService, validation, audit, clock } = this.deps;
    const session = await sessionService.findSession(sessionId);
    if (!session) throw new NotFoundError();
    const now = clock.now();
    const qr = parseQr(input.payload);
    const evaluation = await validation.evaluateScan(caller.id, session, input, origin);
    const fields: ScanEventFields = {
      flow: qr?.kind ?? 'unknown',
      ...(qr?.kind === 'chain' ? { chainId: qr.chainId, seq: qr.seq } : {}),
      outcome: 'accepted',
      ...(input.device ? { deviceId: input.device.id } : {}),
      ...(origin.clientIp ? { ip: origin.clientIp } : {}),
      ...(origin.userAgent ? { userAgent: origin.userAgent } : {}),
      network: evaluation.verdicts.network,
      geofence: evaluation.verdicts.geofence,
      ...(evaluation.verdicts.distanceBand ? { distanceBand: evaluation.verdicts.distanceBand } : {}),
    };
    try {
      // Not joined: answered like an unknown session, and audited like every attempt.
      const { attendance } = await sessionService.access(caller, sessionId, 'session:attend');
      if (evaluation.refusal) throw evaluation.refusal;
      const typed = !qr && TYPED_CODE.test(input.payload.trim()) ? input.payload.trim() : undefined;
      if (typed !== undefined || qr?.kind === 'projector') {
        if (qr && qr.sessionId !== sessionId) throw new AppError('INVALID_QR', 'That is not a code of this session.');
        const kind = this.deps.tokens.resolve(session, qr?.kind === 'projector' ? { qr } : { typed: typed ?? '' }, now);
        const answer = this.projectorAnswer(kind);
        await this.deps.attendance.projectorScan(
          session,
          caller.id,
          kind,
          evaluation.verdicts.flags,
          () => [
            audit.scanEvent(caller.id, now, { ...fields, flow: `projector:${kind}` }),
            this.record(caller.id, input.scanId, { status: 200, body: answer }),
          ],
          attendance,
        );
        await sessionService.markOnline(sessionId, caller.id);
        return answer;
      }
      if (!qr || qr.sessionId !== sessionId) throw new AppError('INVALID_QR', 'That is not a code of this session.');
      const body: ScanResponse = { outcome: 'verified_holder', flow: 'chain', youAreHolder: true };
      const { hold } = await this.deps.chains.handOff(
        session,
        caller.id,
        qr,
        evaluation.verdicts.flags,
        () => [audit.scanEvent(caller.id, now, fields), this.record(caller.id, input.scanId, { status: 200, body })],
        attendance,
      );
      await sessionService.markOnline(sessionId, caller.id);
      return { ...body, hold };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return this.refuse(caller, sessionId, input.scanId, error, now, fields);
    }
  }

  /** Records a refused attempt (event, and the answer unless transient), then throws the refusal. */
  private async refuse(
    caller: Caller,
    sessionId: string,
    scanId: string,
    refusal: AppError,
    now: number,
    fields: ScanEventFields,
  ): Promise<never> {
    // A duplicate of this attempt running at the same time may have won; its answer is the answer.
    const raced = await this.deps.sessions.getScan(sessionId, caller.id, scanId);
    if (raced) return this.replay(caller, sessionId, raced.data) as Promise<never>;
    const operations: BatchOperation[] = [
      this.deps.audit.scanEvent(caller.id, now, { ...fields, outcome: refusal.code }),
    ];
    if (!TRANSIENT.has(refusal.code)) {
      const error = {
        code: refusal.code,
        message: refusal.message,
        ...(refusal.details ? { details: refusal.details } : {}),
      };
      operations.push(this.record(caller.id, scanId, { status: refusal.status, error }));
    }
    try {
      await this.deps.sessions.batch(sessionId, operations);
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error;
      const winner = await this.deps.sessions.getScan(sessionId, caller.id, scanId);
      if (winner) return this.replay(caller, sessionId, winner.data) as Promise<never>;
      throw error;
    }
    throw refusal;
  }

  /** The first answer again; a success carries the caller's current hold (secrets are never stored). */
  private async replay(caller: Caller, sessionId: string, record: ScanRecord): Promise<ScanResponse> {
    if (record.error) {
      throw new AppError(record.error.code as ErrorCode, record.error.message, {
        ...(record.error.details ? { details: record.error.details } : {}),
      });
    }
    const body = record.body as ScanResponse;
    const row = await this.deps.sessions.getAttendance(sessionId, caller.id);
    const holding = (row?.data as AttendanceRecord | undefined)?.holding;
    if (!holding) return body;
    const chain = await this.deps.sessions.getChain(sessionId, holding.chainId);
    if (!chain) throw new NotFoundError();
    return { ...body, hold: this.deps.chains.holdFor(sessionId, chain.data as ChainRecord) };
  }

  private projectorAnswer(kind: ProjectorKind): ScanResponse {
    const outcome = (
      { entry: 'entry', late: 'late_entry', 'early-leave': 'early_leave', exit: 'exit_holder' } as const
    )[kind];
    return { outcome, flow: 'projector', youAreHolder: false };
  }

  private record(studentId: string, scanId: string, record: ScanRecord): BatchOperation {
    return { kind: 'insert', rowKey: rowKeys.scan(studentId, scanId), data: record };
  }
}
