// Entry chains under random interleavings, on the real services and a SQLite file: joins, heartbeats, seeds,
// scans (valid, stale, expired, forged, replayed, concurrent, duplicated, self, verified or busy scanner,
// unjoined scanner, borrowed scan id), clock steps past the code window, presence and stall time, sweeps
// (stall, auto-reseed, phase end, every phone asleep), teacher hand (also a quietly closed chain back to its
// last holder) and close (also of a chain whose last holder holds another), a lagging cached chain row, and
// bursts of all of these at once. A model predicts every sequential answer and row; after each command the partition's rows are
// checked against it and against the invariants (see Harness.verify in test-support/chain-model.ts).
// What the property found is pinned by cases at the end (both since fixed in the services): handing a chain
// back to its last holder, and the audit event for a scan by a student who has not joined; with cases for the
// rules the fixes settled on (rate limits before joining, close and a holder of another chain, hand's phase).
import { stepAt } from '@qrca/contract';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import {
  answerOf,
  closeWorld,
  Harness,
  newEvents,
  openWorld,
  showAnswer,
  verificationDiff,
  type Answer,
  type Model,
  type ModelChain,
  type ModelStudent,
  type ScanExpectation,
  type WorldOptions,
} from '../test-support/chain-model';
import { ONLINE_MS } from './presence.service';
import { SCAN_LIMITS } from './validation.service';

type Cmd = fc.AsyncCommand<Model, Harness>;
const MAX_STUDENTS = 8;
/** Runs per `vitest run` (a fresh seed each time); raise it for a soak: CHAIN_PROPERTY_RUNS=2000. */
const RUNS = Number(process.env['CHAIN_PROPERTY_RUNS'] ?? 100);
/** Fewest runs that count as a test (the time limit may stop a slow machine early). */
const MIN_RUNS = Math.ceil(RUNS / 4);
/** Stop starting new runs after this long (the default stays well inside the file's ~60 s budget). */
const TIME_LIMIT_MS = Math.max(40_000, RUNS * 100);

// ---------------------------------------------------------------------------------------------------------
// Picking students, chains and payloads from the model (deterministic, so shrinking replays them).

type ScannerMode = 'eligible' | 'random' | 'holder' | 'verified' | 'holding' | 'unjoined';
type PayloadMode = 'current' | 'stale' | 'forged' | 'futureSeq' | 'otherSession' | 'garbage';

function pickStudent(m: Model, mode: ScannerMode, pick: number, chain?: ModelChain): ModelStudent {
  const all = m.students;
  const pool = (() => {
    switch (mode) {
      case 'eligible':
        return all.filter((s) => s.joined && m.canHold(s));
      case 'holder':
        return chain ? all.filter((s) => s.id === chain.holderId) : [];
      case 'verified':
        return all.filter((s) => s.entry !== null);
      case 'holding':
        return all.filter((s) => s.holding !== null && s.holding !== chain?.chainId);
      case 'unjoined':
        return all.filter((s) => !s.joined);
      case 'random':
        return all;
    }
  })();
  const from = pool.length > 0 ? pool : all;
  return from[pick % from.length] as ModelStudent;
}

/** A closed chain to hand back to its last holder: one whose last holder may hold it first. */
function pickClosed(m: Model, pick: number): ModelChain | undefined {
  const closed = m.chains.filter((c) => c.state === 'closed');
  const free = closed.filter((c) => m.canHold(m.student(c.holderId)));
  const from = free.length > 0 ? free : closed;
  return from[pick % Math.max(1, from.length)];
}

/** A chain, open ones first when `preferOpen`; undefined when there is none. */
function pickChain(m: Model, pick: number, preferOpen = true): ModelChain | undefined {
  const open = m.openChains();
  const from = preferOpen && open.length > 0 ? open : m.chains;
  return from[pick % Math.max(1, from.length)];
}

function withCode(payload: string, change: (parts: string[]) => void): string {
  const parts = payload.split('.');
  change(parts);
  return parts.join('.');
}

async function makePayload(h: Harness, chain: ModelChain | undefined, mode: PayloadMode, pick: number) {
  const m = h.model;
  const step = stepAt(m.now, h.world.chainConfig.rotationSeconds);
  const nowhere = `QRCA1.C.${m.sessionId}.cNoSuchChain.1.${step}.AAAAAAAAAA`;
  if (mode === 'garbage')
    return pick % 2 === 0 ? `QRCA1.P.${m.sessionId}.late.${step}.ABCDEF` : 'https://example.com/not-a-baton';
  if (mode === 'stale' && m.captured.length > 0) return m.captured[pick % m.captured.length] as string;
  const current = chain ? await h.payloadOf(chain) : undefined;
  if (!current) return nowhere;
  switch (mode) {
    case 'forged':
      return withCode(current, (p) => {
        const code = p[6] as string;
        p[6] = (code[0] === 'A' ? 'B' : 'A') + code.slice(1);
      });
    case 'futureSeq':
      return withCode(current, (p) => {
        p[4] = String(Number(p[4]) + 1);
      });
    case 'otherSession':
      return withCode(current, (p) => {
        p[2] = 'anotherSession123';
      });
    default:
      return current;
  }
}

/** After every command: the invariants, then every student's own view (which also refreshes the phones). */
async function settle(h: Harness): Promise<void> {
  await h.verify();
  await h.captureHolds();
}

// ---------------------------------------------------------------------------------------------------------
// The operations, each predicted by the model and checked.

async function join(h: Harness, s: ModelStudent): Promise<void> {
  const before = await h.rows();
  const { answer } = await answerOf(
    h.services.sessions.joinSession(h.caller(s), h.world.sessionId, h.world.joinCode.toLowerCase(), undefined),
  );
  assert.deepEqual(answer, { code: 'OK' }, `join s${s.index}`);
  if (!s.joined) {
    s.joined = true;
    h.model.markOnline(s);
  }
  assert.deepEqual(newEvents(before, await h.rows()), [], 'joining is not audited');
}

async function heartbeat(h: Harness, s: ModelStudent): Promise<void> {
  const { answer } = await answerOf(h.services.presence.heartbeat(h.caller(s), h.world.sessionId));
  assert.deepEqual(answer, s.joined ? { code: 'OK' } : { code: 'NOT_FOUND' }, `heartbeat s${s.index}`);
  if (s.joined) h.model.markOnline(s);
}

async function seed(h: Harness, count: number | 'auto'): Promise<void> {
  const m = h.model;
  const candidates = m.eligibleOnline();
  // `auto`: ceil(joined / CHAIN_STUDENTS_PER_CHAIN), at least 1 (PRODUCT §4.1).
  const perChain = h.world.chainConfig.studentsPerChain;
  const wanted =
    count === 'auto' ? Math.max(1, Math.ceil(m.students.filter((s) => s.joined).length / perChain)) : count;
  const before = await h.rows();
  const { answer, value } = await answerOf(
    h.services.chains.startChains(h.world.teacher, h.world.sessionId, 'entry', count),
  );
  const expected: Answer = !m.entryOpen()
    ? { code: 'WRONG_PHASE' }
    : candidates.length === 0
      ? { code: 'NOT_ELIGIBLE', reason: 'no_candidates' }
      : { code: 'OK' };
  assert.deepEqual(answer, expected, `seed ${count}`);
  const started = value ?? [];
  assert.equal(started.length, answer.code === 'OK' ? Math.min(wanted, candidates.length) : 0);
  const holders = started.map((c) => c.holderId);
  assert.equal(new Set(holders).size, holders.length, 'one chain per seed');
  for (const chain of started) {
    const holder = candidates.find((s) => s.id === chain.holderId);
    assert.ok(holder, 'seeds are online, joined, free and unverified');
    assert.deepEqual([chain.seq, chain.length, chain.state], [1, 0, 'active']);
    m.addChain(chain.chainId, holder);
  }
  assert.deepEqual(
    newEvents(before, await h.rows()),
    started.map(() => `teacher ${h.world.teacher.id} chain_started`),
    'every seed is audited',
  );
}

async function sweep(h: Harness): Promise<void> {
  const m = h.model;
  const session = await h.services.access.findSession(h.world.sessionId);
  assert.ok(session);
  const before = await h.rows();
  await h.services.sweeper.sweep(session);
  const after = await h.rows();
  const events: string[] = [];
  const { stallSeconds } = h.world.chainConfig;
  const inStoreOrder = [...m.openChains()].sort((a, b) =>
    Buffer.compare(Buffer.from(a.chainId), Buffer.from(b.chainId)),
  );
  for (const chain of inStoreOrder) {
    const phaseOver = !m.entryOpen();
    const idle = m.now - Date.parse(chain.lastHandoffAt) >= stallSeconds * 1000;
    const offline = !m.online(m.student(chain.holderId));
    if (!phaseOver && !idle && !offline) continue;
    const stalled = `teacher system chain_stalled_${offline ? 'holder_offline' : 'idle'}`;
    if (phaseOver) {
      m.close(chain);
      events.push('teacher system chain_closed_phase_over');
    } else if (h.world.chainConfig.autoReseed) {
      events.push(stalled);
      const candidates = m.eligibleOnline(chain.holderId);
      if (candidates.length === 0) {
        m.close(chain);
        h.note('sweep closes a chain quietly');
        events.push('teacher system chain_closed_no_candidates');
      } else {
        const takerId = after.chains.get(chain.chainId)?.value.holderId;
        const taker = candidates.find((s) => s.id === takerId);
        assert.ok(taker, `reseeded ${chain.chainId} to an eligible online student`);
        m.pass(chain, taker);
        events.push('teacher system chain_reseeded');
      }
    } else if (chain.state === 'active') {
      chain.state = 'stalled';
      events.push(stalled);
    }
  }
  assert.deepEqual(newEvents(before, after), events.sort(), 'sweep events');
  const diff = verificationDiff(before, after);
  assert.equal(diff.lengthDeltas.size + diff.verified.length, 0, 'a sweep verifies nobody');
}

/** handChain: only in the chain's phase; then to a joined student who may hold it (its last holder too). */
async function hand(h: Harness, chain: ModelChain, target: ModelStudent): Promise<void> {
  const m = h.model;
  const before = await h.rows();
  const { answer } = await answerOf(
    h.services.chains.handChain(h.world.teacher, h.world.sessionId, chain.chainId, target.id),
  );
  const expected: Answer = !m.entryOpen()
    ? { code: 'WRONG_PHASE' }
    : !target.joined
      ? { code: 'NOT_FOUND' }
      : !m.canHold(target)
        ? { code: 'NOT_ELIGIBLE', reason: 'not_eligible' }
        : { code: 'OK' };
  assert.deepEqual(answer, expected, `hand ${chain.chainId} to s${target.index}`);
  h.note(`hand${chain.holderId === target.id ? ' back' : ''} ${showAnswer(answer)}`);
  if (answer.code === 'OK') m.pass(chain, target);
  const after = await h.rows();
  assert.deepEqual(
    newEvents(before, after),
    answer.code === 'OK' ? [`teacher ${h.world.teacher.id} chain_handed`] : [],
  );
  const diff = verificationDiff(before, after);
  assert.equal(diff.lengthDeltas.size + diff.verified.length, 0, 'handing verifies nobody');
}

async function close(h: Harness, chain: ModelChain): Promise<void> {
  const m = h.model;
  const holder = m.student(chain.holderId);
  // Holding another chain: that chain's next hand-off (or close) verifies them, not this close.
  const verifies = holder.entry === null && !m.holdsOther(chain);
  h.note(holder.entry !== null ? 'close' : verifies ? 'close verifies' : 'close skips a holder of another chain');
  const before = await h.rows();
  const { answer } = await answerOf(h.services.chains.closeChain(h.world.teacher, h.world.sessionId, chain.chainId));
  assert.deepEqual(answer, { code: 'OK' }, `close ${chain.chainId}`);
  m.close(chain, h.world.teacher.id);
  const after = await h.rows();
  assert.deepEqual(newEvents(before, after), [`teacher ${h.world.teacher.id} chain_closed`]);
  assert.deepEqual(
    verificationDiff(before, after).verified,
    verifies ? [{ id: holder.id, method: 'teacher_close', by: h.world.teacher.id }] : [],
    'closing verifies the last holder, once, unless they hold another chain',
  );
}

// ---------------------------------------------------------------------------------------------------------
// Commands.

class JoinCmd implements Cmd {
  constructor(readonly pick: number) {}
  check = () => true;
  async run(m: Model, h: Harness) {
    await join(h, m.students[this.pick % m.students.length] as ModelStudent);
    await settle(h);
  }
  toString = () => `join(${this.pick})`;
}

class HeartbeatCmd implements Cmd {
  constructor(readonly pick: number | 'all') {}
  check = () => true;
  async run(m: Model, h: Harness) {
    const who = this.pick === 'all' ? m.students.filter((s) => s.joined) : [m.students[this.pick % m.students.length]];
    for (const s of who) await heartbeat(h, s as ModelStudent);
    await settle(h);
  }
  toString = () => `heartbeat(${this.pick})`;
}

class SeedCmd implements Cmd {
  constructor(readonly count: number | 'auto') {}
  check = () => true;
  async run(_m: Model, h: Harness) {
    await seed(h, this.count);
    await settle(h);
  }
  toString = () => `seed(${this.count})`;
}

interface ScanSpec {
  readonly scanner: ScannerMode;
  readonly scannerPick: number;
  readonly chainPick: number;
  readonly preferOpen: boolean;
  readonly payload: PayloadMode;
  readonly payloadPick: number;
  /** Reuse another student's scan id: a different attempt (ids are per student). */
  readonly borrowId: boolean;
}

class ScanCmd implements Cmd {
  constructor(readonly spec: ScanSpec) {}
  check = () => true;
  async run(m: Model, h: Harness) {
    const { spec } = this;
    const chain = pickChain(m, spec.chainPick, spec.preferOpen);
    const scanner = pickStudent(m, spec.scanner, spec.scannerPick, chain);
    const payload = await makePayload(h, chain, spec.payload, spec.payloadPick);
    const others = m.attempts.filter((a) => a.scanner !== scanner.index);
    const borrowed = spec.borrowId && others.length > 0 ? others[spec.payloadPick % others.length] : undefined;
    await h.scan(scanner, borrowed?.scanId ?? m.newScanId(), payload);
    await settle(h);
  }
  toString = () => `scan(${JSON.stringify(this.spec)})`;
}

class ReplayCmd implements Cmd {
  constructor(
    readonly pick: number,
    readonly samePayload: boolean,
  ) {}
  check = (m: Readonly<Model>) => m.attempts.length > 0;
  async run(m: Model, h: Harness) {
    const attempt = m.attempts[this.pick % m.attempts.length];
    assert.ok(attempt);
    const chain = pickChain(m, this.pick);
    const other = this.samePayload || !chain ? undefined : await makePayload(h, chain, 'current', 0);
    await h.scan(m.students[attempt.scanner] as ModelStudent, attempt.scanId, other ?? attempt.payload);
    await settle(h);
  }
  toString = () => `replay(${this.pick}, ${this.samePayload ? 'same payload' : 'other payload'})`;
}

/** 2–4 different students scan the same holder's code at once: at most one wins, the others are refused. */
class ConcurrentScanCmd implements Cmd {
  constructor(
    readonly picks: readonly number[],
    readonly chainPick: number,
  ) {}
  check = (m: Readonly<Model>) => m.chains.length > 0;
  async run(m: Model, h: Harness) {
    const chain = pickChain(m, this.chainPick);
    assert.ok(chain);
    const payload = await makePayload(h, chain, 'current', 0);
    const scanners = [...new Set(this.picks.map((p) => p % m.students.length))];
    for (let i = 0; scanners.length < 2; i++) if (!scanners.includes(i)) scanners.push(i);
    const people = scanners.map((i) => m.students[i] as ModelStudent);
    const views = await h.views(payload);
    const before = await h.rows();
    const ids = people.map(() => m.newScanId());
    const expected = people.map((s, i) => m.beginScan(s, ids[i] as string, payload, views));
    const holderBefore = m.student(chain.holderId);
    const holderWasVerified = holderBefore.entry !== null;
    const answers = (await Promise.all(people.map((s, i) => h.scanCall(s, ids[i] as string, payload)))).map(
      (r) => r.answer,
    );
    const shown = people.map((s, i) => `s${s.index}: ${showAnswer(answers[i] as Answer)}`).join(', ');
    const what = `concurrent scans of ${payload} → ${shown}`;
    const eligible = expected.flatMap((e, i) => (e.answer.code === 'OK' ? [i] : []));
    const winners = answers.flatMap((a, i) => (a.code === 'OK' ? [i] : []));
    assert.equal(winners.length, eligible.length > 0 ? 1 : 0, `${what}: exactly one winner among the eligible`);
    const winner = winners[0];
    if (winner !== undefined) assert.ok(eligible.includes(winner), `${what}: an ineligible scanner won`);
    answers.forEach((answer, i) => {
      if (i === winner) return;
      const e = expected[i] as ScanExpectation;
      const taken = winner !== undefined && answer.code === 'BATON_TAKEN';
      if (e.answer.code === 'OK') assert.ok(taken, `${what}: a losing eligible scanner is told BATON_TAKEN`);
      else assert.ok(taken || (answer.code === e.answer.code && answer.reason === e.answer.reason), what);
    });
    people.forEach((s, i) =>
      m.finishScan(s, ids[i] as string, payload, expected[i] as ScanExpectation, answers[i] as Answer),
    );
    const after = await h.rows();
    assert.deepEqual(
      newEvents(before, after),
      people.map((s, i) => `scan ${s.id} ${answers[i]?.code === 'OK' ? 'accepted' : answers[i]?.code}`).sort(),
      `${what}: one event per attempt`,
    );
    const diff = verificationDiff(before, after);
    const taker = winner === undefined ? undefined : people[winner];
    const verifies = taker !== undefined && !holderWasVerified;
    assert.deepEqual([...diff.lengthDeltas], verifies ? [[chain.chainId, 1]] : [], `${what}: hand-offs`);
    assert.deepEqual(
      diff.verified,
      verifies ? [{ id: holderBefore.id, method: 'chain', by: taker.id }] : [],
      `${what}: verified`,
    );
    await settle(h);
  }
  toString = () => `concurrentScan(${this.picks.join(',')}; chain ${this.chainPick})`;
}

/** The same scan (same student, same scan id) sent twice at once, as a client retrying on a timeout does. */
class DuplicateScanCmd implements Cmd {
  constructor(
    readonly scanner: ScannerMode,
    readonly pick: number,
    readonly stale: boolean,
  ) {}
  check = (m: Readonly<Model>) => m.chains.length > 0;
  async run(m: Model, h: Harness) {
    const chain = pickChain(m, this.pick);
    const s = pickStudent(m, this.scanner, this.pick, chain);
    const payload = await makePayload(h, chain, this.stale ? 'stale' : 'current', this.pick);
    const scanId = m.newScanId();
    if (m.scansLeft(s) < 1) {
      await h.scan(s, scanId, payload);
      await settle(h);
      return;
    }
    const views = await h.views(payload);
    const before = await h.rows();
    const expected = m.beginScan(s, scanId, payload, views);
    // The copy is the same attempt: it shares the first one's answer and costs nothing.
    const scanned = expected.kind === 'attempt' && expected.chainId ? m.chain(expected.chainId) : undefined;
    const holderId = scanned?.holderId;
    const holderWasVerified = holderId ? m.student(holderId).entry !== null : true;
    const answers = (await Promise.all([h.scanCall(s, scanId, payload), h.scanCall(s, scanId, payload)])).map(
      (r) => r.answer,
    );
    const what = `duplicate scan by s${s.index} of ${payload} → ${answers.map(showAnswer).join(', ')}`;
    assert.deepEqual(answers, [expected.answer, expected.answer], `${what}: both get the first answer`);
    m.finishScan(s, scanId, payload, expected, expected.answer);
    const after = await h.rows();
    const outcome = expected.answer.code === 'OK' ? 'accepted' : expected.answer.code;
    assert.deepEqual(newEvents(before, after), [`scan ${s.id} ${outcome}`], `${what}: one event`);
    const diff = verificationDiff(before, after);
    const verifies = expected.answer.code === 'OK' && scanned !== undefined && !holderWasVerified;
    assert.deepEqual([...diff.lengthDeltas], verifies ? [[scanned.chainId, 1]] : [], `${what}: one effect`);
    assert.deepEqual(diff.verified, verifies ? [{ id: holderId, method: 'chain', by: s.id }] : [], `${what}: verified`);
    await settle(h);
  }
  toString = () => `duplicateScan(${this.scanner}, ${this.pick}, ${this.stale ? 'stale' : 'current'})`;
}

/** One student scanning again and again (a stuck camera): past 20 a minute the answer is RATE_LIMITED. */
class BurstCmd implements Cmd {
  constructor(
    readonly pick: number,
    readonly count: number,
    readonly payloadPick: number,
  ) {}
  check = () => true;
  async run(m: Model, h: Harness) {
    const s = m.students[this.pick % m.students.length] as ModelStudent;
    for (let i = 0; i < this.count; i++) {
      const mode: PayloadMode = i % 3 === 0 ? 'current' : 'stale';
      const payload = await makePayload(h, pickChain(m, this.payloadPick + i), mode, this.payloadPick + i);
      await h.scan(s, m.newScanId(), payload);
      if (i % 4 === 3) h.advance(1_000);
    }
    await settle(h);
  }
  toString = () => `burst(s${this.pick}, ${this.count})`;
}

/** A lagging cache: an older version of a chain row is what the next hand-off reads first. */
class StaleCacheCmd implements Cmd {
  constructor(
    readonly chainPick: number,
    readonly versionPick: number,
  ) {}
  check = (m: Readonly<Model>) => m.chains.length > 0;
  async run(m: Model, h: Harness) {
    const chain = pickChain(m, this.chainPick, false);
    assert.ok(chain);
    const before = await h.rows();
    await h.plantStaleChain(chain.chainId, this.versionPick);
    assert.deepEqual((await h.rows()).raw, before.raw, 'the cache is not the store');
    await settle(h);
  }
  toString = () => `staleCache(chain ${this.chainPick}, version ${this.versionPick})`;
}

class AdvanceCmd implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(_m: Model, h: Harness) {
    h.advance(this.ms);
    await settle(h);
  }
  toString = () => `advance(${this.ms})`;
}

class SweepCmd implements Cmd {
  check = () => true;
  async run(_m: Model, h: Harness) {
    await sweep(h);
    await settle(h);
  }
  toString = () => 'sweep';
}

/**
 * Every phone sleeps past the presence time, then the timer sweeps: with auto-reseed every open chain closes
 * quietly (nobody online to pass it to), its last holder free and unverified (a hand-back, or a close while
 * they hold another chain, may follow).
 */
class LapseCmd implements Cmd {
  check = () => true;
  async run(_m: Model, h: Harness) {
    h.advance(ONLINE_MS + 1_000);
    await sweep(h);
    await settle(h);
  }
  toString = () => 'lapse';
}

class HandCmd implements Cmd {
  constructor(
    readonly chainPick: number,
    readonly target: ScannerMode | 'back',
    readonly targetPick: number,
  ) {}
  /** `back`: a closed chain (if any) back to its last holder. */
  private resolve(m: Readonly<Model>) {
    const chain =
      (this.target === 'back' ? pickClosed(m as Model, this.chainPick) : undefined) ??
      pickChain(m as Model, this.chainPick, false);
    if (!chain) return undefined;
    const target =
      this.target === 'back' ? m.student(chain.holderId) : pickStudent(m as Model, this.target, this.targetPick, chain);
    return { chain, target };
  }
  check = (m: Readonly<Model>) => this.resolve(m) !== undefined;
  async run(m: Model, h: Harness) {
    const r = this.resolve(m);
    assert.ok(r);
    await hand(h, r.chain, r.target);
    await settle(h);
  }
  toString = () => `hand(chain ${this.chainPick} → ${this.target} ${this.targetPick})`;
}

class CloseCmd implements Cmd {
  constructor(
    readonly chainPick: number,
    /** open: open chains first; any; busy: chains whose last holder now holds another chain first. */
    readonly mode: 'open' | 'any' | 'busy',
  ) {}
  check = (m: Readonly<Model>) => m.chains.length > 0;
  async run(m: Model, h: Harness) {
    const busy = this.mode === 'busy' ? m.chains.filter((c) => m.holdsOther(c)) : [];
    const chain = busy[this.chainPick % Math.max(1, busy.length)] ?? pickChain(m, this.chainPick, this.mode !== 'any');
    assert.ok(chain);
    await close(h, chain);
    await settle(h);
  }
  toString = () => `close(${this.chainPick}, ${this.mode})`;
}

type ChaosOp =
  | { readonly kind: 'scan'; readonly scanner: ScannerMode; readonly pick: number; readonly stale: boolean }
  | { readonly kind: 'sweep' }
  | { readonly kind: 'seed'; readonly count: number }
  | { readonly kind: 'close'; readonly pick: number }
  | { readonly kind: 'hand'; readonly pick: number }
  | { readonly kind: 'heartbeat'; readonly pick: number };

/**
 * Scans, a sweep, teacher actions and heartbeats all at once. Outcomes depend on the interleaving, so the
 * checks are the ones that hold for every interleaving; then the model takes the facts from the rows.
 */
class ChaosCmd implements Cmd {
  constructor(readonly ops: readonly ChaosOp[]) {}
  check = (m: Readonly<Model>) => m.chains.length > 0;
  async run(m: Model, h: Harness) {
    const teacher = h.world.teacher;
    const sessionId = h.world.sessionId;
    const session = await h.services.access.findSession(sessionId);
    assert.ok(session);
    interface Prepared {
      readonly op: ChaosOp;
      readonly call: () => Promise<{ answer: Answer }>;
      readonly scanner?: ModelStudent;
      readonly scanId?: string;
      readonly payload?: string;
    }
    const prepared: Prepared[] = [];
    let seeded = 0;
    for (const op of this.ops) {
      const chain = pickChain(m, 'pick' in op ? op.pick : 0);
      if (op.kind === 'scan') {
        const scanner = pickStudent(m, op.scanner, op.pick, chain);
        const payload = await makePayload(h, chain, op.stale ? 'stale' : 'current', op.pick);
        const scanId = m.newScanId();
        prepared.push({ op, scanner, scanId, payload, call: () => h.scanCall(scanner, scanId, payload) });
      } else if (op.kind === 'sweep') {
        prepared.push({ op, call: () => answerOf(h.services.sweeper.sweep(session)) });
      } else if (op.kind === 'seed') {
        prepared.push({
          op,
          call: async () => {
            const { answer, value } = await answerOf(
              h.services.chains.startChains(teacher, sessionId, 'entry', op.count),
            );
            seeded += value?.length ?? 0;
            return { answer };
          },
        });
      } else if (op.kind === 'close' && chain) {
        prepared.push({ op, call: () => answerOf(h.services.chains.closeChain(teacher, sessionId, chain.chainId)) });
      } else if (op.kind === 'hand' && chain) {
        // Mostly an open chain to someone eligible; sometimes a closed chain back to its last holder.
        const back = op.pick % 4 === 3 ? pickClosed(m, op.pick) : undefined;
        const handed = back ?? chain;
        const targetId = back ? back.holderId : pickStudent(m, 'eligible', op.pick, chain).id;
        prepared.push({
          op,
          call: () => answerOf(h.services.chains.handChain(teacher, sessionId, handed.chainId, targetId)),
        });
      } else if (op.kind === 'heartbeat') {
        const s = m.students[op.pick % m.students.length] as ModelStudent;
        prepared.push({ op, scanner: s, call: () => answerOf(h.services.presence.heartbeat(h.caller(s), sessionId)) });
      }
    }
    const before = await h.rows();
    const answers = (await Promise.all(prepared.map((p) => p.call()))).map((r) => r.answer);
    const after = await h.rows();
    const what = `chaos ${prepared.map((p, i) => `${p.op.kind}→${showAnswer(answers[i] as Answer)}`).join(', ')}`;

    const scans = prepared.flatMap((p, i) =>
      p.op.kind === 'scan' && p.scanner && p.scanId && p.payload
        ? [{ s: p.scanner, scanId: p.scanId, payload: p.payload, answer: answers[i] as Answer }]
        : [],
    );
    const count = (kind: ChaosOp['kind']) =>
      prepared.filter((p, i) => p.op.kind === kind && answers[i]?.code === 'OK').length;
    prepared.forEach((p, i) => {
      const answer = answers[i] as Answer;
      if (p.op.kind === 'sweep') assert.deepEqual(answer, { code: 'OK' }, `${what}: the sweep failed`);
      if (p.op.kind === 'heartbeat' && p.scanner?.joined) assert.deepEqual(answer, { code: 'OK' }, what);
      if (p.op.kind === 'close') assert.ok(['OK', 'CONFLICT'].includes(answer.code), `${what}: close`);
      if (p.op.kind === 'seed') assert.ok(['OK', 'NOT_ELIGIBLE', 'WRONG_PHASE'].includes(answer.code), `${what}: seed`);
      if (p.op.kind === 'hand')
        assert.ok(
          ['OK', 'CONFLICT', 'NOT_ELIGIBLE', 'NOT_FOUND', 'WRONG_PHASE'].includes(answer.code),
          `${what}: hand`,
        );
    });
    for (const { s, answer } of scans) if (!s.joined) assert.deepEqual(answer, { code: 'NOT_FOUND' }, what);

    // One event per scan attempt (by students who have not joined too), one per teacher action that went through.
    const scanEvents = scans.map(({ s, answer }) => `scan ${s.id} ${answer.code === 'OK' ? 'accepted' : answer.code}`);
    const added = newEvents(before, after);
    assert.deepEqual(
      added.filter((e) => e.startsWith('scan ')),
      scanEvents.sort(),
      `${what}: one event per attempt`,
    );
    assert.equal(added.filter((e) => e.endsWith(' chain_closed')).length, count('close'), `${what}: closes`);
    assert.equal(added.filter((e) => e.endsWith(' chain_handed')).length, count('hand'), `${what}: hands`);
    assert.equal(added.filter((e) => e.endsWith(' chain_started')).length, seeded, `${what}: seeds`);
    for (const [chainId, chain] of after.chains) {
      if (before.chains.has(chainId)) continue;
      assert.deepEqual([chain.value.seq, chain.value.length], [1, 0], `${what}: a new chain`);
    }
    assert.equal(after.chains.size - before.chains.size, seeded, `${what}: chains started`);

    // Each accepted scan is one hand-off that verified its holder (open chains are held by students awaiting
    // verification), by that scanner; a chain grows by the verifications its hand-offs made.
    const winners = scans.filter(({ answer }) => answer.code === 'OK').map(({ s }) => s.id);
    const diff = verificationDiff(before, after);
    const deltas = [...diff.lengthDeltas.values()];
    assert.ok(
      deltas.every((d) => d > 0),
      `${what}: a chain got shorter`,
    );
    const byChain = diff.verified.filter((v) => v.method === 'chain').map((v) => v.by ?? '');
    assert.equal(
      deltas.reduce((a, b) => a + b, 0),
      byChain.length,
      `${what}: chains grew by the verifications they made`,
    );
    assert.equal(byChain.length, winners.length, `${what}: verifications by scan = accepted scans`);
    assert.equal(new Set(byChain).size, byChain.length, `${what}: one scan verified two holders`);
    assert.ok(
      byChain.every((by) => winners.includes(by)),
      `${what}: verified by someone whose scan was refused`,
    );
    assert.ok(diff.verified.filter((v) => v.method === 'teacher_close').length <= count('close'), `${what}: closes`);

    // The model takes over what happened.
    for (const { s, scanId, payload, answer } of scans) {
      m.countRate(s);
      m.book(s, scanId, payload, 'attempt', answer);
      if (answer.code === 'OK') m.markOnline(s);
    }
    prepared.forEach((p, i) => {
      if (p.op.kind === 'heartbeat' && p.scanner?.joined && answers[i]?.code === 'OK') m.markOnline(p.scanner);
    });
    m.syncFrom(after);
    await settle(h);
  }
  toString = () => `chaos(${JSON.stringify(this.ops)})`;
}

// ---------------------------------------------------------------------------------------------------------
// Generators.

const studentPick = fc.nat({ max: MAX_STUDENTS * 3 });
const scannerMode = fc.oneof(
  { arbitrary: fc.constant<ScannerMode>('eligible'), weight: 12 },
  { arbitrary: fc.constantFrom<ScannerMode>('random', 'holder', 'verified', 'holding', 'unjoined'), weight: 5 },
);
const payloadMode = fc.oneof(
  { arbitrary: fc.constant<PayloadMode>('current'), weight: 14 },
  { arbitrary: fc.constant<PayloadMode>('stale'), weight: 4 },
  { arbitrary: fc.constantFrom<PayloadMode>('forged', 'futureSeq', 'otherSession', 'garbage'), weight: 3 },
);
const scanSpec: fc.Arbitrary<ScanSpec> = fc.record({
  scanner: scannerMode,
  scannerPick: studentPick,
  chainPick: fc.nat({ max: 20 }),
  preferOpen: fc.oneof({ arbitrary: fc.constant(true), weight: 5 }, { arbitrary: fc.constant(false), weight: 1 }),
  payload: payloadMode,
  payloadPick: fc.nat({ max: 100 }),
  borrowId: fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 }),
});
const advanceMs = (stallMs: number) =>
  fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 4_999 }), weight: 12 },
    { arbitrary: fc.integer({ min: 5_000, max: 12_000 }), weight: 6 },
    { arbitrary: fc.integer({ min: 30_000, max: 31_000 }), weight: 2 },
    { arbitrary: fc.integer({ min: stallMs, max: stallMs + 2_000 }), weight: 2 },
    // Past the late cutoff: entry is over (scans WRONG_PHASE, seeds refused, sweeps close every chain).
    { arbitrary: fc.constant(10 * 60_000), weight: 1 },
  );
const chaosOp: fc.Arbitrary<ChaosOp> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('scan' as const),
      scanner: scannerMode,
      pick: studentPick,
      stale: fc.boolean(),
    }),
    weight: 6,
  },
  { arbitrary: fc.constant({ kind: 'sweep' as const }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('seed' as const), count: fc.integer({ min: 1, max: 2 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('close' as const), pick: studentPick }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('hand' as const), pick: studentPick }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('heartbeat' as const), pick: studentPick }), weight: 1 },
);

function commands(stallMs: number): fc.Arbitrary<Iterable<Cmd>> {
  const weighted = fc.oneof(
    { arbitrary: studentPick.map((i) => new JoinCmd(i)), weight: 2 },
    { arbitrary: fc.constant(new HeartbeatCmd('all')), weight: 3 },
    { arbitrary: studentPick.map((i) => new HeartbeatCmd(i)), weight: 1 },
    {
      arbitrary: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.constant('auto' as const)).map((k) => new SeedCmd(k)),
      weight: 2,
    },
    { arbitrary: scanSpec.map((spec) => new ScanCmd(spec)), weight: 14 },
    { arbitrary: fc.tuple(fc.nat({ max: 100 }), fc.boolean()).map(([p, same]) => new ReplayCmd(p, same)), weight: 3 },
    {
      arbitrary: fc
        .tuple(fc.array(studentPick, { minLength: 2, maxLength: 4 }), fc.nat({ max: 20 }))
        .map(([picks, chain]) => new ConcurrentScanCmd(picks, chain)),
      weight: 3,
    },
    {
      arbitrary: fc
        .tuple(scannerMode, fc.nat({ max: 100 }), fc.boolean())
        .map(([mode, pick, stale]) => new DuplicateScanCmd(mode, pick, stale)),
      weight: 2,
    },
    { arbitrary: advanceMs(stallMs).map((ms) => new AdvanceCmd(ms)), weight: 5 },
    { arbitrary: fc.constant(new SweepCmd()), weight: 3 },
    { arbitrary: fc.constant(new LapseCmd()), weight: 2 },
    {
      arbitrary: fc
        .tuple(
          fc.nat({ max: 20 }),
          fc.oneof(
            { arbitrary: scannerMode, weight: 3 },
            { arbitrary: fc.constant<ScannerMode | 'back'>('back'), weight: 2 },
          ),
          studentPick,
        )
        .map(([chain, mode, pick]) => new HandCmd(chain, mode, pick)),
      weight: 2,
    },
    {
      arbitrary: fc
        .tuple(fc.nat({ max: 20 }), fc.constantFrom<CloseCmd['mode']>('open', 'any', 'busy'))
        .map(([chain, mode]) => new CloseCmd(chain, mode)),
      weight: 1,
    },
    { arbitrary: fc.array(chaosOp, { minLength: 2, maxLength: 6 }).map((ops) => new ChaosCmd(ops)), weight: 2 },
    {
      arbitrary: fc.tuple(fc.nat({ max: 20 }), fc.nat({ max: 20 })).map(([c, v]) => new StaleCacheCmd(c, v)),
      weight: 2,
    },
    {
      arbitrary: fc
        .tuple(studentPick, fc.integer({ min: 5, max: 24 }), fc.nat({ max: 100 }))
        .map(([pick, n, payloadPick]) => new BurstCmd(pick, n, payloadPick)),
      weight: 1,
    },
  );
  return fc.commands([weighted], { maxCommands: 40, size: 'max' });
}

const worldOptions: fc.Arbitrary<WorldOptions & { preJoined: number; initialChains: number }> = fc.record({
  students: fc.integer({ min: 4, max: MAX_STUDENTS }),
  preJoined: fc.oneof(
    { arbitrary: fc.constant(MAX_STUDENTS), weight: 3 },
    { arbitrary: fc.integer({ min: 0, max: MAX_STUDENTS }), weight: 1 },
  ),
  initialChains: fc.integer({ min: 0, max: 2 }),
  autoReseed: fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }),
  acceptPreviousSteps: fc.constantFrom(0, 1, 1, 2),
  stallSeconds: fc.constantFrom(10, 60),
  clockOffset: fc.integer({ min: 0, max: 4_999 }),
  seed: fc.integer(),
});

// ---------------------------------------------------------------------------------------------------------

describe('entry chains under random interleavings (model-based, SQLite)', () => {
  it(
    'keep every invariant and answer as the model predicts',
    async () => {
      const totals = {
        runs: 0,
        commands: 0,
        scans: 0,
        verified: 0,
        chains: 0,
        staleCacheScans: 0,
        outcomes: {} as Record<string, number>,
        notes: {} as Record<string, number>,
      };
      await fc.assert(
        fc.asyncProperty(
          worldOptions.chain((options) => fc.tuple(fc.constant(options), commands(options.stallSeconds * 1000))),
          async ([options, cmds]) => {
            const world = await openWorld(options);
            try {
              const h = new Harness(world);
              const m = h.model;
              for (const s of m.students.slice(0, options.preJoined)) await join(h, s);
              if (options.initialChains > 0) await seed(h, options.initialChains);
              await settle(h);
              const list = [...cmds];
              await fc.asyncModelRun(() => ({ model: m, real: h }), list);
              // The teacher ends the entry phase by closing every open chain, and every closed one whose last
              // holder still awaits verification (a sweep closes chains quietly): all last holders are verified.
              for (const chain of m.chains) {
                if (chain.state !== 'closed' || m.student(chain.holderId).entry === null) await close(h, chain);
              }
              await settle(h);
              const rows = await h.rows();
              for (const row of rows.att.values()) {
                assert.equal(row.holding, null);
                if (row.entry !== null) assert.ok(row.entryMethod === 'chain' || row.entryMethod === 'teacher_close');
              }
              for (const chain of m.chains)
                assert.ok(m.student(chain.holderId).entry !== null, 'last holders verified');
              totals.runs++;
              totals.commands += list.length;
              totals.scans += h.scansSent;
              totals.verified += [...rows.att.values()].filter((r) => r.entry !== null).length;
              totals.chains += m.chains.length;
              totals.staleCacheScans += h.staleViews;
              for (const [key, n] of h.outcomes) totals.outcomes[key] = (totals.outcomes[key] ?? 0) + n;
              for (const [key, n] of h.notes) totals.notes[key] = (totals.notes[key] ?? 0) + n;
            } finally {
              await closeWorld(world);
            }
          },
        ),
        { numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS },
      );
      console.warn(`[chain property] ${JSON.stringify(totals)}`);
      // A quarter of the runs at least, even on a loaded machine that hits the time limit: not a vacuous pass.
      expect(totals.runs).toBeGreaterThanOrEqual(Math.min(RUNS, MIN_RUNS));
    },
    TIME_LIMIT_MS + 60_000,
  );
});

// ---------------------------------------------------------------------------------------------------------
// Minimal reproductions of what the property found (fixed since), and of the behaviour the fixes settled on.

describe('found by the chain property', () => {
  const small: WorldOptions = {
    students: 2,
    autoReseed: true,
    acceptPreviousSteps: 1,
    stallSeconds: 60,
    clockOffset: 0,
    seed: 1,
  };

  // Was a 500: passTo updated the target's attendance row twice in one commit (as previous holder and as taker). Reachable: a
  // sweep closes a chain quietly (its holder went offline, nobody else eligible); the holder is then unverified
  // and free, so the teacher may hand the chain back to them. Now the commit writes their row once.
  it('handing a quietly closed chain back to its last holder makes them hold it again', async () => {
    const world = await openWorld(small);
    try {
      const h = new Harness(world);
      const a = h.model.students[0] as ModelStudent;
      await join(h, a);
      await seed(h, 1); // a holds the chain
      h.advance(31_000); // a goes offline
      await sweep(h); // no other candidate: the chain is closed quietly, a unverified and free
      const chain = h.model.chains[0] as ModelChain;
      expect(chain.state).toBe('closed');
      const before = await h.rows();
      await hand(h, chain, a); // predicted OK; also checks the audit event and that nobody is verified
      const after = await h.rows();
      const row = after.chains.get(chain.chainId)?.value;
      const was = before.chains.get(chain.chainId)?.value;
      assert.ok(row && was);
      expect([row.state, row.seq, row.holderId, row.length]).toEqual(['active', was.seq + 1, a.id, was.length]);
      expect(after.att.get(a.id)?.holding).toEqual({ chainId: chain.chainId, phase: 'entry' });
      expect(after.att.get(a.id)?.entry).toBeNull();
      expect(verificationDiff(before, after).verified).toEqual([]);
      await settle(h);
    } finally {
      await closeWorld(world);
    }
  });

  // Was a spec deviation (PRODUCT §5: every scan attempt is an audit event): the membership check ran before
  // the try/refuse block, so a scan by a student who had not joined answered NOT_FOUND and left no trace.
  it('a scan by a student who has not joined is audited once, and its answer is kept', async () => {
    const world = await openWorld(small);
    try {
      const h = new Harness(world);
      const [a, b] = h.model.students as [ModelStudent, ModelStudent];
      await join(h, a);
      await seed(h, 1);
      await settle(h);
      const payload = await h.payloadOf(h.model.chains[0] as ModelChain);
      assert.ok(payload);
      const before = await h.rows();
      expect(await h.scan(b, 'not-joined-1', payload)).toEqual({ code: 'NOT_FOUND' });
      const after = await h.rows();
      expect(newEvents(before, after)).toEqual([`scan ${b.id} NOT_FOUND`]);
      // A replay (even after joining) returns the kept answer and writes nothing.
      await join(h, b);
      const joined = await h.rows();
      expect(await h.scan(b, 'not-joined-1', payload)).toEqual({ code: 'NOT_FOUND' });
      expect(newEvents(joined, await h.rows())).toEqual([]);
    } finally {
      await closeWorld(world);
    }
  });

  // The rate limits run before the membership check: attempts made before joining count.
  it('scans by a student who has not joined count against their rate limit', async () => {
    const world = await openWorld(small);
    try {
      const h = new Harness(world);
      const [a, b] = h.model.students as [ModelStudent, ModelStudent];
      await join(h, a);
      await seed(h, 1);
      await settle(h);
      const payload = await h.payloadOf(h.model.chains[0] as ModelChain);
      assert.ok(payload);
      for (let i = 0; i < SCAN_LIMITS.perAccount; i++)
        expect(await h.scan(b, h.model.newScanId(), payload)).toEqual({ code: 'NOT_FOUND' });
      await join(h, b);
      expect(await h.scan(b, h.model.newScanId(), payload)).toEqual({ code: 'RATE_LIMITED' });
      h.advance(SCAN_LIMITS.windowMs);
      await heartbeat(h, a);
      await settle(h);
      const fresh = await h.payloadOf(h.model.chains[0] as ModelChain);
      assert.ok(fresh);
      expect(await h.scan(b, h.model.newScanId(), fresh)).toEqual({ code: 'OK' });
    } finally {
      await closeWorld(world);
    }
  });

  // closeChain verifies the last holder only when they hold no other chain: that chain's hand-off verifies them.
  it('closing a chain whose last holder now holds another chain verifies nobody', async () => {
    const world = await openWorld({ ...small, students: 3 });
    try {
      const h = new Harness(world);
      const [a, b] = h.model.students as [ModelStudent, ModelStudent];
      await join(h, a);
      await seed(h, 1); // a holds x
      h.advance(31_000); // a goes offline
      await sweep(h); // x closed quietly
      await heartbeat(h, a);
      await seed(h, 1); // a, the only candidate, holds y
      const [x, y] = h.model.chains as [ModelChain, ModelChain];
      expect([x.state, y.state, y.holderId, a.holding]).toEqual(['closed', 'active', a.id, y.chainId]);
      await close(h, x); // predicted: nobody verified, a keeps holding y
      await settle(h);
      expect([a.entry, a.holding]).toEqual([null, y.chainId]);
      await join(h, b);
      await settle(h);
      const payload = await h.payloadOf(y);
      assert.ok(payload);
      expect(await h.scan(b, h.model.newScanId(), payload)).toEqual({ code: 'OK' }); // verifies a, y one longer
      expect(a.entry?.method).toBe('chain');
      expect(y.length).toBe(1);
      await settle(h);
    } finally {
      await closeWorld(world);
    }
  });

  // handChain checks the phase like scans do: an entry chain only while entry is open.
  it('handing an entry chain after entry closed answers WRONG_PHASE', async () => {
    const world = await openWorld(small);
    try {
      const h = new Harness(world);
      const [a, b] = h.model.students as [ModelStudent, ModelStudent];
      await join(h, a);
      await join(h, b);
      await seed(h, 1);
      const chain = h.model.chains[0] as ModelChain;
      const other = chain.holderId === a.id ? b : a;
      h.advance(10 * 60_000); // past the late cutoff
      const before = await h.rows();
      await hand(h, chain, other); // predicted WRONG_PHASE
      expect((await h.rows()).raw).toEqual(before.raw);
      await settle(h);
    } finally {
      await closeWorld(world);
    }
  });
});
