/**
 * ScanService: one scan attempt from end to end. Replays by scan id; copies of one attempt are one attempt.
 * Then decide (reads only: access, validation, the flow for the payload — a classmate's chain code or a
 * projector code scanned or typed), commit once (the flow's rows, one audit event and the kept answer in one
 * write), publish (the commit point's job). A refused attempt is audited and its answer kept unless it
 * depends on the moment; a dependency failure is never kept as the answer.
 */
import { parseQr, type ErrorCode, type ProjectorKind, type ScanRequest, type ScanResponse } from '@qrca/contract';
import { randomUUID } from 'node:crypto';
import type { AttendanceRecord, SessionRecord } from '../domain/records';
import { AppError, NotFoundError } from '../middleware/errors';
import type { Clock } from '../ports/clock';
import { StoreConflictError } from '../ports/table-store';
import type { SessionChanges } from '../repositories/session-changes';
import type { SessionRepository } from '../repositories/session.repository';
import type { Versioned } from '../repositories/versioned';
import { cacheKeys, type Cache, type CacheKey } from '../utils/cache';
import type { AttendanceService } from './attendance.service';
import type { AuditLog, ScanEventFields } from './audit-log';
import type { Caller } from './auth.service';
import type { ChainService } from './chain.service';
import type { PresenceService } from './presence.service';
import { retryOnConflict } from './retry-on-conflict';
import type { SessionAccess } from './session-access';
import type { SessionWriter } from './session-writer';
import type { TokenService } from './token.service';
import type { ScanOrigin, ValidationService } from './validation.service';

/** A code typed from the projector: 6 letters and digits. */
const TYPED_CODE = /^[A-Za-z0-9]{6}$/;
/** How long a scan id stays claimed by the copy deciding it (longer than any decision takes). */
const CLAIM_MS = 30_000;
/** How long a copy waits for the answer another instance is deciding, and how often it looks. */
const DUPLICATE_WAIT_MS = 3_000;
const DUPLICATE_POLL_MS = 50;
/** How long a transient refusal stays the answer of the copies that waited for its decision elsewhere. */
const TRANSIENT_ANSWER_MS = 5_000;

/** Refusals that depend on the moment, not on the attempt: a retry is a new attempt, so no answer is kept. */
const TRANSIENT: ReadonlySet<ErrorCode> = new Set(['RATE_LIMITED', 'DEPENDENCY_UNAVAILABLE', 'CONFLICT']);

/** A transient refusal left for the copies that waited on other instances for its decision. */
interface ClaimAnswer {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

export interface ScanDependencies {
  readonly repository: SessionRepository;
  readonly access: SessionAccess;
  readonly presence: PresenceService;
  readonly writer: SessionWriter;
  readonly chains: ChainService;
  readonly attendance: AttendanceService;
  readonly tokens: TokenService;
  readonly validation: ValidationService;
  readonly audit: AuditLog;
  readonly cache: Cache;
  readonly clock: Clock;
}

/** What a scan is, once read: a classmate's chain code, or a projector code (scanned or typed). */
type Scanned =
  | { readonly flow: 'chain'; readonly qr: Extract<ReturnType<typeof parseQr>, { kind: 'chain' }> }
  | { readonly flow: 'projector'; readonly kind: ProjectorKind };

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

  private async scanOnce(caller: Caller, sessionId: string, input: ScanRequest, origin: ScanOrigin) {
    const prior = await this.deps.repository.getScanAnswer(sessionId, caller.id, input.scanId);
    if (prior) return this.replay(caller, sessionId, prior);
    // Across instances: the first copy to claim the scan id decides; the others wait for its answer.
    const claim = cacheKeys.once('scan', `${sessionId}:${caller.id}:${input.scanId}`);
    const decision = randomUUID();
    if (!(await this.deps.cache.claimOnce(claim, CLAIM_MS, decision))) {
      return this.awaitAnswer(caller, sessionId, input, origin, claim);
    }
    return this.decideClaimed(caller, sessionId, input, origin, claim, decision);
  }

  /** Decides the scan whose id this process has claimed (as `decision`). */
  private async decideClaimed(
    caller: Caller,
    sessionId: string,
    input: ScanRequest,
    origin: ScanOrigin,
    claim: CacheKey,
    decision: string,
  ): Promise<ScanResponse> {
    const { cache } = this.deps;
    try {
      return await this.decide(caller, sessionId, input, origin);
    } catch (error) {
      // No answer is kept for a transient refusal: the copies that waited for this decision get it (for a few
      // seconds), and the id is free at once for a retry, which is a new attempt. Failures free it too.
      if (error instanceof AppError && TRANSIENT.has(error.code)) {
        const answer: ClaimAnswer = {
          code: error.code,
          message: error.message,
          ...(error.details ? { details: error.details } : {}),
        };
        await cache
          .setJson(cacheKeys.once('scan-answer', decision), answer, TRANSIENT_ANSWER_MS)
          .catch(() => undefined);
      }
      if (!(error instanceof AppError) || TRANSIENT.has(error.code))
        await cache.invalidate(claim).catch(() => undefined);
      throw error;
    }
  }

  /**
   * The answer of the copy another instance is deciding: its kept answer, or the transient refusal that
   * decision left for its waiting copies. When the claim is gone without either, this copy decides after all.
   * @throws that refusal; CONFLICT when nothing came within {@link DUPLICATE_WAIT_MS}.
   */
  private async awaitAnswer(
    caller: Caller,
    sessionId: string,
    input: ScanRequest,
    origin: ScanOrigin,
    claim: CacheKey,
  ): Promise<ScanResponse> {
    const { repository, cache } = this.deps;
    const awaited = await cache.getJson<string>(claim);
    for (let waited = 0; waited < DUPLICATE_WAIT_MS; waited += DUPLICATE_POLL_MS) {
      await new Promise((resolve) => setTimeout(resolve, DUPLICATE_POLL_MS));
      const kept = await repository.getScanAnswer(sessionId, caller.id, input.scanId);
      if (kept) return this.replay(caller, sessionId, kept);
      const left =
        awaited === undefined ? undefined : await cache.getJson<ClaimAnswer>(cacheKeys.once('scan-answer', awaited));
      if (left) throw new AppError(left.code, left.message, left.details ? { details: left.details } : {});
      const decision = randomUUID();
      if ((await cache.getJson(claim)) === undefined && (await cache.claimOnce(claim, CLAIM_MS, decision))) {
        return this.decideClaimed(caller, sessionId, input, origin, claim, decision);
      }
    }
    throw new AppError('CONFLICT', 'This scan is still being processed. Try again in a moment.');
  }

  /** Decide, commit once, publish; or audit the refusal. */
  private async decide(
    caller: Caller,
    sessionId: string,
    input: ScanRequest,
    origin: ScanOrigin,
  ): Promise<ScanResponse> {
    const { access, presence, validation, clock } = this.deps;
    const session = await access.findSession(sessionId);
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
      const { attendance } = await access.access(caller, sessionId, 'session:attend');
      if (session.status === 'ended') throw new AppError('SESSION_ENDED', 'This session has ended: nothing to scan.');
      if (evaluation.refusal) throw evaluation.refusal;
      const scanned = this.identify(session, input.payload, now);
      const flags = evaluation.verdicts.flags;
      const answer = await retryOnConflict((attempt) =>
        this.commitDecision(caller, session, input.scanId, scanned, fields, now, {
          fresh: attempt > 1,
          flags,
          ...(attempt === 1 && attendance ? { known: attendance } : {}),
        }),
      );
      await presence.markOnline(sessionId, caller.id);
      return answer;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return this.refuse(caller, sessionId, input.scanId, error, now, fields);
    }
  }

  /**
   * What the payload is. @throws AppError INVALID_QR (not ours, another session's), CODE_EXPIRED (a projector
   * code from before the previous step).
   */
  private identify(session: SessionRecord, payload: string, nowMs: number): Scanned {
    const qr = parseQr(payload);
    const typed = !qr && TYPED_CODE.test(payload.trim()) ? payload.trim() : undefined;
    if (qr && qr.sessionId !== session.id) throw new AppError('INVALID_QR', 'That is not a code of this session.');
    if (qr?.kind === 'chain') return { flow: 'chain', qr };
    if (qr?.kind === 'projector') return { flow: 'projector', kind: this.deps.tokens.resolve(session, { qr }, nowMs) };
    if (typed) return { flow: 'projector', kind: this.deps.tokens.resolve(session, { typed }, nowMs) };
    throw new AppError('INVALID_QR', 'That is not a code of this session.');
  }

  /**
   * Decides the scan on current reads and commits it once: the flow's rows, the audit event and the kept
   * answer in one write. @throws StoreConflictError when a row changed meanwhile (decided again by the caller).
   */
  private async commitDecision(
    caller: Caller,
    session: SessionRecord,
    scanId: string,
    scanned: Scanned,
    fields: ScanEventFields,
    eventAt: number,
    options: { fresh: boolean; flags: readonly string[]; known?: Versioned<AttendanceRecord> },
  ): Promise<ScanResponse> {
    const { chains, attendance, writer, audit, clock } = this.deps;
    const now = clock.now();
    const keep = (body: ScanResponse, event: ScanEventFields): Pick<SessionChanges, 'events' | 'scanAnswer'> => ({
      events: [audit.scanEvent(caller.id, eventAt, event)],
      scanAnswer: { studentId: caller.id, scanId, answer: { status: 200, body } },
    });
    if (scanned.flow === 'projector') {
      const decision = await attendance.decideProjectorScan(session, caller.id, scanned.kind, now, {
        flags: options.flags,
        ...(options.known ? { known: options.known } : {}),
      });
      await writer.commit({
        sessionId: session.id,
        attendance: decision.attendance,
        chains: decision.chains,
        ...keep(decision.answer, { ...fields, flow: `projector:${scanned.kind}` }),
      });
      return decision.answer;
    }
    const handOff = await chains.decideHandOff(session, caller.id, scanned.qr, now, {
      fresh: options.fresh,
      flags: options.flags,
      ...(options.known ? { scanner: options.known } : {}),
    });
    const body: ScanResponse = { outcome: 'verified_holder', flow: 'chain', youAreHolder: true };
    await writer.commit({
      sessionId: session.id,
      attendance: handOff.attendance,
      chains: handOff.chains,
      // The event names whose baton was taken, so the activity list can say "Ana scanned Ben's baton".
      ...keep(body, { ...fields, targetId: handOff.previousHolderId }),
    });
    return { ...body, hold: chains.holdFor(session.id, handOff.chain) };
  }

  /** Records a refused attempt (its event, and its answer unless transient), then throws the refusal. */
  private async refuse(
    caller: Caller,
    sessionId: string,
    scanId: string,
    refusal: AppError,
    now: number,
    fields: ScanEventFields,
  ): Promise<never> {
    const { repository, writer, audit } = this.deps;
    const error = {
      code: refusal.code,
      message: refusal.message,
      ...(refusal.details ? { details: refusal.details } : {}),
    };
    try {
      await writer.commit({
        sessionId,
        events: [audit.scanEvent(caller.id, now, { ...fields, outcome: refusal.code })],
        ...(TRANSIENT.has(refusal.code)
          ? {}
          : { scanAnswer: { studentId: caller.id, scanId, answer: { status: refusal.status, error } } }),
      });
    } catch (failure) {
      // Another copy of this attempt kept its answer first: that is the answer.
      if (!(failure instanceof StoreConflictError)) throw failure;
      const winner = await repository.getScanAnswer(sessionId, caller.id, scanId);
      if (winner) return this.replay(caller, sessionId, winner) as Promise<never>;
      throw failure;
    }
    throw refusal;
  }

  /** The first answer again; a chain success carries the caller's current hold, if any (secrets are never kept). */
  private async replay(
    caller: Caller,
    sessionId: string,
    record: NonNullable<Awaited<ReturnType<SessionRepository['getScanAnswer']>>>,
  ): Promise<ScanResponse> {
    if (record.error) {
      throw new AppError(record.error.code as ErrorCode, record.error.message, {
        ...(record.error.details ? { details: record.error.details } : {}),
      });
    }
    const body = record.body as ScanResponse;
    if (body.flow !== 'chain') return body;
    // The baton may have moved on since: the answer says whether the caller holds one now, and which.
    const { repository, chains } = this.deps;
    const holding = (await repository.getAttendance(sessionId, caller.id))?.value.holding;
    const chain = holding ? (await repository.getChain(sessionId, holding.chainId))?.value : undefined;
    if (!chain || chain.holderId !== caller.id || chain.state === 'closed') return { ...body, youAreHolder: false };
    return { ...body, youAreHolder: true, hold: chains.holdFor(sessionId, chain) };
  }
}
