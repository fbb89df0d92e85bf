/**
 * ChainService: entry and exit chains. Teachers start, list, close and hand chains; a scanned chain code is
 * decided here (the hand-off: the holder is verified, the scanner takes the baton — or, once nobody else can take
 * it, a classmate verified in the phase ends the chain at its last holder), to be committed by the scan flow in
 * one write with its audit event. Moves themselves are domain/chain-moves.
 */
import type { Chain, ChainPhase, ChainQr, Hold } from '@qrca/contract';
import { randomBytes } from 'node:crypto';
import type { ChainConfig } from '../config';
import { closeChain, endChainByClassmate, passChain, type Pass } from '../domain/chain-moves';
import { canHold, mayHoldFrom, needsVerification } from '../domain/eligibility';
import { chainOpening, isOpen } from '../domain/phases';
import type { AttendanceRecord, ChainRecord, SessionRecord } from '../domain/records';
import { checkChainCode } from '../domain/rotating-code';
import { autoChainCount, pickRandom } from '../domain/seeding';
import { differentNetworks, type FlagThresholds } from '../domain/suspicion-flags';
import { AppError, NotFoundError } from '../middleware/errors';
import type { Clock } from '../ports/clock';
import { StoreConflictError } from '../ports/table-store';
import { presentChain } from '../presenters/chain.presenter';
import { create, replace, type RowWrite } from '../repositories/session-changes';
import type { SessionRepository } from '../repositories/session.repository';
import type { Versioned } from '../repositories/versioned';
import { CACHE_TTL, cacheKeys, type Cache } from '../utils/cache';
import type { AuditLog } from './audit-log';
import type { HoldKeys } from './hold-keys';
import type { Caller } from './auth.service';
import type { PresenceService } from './presence.service';
import { retryOnConflict } from './retry-on-conflict';
import type { SessionAccess } from './session-access';
import type { SessionWriter } from './session-writer';

export interface ChainDependencies {
  readonly repository: SessionRepository;
  readonly access: SessionAccess;
  readonly writer: SessionWriter;
  readonly presence: PresenceService;
  readonly audit: AuditLog;
  readonly cache: Cache;
  readonly clock: Clock;
  readonly random: () => number;
  readonly config: ChainConfig;
  readonly holds: HoldKeys;
  /** Prefix lengths within which two client addresses are one network (`network_mismatch`'s). */
  readonly networkBits: FlagThresholds['networkBits'];
}

/** A decided hand-off: the rows it writes, and the chain as it will be. */
export interface HandOff {
  readonly attendance: readonly RowWrite<AttendanceRecord>[];
  readonly chains: readonly RowWrite<ChainRecord>[];
  readonly chain: ChainRecord;
  /** Who held the baton before this hand-off (the student a scan verifies). */
  readonly previousHolderId: string;
  /** The scanner holds the baton now; false when a verified classmate ended the chain at its last holder. */
  readonly taken: boolean;
}

/** A judged scan: the scanner's row, and whether it ends the chain (a verified classmate) or takes it. */
interface Judged {
  readonly scanner: Versioned<AttendanceRecord>;
  readonly ends: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();
const newNonce = () => randomBytes(16).toString('base64url');

export const notEligible = (message: string, reason: string) =>
  new AppError('NOT_ELIGIBLE', message, { details: { reason } });
const batonTaken = () =>
  new AppError('BATON_TAKEN', 'Someone else just took this baton. Scan another holder.', {
    details: { reason: 'taken' },
  });

/** @throws AppError WRONG_PHASE unless chains of `phase` run now. */
export function assertChainsOpen(session: SessionRecord, phase: ChainPhase, nowMs: number): void {
  if (!isOpen(session, chainOpening(phase), nowMs)) {
    throw new AppError(
      'WRONG_PHASE',
      phase === 'entry' ? 'Entry chains run only while entry is open.' : 'Exit chains run only in the exit window.',
    );
  }
}

/**
 * The students who could take `chain` next: joined, online, eligible to hold it (not verified in its phase,
 * holding nothing), not its holder (if it has one yet) and — under an enforced network list — last seen inside it,
 * in row order, each with the client address they were last seen from.
 */
async function possibleTakers(
  session: SessionRecord,
  rows: readonly Versioned<AttendanceRecord>[],
  chain: Pick<ChainRecord, 'phase'> & { readonly holderId?: string },
  presence: PresenceService,
): Promise<{ row: Versioned<AttendanceRecord>; ip: string | undefined }[]> {
  const eligible = rows.filter(
    (row) => row.value.joinedAt && row.value.studentId !== chain.holderId && canHold(row.value, chain.phase),
  );
  const online = await presence.online(
    session.id,
    eligible.map((row) => row.value.studentId),
  );
  return eligible.flatMap((row) => {
    const id = row.value.studentId;
    const ip = online.get(id);
    return online.has(id) && mayHoldFrom(session.constraints.networks, ip) ? [{ row, ip }] : [];
  });
}

/** The writes of a pass: the chain, the previous holder's row (if it changes) and the taker's. */
function passWrites(
  chain: Versioned<ChainRecord>,
  previous: Versioned<AttendanceRecord> | undefined,
  taker: Versioned<AttendanceRecord>,
  pass: Pass,
): HandOff {
  return {
    chain: pass.chain,
    previousHolderId: chain.value.holderId,
    chains: [replace(chain, pass.chain)],
    attendance: [...(previous && pass.previous ? [replace(previous, pass.previous)] : []), replace(taker, pass.taker)],
    taken: true,
  };
}

/** A pass no scan made (a teacher's hand-over, a reseed): it does not verify the holder. */
function handOver(
  chain: Versioned<ChainRecord>,
  previous: Versioned<AttendanceRecord> | undefined,
  taker: Versioned<AttendanceRecord>,
  nowMs: number,
): HandOff {
  const pass = passChain(chain.value, previous?.value, taker.value, { nowMs, nonce: newNonce(), verifyHolder: false });
  return passWrites(chain, previous, taker, pass);
}

/**
 * A reseed of `chain`: handed over to a random student who could take it next (see {@link possibleTakers}), with
 * that student's row. Undefined when there is nobody.
 */
export async function reseed(
  session: SessionRecord,
  rows: readonly Versioned<AttendanceRecord>[],
  chain: Versioned<ChainRecord>,
  presence: PresenceService,
  random: () => number,
  nowMs: number,
): Promise<{ readonly taker: AttendanceRecord; readonly writes: HandOff } | undefined> {
  const taker = pickRandom(await possibleTakers(session, rows, chain.value, presence), 1, random)[0]?.row;
  if (!taker) return undefined;
  const previous = rows.find((row) => row.value.studentId === chain.value.holderId);
  return { taker: taker.value, writes: handOver(chain, previous, taker, nowMs) };
}

export class ChainService {
  constructor(private readonly deps: ChainDependencies) {}

  /** The hold a holder's phone needs (the secret derives from the chain's nonce with the server key). */
  holdFor(sessionId: string, chain: ChainRecord): Hold {
    return this.deps.holds.holdFor(sessionId, chain);
  }

  /**
   * Starts `count` (or `auto`) chains, seeded with random online, joined, unverified students.
   * @throws NotFoundError; AppError WRONG_PHASE, NOT_ELIGIBLE (nobody to seed).
   */
  async startChains(caller: Caller, sessionId: string, phase: ChainPhase, count: number | 'auto'): Promise<Chain[]> {
    const { access, repository, writer, presence, audit, clock, random } = this.deps;
    const { session } = await access.access(caller, sessionId, 'session:write');
    const now = clock.now();
    assertChainsOpen(session, phase, now);
    const rows = await repository.listAttendance(sessionId);
    // A chain not started yet has no holder: every online student waiting for verification may seed it.
    const candidates = (await possibleTakers(session, rows, { phase }, presence)).map((c) => c.row);
    if (candidates.length === 0) {
      throw notEligible(
        session.constraints.networks?.mode === 'enforce'
          ? 'Nobody can hold a chain right now: no online student on the class network is waiting for verification.'
          : 'Nobody can hold a chain right now: no online student is waiting for verification.',
        'no_candidates',
      );
    }
    const joined = rows.filter((row) => row.value.joinedAt).length;
    const wanted = count === 'auto' ? autoChainCount(joined, this.deps.config.studentsPerChain) : count;
    // Exit chains mean exit verification was run: final status then requires it.
    if (phase === 'exit' && !session.exitRun) {
      await writer.updateSession(sessionId, (current) => (current.exitRun ? current : { ...current, exitRun: true }));
    }
    const started: Chain[] = [];
    for (const seed of pickRandom(candidates, wanted, random)) {
      const chain: ChainRecord = {
        chainId: `c${randomBytes(6).toString('base64url')}`,
        phase,
        seq: 1,
        holderId: seed.value.studentId,
        nonce: newNonce(),
        state: 'active',
        length: 0,
        startedAt: iso(now),
        lastHandoffAt: iso(now),
        issuedAt: iso(now),
      };
      try {
        await writer.commit({
          sessionId,
          chains: [create(chain)],
          attendance: [replace(seed, { ...seed.value, holding: { chainId: chain.chainId, phase } })],
          events: [
            audit.teacherAction(caller.id, now, 'chain_started', {
              chainId: chain.chainId,
              targetId: seed.value.studentId,
            }),
          ],
        });
        started.push(presentChain(chain, seed.value.name ?? seed.value.email));
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
    const { access, repository } = this.deps;
    await access.access(caller, sessionId, 'session:write');
    const [chains, rows] = await Promise.all([repository.listChains(sessionId), repository.listAttendance(sessionId)]);
    const names = new Map(rows.map((row) => [row.value.studentId, row.value.name ?? row.value.email]));
    return chains.map((chain) => presentChain(chain.value, names.get(chain.value.holderId) ?? null));
  }

  /**
   * Closes the chain; its last holder, if still unverified, is verified by the teacher (`teacher_close`).
   * @throws NotFoundError
   */
  async closeChain(caller: Caller, sessionId: string, chainId: string): Promise<Chain> {
    const { access, repository, writer, audit, clock } = this.deps;
    await access.access(caller, sessionId, 'session:write');
    return retryOnConflict(async () => {
      const now = clock.now();
      const chain = await this.requireChain(sessionId, chainId);
      const holder = await repository.getAttendance(sessionId, chain.value.holderId);
      const close = closeChain(chain.value, holder?.value, { teacher: caller.id }, now);
      await writer.commit({
        sessionId,
        chains: [replace(chain, close.chain)],
        attendance: holder && close.holder ? [replace(holder, close.holder)] : [],
        events: [audit.teacherAction(caller.id, now, 'chain_closed', { chainId, targetId: chain.value.holderId })],
      });
      return presentChain(close.chain, holder ? (holder.value.name ?? holder.value.email) : null);
    });
  }

  /**
   * Hands the chain to a named student (joined, not verified in this phase, holding nothing).
   * @throws NotFoundError; AppError WRONG_PHASE, NOT_ELIGIBLE.
   */
  async handChain(caller: Caller, sessionId: string, chainId: string, studentId: string): Promise<Chain> {
    const { access, repository, writer, audit, clock } = this.deps;
    const { session } = await access.access(caller, sessionId, 'session:write');
    return retryOnConflict(async () => {
      const now = clock.now();
      const chain = await this.requireChain(sessionId, chainId);
      assertChainsOpen(session, chain.value.phase, now);
      const target = await repository.getAttendance(sessionId, studentId);
      if (!target?.value.joinedAt) throw new NotFoundError('That student has not joined this session.');
      if (!canHold(target.value, chain.value.phase)) {
        throw notEligible('That student is already verified or holds another chain.', 'not_eligible');
      }
      const previous = await this.previousHolder(sessionId, chain.value, studentId);
      const writes = handOver(chain, previous, target, now);
      await writer.commit({
        sessionId,
        ...writes,
        events: [audit.teacherAction(caller.id, now, 'chain_handed', { chainId, targetId: studentId })],
      });
      return presentChain(writes.chain, target.value.name ?? target.value.email);
    });
  }

  /**
   * Passes the chain to a random student who is online and may hold it (see {@link reseed}): a stalled
   * chain restarted by the teacher. Audited as `chain_reseeded`.
   * @throws NotFoundError; AppError WRONG_PHASE, NOT_ELIGIBLE (`no_candidates`).
   */
  async reseedChain(caller: Caller, sessionId: string, chainId: string): Promise<Chain> {
    const { access, repository, writer, presence, audit, clock, random } = this.deps;
    const { session } = await access.access(caller, sessionId, 'session:write');
    return retryOnConflict(async () => {
      const now = clock.now();
      const chain = await this.requireChain(sessionId, chainId);
      assertChainsOpen(session, chain.value.phase, now);
      const rows = await repository.listAttendance(sessionId);
      const reseeded = await reseed(session, rows, chain, presence, random, now);
      if (!reseeded) {
        throw notEligible('Nobody who is online and still to be verified can take this chain.', 'no_candidates');
      }
      const { taker, writes } = reseeded;
      await writer.commit({
        sessionId,
        ...writes,
        events: [audit.teacherAction(caller.id, now, 'chain_reseeded', { chainId, targetId: taker.studentId })],
      });
      return presentChain(writes.chain, taker.name ?? taker.email);
    });
  }

  /**
   * Decides the hand-off for a scanned chain code at `nowMs`: the holder is verified, the scanner takes the
   * baton. When the scanner is already verified in the chain's phase and nobody online could take the baton
   * any more, the chain ends instead: the holder is verified by that classmate (who may end one chain per phase)
   * and the chain closes, so the last holders need no teacher. Decided on the cached chain row first (`fresh`
   * false); a refusal is decided again on the stored row, which a cached row may lag behind. Writes nothing.
   * @throws AppError INVALID_QR (no such chain, or a code that is not its), CODE_EXPIRED, WRONG_PHASE,
   * NOT_ELIGIBLE, BATON_TAKEN; store and cache failures as they are (never stored as the scan's answer).
   */
  async decideHandOff(
    session: SessionRecord,
    scannerId: string,
    qr: ChainQr,
    nowMs: number,
    options: { fresh: boolean; scanner?: Versioned<AttendanceRecord>; flags: readonly string[] },
  ): Promise<HandOff> {
    let chain = await this.loadChain(session.id, qr.chainId, options.fresh);
    let judged: Judged;
    try {
      judged = await this.judge(session, scannerId, qr, chain, nowMs, options.fresh ? undefined : options.scanner);
    } catch (error) {
      if (!(error instanceof AppError) || options.fresh) throw error;
      chain = await this.loadChain(session.id, qr.chainId, true);
      judged = await this.judge(session, scannerId, qr, chain, nowMs);
    }
    const { scanner } = judged;
    const previous = await this.previousHolder(session.id, chain.value, scannerId);
    if (judged.ends) {
      const end = endChainByClassmate(chain.value, previous?.value, scanner.value, { nowMs, flags: options.flags });
      return {
        chain: end.chain,
        previousHolderId: chain.value.holderId,
        chains: [replace(chain, end.chain)],
        attendance: [
          ...(previous && end.previous ? [replace(previous, end.previous)] : []),
          replace(scanner, end.classmate),
        ],
        taken: false,
      };
    }
    const pass = passChain(chain.value, previous?.value, scanner.value, {
      nowMs,
      nonce: newNonce(),
      verifyHolder: true,
      flags: options.flags,
    });
    return passWrites(chain, previous, scanner, pass);
  }

  /**
   * Whether `scannerId` may take `chain` with this code now — or, verified in its phase, end it at its last
   * holder because nobody online could take it any more (see {@link mayEnd}); returns the scanner's row and which.
   * @throws AppError INVALID_QR, BATON_TAKEN, CODE_EXPIRED, WRONG_PHASE, NOT_ELIGIBLE
   */
  private async judge(
    session: SessionRecord,
    scannerId: string,
    qr: ChainQr,
    chain: Versioned<ChainRecord>,
    nowMs: number,
    known?: Versioned<AttendanceRecord>,
  ): Promise<Judged> {
    const current = chain.value;
    if (qr.seq > current.seq) throw new AppError('INVALID_QR', 'That code is not valid.');
    if (qr.seq < current.seq) throw batonTaken();
    const check = checkChainCode({
      secret: this.deps.holds.secretOf(session.id, current),
      sessionId: session.id,
      chainId: qr.chainId,
      seq: qr.seq,
      step: qr.step,
      code: qr.code,
      nowMs,
      rotationSeconds: this.deps.config.rotationSeconds,
      acceptPreviousSteps: this.deps.config.acceptPreviousSteps,
    });
    if (check === 'invalid')
      throw new AppError('INVALID_QR', 'That code is not valid. Scan the holder’s screen again.');
    if (check === 'expired')
      throw new AppError('CODE_EXPIRED', 'That code has just expired. Scan the holder’s screen again.');
    assertChainsOpen(session, current.phase, nowMs);
    if (current.state === 'closed') throw notEligible('This chain has ended. Scan another holder.', 'chain_closed');
    if (current.holderId === scannerId) throw notEligible('You cannot scan your own code.', 'self');
    await this.assertHolderOnNetwork(session, current);
    const scanner = known ?? (await this.deps.repository.getAttendance(session.id, scannerId));
    if (!scanner?.value.joinedAt) throw notEligible('Join the session first.', 'not_joined');
    if (canHold(scanner.value, current.phase)) return { scanner, ends: false };
    if (scanner.value.holding) {
      throw notEligible('You are holding a baton: show your code to a classmate instead.', 'holding');
    }
    if (needsVerification(scanner.value, current.phase) || !(await this.mayEnd(session, current, scannerId))) {
      throw notEligible('You are already verified.', 'verified');
    }
    return { scanner, ends: true };
  }

  /**
   * Whether a classmate verified in the chain's phase may end it at its last holder: nobody online who could be
   * in the room could take it any more (a student on another network than the holder — a phone at home — does
   * not keep the last holder waiting), and they have not ended another chain of the phase (one present student
   * cannot vouch for many).
   */
  private async mayEnd(session: SessionRecord, chain: ChainRecord, classmateId: string): Promise<boolean> {
    const { repository, presence, networkBits } = this.deps;
    const [rows, chains, holderIp] = await Promise.all([
      repository.listAttendance(session.id),
      repository.listChains(session.id),
      presence.lastAddress(session.id, chain.holderId),
    ]);
    if (chains.some((c) => c.value.phase === chain.phase && c.value.endedBy === classmateId)) return false;
    const takers = await possibleTakers(session, rows, chain, presence);
    const cidrs = session.constraints.networks?.cidrs;
    return !takers.some(({ ip }) => differentNetworks(holderIp, ip, cidrs, networkBits) === undefined);
  }

  /**
   * Under an enforced network list, a holder last seen outside it passes nothing on: a friend in the room scanning
   * the screen of a phone at home (relayed by a call) would verify its owner.
   * @throws AppError NOT_ELIGIBLE (`holder_off_network`)
   */
  private async assertHolderOnNetwork(session: SessionRecord, chain: ChainRecord): Promise<void> {
    const { networks } = session.constraints;
    if (networks?.mode !== 'enforce') return;
    const holderIp = await this.deps.presence.lastAddress(session.id, chain.holderId);
    if (holderIp !== undefined && !mayHoldFrom(networks, holderIp)) {
      throw notEligible(
        'The phone showing this code is not on the class network, so it cannot pass its baton on. Scan another holder.',
        'holder_off_network',
      );
    }
  }

  /**
   * The chain row, from the cache unless `fresh`.
   * @throws AppError INVALID_QR when the session has no such chain (only then).
   */
  async loadChain(sessionId: string, chainId: string, fresh: boolean): Promise<Versioned<ChainRecord>> {
    const key = cacheKeys.chain(sessionId, chainId);
    if (!fresh) {
      const cached = await this.deps.cache.getJson<Versioned<ChainRecord>>(key);
      if (cached) return cached;
    }
    const stored = await this.deps.repository.getChain(sessionId, chainId);
    if (!stored) throw new AppError('INVALID_QR', 'That is not a code of this session.');
    await this.deps.cache.setJson(key, stored, CACHE_TTL.activeSessionMs);
    return stored;
  }

  /** The stored chain for a teacher's action. @throws NotFoundError */
  private async requireChain(sessionId: string, chainId: string): Promise<Versioned<ChainRecord>> {
    const chain = await this.deps.repository.getChain(sessionId, chainId);
    if (!chain) throw new NotFoundError('No such chain.');
    return chain;
  }

  /** The holder's row, unless the chain goes back to them (a hand-off then touches one row, not two). */
  private async previousHolder(sessionId: string, chain: ChainRecord, takerId: string) {
    return chain.holderId === takerId ? undefined : this.deps.repository.getAttendance(sessionId, chain.holderId);
  }
}
