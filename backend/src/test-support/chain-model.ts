/**
 * Support for the entry-chain property test: a world (the real services on a temp SQLite file, a fake clock,
 * a seeded random source, one started session), a reference model of entry chains that predicts every
 * answer, and the invariant checks over the rows of the session's partition.
 *
 * The model is exact for sequential calls. ChainService.handOff may first judge on a cached chain row (after
 * concurrent calls, or a planted lagging one, the cache may hold an older version), but it decides again on
 * the stored row before answering a refusal, and a success on a lagging row loses its compare-and-swap and is
 * judged again on the stored row: so the model predicts every scan from the stored row alone. Concurrent calls
 * are checked by what must hold whatever the interleaving, then the model is synced.
 */
import {
  chainQrAt,
  parseQr,
  stepAt,
  type AuditEvent,
  type ErrorCode,
  type Hold,
  type ScanResponse,
} from '@qrca/contract';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeServices, createServices, type Services } from '../composition';
import { loadConfig, type ChainConfig } from '../config';
import { AppError } from '../middleware/errors';
import type { AttendanceRecord, ChainRecord, ScanRecord } from '../domain/records';
import { SessionRepository } from '../repositories/session.repository';
import type { Versioned } from '../repositories/versioned';
import { UserRepository } from '../repositories/users.repository';
import type { Caller } from '../services/auth.service';
import { ONLINE_MS } from '../services/presence.service';
import { SCAN_LIMITS } from '../services/validation.service';
import { CACHE_TTL, cacheKeys } from '../utils/cache';
import { createLogger } from '../utils/logger';
import { FakeClock } from './fake-clock';
import { seededRandom } from './seeded-random';

export const TEACHER_EMAIL = 'grace@staff.example.edu';
export const studentEmailAt = (i: number) => `s${i}@students.example.edu`;
const ORIGIN = { clientIp: '10.0.0.1', userAgent: 'chain-property' } as const;
const MINUTE = 60_000;
/** Refusals the scan service does not keep as the answer to a scan id (scan.service.ts TRANSIENT). */
const TRANSIENT: ReadonlySet<string> = new Set(['RATE_LIMITED', 'DEPENDENCY_UNAVAILABLE', 'CONFLICT']);
const iso = (ms: number) => new Date(ms).toISOString();

// ---------------------------------------------------------------------------------------------------------
// World: real services on a fresh SQLite file.

export interface WorldOptions {
  readonly students: number;
  readonly autoReseed: boolean;
  readonly acceptPreviousSteps: number;
  readonly stallSeconds: number;
  /** Milliseconds added to the fake clock's epoch, so runs start at different points of a code step. */
  readonly clockOffset: number;
  /** Seed of the random source ChainService picks seeds with. */
  readonly seed: number;
}

export interface World {
  readonly services: Services;
  readonly clock: FakeClock;
  readonly dataDir: string;
  readonly sessionId: string;
  readonly joinCode: string;
  readonly teacher: Caller;
  readonly students: readonly Caller[];
  readonly chainConfig: ChainConfig;
  /** When on-time entry closes (start + 10 min late cutoff). */
  readonly entryClosesAt: number;
}

export { seededRandom };

/** Builds the services on a temp dir and starts one session (entry open for 10 minutes from now). */
export async function openWorld(options: WorldOptions): Promise<World> {
  const dataDir = mkdtempSync(join(tmpdir(), 'qrca-chain-property-'));
  try {
    const clock = new FakeClock(Date.UTC(2026, 10, 26, 9, 0, 0) + options.clockOffset);
    const config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      TEACHER_EMAIL_DOMAINS: 'staff.example.edu',
      STUDENT_EMAIL_DOMAINS: 'students.example.edu',
      CHAIN_AUTO_RESEED: String(options.autoReseed),
      CHAIN_ACCEPT_PREVIOUS_STEPS: String(options.acceptPreviousSteps),
      CHAIN_STALL_SECONDS: String(options.stallSeconds),
    });
    const services = await createServices(config, createLogger(config), { clock, random: seededRandom(options.seed) });
    const users = new UserRepository(services.store, clock);
    const caller = async (email: string, role: 'teacher' | 'student'): Promise<Caller> => {
      const user = await users.ensure(email);
      return { id: user.id, email: user.email, role, via: 'bearer' };
    };
    const teacher = await caller(TEACHER_EMAIL, 'teacher');
    const students: Caller[] = [];
    for (let i = 0; i < options.students; i++) students.push(await caller(studentEmailAt(i), 'student'));
    const now = clock.now();
    const session = await services.sessions.createSession(teacher, {
      title: 'Chain property',
      startAt: iso(now),
      endAt: iso(now + 60 * MINUTE),
      lateCutoffMinutes: 10,
      exitWindowMinutes: 10,
      entryMethod: 'chain',
      rosterMode: 'strict',
      constraints: {},
    });
    await services.lifecycle.startSession(teacher, session.id);
    return {
      services,
      clock,
      dataDir,
      sessionId: session.id,
      joinCode: session.joinCode,
      teacher,
      students,
      chainConfig: config.chains,
      entryClosesAt: now + 10 * MINUTE,
    };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

export async function closeWorld(world: World): Promise<void> {
  await closeServices(world.services);
  rmSync(world.dataDir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------------
// Answers and rows.

/** What a call answered: 'OK' or the AppError's code (and `details.reason` when it has one). */
export interface Answer {
  readonly code: 'OK' | ErrorCode;
  readonly reason?: string;
}

/** Runs `work` and turns an AppError into its answer; anything else (a 500) is re-thrown. */
export async function answerOf<T>(work: Promise<T>): Promise<{ answer: Answer; value?: T }> {
  try {
    const value = await work;
    return { answer: { code: 'OK' }, value };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    const reason = error.details?.['reason'];
    return { answer: typeof reason === 'string' ? { code: error.code, reason } : { code: error.code } };
  }
}

export const showAnswer = (a: Answer) => (a.reason ? `${a.code}(${a.reason})` : a.code);

export interface Rows {
  /** rowKey → `etag data-json`: what "byte-for-byte unchanged" compares. */
  readonly raw: ReadonlyMap<string, string>;
  readonly att: ReadonlyMap<string, AttendanceRecord>;
  readonly chains: ReadonlyMap<string, Versioned<ChainRecord>>;
  readonly events: ReadonlyMap<string, AuditEvent>;
  readonly scans: ReadonlyMap<string, ScanRecord>;
}

/** Every row of the session's partition, straight from the store. */
export async function readRows(world: World): Promise<Rows> {
  const snapshot = await new SessionRepository(world.services.store).snapshot(world.sessionId);
  const raw = new Map<string, string>();
  const att = new Map<string, AttendanceRecord>();
  const chains = new Map<string, Versioned<ChainRecord>>();
  const events = new Map<string, AuditEvent>();
  const scans = new Map<string, ScanRecord>();
  const version = (key: string, row: Versioned<unknown>) => raw.set(key, `${row.version} ${JSON.stringify(row.value)}`);
  if (snapshot.session) version('session', snapshot.session);
  for (const row of snapshot.attendance) {
    version(`att:${row.value.studentId}`, row);
    att.set(row.value.studentId, row.value);
  }
  for (const chain of snapshot.chains) {
    version(`chain:${chain.value.chainId}`, chain);
    chains.set(chain.value.chainId, chain);
  }
  for (const event of snapshot.events) {
    raw.set(`evt:${event.id}`, JSON.stringify(event));
    events.set(event.id, event);
  }
  for (const { studentId, scanId, answer } of snapshot.scanAnswers) {
    raw.set(`scan:${studentId}:${scanId}`, JSON.stringify(answer));
    scans.set(`${studentId}:${scanId}`, answer);
  }
  return { raw, att, chains, events, scans };
}

/** Events added between two readings, as sorted `kind actor outcome` lines. */
export function newEvents(before: Rows, after: Rows): string[] {
  return [...after.events]
    .filter(([key]) => !before.events.has(key))
    .map(([, e]) => `${e.kind} ${e.actorId} ${e.outcome}`)
    .sort();
}

/** What the rows say changed: chain lengths and entry verifications. */
export function verificationDiff(before: Rows, after: Rows) {
  const lengthDeltas = new Map<string, number>();
  for (const [chainId, chain] of after.chains) {
    const delta = chain.value.length - (before.chains.get(chainId)?.value.length ?? 0);
    if (delta !== 0) lengthDeltas.set(chainId, delta);
  }
  const verified: { id: string; method: string | null; by: string | null }[] = [];
  for (const [id, row] of after.att) {
    if (row.entry !== null && (before.att.get(id)?.entry ?? null) === null)
      verified.push({ id, method: row.entryMethod, by: row.entryVerifiedBy });
  }
  return { lengthDeltas, verified };
}

// ---------------------------------------------------------------------------------------------------------
// The model.

interface Window {
  count: number;
  expiresAt: number;
}

export interface ModelStudent {
  readonly index: number;
  readonly id: string;
  joined: boolean;
  /** The presence key lives while now < onlineUntil. */
  onlineUntil: number | null;
  entry: { at: string; by: string; method: 'chain' | 'teacher_close' } | null;
  holding: string | null;
  rate: Window | null;
}

export interface ModelChain {
  readonly chainId: string;
  seq: number;
  holderId: string;
  state: 'active' | 'stalled' | 'closed';
  length: number;
  lastHandoffAt: string;
}

export interface Attempt {
  readonly scanner: number;
  readonly scanId: string;
  readonly payload: string;
}

/** The chain row as the hand-off may see it: cached (maybe older; only counted) and stored (what decides). */
export interface ChainViews {
  readonly cached?: Versioned<ChainRecord>;
  readonly stored?: Versioned<ChainRecord>;
}

export type ScanExpectation =
  | { readonly kind: 'replay'; readonly answer: Answer }
  | { readonly kind: 'attempt'; readonly answer: Answer; readonly chainId?: string };

export class Model {
  now: number;
  readonly students: ModelStudent[];
  readonly chains: ModelChain[] = [];
  ipRate: Window | null = null;
  /** `studentId:scanId` → the kept first answer. */
  readonly records = new Map<string, Answer>();
  /** Every scan sent (replays excluded), for later replays. */
  readonly attempts: Attempt[] = [];
  /** Payloads made from a real hold (genuine codes). */
  readonly genuine = new Set<string>();
  /** Payloads phones have shown, for stale scans. */
  readonly captured: string[] = [];
  /** The latest hold seen per chain (a phone keeps showing it until told otherwise). */
  readonly holds = new Map<string, Hold>();
  /** chainId → the verified classmate who ended it at its last holder. */
  readonly endedBy = new Map<string, string>();
  scanEvents = 0;
  nextScanId = 1;

  constructor(readonly world: World) {
    this.now = world.clock.now();
    this.students = world.students.map((s, index) => ({
      index,
      id: s.id,
      joined: false,
      onlineUntil: null,
      entry: null,
      holding: null,
      rate: null,
    }));
  }

  get sessionId(): string {
    return this.world.sessionId;
  }

  student(id: string): ModelStudent {
    const found = this.students.find((s) => s.id === id);
    if (!found) throw new Error(`unknown student ${id}`);
    return found;
  }

  chain(chainId: string): ModelChain | undefined {
    return this.chains.find((c) => c.chainId === chainId);
  }

  openChains(): ModelChain[] {
    return this.chains.filter((c) => c.state !== 'closed');
  }

  entryOpen(): boolean {
    return this.now < this.world.entryClosesAt;
  }

  online(s: ModelStudent): boolean {
    return s.onlineUntil !== null && this.now < s.onlineUntil;
  }

  markOnline(s: ModelStudent): void {
    s.onlineUntil = this.now + ONLINE_MS;
  }

  canHold(s: ModelStudent): boolean {
    return s.holding === null && s.entry === null;
  }

  /** ChainService.eligibleOnline: joined, free, unverified, online (in attendance-row order). */
  eligibleOnline(except?: string): ModelStudent[] {
    return this.students.filter((s) => s.joined && s.id !== except && this.canHold(s) && this.online(s));
  }

  newScanId(): string {
    return `scan-${this.nextScanId++}`;
  }

  /** Counts one attempt against the account and address windows; true when refused. */
  countRate(s: ModelStudent): boolean {
    const bump = (w: Window | null): Window =>
      !w || this.now >= w.expiresAt
        ? { count: 1, expiresAt: this.now + SCAN_LIMITS.windowMs }
        : { count: w.count + 1, expiresAt: w.expiresAt };
    s.rate = bump(s.rate);
    this.ipRate = bump(this.ipRate);
    return s.rate.count > SCAN_LIMITS.perAccount || this.ipRate.count > SCAN_LIMITS.perIp;
  }

  /** Scans this account may still make in the current window. */
  scansLeft(s: ModelStudent): number {
    const used = s.rate && this.now < s.rate.expiresAt ? s.rate.count : 0;
    const ipUsed = this.ipRate && this.now < this.ipRate.expiresAt ? this.ipRate.count : 0;
    return Math.min(SCAN_LIMITS.perAccount - used, SCAN_LIMITS.perIp - ipUsed);
  }

  /**
   * The start of one scan: a replay, or an attempt (rate windows counted, also for a caller who has not
   * joined: the validation runs before the membership check, which then answers NOT_FOUND whatever the limits).
   */
  beginScan(scanner: ModelStudent, scanId: string, payload: string, views: ChainViews): ScanExpectation {
    const prior = this.records.get(`${scanner.id}:${scanId}`);
    if (prior) return { kind: 'replay', answer: prior };
    const qr = parseQr(payload);
    const chainId = qr?.kind === 'chain' && qr.sessionId === this.sessionId ? qr.chainId : undefined;
    const limited = this.countRate(scanner);
    if (!scanner.joined) return { kind: 'attempt', answer: { code: 'NOT_FOUND' }, chainId };
    if (limited) return { kind: 'attempt', answer: { code: 'RATE_LIMITED' }, chainId };
    return { kind: 'attempt', answer: this.judge(scanner, payload, views), chainId };
  }

  /**
   * ChainService.handOff's decision, on the stored chain row: a refusal judged on a cached row is judged again
   * on the stored one, and a success on a lagging cached row loses its compare-and-swap and is judged again.
   */
  judge(scanner: ModelStudent, payload: string, views: ChainViews): Answer {
    const qr = parseQr(payload);
    if (!qr || qr.sessionId !== this.sessionId || qr.kind !== 'chain') return { code: 'INVALID_QR' };
    if (!views.stored) return { code: 'INVALID_QR' };
    return this.judgeOn(scanner, qr, payload, views.stored.value);
  }

  private judgeOn(
    scanner: ModelStudent,
    qr: { seq: number; step: number },
    payload: string,
    chain: Pick<ChainRecord, 'seq' | 'state' | 'holderId'>,
  ): Answer {
    const { rotationSeconds, acceptPreviousSteps } = this.world.chainConfig;
    if (qr.seq > chain.seq) return { code: 'INVALID_QR' };
    if (qr.seq < chain.seq) return { code: 'BATON_TAKEN', reason: 'taken' };
    if (!this.genuine.has(payload)) return { code: 'INVALID_QR' };
    const current = stepAt(this.now, rotationSeconds);
    if (qr.step > current) return { code: 'INVALID_QR' };
    if (qr.step < current - acceptPreviousSteps) return { code: 'CODE_EXPIRED' };
    if (!this.entryOpen()) return { code: 'WRONG_PHASE' };
    if (chain.state === 'closed') return { code: 'NOT_ELIGIBLE', reason: 'chain_closed' };
    if (chain.holderId === scanner.id) return { code: 'NOT_ELIGIBLE', reason: 'self' };
    if (!scanner.joined) return { code: 'NOT_ELIGIBLE', reason: 'not_joined' };
    if (scanner.holding) return { code: 'NOT_ELIGIBLE', reason: 'holding' };
    // A verified classmate ends the chain at its last holder once nobody online could take it, once.
    if (
      scanner.entry &&
      (this.eligibleOnline(chain.holderId).length > 0 || [...this.endedBy.values()].includes(scanner.id))
    )
      return { code: 'NOT_ELIGIBLE', reason: 'verified' };
    return { code: 'OK' };
  }

  /** Books an answered attempt: its event, its kept answer, and on success the hand-off. */
  finishScan(scanner: ModelStudent, scanId: string, payload: string, expected: ScanExpectation, actual: Answer): void {
    this.book(scanner, scanId, payload, expected.kind, actual);
    if (expected.kind === 'attempt' && actual.code === 'OK') {
      if (!expected.chainId) throw new Error('a successful scan names a chain');
      this.handOff(scanner, expected.chainId);
    }
  }

  /** Books an answered scan without its effect: the attempt, its audit event and its kept answer. */
  book(scanner: ModelStudent, scanId: string, payload: string, kind: ScanExpectation['kind'], actual: Answer): void {
    if (kind === 'replay') return;
    this.attempts.push({ scanner: scanner.index, scanId, payload });
    this.scanEvents++;
    if (!TRANSIENT.has(actual.code)) this.records.set(`${scanner.id}:${scanId}`, actual);
  }

  /**
   * A hand-off by scan: the holder is verified unless already, and the chain is one longer only when it
   * verified someone; the scanner holds the chain — unless the scanner was verified already: then the chain
   * ends at its holder (next seq, closed, the holder released) and the scanner takes nothing.
   */
  handOff(scanner: ModelStudent, chainId: string): void {
    const chain = this.chain(chainId);
    if (!chain) throw new Error(`unknown chain ${chainId}`);
    const holder = this.student(chain.holderId);
    const ends = scanner.entry !== null;
    if (holder.entry === null && (!ends || holder.holding === chain.chainId)) {
      holder.entry = { at: iso(this.now), by: scanner.id, method: 'chain' };
      chain.length++;
    }
    if (ends) {
      this.endedBy.set(chain.chainId, scanner.id);
      if (holder.holding === chain.chainId) holder.holding = null;
      chain.seq++;
      chain.state = 'closed';
      chain.lastHandoffAt = iso(this.now);
    } else this.pass(chain, scanner);
    this.markOnline(scanner);
  }

  /**
   * ChainService.passTo without verification (hand, reseed); `handOff` adds the verification and length.
   * Handing a closed chain back to its last holder only makes them hold it again.
   */
  pass(chain: ModelChain, taker: ModelStudent): void {
    const holder = this.student(chain.holderId);
    if (holder.holding === chain.chainId) holder.holding = null;
    taker.holding = chain.chainId;
    chain.seq++;
    chain.holderId = taker.id;
    chain.state = 'active';
    chain.lastHandoffAt = iso(this.now);
  }

  /** Whether the chain's last holder now holds another chain (then closing it verifies nobody). */
  holdsOther(chain: ModelChain): boolean {
    const holding = this.student(chain.holderId).holding;
    return holding !== null && holding !== chain.chainId;
  }

  /**
   * closeChain (teacher: the last holder is verified, unless already or holding another chain) or
   * closeQuietly (system: nobody is verified). Either releases `holding` if it points to this chain.
   */
  close(chain: ModelChain, verifiedBy?: string): void {
    const holder = this.student(chain.holderId);
    if (verifiedBy && holder.entry === null && !this.holdsOther(chain))
      holder.entry = { at: iso(this.now), by: verifiedBy, method: 'teacher_close' };
    if (holder.holding === chain.chainId) holder.holding = null;
    chain.state = 'closed';
  }

  addChain(chainId: string, holder: ModelStudent): void {
    this.chains.push({
      chainId,
      seq: 1,
      holderId: holder.id,
      state: 'active',
      length: 0,
      lastHandoffAt: iso(this.now),
    });
    holder.holding = chainId;
  }

  /** Takes the attendance and chain facts from the rows (after calls whose interleaving is not modelled). */
  syncFrom(rows: Rows): void {
    for (const s of this.students) {
      const row = rows.att.get(s.id);
      if (!row) continue;
      s.entry =
        row.entry === null
          ? null
          : {
              at: row.entryAt ?? '',
              by: row.entryVerifiedBy ?? '',
              method: row.entryMethod === 'teacher_close' ? 'teacher_close' : 'chain',
            };
      s.holding = row.holding?.chainId ?? null;
    }
    for (const { value: data } of rows.chains.values()) {
      const facts = {
        seq: data.seq,
        holderId: data.holderId,
        state: data.state,
        length: data.length,
        lastHandoffAt: data.lastHandoffAt,
      };
      if (typeof data.endedBy === 'string') this.endedBy.set(data.chainId, data.endedBy);
      const chain = this.chain(data.chainId);
      if (chain) Object.assign(chain, facts);
      else this.chains.push({ chainId: data.chainId, ...facts });
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// The harness: the world, the model and the invariant history, with the calls the commands make.

export class Harness {
  readonly model: Model;
  /** studentId → the entry facts first seen; they must never change. */
  private readonly verifiedOnce = new Map<string, string>();
  /** chainId → the last seq seen, with its holder and nonce. */
  private readonly seqSeen = new Map<string, { seq: number; holderId: string; nonce: string }>();
  private lastRows: Rows | undefined;
  /** Every version of each chain row seen, oldest first (to plant a lagging one in the cache). */
  readonly chainVersions = new Map<string, Versioned<ChainRecord>[]>();
  /** Scans sent (replays and unjoined callers included), and their answers, for the report. */
  scansSent = 0;
  readonly outcomes = new Map<string, number>();
  /** Scans judged while the cached chain row was older than the stored one. */
  staleViews = 0;
  /** Other situations worth counting (teacher hand-backs, closes that verify nobody), for the report. */
  readonly notes = new Map<string, number>();

  constructor(readonly world: World) {
    this.model = new Model(world);
  }

  get services(): Services {
    return this.world.services;
  }

  caller(s: ModelStudent): Caller {
    const caller = this.world.students[s.index];
    if (!caller) throw new Error(`no student ${s.index}`);
    return caller;
  }

  note(key: string): void {
    this.notes.set(key, (this.notes.get(key) ?? 0) + 1);
  }

  advance(ms: number): void {
    this.world.clock.advance(ms);
    this.model.now = this.world.clock.now();
  }

  async rows(): Promise<Rows> {
    return readRows(this.world);
  }

  /**
   * Puts an older version of a chain row in the cache, as a lagging instance (or a read that lost the race
   * with an invalidation) leaves it; the hand-off must still decide on the stored row before writing.
   */
  async plantStaleChain(chainId: string, pick: number): Promise<boolean> {
    const versions = this.chainVersions.get(chainId) ?? [];
    const older = versions.slice(0, -1);
    const version = older[pick % Math.max(1, older.length)];
    if (!version) return false;
    await this.services.cache.setJson(
      cacheKeys.chain(this.world.sessionId, chainId),
      version,
      CACHE_TTL.activeSessionMs,
    );
    return true;
  }

  /** The chain row as the next hand-off will see it (cache, then store). */
  async views(payload: string): Promise<ChainViews> {
    const qr = parseQr(payload);
    if (!qr || qr.kind !== 'chain' || qr.sessionId !== this.world.sessionId) return {};
    const [cached, stored] = await Promise.all([
      this.services.cache.getJson<Versioned<ChainRecord>>(cacheKeys.chain(this.world.sessionId, qr.chainId)),
      new SessionRepository(this.services.store).getChain(this.world.sessionId, qr.chainId),
    ]);
    if (cached && stored && cached.version !== stored.version) this.staleViews++;
    return { ...(cached ? { cached } : {}), ...(stored ? { stored } : {}) };
  }

  /** The payload the chain's (last) holder's phone shows now; undefined when no hold of it was ever seen. */
  async payloadOf(chain: ModelChain): Promise<string | undefined> {
    const hold = this.model.holds.get(chain.chainId);
    if (!hold) return undefined;
    const payload = await chainQrAt(this.world.sessionId, hold, this.model.now);
    this.model.genuine.add(payload);
    this.model.captured.push(payload);
    return payload;
  }

  /** Sends one scan. */
  async scanCall(s: ModelStudent, scanId: string, payload: string): Promise<{ answer: Answer; value?: ScanResponse }> {
    this.scansSent++;
    const result = await answerOf(
      this.services.scans.scan(this.caller(s), this.world.sessionId, { scanId, payload }, ORIGIN),
    );
    const key = showAnswer(result.answer);
    this.outcomes.set(key, (this.outcomes.get(key) ?? 0) + 1);
    return result;
  }

  /**
   * One scan, alone: predicted exactly, then checked: the answer, the rows (a replay changes none; an
   * attempt adds exactly one scan event; a success is exactly one hand-off) and every invariant.
   */
  async scan(s: ModelStudent, scanId: string, payload: string): Promise<Answer> {
    const m = this.model;
    const views = await this.views(payload);
    const before = await this.rows();
    const expected = m.beginScan(s, scanId, payload, views);
    const { answer, value } = await this.scanCall(s, scanId, payload);
    const what = `scan by s${s.index} (${scanId}) of ${payload}`;
    assert.deepEqual(answer, expected.answer, `${what}: answered ${showAnswer(answer)}`);
    const heldChain = expected.kind === 'attempt' ? expected.chainId : undefined;
    if (answer.code === 'OK' && expected.kind === 'attempt' && s.entry !== null) {
      // A verified classmate ended the chain at its last holder: they hold nothing.
      assert.ok(value && !value.youAreHolder && !value.hold, `${what}: ending a chain carries no hold`);
      this.note('a verified classmate ends a chain');
    } else if (answer.code === 'OK' && expected.kind === 'attempt') {
      // The new holder's hold comes back with the answer.
      const chain = heldChain ? m.chain(heldChain) : undefined;
      assert.ok(value?.hold && chain, `${what}: a success carries the hold`);
      assert.equal(value.hold.chainId, chain.chainId);
      assert.equal(value.hold.seq, chain.seq + 1);
    }
    const holderBefore = heldChain ? m.chain(heldChain)?.holderId : undefined;
    const holderWasVerified = holderBefore ? m.student(holderBefore).entry !== null : true;
    m.finishScan(s, scanId, payload, expected, answer);
    const after = await this.rows();
    if (expected.kind === 'replay') {
      assert.deepEqual(after.raw, before.raw, `${what}: a replay changed rows`);
    } else {
      // Every attempt is audited, by a student who has not joined too (answered NOT_FOUND).
      const outcome = answer.code === 'OK' ? 'accepted' : answer.code;
      assert.deepEqual(newEvents(before, after), [`scan ${s.id} ${outcome}`], `${what}: one audit event per attempt`);
      const diff = verificationDiff(before, after);
      if (answer.code === 'OK') {
        // Invariant 2: the previous holder verified by this scanner, unless already; the chain one longer
        // exactly when it verified someone.
        assert.deepEqual(
          [...diff.lengthDeltas],
          holderWasVerified ? [] : [[heldChain, 1]],
          `${what}: one hand-off, longer when it verifies`,
        );
        assert.deepEqual(
          diff.verified,
          holderWasVerified ? [] : [{ id: holderBefore, method: 'chain', by: s.id }],
          `${what}: verifies exactly the previous holder`,
        );
      } else {
        assert.equal(diff.lengthDeltas.size, 0, `${what}: a refusal moves no chain`);
        assert.equal(diff.verified.length, 0, `${what}: a refusal verifies nobody`);
      }
    }
    await this.verify(after);
    return answer;
  }

  /**
   * Each joined student's own view: a hold exactly while holding an open chain, at its seq. Holds seen are
   * kept (the phone shows them) for later scans.
   */
  async captureHolds(): Promise<void> {
    const m = this.model;
    for (const s of m.students) {
      if (!s.joined) continue;
      const view = await this.services.attendance.myView(this.caller(s), this.world.sessionId);
      const chain = s.holding ? m.chain(s.holding) : undefined;
      if (!chain || chain.state === 'closed') {
        assert.equal(view.hold, null, `s${s.index} holds nothing`);
        continue;
      }
      assert.ok(view.hold, `s${s.index} holds ${chain.chainId}`);
      assert.equal(view.hold.chainId, chain.chainId);
      assert.equal(view.hold.seq, chain.seq);
      m.holds.set(chain.chainId, view.hold);
      await this.payloadOf(chain);
    }
    if (m.captured.length > 64) m.captured.splice(0, m.captured.length - 64);
  }

  /**
   * The model equals the rows, and the invariants hold:
   * 1. a verification, once made, never changes (verified exactly once), with method chain or teacher_close;
   * 2. the chains' lengths add up to the students verified by a chain hand-off (a chain grows only when it
   *    verifies); the holder of an open chain awaits verification;
   * 3. no student holds two chains; `holding` and the open chains' holders agree both ways;
   * 4. seq never decreases per chain, and a seq never comes back with another holder or nonce;
   * 5. scan events = attempts that reached the services (replays excluded); events and kept answers are
   *    append-only.
   */
  async verify(rows?: Rows): Promise<void> {
    const m = this.model;
    const now = rows ?? (await this.rows());
    // The model's facts.
    for (const s of m.students) {
      const row = now.att.get(s.id);
      if (!s.joined) {
        assert.equal(row, undefined, `s${s.index} has no row before joining`);
        continue;
      }
      assert.ok(row?.joinedAt, `s${s.index} joined`);
      const facts = {
        entry: row.entry,
        entryAt: row.entryAt,
        entryMethod: row.entryMethod,
        entryVerifiedBy: row.entryVerifiedBy,
        holding: row.holding,
      };
      const expected = {
        entry: s.entry ? 'on_time' : null,
        entryAt: s.entry?.at ?? null,
        entryMethod: s.entry?.method ?? null,
        entryVerifiedBy: s.entry?.by ?? null,
        holding: s.holding ? { chainId: s.holding, phase: 'entry' } : null,
      };
      assert.deepEqual(facts, expected, `attendance of s${s.index}`);
    }
    assert.deepEqual([...now.chains.keys()].sort(), m.chains.map((c) => c.chainId).sort(), 'the chains of the session');
    for (const c of m.chains) {
      const row = now.chains.get(c.chainId)?.value;
      assert.deepEqual(
        row && {
          chainId: row.chainId,
          phase: row.phase,
          seq: row.seq,
          holderId: row.holderId,
          state: row.state,
          length: row.length,
          lastHandoffAt: row.lastHandoffAt,
        },
        { ...c, phase: 'entry' },
        `chain ${c.chainId}`,
      );
    }

    // 1. Verified exactly once.
    for (const [id, row] of now.att) {
      const facts = JSON.stringify([row.entry, row.entryAt, row.entryMethod, row.entryVerifiedBy]);
      const first = this.verifiedOnce.get(id);
      if (row.entry === null) {
        assert.equal(first, undefined, `${id}: a verification was undone`);
        continue;
      }
      assert.ok(row.entryMethod === 'chain' || row.entryMethod === 'teacher_close', `${id}: method`);
      assert.ok(row.entryVerifiedBy && row.entryAt, `${id}: verified by someone, at a time`);
      if (row.entryMethod === 'chain') {
        assert.notEqual(row.entryVerifiedBy, id, `${id}: verified by itself`);
        assert.ok(now.att.has(row.entryVerifiedBy), `${id}: verified by a joined student`);
      } else assert.equal(row.entryVerifiedBy, this.world.teacher.id, `${id}: closed by the teacher`);
      if (first === undefined) this.verifiedOnce.set(id, facts);
      else assert.equal(facts, first, `${id}: verified twice`);
    }

    // 2. Lengths count chain verifications; open chains are held by students awaiting verification.
    const byChain = [...now.att.values()].filter((row) => row.entry !== null && row.entryMethod === 'chain').length;
    const lengths = [...now.chains.values()].reduce((sum, c) => sum + c.value.length, 0);
    assert.equal(lengths, byChain, `chain lengths add up to ${lengths}, chain verifications to ${byChain}`);
    const open = [...now.chains.values()].map((c) => c.value).filter((c) => c.state !== 'closed');
    for (const chain of open) {
      assert.equal(now.att.get(chain.holderId)?.entry ?? null, null, `${chain.chainId} is held by a verified student`);
    }

    // 3. Nobody holds two chains.
    assert.equal(new Set(open.map((c) => c.holderId)).size, open.length, 'one student holds two open chains');
    for (const chain of open) {
      assert.equal(
        now.att.get(chain.holderId)?.holding?.chainId,
        chain.chainId,
        `the holder of ${chain.chainId} does not know it`,
      );
    }
    for (const [id, row] of now.att) {
      if (!row.holding) continue;
      const chain = now.chains.get(row.holding.chainId)?.value;
      assert.ok(chain && chain.state !== 'closed' && chain.holderId === id, `${id} holds a chain that is not theirs`);
    }

    // 4. seq strictly increases per chain.
    for (const [chainId, { value: data }] of now.chains) {
      assert.ok(data.seq >= 1 && data.length <= data.seq - 1, `${chainId}: seq ${data.seq}, length ${data.length}`);
      const seen = this.seqSeen.get(chainId);
      if (seen) {
        assert.ok(data.seq >= seen.seq, `${chainId}: seq went back from ${seen.seq} to ${data.seq}`);
        if (data.seq === seen.seq) {
          assert.equal(data.holderId, seen.holderId, `${chainId}: seq ${data.seq} with another holder`);
          assert.equal(data.nonce, seen.nonce, `${chainId}: seq ${data.seq} with another secret`);
        }
      }
      this.seqSeen.set(chainId, { seq: data.seq, holderId: data.holderId, nonce: data.nonce });
      const versions = this.chainVersions.get(chainId) ?? [];
      const entity = now.chains.get(chainId);
      if (entity && versions[versions.length - 1]?.version !== entity.version) versions.push(entity);
      this.chainVersions.set(chainId, versions);
    }

    // 5. One scan event per attempt; the log and the kept answers are append-only.
    const scanEvents = [...now.events.values()].filter((e) => e.kind === 'scan');
    assert.equal(scanEvents.length, m.scanEvents, 'scan events ≠ attempts');
    assert.equal(now.scans.size, m.records.size, 'kept scan answers');
    if (this.lastRows) {
      for (const [key, value] of this.lastRows.raw) {
        if (key.startsWith('evt:') || key.startsWith('scan:'))
          assert.equal(now.raw.get(key), value, `${key} changed or vanished`);
      }
    }
    this.lastRows = now;
  }
}
