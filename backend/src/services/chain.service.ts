/**
 * ChainService: entry chains. Seeding, the hand-off (one compare-and-swap on the chain row in one
 * same-partition batch with both attendance rows), teacher actions (close, hand to a student) and the sweep
 * that marks stalled chains and passes them on.
 */
import type { Chain, ChainPhase, ChainQr, Hold } from '@qrca/contract';
import { hkdfSync, randomBytes } from 'node:crypto';
import type { ChainConfig } from '../config';
import { phaseAt } from '../domain/phases';
import { checkChainCode, holdSecret } from '../domain/rotating-code';
import { autoChainCount, pickRandom } from '../domain/seeding';
import { AppError, NotFoundError } from '../middleware/errors';
import type { Clock } from '../ports/clock';
import { StoreConflictError, type BatchOperation } from '../ports/table-store';
import { presentChain } from '../presenters/chain.presenter';
import { presentHold } from '../presenters/attendance.presenter';
import {
  rowKeys,
  type AttendanceRecord,
  type ChainRecord,
  type SessionRecord,
  type SessionRepository,
  type Stored,
} from '../repositories/session.repository';
import { CACHE_TTL, cacheKeys, type Cache } from '../utils/cache';
import type { Caller } from './auth.service';
import type { AuditLog } from './audit-log';
import { retryOnConflict } from './retry-on-conflict';
import type { SessionService } from './session.service';

export interface ChainDependencies {
  readonly sessions: SessionRepository;
  readonly sessionService: SessionService;
  readonly audit: AuditLog;
  readonly cache: Cache;
  readonly clock: Clock;
  readonly random: () => number;
  readonly config: ChainConfig;
  /** Server secret the hold secrets are derived from (JWT_SECRET). */
  readonly secret: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const newNonce = () => randomBytes(16).toString('base64url');

const notEligible = (message: string, reason: string) => new AppError('NOT_ELIGIBLE', message, { details: { reason } });
const batonTaken = () =>
  new AppError('BATON_TAKEN', 'Someone else just took this baton. Scan another holder.', {
    details: { reason: 'taken' },
  });

export class ChainService {
  private readonly holdKey: Buffer;

  constructor(private readonly deps: ChainDependencies) {
    this.holdKey = Buffer.from(hkdfSync('sha256', deps.secret, 'qrca', 'hold secrets v1', 32));
  }

  /** The hold a holder's phone needs (the secret derives from the chain's nonce with the server key). */
  holdFor(sessionId: string, chain: ChainRecord): Hold {
    return presentHold(chain, this.secretOf(sessionId, chain), this.deps.config.rotationSeconds);
  }

  /**
   * Starts `count` (or `auto`) chains, seeded with random online, joined, unverified students.
   * @throws NotFoundError; AppError WRONG_PHASE, NOT_ELIGIBLE (nobody to seed).
   */
  async startChains(caller: Caller, sessionId: string, phase: ChainPhase, count: number | 'auto'): Promise<Chain[]> {
    const { session } = await this.deps.sessionService.access(caller, sessionId, 'session:write');
    const now = this.deps.clock.now();
    this.assertPhase(session, phase, now);
    const rows = await this.deps.sessions.listByPrefix<AttendanceRecord>(sessionId, 'att:');
    const candidates = await this.onlineEligible(sessionId, rows, phase);
    if (candidates.length === 0) {
      throw notEligible(
        'Nobody can hold a chain right now: no online student is waiting for verification.',
        'no_candidates',
      );
    }
    const wanted = count === 'auto' ? autoChainCount(rows.filter((row) => row.data.joinedAt).length) : count;
    // Exit chains mean exit verification was run: final status then requires it.
    if (phase === 'exit' && !session.exitRun) {
      await this.deps.sessionService.saveMeta(sessionId, (current) => ({ ...current, exitRun: true }));
    }
    const seeds = pickRandom(candidates, wanted, this.deps.random);
    const started: Chain[] = [];
    for (const seed of seeds) {
      const chain: ChainRecord = {
        chainId: `c${randomBytes(6).toString('base64url')}`,
        phase,
        seq: 1,
        holderId: seed.data.studentId,
        nonce: newNonce(),
        state: 'active',
        length: 0,
        startedAt: iso(now),
        lastHandoffAt: iso(now),
        issuedAt: iso(now),
      };
      const holder: AttendanceRecord = { ...seed.data, holding: { chainId: chain.chainId, phase } };
      try {
        await this.deps.sessions.batch(sessionId, [
          { kind: 'insert', rowKey: rowKeys.chain(chain.chainId), data: chain },
          { kind: 'update', rowKey: rowKeys.attendance(seed.data.studentId), data: holder, etag: seed.etag },
          this.deps.audit.teacherAction(caller.id, now, 'chain_started', {
            chainId: chain.chainId,
            targetId: seed.data.studentId,
          }),
        ]);
        started.push(presentChain(chain, seed.data.email));
      } catch (error) {
        // The student changed meanwhile (scanned, was handed a chain): seed the others.
        if (!(error instanceof StoreConflictError)) throw error;
      }
    }
    if (started.length === 0) throw notEligible('The chosen students became busy; try again.', 'no_candidates');
    return started;
  }

  /** All chains of the session with their holders' names. @throws NotFoundError */
  async listChains(caller: Caller, sessionId: string): Promise<Chain[]> {
    await this.deps.sessionService.access(caller, sessionId, 'session:write');
    const [chains, rows] = await Promise.all([
      this.deps.sessions.listByPrefix<ChainRecord>(sessionId, 'chain:'),
      this.deps.sessions.listByPrefix<AttendanceRecord>(sessionId, 'att:'),
    ]);
    const names = new Map(rows.map((row) => [row.data.studentId, row.data.name ?? row.data.email]));
    return chains.map((chain) => presentChain(chain.data, names.get(chain.data.holderId) ?? null));
  }

  /**
   * Closes the chain; its last holder, if still unverified, is verified by the teacher (`teacher_close`).
   * @throws NotFoundError
   */
  async closeChain(caller: Caller, sessionId: string, chainId: string): Promise<Chain> {
    await this.deps.sessionService.access(caller, sessionId, 'session:write');
    return retryOnConflict(async () => {
      const now = this.deps.clock.now();
      const chain = await this.loadChain(sessionId, chainId, true);
      const holder = await this.deps.sessions.getAttendance(sessionId, chain.data.holderId);
      const closed: ChainRecord = { ...chain.data, state: 'closed' };
      const operations: BatchOperation[] = [
        { kind: 'update', rowKey: rowKeys.chain(chainId), data: closed, etag: chain.etag },
        this.deps.audit.teacherAction(caller.id, now, 'chain_closed', { chainId, targetId: chain.data.holderId }),
      ];
      // The last holder is verified unless they have since taken another baton (that hand-off will verify them).
      const holdsOther = Boolean(holder?.data.holding && holder.data.holding.chainId !== chainId);
      if (holder && !holdsOther) {
        const verify = chain.data.phase === 'entry' ? holder.data.entry === null : !holder.data.exitVerified;
        const next: AttendanceRecord = {
          ...holder.data,
          ...(verify ? this.verification(chain.data.phase, 'teacher_close', caller.id, now) : {}),
          holding: holder.data.holding?.chainId === chainId ? null : holder.data.holding,
        };
        operations.push({
          kind: 'update',
          rowKey: rowKeys.attendance(holder.data.studentId),
          data: next,
          etag: holder.etag,
        });
      }
      await this.deps.sessions.batch(sessionId, operations);
      await this.deps.cache.invalidate(cacheKeys.chain(sessionId, chainId));
      return presentChain(closed, holder?.data.email ?? null);
    });
  }

  /**
   * Hands the chain to a named student (joined, not verified in this phase, holding nothing).
   * @throws NotFoundError; AppError NOT_ELIGIBLE.
   */
  async handChain(caller: Caller, sessionId: string, chainId: string, studentId: string): Promise<Chain> {
    const { session } = await this.deps.sessionService.access(caller, sessionId, 'session:write');
    return retryOnConflict(async () => {
      const now = this.deps.clock.now();
      const chain = await this.loadChain(sessionId, chainId, true);
      this.assertPhase(session, chain.data.phase, now);
      const target = await this.deps.sessions.getAttendance(sessionId, studentId);
      if (!target?.data.joinedAt) throw new NotFoundError('That student has not joined this session.');
      if (!this.canHold(target.data, chain.data.phase)) {
        throw notEligible('That student is already verified or holds another chain.', 'not_eligible');
      }
      const { operations, next } = await this.passTo(sessionId, chain, target, now, false);
      operations.push(this.deps.audit.teacherAction(caller.id, now, 'chain_handed', { chainId, targetId: studentId }));
      const etags = await this.deps.sessions.batch(sessionId, operations);
      await this.cacheChain(sessionId, next, etags[0]);
      return presentChain(next, target.data.email);
    });
  }

  /**
   * The hand-off for a scanned chain code: the holder is verified, the scanner becomes the holder.
   * `extra` (the audit event and idempotency record) commits in the same batch.
   * @throws AppError INVALID_QR, CODE_EXPIRED, WRONG_PHASE, NOT_ELIGIBLE, BATON_TAKEN, CONFLICT
   */
  async handOff(
    session: SessionRecord,
    scannerId: string,
    qr: ChainQr,
    flags: readonly string[],
    extra: (chain: ChainRecord) => BatchOperation[],
    /** The scanner's row as just read (saves a read on the hot path); re-read on retries. */
    scannerRow?: Stored<AttendanceRecord>,
  ): Promise<{ chain: ChainRecord; hold: Hold }> {
    const sessionId = session.id;
    return retryOnConflict(async (attempt) => {
      const now = this.deps.clock.now();
      const fromCache = attempt === 1;
      let chain = await this.loadChain(sessionId, qr.chainId, !fromCache).catch(() => {
        throw new AppError('INVALID_QR', 'That is not a code of this session.');
      });
      let scanner: Stored<AttendanceRecord>;
      try {
        scanner = await this.judge(session, scannerId, qr, chain, now, fromCache ? scannerRow : undefined);
      } catch (error) {
        // A refusal must not rest on a cached row that lags behind: decide again on the store's row.
        if (!(error instanceof AppError) || !fromCache) throw error;
        chain = await this.loadChain(sessionId, qr.chainId, true);
        scanner = await this.judge(session, scannerId, qr, chain, now);
      }
      const { operations, next } = await this.passTo(sessionId, chain, scanner, now, true, flags);
      operations.push(...extra(next));
      const etags = await this.deps.sessions.batch(sessionId, operations);
      await this.cacheChain(sessionId, next, etags[0]);
      return { chain: next, hold: this.holdFor(sessionId, next) };
    });
  }

  /**
   * Decides whether `scannerId` may take `chain` with this code now; returns the scanner's row.
   * @throws AppError INVALID_QR, BATON_TAKEN, CODE_EXPIRED, WRONG_PHASE, NOT_ELIGIBLE
   */
  private async judge(
    session: SessionRecord,
    scannerId: string,
    qr: ChainQr,
    chain: Stored<ChainRecord>,
    now: number,
    known?: Stored<AttendanceRecord>,
  ): Promise<Stored<AttendanceRecord>> {
    if (qr.seq > chain.data.seq) throw new AppError('INVALID_QR', 'That code is not valid.');
    if (qr.seq < chain.data.seq) throw batonTaken();
    const check = checkChainCode({
      secret: this.secretOf(session.id, chain.data),
      sessionId: session.id,
      chainId: qr.chainId,
      seq: qr.seq,
      step: qr.step,
      code: qr.code,
      nowMs: now,
      rotationSeconds: this.deps.config.rotationSeconds,
      acceptPreviousSteps: this.deps.config.acceptPreviousSteps,
    });
    if (check === 'invalid')
      throw new AppError('INVALID_QR', 'That code is not valid. Scan the holder’s screen again.');
    if (check === 'expired')
      throw new AppError('CODE_EXPIRED', 'That code has just expired. Scan the holder’s screen again.');
    this.assertPhase(session, chain.data.phase, now);
    if (chain.data.state === 'closed') throw notEligible('This chain has ended. Scan another holder.', 'chain_closed');
    if (chain.data.holderId === scannerId) throw notEligible('You cannot scan your own code.', 'self');
    const scanner = known ?? (await this.deps.sessions.getAttendance(session.id, scannerId));
    if (!scanner?.data.joinedAt) throw notEligible('Join the session first.', 'not_joined');
    if (!this.canHold(scanner.data, chain.data.phase)) {
      throw scanner.data.holding
        ? notEligible('You are holding a baton: show your code to a classmate instead.', 'holding')
        : notEligible('You are already verified.', 'verified');
    }
    return scanner;
  }

  /**
   * Timer work for one active session: chains without a hand-off for the stall time, or whose holder went
   * offline, are marked stalled and (auto-reseed) passed to another eligible online student, or closed
   * when there is none (the last holder then awaits verification). Chains of a phase that has ended close.
   */
  async sweep(session: SessionRecord): Promise<void> {
    const { sessions, sessionService, clock, config } = this.deps;
    const now = clock.now();
    const chains = (await sessions.listByPrefix<ChainRecord>(session.id, 'chain:')).filter(
      (c) => c.data.state !== 'closed',
    );
    if (chains.length === 0) return;
    const { phase, exitWindowOpen } = phaseAt(session, now);
    for (const chain of chains) {
      const phaseOver = chain.data.phase === 'entry' ? phase !== 'entry' : !exitWindowOpen;
      const idle = now - Date.parse(chain.data.lastHandoffAt) >= config.stallSeconds * 1000;
      const offline = !(await sessionService.isOnline(session.id, chain.data.holderId));
      if (!phaseOver && !idle && !offline) continue;
      try {
        if (phaseOver) await this.closeQuietly(session.id, chain, now, 'phase_over');
        else if (config.autoReseed) await this.reseed(session.id, chain, now);
        else if (chain.data.state === 'active') {
          await sessions.batch(session.id, [
            {
              kind: 'update',
              rowKey: rowKeys.chain(chain.data.chainId),
              data: { ...chain.data, state: 'stalled' },
              etag: chain.etag,
            },
          ]);
          await this.deps.cache.invalidate(cacheKeys.chain(session.id, chain.data.chainId));
        }
      } catch (error) {
        // A hand-off won the race: the chain is alive; look again next time.
        if (!(error instanceof StoreConflictError)) throw error;
      }
    }
  }

  /** Closes every open chain (session end); holders keep awaiting verification. */
  async closeAll(sessionId: string): Promise<void> {
    const now = this.deps.clock.now();
    const chains = await this.deps.sessions.listByPrefix<ChainRecord>(sessionId, 'chain:');
    for (const chain of chains.filter((c) => c.data.state !== 'closed')) {
      await this.closeQuietly(sessionId, chain, now, 'session_ended').catch((error: unknown) => {
        if (!(error instanceof StoreConflictError)) throw error;
      });
    }
  }

  /** Of `rows`, the students who may hold a chain of `phase` now and are online. */
  private async onlineEligible(
    sessionId: string,
    rows: readonly Stored<AttendanceRecord>[],
    phase: ChainPhase,
    except?: string,
  ): Promise<Stored<AttendanceRecord>[]> {
    const eligible = rows.filter(
      (row) => row.data.joinedAt && row.data.studentId !== except && this.canHold(row.data, phase),
    );
    const online = await Promise.all(
      eligible.map((row) => this.deps.sessionService.isOnline(sessionId, row.data.studentId)),
    );
    return eligible.filter((_, i) => online[i]);
  }

  private async reseed(sessionId: string, chain: Stored<ChainRecord>, now: number): Promise<void> {
    const rows = await this.deps.sessions.listByPrefix<AttendanceRecord>(sessionId, 'att:');
    const candidates = await this.onlineEligible(sessionId, rows, chain.data.phase, chain.data.holderId);
    const [next] = pickRandom(candidates, 1, this.deps.random);
    if (!next) {
      await this.closeQuietly(sessionId, chain, now, 'no_candidates');
      return;
    }
    const { operations, next: passed } = await this.passTo(sessionId, chain, next, now, false);
    operations.push(
      this.deps.audit.teacherAction('system', now, 'chain_reseeded', {
        chainId: chain.data.chainId,
        targetId: next.data.studentId,
      }),
    );
    const etags = await this.deps.sessions.batch(sessionId, operations);
    await this.cacheChain(sessionId, passed, etags[0]);
  }

  /** Closes a chain without verifying its holder (who keeps awaiting verification). */
  private async closeQuietly(sessionId: string, chain: Stored<ChainRecord>, now: number, why: string): Promise<void> {
    const holder = await this.deps.sessions.getAttendance(sessionId, chain.data.holderId);
    const operations: BatchOperation[] = [
      {
        kind: 'update',
        rowKey: rowKeys.chain(chain.data.chainId),
        data: { ...chain.data, state: 'closed' },
        etag: chain.etag,
      },
      this.deps.audit.teacherAction('system', now, `chain_closed_${why}`, {
        chainId: chain.data.chainId,
        targetId: chain.data.holderId,
      }),
    ];
    if (holder?.data.holding?.chainId === chain.data.chainId) {
      // The last holder of an exit chain may now check out with the exit code.
      const awaiting = chain.data.phase === 'exit' && !holder.data.exitVerified ? { awaitingExit: true } : {};
      operations.push({
        kind: 'update',
        rowKey: rowKeys.attendance(holder.data.studentId),
        data: { ...holder.data, ...awaiting, holding: null },
        etag: holder.etag,
      });
    }
    await this.deps.sessions.batch(sessionId, operations);
    await this.deps.cache.invalidate(cacheKeys.chain(sessionId, chain.data.chainId));
  }

  /**
   * The operations that pass `chain` to `taker`: the chain row (new seq, nonce, holder), the previous
   * holder's row (verified when `verifyHolder`, released either way) and the taker's row (now holding).
   */
  private async passTo(
    sessionId: string,
    chain: Stored<ChainRecord>,
    taker: Stored<AttendanceRecord>,
    now: number,
    verifyHolder: boolean,
    flags: readonly string[] = [],
  ): Promise<{ operations: BatchOperation[]; next: ChainRecord }> {
    const phase = chain.data.phase;
    // Handing a (closed) chain back to its last holder touches one attendance row, not two.
    const holder =
      chain.data.holderId === taker.data.studentId
        ? undefined
        : await this.deps.sessions.getAttendance(sessionId, chain.data.holderId);
    const verifies =
      verifyHolder &&
      holder !== undefined &&
      (phase === 'entry' ? holder.data.entry === null : !holder.data.exitVerified);
    const next: ChainRecord = {
      ...chain.data,
      seq: chain.data.seq + 1,
      holderId: taker.data.studentId,
      nonce: newNonce(),
      state: 'active',
      length: chain.data.length + (verifies ? 1 : 0),
      lastHandoffAt: iso(now),
      issuedAt: iso(now),
    };
    const operations: BatchOperation[] = [
      { kind: 'update', rowKey: rowKeys.chain(chain.data.chainId), data: next, etag: chain.etag },
    ];
    if (holder) {
      const previous: AttendanceRecord = {
        ...holder.data,
        ...(verifies ? this.verification(phase, 'chain', taker.data.studentId, now) : {}),
        holding: holder.data.holding?.chainId === chain.data.chainId ? null : holder.data.holding,
      };
      operations.push({
        kind: 'update',
        rowKey: rowKeys.attendance(holder.data.studentId),
        data: previous,
        etag: holder.etag,
      });
    }
    const taking: AttendanceRecord = {
      ...taker.data,
      holding: { chainId: chain.data.chainId, phase },
      flags: [...new Set([...taker.data.flags, ...flags])],
    };
    operations.push({
      kind: 'update',
      rowKey: rowKeys.attendance(taker.data.studentId),
      data: taking,
      etag: taker.etag,
    });
    return { operations, next };
  }

  private verification(
    phase: ChainPhase,
    method: 'chain' | 'teacher_close',
    by: string,
    now: number,
  ): Partial<AttendanceRecord> {
    return phase === 'entry'
      ? { entry: 'on_time', entryAt: iso(now), entryMethod: method, entryVerifiedBy: by }
      : { exitVerified: true, exitAt: iso(now) };
  }

  private canHold(row: AttendanceRecord, phase: ChainPhase): boolean {
    if (row.holding) return false;
    return phase === 'entry' ? row.entry === null : row.entry !== null && !row.exitVerified && !row.earlyLeaveAt;
  }

  private assertPhase(session: SessionRecord, phase: ChainPhase, now: number): void {
    const current = phaseAt(session, now);
    const open = phase === 'entry' ? current.phase === 'entry' : current.phase !== 'ended' && current.exitWindowOpen;
    if (session.status !== 'active' || !open) {
      throw new AppError(
        'WRONG_PHASE',
        phase === 'entry' ? 'Entry chains run only while entry is open.' : 'Exit chains run only in the exit window.',
      );
    }
  }

  /** The chain row, from the cache unless `fresh`. @throws NotFoundError */
  private async loadChain(sessionId: string, chainId: string, fresh: boolean): Promise<Stored<ChainRecord>> {
    const key = cacheKeys.chain(sessionId, chainId);
    if (!fresh) {
      const cached = await this.deps.cache.getJson<Stored<ChainRecord>>(key);
      if (cached) return cached;
    }
    const stored = await this.deps.sessions.getChain(sessionId, chainId);
    if (!stored) throw new NotFoundError('No such chain.');
    await this.deps.cache.setJson(key, stored, CACHE_TTL.activeSessionMs);
    return stored;
  }

  private async cacheChain(sessionId: string, chain: ChainRecord, etag: string | undefined): Promise<void> {
    const key = cacheKeys.chain(sessionId, chain.chainId);
    if (etag)
      await this.deps.cache.setJson(
        key,
        { partitionKey: sessionId, rowKey: rowKeys.chain(chain.chainId), etag, data: chain },
        CACHE_TTL.activeSessionMs,
      );
    else await this.deps.cache.invalidate(key);
  }

  private secretOf(sessionId: string, chain: Pick<ChainRecord, 'chainId' | 'seq' | 'nonce'>): Buffer {
    return holdSecret(this.holdKey, sessionId, chain.chainId, chain.seq, chain.nonce);
  }
}
