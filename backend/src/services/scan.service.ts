/**
 * ScanService: one scan attempt from end to end. Replays by scan id; copies of one attempt are one attempt.
 * Then decide (reads only: access, validation, the flow for the payload — a classmate's chain code or a
 * projector code scanned or typed — and the facts the suspicion flags need), commit once (the flow's rows with
 * their flags and evidence, the device's use, one audit event and the kept answer in one write), publish (the
 * commit point's job). A refused attempt is audited and its answer kept unless it depends on the moment; a
 * refused chain scan from another network than the screen that showed the code flags the scanner's row all the
 * same. A dependency failure is never kept as the answer.
 */
import {
  parseQr,
  type ChainQr,
  type ErrorCode,
  type FlagEvidence,
  type ProjectorKind,
  type ScanRequest,
  type ScanResponse,
} from '@qrca/contract';
import { randomUUID } from 'node:crypto';
import type { ChainConfig } from '../config';
import type { AttendanceRecord, ChainRecord, SessionRecord } from '../domain/records';
import {
  asHandOffSide,
  asRefusedScan,
  deviceChangedRule,
  lateCodeRule,
  holderOfflineRule,
  networkMismatchRule,
  projectorNetworkRule,
  refusalIsEvidence,
  tooFastRule,
  withEvidence,
  type FlagThresholds,
  type SharedDevice,
  type Observation,
  type ScanContext,
} from '../domain/suspicion-flags';
import { AppError, NotFoundError } from '../middleware/errors';
import type { Clock } from '../ports/clock';
import { StoreConflictError } from '../ports/table-store';
import { replace, type RowWrite } from '../repositories/session-changes';
import type { SessionRepository } from '../repositories/session.repository';
import type { Versioned } from '../repositories/versioned';
import { cacheKeys, type Cache, type CacheKey } from '../utils/cache';
import type { AttendanceService } from './attendance.service';
import type { AuditLog, ScanEventFields } from './audit-log';
import type { Caller } from './auth.service';
import type { ChainService } from './chain.service';
import { judgeDeviceUse } from './device-use';
import { ONLINE_MS, type PresenceService } from './presence.service';
import { retryOnConflict } from './retry-on-conflict';
import type { SessionAccess } from './session-access';
import type { SessionWriter } from './session-writer';
import type { TokenService } from './token.service';
import type { ScanOrigin, ValidationService, Verdicts } from './validation.service';

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
  /** The chain code's window and the flags' thresholds. */
  readonly rules: {
    readonly chains: Pick<ChainConfig, 'rotationSeconds' | 'acceptPreviousSteps'>;
    readonly flags: FlagThresholds;
  };
}

/** What a scan is, once read: a classmate's chain code, or a projector code (scanned or typed) and its step. */
type Scanned =
  | { readonly flow: 'chain'; readonly qr: ChainQr }
  | {
      readonly flow: 'projector';
      readonly kind: ProjectorKind;
      readonly step: number;
      readonly entry: 'scanned' | 'typed';
    };

/** A flow's decision: the answer, the rows it writes, and what it observed for the flags. */
interface Decided {
  readonly answer: ScanResponse;
  readonly attendance: readonly RowWrite<AttendanceRecord>[];
  readonly chains: readonly RowWrite<ChainRecord>[];
  /** The code's timing and a hand-off's networks, before they go on a row. */
  readonly relay: readonly Observation[];
  /** The other side of a hand-off: its holder. */
  readonly holder?: { readonly studentId: string; readonly email: string };
  readonly event: ScanEventFields;
}

/** The facts of the attempt the flags need besides the flow's rows: validation's verdicts and where it came from. */
interface AttemptFacts {
  readonly verdicts: Verdicts;
  readonly clientIp: string | undefined;
}

/** The rows with `change` applied to the write of `studentId`'s row, if there is one. Throws nothing. */
function amend(
  rows: readonly RowWrite<AttendanceRecord>[],
  studentId: string,
  change: (row: AttendanceRecord) => AttendanceRecord,
): readonly RowWrite<AttendanceRecord>[] {
  return rows.map((write) => (write.value.studentId === studentId ? { ...write, value: change(write.value) } : write));
}

/** The kept answer: a hold's secret is never stored (a replay gets the holder's current hold). */
function withoutHold(answer: ScanResponse): ScanResponse {
  const { hold: _hold, ...kept } = answer;
  return kept;
}

/** A scan's evidence for its event: the flags it raised, by name, and what was observed. */
const evidenceFields = (evidence: readonly FlagEvidence[]) =>
  evidence.length === 0
    ? {}
    : { flags: [...new Set(evidence.map((piece) => piece.flag))], flagEvidence: [...evidence] };

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
    const { verdicts } = evaluation;
    const fields: ScanEventFields = {
      flow: qr?.kind ?? 'unknown',
      ...(qr?.kind === 'chain' ? { chainId: qr.chainId, seq: qr.seq } : {}),
      outcome: 'accepted',
      ...(input.device ? { deviceId: input.device.id } : {}),
      ...(origin.clientIp ? { ip: origin.clientIp } : {}),
      ...(origin.userAgent ? { userAgent: origin.userAgent } : {}),
      network: verdicts.network,
      geofence: verdicts.geofence,
      ...(verdicts.distanceBand ? { distanceBand: verdicts.distanceBand } : {}),
      signature: verdicts.signature,
      ...evidenceFields(verdicts.observations),
    };
    /** A classmate's chain code, once the attempt got as far as trying it. */
    let tried: ChainQr | undefined;
    try {
      // Not joined: answered like an unknown session, and audited like every attempt.
      const { attendance } = await access.access(caller, sessionId, 'session:attend');
      if (session.status === 'ended') throw new AppError('SESSION_ENDED', 'This session has ended: nothing to scan.');
      if (evaluation.refusal) throw evaluation.refusal;
      const scanned = this.identify(session, input.payload, now);
      if (scanned.flow === 'chain') tried = scanned.qr;
      const facts: AttemptFacts = { verdicts, clientIp: origin.clientIp };
      const answer = await retryOnConflict((attempt) =>
        this.commitDecision(caller, session, input.scanId, scanned, fields, now, {
          fresh: attempt > 1,
          facts,
          ...(attempt === 1 && attendance ? { known: attendance } : {}),
        }),
      );
      await presence.markOnline(sessionId, caller.id, origin.clientIp);
      return answer;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const evidence =
        tried && refusalIsEvidence(error.code)
          ? await this.refusedScanEvidence(caller, session, tried, error.code, origin.clientIp, {
              nowMs: now,
              scanId: input.scanId,
            })
          : undefined;
      if (!evidence) return this.refuse(caller, sessionId, input.scanId, error, now, fields);
      const withIt = { ...fields, ...evidenceFields([...verdicts.observations, evidence]) };
      return this.refuse(caller, sessionId, input.scanId, error, now, withIt, evidence);
    }
  }

  /**
   * What a refused chain scan says about where the scanner was: a baton tried from another network than that of the
   * holder whose screen showed it (see {@link asRefusedScan}), for the scanner's row. Nothing for a code older than
   * the last hand-off (whose screen it was is not kept). Reads the chain and that holder's presence.
   */
  private async refusedScanEvidence(
    caller: Caller,
    session: SessionRecord,
    qr: ChainQr,
    refusal: ErrorCode,
    clientIp: string | undefined,
    at: ScanContext,
  ): Promise<FlagEvidence | undefined> {
    const { repository, presence, rules } = this.deps;
    const chain = (await repository.getChain(session.id, qr.chainId))?.value;
    if (!chain || chain.state === 'closed') return undefined;
    // Whose screen showed the code: the holder's, or (a baton just taken) the one who held it before.
    const shownBy =
      qr.seq === chain.seq ? chain.holderId : qr.seq === chain.seq - 1 ? chain.previousHolderId : undefined;
    if (shownBy === undefined || shownBy === caller.id) return undefined;
    const mismatch = networkMismatchRule({
      scannerIp: clientIp,
      holderIp: (await presence.lastSeen(session.id, shownBy))?.ip,
      allowedNetworks: session.constraints.networks?.cidrs,
      bits: rules.flags.networkBits,
      chainId: qr.chainId,
      at,
    });
    if (!mismatch) return undefined;
    const holder = await repository.getAttendance(session.id, shownBy);
    return asRefusedScan(mismatch, refusal, { studentId: shownBy, email: holder?.value.email ?? shownBy });
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
    if (qr?.kind === 'projector')
      return { flow: 'projector', entry: 'scanned', ...this.deps.tokens.resolve(session, { qr }, nowMs) };
    if (typed) return { flow: 'projector', entry: 'typed', ...this.deps.tokens.resolve(session, { typed }, nowMs) };
    throw new AppError('INVALID_QR', 'That is not a code of this session.');
  }

  /**
   * Decides the scan on current reads and commits it once: the flow's rows with the flags the scan raised (and
   * their evidence), the device's use, the audit event and the kept answer in one write.
   * @throws StoreConflictError when a row changed meanwhile (decided again by the caller); AppError NOT_ELIGIBLE
   * (`device_shared`) for a second account on one device under device policy `enforce`; the flow's refusals.
   */
  private async commitDecision(
    caller: Caller,
    session: SessionRecord,
    scanId: string,
    scanned: Scanned,
    fields: ScanEventFields,
    eventAt: number,
    options: { fresh: boolean; facts: AttemptFacts; known?: Versioned<AttendanceRecord> },
  ): Promise<ScanResponse> {
    const { writer, audit, clock, repository } = this.deps;
    const at: ScanContext = { nowMs: clock.now(), scanId };
    const { deviceId } = options.facts.verdicts;
    const device = deviceId
      ? await judgeDeviceUse(
          repository,
          session,
          { studentId: caller.id, deviceId, at },
          'This phone already scanned for another student in this session. Scan from your own phone.',
        )
      : undefined;
    const shared = device?.shared;
    const decided = await this.decideFlow(caller, session, scanned, fields, at, options);
    const flagged = await this.flagRows(caller, session.id, decided, options.facts, shared, at);
    await writer.commit({
      sessionId: session.id,
      attendance: flagged.rows,
      chains: decided.chains,
      ...(device?.write && flagged.changesScanner ? { devices: [device.write] } : {}),
      events: [audit.scanEvent(caller.id, eventAt, { ...decided.event, ...evidenceFields(flagged.scannerEvidence) })],
      scanAnswer: { studentId: caller.id, scanId, answer: { status: 200, body: withoutHold(decided.answer) } },
    });
    return decided.answer;
  }

  /** The flow's decision for the scanned code: a projector code's effect, or a hand-off. Writes nothing. */
  private async decideFlow(
    caller: Caller,
    session: SessionRecord,
    scanned: Scanned,
    fields: ScanEventFields,
    at: ScanContext,
    options: { fresh: boolean; facts: AttemptFacts; known?: Versioned<AttendanceRecord> },
  ): Promise<Decided> {
    const { chains, attendance, tokens, presence, rules } = this.deps;
    if (scanned.flow === 'projector') {
      const decision = await attendance.decideProjectorScan(session, caller.id, scanned.kind, at.nowMs, {
        flags: [],
        ...(options.known ? { known: options.known } : {}),
      });
      // The late code is the easiest thing to relay: the same timing and network flags as a hand-off.
      const late = lateCodeRule(
        { code: scanned.kind, entry: scanned.entry, step: scanned.step, ...tokens.window },
        rules.flags.lateCodeMs,
        at,
      );
      const elsewhere = projectorNetworkRule({
        scannerIp: options.facts.clientIp,
        displayIps: await presence.displayAddresses(session.id),
        allowedNetworks: session.constraints.networks?.cidrs,
        bits: rules.flags.networkBits,
        kind: scanned.kind,
        at,
      });
      return {
        answer: decision.answer,
        attendance: decision.attendance,
        chains: decision.chains,
        relay: [late, elsewhere].filter((seen): seen is Observation => seen !== undefined),
        event: { ...fields, flow: `projector:${scanned.kind}` },
      };
    }
    const handOff = await chains.decideHandOff(session, caller.id, scanned.qr, at.nowMs, {
      fresh: options.fresh,
      flags: [],
      ...(options.known ? { scanner: options.known } : {}),
    });
    const holder = handOff.attendance.find((write) => write.value.studentId === handOff.previousHolderId);
    // A classmate already verified may end a chain nobody else can take: they verify its holder and take nothing.
    const taken = handOff.taken !== false;
    return {
      answer: {
        outcome: 'verified_holder',
        flow: 'chain',
        youAreHolder: taken,
        ...(taken ? { hold: chains.holdFor(session.id, handOff.chain) } : {}),
      },
      attendance: handOff.attendance,
      chains: handOff.chains,
      relay: await this.handOffObservations(session, scanned.qr, handOff.chains[0]?.previous, options.facts, at),
      holder: { studentId: handOff.previousHolderId, email: holder?.value.email ?? handOff.previousHolderId },
      // The event names whose baton was taken, so the activity list can say "Ana scanned Ben's baton".
      event: { ...fields, targetId: handOff.previousHolderId },
    };
  }

  /**
   * The decided rows with the scan's flags and evidence: the scanner's (validation's verdicts, a shared or changed
   * device, the hand-off's observations), a hand-off holder's (the same observations from their side) and, with a
   * phone's first use by a second account, the other accounts' rows (read and added). Flags go only on a scanner
   * whose row the scan changes: a repeat that changes nothing records its flags in the audit event alone.
   */
  private async flagRows(
    caller: Caller,
    sessionId: string,
    decided: Decided,
    facts: AttemptFacts,
    shared: SharedDevice | undefined,
    at: ScanContext,
  ): Promise<{
    rows: readonly RowWrite<AttendanceRecord>[];
    scannerEvidence: FlagEvidence[];
    changesScanner: boolean;
  }> {
    const { holder, relay } = decided;
    const { deviceId, observations } = facts.verdicts;
    const changesScanner = decided.attendance.some((write) => write.value.studentId === caller.id);
    if (!changesScanner)
      return { rows: decided.attendance, scannerEvidence: [...observations, ...relay], changesScanner };
    const scanner = { studentId: caller.id, email: caller.email };
    let scannerEvidence: FlagEvidence[] = [];
    let rows = amend(decided.attendance, caller.id, (row) => {
      const changed = deviceId ? deviceChangedRule(row.deviceId, deviceId, at) : undefined;
      scannerEvidence = [
        ...observations,
        ...(shared?.scanner ? [shared.scanner] : []),
        ...(changed ? [changed] : []),
        ...relay.map((seen) => (holder ? asHandOffSide(seen, 'scanner', holder) : seen)),
      ];
      const next = withEvidence(row, scannerEvidence);
      return deviceId && next.deviceId !== deviceId ? { ...next, deviceId } : next;
    });
    if (holder) {
      const sides = relay.map((seen) => asHandOffSide(seen, 'holder', scanner));
      rows = amend(rows, holder.studentId, (row) => withEvidence(row, sides));
    }
    for (const other of shared?.others ?? []) {
      rows = await this.amendStored(sessionId, rows, other.studentId, (row) => withEvidence(row, [other.evidence]));
    }
    return { rows, scannerEvidence, changesScanner };
  }

  /**
   * What a hand-off's timing and networks say: a chain code used late, a baton passed on too fast after the hold
   * was issued, scanner and holder on different networks, a holder whose phone was not in touch. Reads the
   * holder's presence.
   */
  private async handOffObservations(
    session: SessionRecord,
    qr: ChainQr,
    chainAsRead: { readonly holderId: string; readonly issuedAt: string } | undefined,
    facts: AttemptFacts,
    at: ScanContext,
  ): Promise<Observation[]> {
    const { rules, presence } = this.deps;
    const late = lateCodeRule(
      {
        code: 'chain',
        entry: 'scanned',
        step: qr.step,
        rotationSeconds: rules.chains.rotationSeconds,
        acceptPreviousSteps: rules.chains.acceptPreviousSteps,
        skewMs: 0,
        chainId: qr.chainId,
      },
      rules.flags.lateCodeMs,
      at,
    );
    const fast = chainAsRead
      ? tooFastRule(Date.parse(chainAsRead.issuedAt), rules.flags.tooFastMs, qr.chainId, at)
      : undefined;
    const holder = chainAsRead ? await presence.lastSeen(session.id, chainAsRead.holderId) : undefined;
    const offline = chainAsRead ? holderOfflineRule(holder !== undefined, ONLINE_MS, qr.chainId, at) : undefined;
    const mismatch = networkMismatchRule({
      scannerIp: facts.clientIp,
      holderIp: holder?.ip,
      allowedNetworks: session.constraints.networks?.cidrs,
      bits: rules.flags.networkBits,
      chainId: qr.chainId,
      at,
    });
    return [late, fast, mismatch, offline].filter((seen): seen is Observation => seen !== undefined);
  }

  /** {@link amend}, reading and adding the student's stored row when the writes do not hold it yet. */
  private async amendStored(
    sessionId: string,
    rows: readonly RowWrite<AttendanceRecord>[],
    studentId: string,
    change: (row: AttendanceRecord) => AttendanceRecord,
  ): Promise<readonly RowWrite<AttendanceRecord>[]> {
    if (rows.some((write) => write.value.studentId === studentId)) return amend(rows, studentId, change);
    const stored = await this.deps.repository.getAttendance(sessionId, studentId);
    if (!stored) return rows;
    const next = change(stored.value);
    return next === stored.value ? rows : [...rows, replace(stored, next)];
  }

  /**
   * Records a refused attempt (its event, `evidence` on the scanner's row, and its answer unless transient), then
   * throws the refusal.
   */
  private async refuse(
    caller: Caller,
    sessionId: string,
    scanId: string,
    refusal: AppError,
    now: number,
    fields: ScanEventFields,
    evidence?: FlagEvidence,
  ): Promise<never> {
    const { repository, writer, audit } = this.deps;
    const error = {
      code: refusal.code,
      message: refusal.message,
      ...(refusal.details ? { details: refusal.details } : {}),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        const row = evidence ? await repository.getAttendance(sessionId, caller.id) : undefined;
        const flagged = row && evidence ? withEvidence(row.value, [evidence]) : undefined;
        await writer.commit({
          sessionId,
          ...(row && flagged && flagged !== row.value ? { attendance: [replace(row, flagged)] } : {}),
          events: [audit.scanEvent(caller.id, now, { ...fields, outcome: refusal.code })],
          ...(TRANSIENT.has(refusal.code)
            ? {}
            : { scanAnswer: { studentId: caller.id, scanId, answer: { status: refusal.status, error } } }),
        });
        break;
      } catch (failure) {
        // Another copy of this attempt kept its answer first: that is the answer.
        if (!(failure instanceof StoreConflictError)) throw failure;
        const winner = await repository.getScanAnswer(sessionId, caller.id, scanId);
        if (winner) return this.replay(caller, sessionId, winner) as Promise<never>;
        // Else the scanner's row changed meanwhile: flag it as it is now (a few tries at most).
        if (!evidence || attempt >= 4) throw failure;
      }
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
