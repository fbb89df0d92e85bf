/**
 * One simulated class from sign-in to export. Set-up (not measured): the teacher and the students sign in through
 * the dev outbox, the session is created with the roster and started, the dashboard, the projector and every
 * student's phone connect to real time, the students in the room join and keep heartbeats. The class (measured
 * from the teacher starting entry chains): hand-offs until everyone in the room is verified — the last holders by
 * a verified classmate, no teacher needed — then on-time entry closes, late arrivals scan the late code, early
 * leavers the early-leave code, with --exit exit chains run in the exit window (the last holders check out with
 * the exit code), and the teacher closes what is still open, ends the session and exports. Then the checks: the
 * export against the simulated truth, the audit log (one winner per baton, nobody verified twice) and the chains'
 * lengths against the hand-offs seen.
 */
import type { AuditEvent, ChainPhase } from '@qrca/contract';
import { must, type ApiClient } from '../api/api-client';
import { eachLimited, signIn, type Person } from '../api/sign-in';
import { pick, seededRandom, shuffled, type Uniform } from '../util/random';
import {
  callDelay,
  photoDelay,
  REMOTE_KINDS,
  spotCheckCatchRate,
  spotCheckWeight,
  tallyRows,
  SPOT_CHECK_NAMES,
  type AttackPlan,
  type AttackTally,
  type HonestTally,
} from './attack';
import { relay, type RelayResult } from './cheater';
import { Hall } from './hall';
import { compareInsights, type InsightsTruth } from './insights-check';
import { CAMPUS_CIDR, campusIp, homeIp, teacherCampusIp } from './network';
import { Phone } from './phone';
import type { ClassPlan } from './plan';
import { Teacher, type ClosedChain } from './teacher';
import { compareExport, type ExportCheck, type StudentTruth } from './truth';

/** On-time entry stays open this long at most (the teacher closes it as soon as everyone present is verified). */
const LATE_CUTOFF_MINUTES = 30;
/** The exit window; the teacher moves the end time to open it when the class gets there. */
const EXIT_WINDOW_MINUTES = 31;
/** The simulator gives a chain phase this long before the teacher closes what is left. */
const PHASE_CAP_MS = 5 * 60_000;
/** Requests in flight per class while setting up. */
const SETUP_CONCURRENCY = 24;
/** How long the dashboard may take to show a verification before it counts as lost. */
const REALTIME_GRACE_MS = 5_000;
/** With holders shown and nobody to scan them for this long, the teacher starts more chains. */
const RESEED_AFTER_MS = 3_000;
/** A last holder's chain is ended by classmates at most this many times (a refused try is tried again). */
const END_ATTEMPTS = 3;
/** Times in the export may differ from the client's window by this much (same machine: rounding only). */
const TIME_TOLERANCE_MS = 1_000;
/** The insights' times may lie outside the client's windows by this much (one machine: millisecond rounding). */
const INSIGHTS_TOLERANCE_MS = 25;

export interface ClassSettings {
  readonly plan: ClassPlan;
  readonly api: ApiClient;
  /** Index of this class's first student among all students of the run (for unique client addresses). */
  readonly firstStudent: number;
  readonly chains: number | 'auto';
  readonly scanMedianMs: number;
  readonly scanSigma: number;
  readonly exit: boolean;
  readonly seed: number;
  readonly log: (line: string) => void;
  /** Extra pause between phases (the demo's, so a person can follow). */
  readonly pauseMs: number;
  /** /24s of the campus NAT pool the hall's phones come from (network.ts). */
  readonly campusSubnets: number;
  /** A cheating scenario: its plan and the client its cheaters (and their friends' relays) call through. */
  readonly attack?: { readonly plan: AttackPlan; readonly api: ApiClient; readonly spotCheckDraws: number };
}

/** What the server made of a class's cheaters and its honest students. */
export interface ClassAttack {
  readonly tally: AttackTally;
  readonly honest: HonestTally;
  /** The chance that a spot check of 5 names names a verified cheater, from the rows' flags and the weighting. */
  readonly catchRateExpected: number | null;
  /** Spot checks drawn by the server (POST …/spot-checks), and those naming at least one cheater; null: not drawn. */
  readonly spotChecks: {
    readonly drawn: number;
    readonly caught: number;
    /** Students named by the draws (each keeps the mark of their latest). */
    readonly named: number;
    readonly note?: string;
  } | null;
  readonly relays: readonly RelayResult[];
}

export interface ClassResult {
  readonly classIndex: number;
  readonly sessionId: string;
  readonly roster: number;
  readonly onTime: number;
  readonly late: number;
  readonly noShow: number;
  readonly earlyLeave: number;
  /** Present students (on time or late) verified on entry. */
  readonly verified: number;
  readonly present: number;
  readonly unverified: readonly string[];
  readonly exitVerified: number;
  readonly exitExpected: number;
  readonly initialChains: number;
  readonly teacherSeeds: number;
  /** When the teacher started the entry chains, and when each on-time student's verification was answered. */
  readonly entryStart: number;
  readonly entryMoments: readonly number[];
  readonly entryEnd: number;
  readonly exitStart: number | null;
  readonly exitMoments: readonly number[];
  readonly handoffs: number;
  readonly chainEnds: number;
  readonly exitCodeEnds: number;
  readonly teacherCloses: number;
  readonly stalls: number;
  readonly reseeds: number;
  /** Each scan's time from request to answer, ms. */
  readonly scanMs: readonly number[];
  /** Answered verification → the teacher's dashboard event, ms, with the instance that served it. */
  readonly realtime: readonly { readonly ms: number; readonly instance: number }[];
  readonly realtimeLost: number;
  readonly realtimeLostByInstance: Readonly<Record<number, number>>;
  readonly exportCheck: ExportCheck;
  /** Where GET …/insights differs from what the simulation saw (insights-check.ts); empty when it agrees. */
  readonly insightsMismatches: readonly string[];
  readonly exactness: Exactness;
  readonly problems: readonly string[];
  readonly setupMs: number;
  readonly runMs: number;
  readonly attack?: ClassAttack;
}

export interface Exactness {
  /** Students verified twice in one phase by accepted chain scans (audit log). */
  readonly doubleVerifications: number;
  /** Batons (chain and seq) taken by more than one accepted scan (audit log). */
  readonly batonsWithTwoWinners: number;
  /** Accepted chain scans in the audit log, and as the simulator saw them answered. */
  readonly acceptedChainScans: number;
  readonly observedChainScans: number;
  /** The chains' lengths added up (students verified by a chain), and the chain verifications seen. */
  readonly chainLengths: number;
  readonly chainVerificationsSeen: number;
}

/** A class ready to run: signed in, session started, everyone in the room joined and connected. */
export interface PreparedClass {
  readonly settings: ClassSettings;
  readonly teacher: Teacher;
  readonly hall: Hall;
  readonly phones: readonly Phone[];
  readonly absent: readonly string[];
  readonly setupMs: number;
  readonly random: Uniform;
  /** The cheaters' phones (also in `phones`), and those of them at home. */
  readonly cheaters: readonly Phone[];
  readonly remote: ReadonlySet<string>;
}

/** Set-up of one class (see the module comment). @throws Error when the API refuses a step. */
export async function prepareClass(settings: ClassSettings): Promise<PreparedClass> {
  const began = Date.now();
  const { plan, api, log } = settings;
  const label = `class ${plan.classIndex + 1}`;
  const subnets = settings.campusSubnets;
  const teacherPerson = await signIn(api, plan.teacherEmail, teacherCampusIp(plan.classIndex, subnets));
  const comers = plan.students.filter((s) => s.arrival !== 'no_show');
  const attack = settings.attack;
  const cheaterOf = new Map((attack?.plan.cheaters ?? []).map((c) => [c.index, c]));
  const remoteKind = attack !== undefined && REMOTE_KINDS.has(attack.plan.kind);
  const people = new Map<number, Person>();
  const shares = (index: number) => attack?.plan.kind === 'shared-device' && cheaterOf.has(index);
  // Everyone on their own phone first; then the accounts signed in on a friend's phone (its key and address).
  await eachLimited(
    comers.filter((s) => !shares(s.index)),
    SETUP_CONCURRENCY,
    async (student) => {
      const ip =
        remoteKind && cheaterOf.has(student.index)
          ? homeIp(settings.firstStudent + student.index)
          : campusIp(settings.firstStudent + student.index, subnets);
      people.set(
        student.index,
        await signIn(attack && cheaterOf.has(student.index) ? attack.api : api, student.email, ip, true),
      );
    },
  );
  await eachLimited(
    comers.filter((s) => shares(s.index)),
    SETUP_CONCURRENCY,
    async (student) => {
      const friend = people.get(cheaterOf.get(student.index)?.friendIndex ?? -1) as Person;
      people.set(student.index, await signIn(attack?.api ?? api, student.email, friend.ip, friend.device ?? true));
    },
  );
  log(`${label}: ${comers.length} students and the teacher signed in (${((Date.now() - began) / 1000).toFixed(1)} s)`);

  const teacher = new Teacher(teacherPerson, api);
  const session = await teacher.openSession(
    `Simulated class ${plan.classIndex + 1}`,
    plan.students.map((s) => s.email),
    { lateCutoffMinutes: LATE_CUTOFF_MINUTES, exitWindowMinutes: EXIT_WINDOW_MINUTES },
    attack?.plan.kind === 'off-network' ? { networks: { cidrs: [CAMPUS_CIDR], mode: 'enforce' } } : undefined,
  );
  const hall = new Hall(session.id, (kind) => teacher.code(kind));
  await teacher.connect(hall);
  const phones = comers.map(
    (student) =>
      new Phone(people.get(student.index) as Person, student, {
        api: attack && cheaterOf.has(student.index) ? attack.api : api,
        remote: remoteKind && cheaterOf.has(student.index),
        hall,
        sessionId: session.id,
        joinCode: session.joinCode,
        random: seededRandom(settings.seed, `phone:${plan.classIndex}:${student.index}`),
        scanMedianMs: settings.scanMedianMs,
        scanSigma: settings.scanSigma,
      }),
  );
  const cheaters = phones.filter((p) => cheaterOf.has(p.plan.index));
  const remote = new Set(remoteKind ? cheaters.map((p) => p.id) : []);
  const inRoom = phones.filter((p) => p.plan.arrival === 'on_time');
  await eachLimited(inRoom, SETUP_CONCURRENCY, async (phone) => {
    if (cheaterOf.has(phone.plan.index)) {
      // A cheater opens the app with the join code a friend sent; a refusal (e.g. off the network) stops them.
      const joined = await phone.join().then(
        () => true,
        () => false,
      );
      if (!joined) return;
    } else await phone.join();
    await phone.connect();
    phone.startHeartbeats();
  });
  const setupMs = Date.now() - began;
  log(
    `${label}: session ${session.id}, ${inRoom.length} in the room joined and connected (${(setupMs / 1000).toFixed(1)} s)`,
  );
  return {
    settings,
    teacher,
    hall,
    phones,
    absent: plan.students.filter((s) => s.arrival === 'no_show').map((s) => s.email),
    setupMs,
    random: seededRandom(settings.seed, `class:${plan.classIndex}`),
    cheaters,
    remote,
  };
}

/** Runs a prepared class to its end and checks it (see the module comment). @throws Error when a step is refused. */
export async function runClass(prepared: PreparedClass): Promise<ClassResult> {
  const { settings, teacher, hall, phones, random, remote } = prepared;
  const { log } = settings;
  const here = (p: Phone) => !remote.has(p.id);
  const label = `class ${settings.plan.classIndex + 1}`;
  const began = Date.now();
  const pause = () => new Promise((resolve) => setTimeout(resolve, settings.pauseMs));
  let teacherSeeds = 0;
  const closes: { holderId: string; phase: ChainPhase }[] = [];

  // --- Entry: chains through the students in the room.
  const onTime = phones.filter((p) => p.plan.arrival === 'on_time' && here(p) && p.joined);
  const entryStart = Date.now();
  const initial = await teacher.startChains('entry', settings.chains);
  log(`${label}: ${initial.length} entry chains started for ${onTime.length} students`);
  // Cheaters at home relay through a friend in the room meanwhile (until the teacher starts closing up).
  let closing = false;
  let entryClosed: () => void = () => undefined;
  const relays = startRelays(
    prepared,
    entryStart,
    new Promise<void>((resolve) => (entryClosed = resolve)),
    () => !closing,
  );
  let quickCloses = 0;
  const entry = await chainPhase(
    prepared,
    'entry',
    onTime,
    () => teacherSeeds++,
    () => quickCloses++,
  );
  const entryEnd = Date.now();
  log(
    `${label}: entry ${entry.complete ? 'complete' : 'INCOMPLETE'} after ${((entryEnd - entryStart) / 1000).toFixed(1)} s`,
  );
  if (!entry.complete) closes.push(...(await closeOpenChains(prepared)));
  await teacher.closeEntry();
  entryClosed();
  await pause();

  // --- Late arrivals: join, connect, scan the late code.
  const late = phones.filter((p) => p.plan.arrival === 'late');
  await Promise.all(
    late.map(async (phone) => {
      await sleepMs(random() * 2_000);
      await phone.join();
      await phone.connect();
      phone.startHeartbeats();
      await phone.projectorScan('late');
    }),
  );
  if (late.length > 0) await pause();

  // --- Early leave: the window opens, the leavers scan its code and go.
  const leavers = phones.filter((p) => here(p) && p.plan.leavesEarly && hall.isVerified(p.id, 'entry'));
  if (leavers.length > 0) {
    await teacher.earlyLeave(true);
    await Promise.all(
      leavers.map(async (phone) => {
        if (await phone.projectorScan('early-leave')) await phone.leave();
      }),
    );
    await teacher.earlyLeave(false);
    await pause();
  }

  // --- Exit: chains through everyone who came and stayed; the last holders check out with the exit code.
  let exitStart: number | null = null;
  const stayers = phones.filter((p) => here(p) && p.joined && !p.left && hall.isVerified(p.id, 'entry'));
  if (settings.exit) {
    await teacher.openExitWindow(EXIT_WINDOW_MINUTES);
    exitStart = Date.now();
    const exitChains = await teacher.startChains('exit', settings.chains);
    log(`${label}: ${exitChains.length} exit chains started for ${stayers.length} students`);
    const exit = await chainPhase(
      prepared,
      'exit',
      stayers,
      () => teacherSeeds++,
      () => quickCloses++,
    );
    log(
      `${label}: exit ${exit.complete ? 'complete' : 'INCOMPLETE'} after ${((Date.now() - exitStart) / 1000).toFixed(1)} s`,
    );
  }

  // --- The end: the relays run out, the teacher closes what is still open, ends the session and exports.
  const relayResults = await relays;
  closing = true;
  closes.push(...(await closeOpenChains(prepared)));
  const attack = settings.attack ? await tallyAttack(prepared, settings.attack, relayResults) : undefined;
  for (const phone of phones) phone.stopHeartbeats();
  await teacher.endSession();
  const runMs = Date.now() - began;

  // Real time: every verification should reach the dashboard; give late deliveries a bound.
  const expectedEvents = () => hall.verifications.filter((v) => !teacher.seenAt.has(`${v.kind}:${v.studentId}`));
  for (let waited = 0; expectedEvents().length > 0 && waited < REALTIME_GRACE_MS; waited += 100) await sleepMs(100);
  const realtime = hall.verifications.flatMap((v) => {
    const seen = teacher.seenAt.get(`${v.kind}:${v.studentId}`);
    return seen === undefined ? [] : [{ ms: Math.max(0, seen - v.window.to), instance: v.instance }];
  });
  const lostByInstance: Record<number, number> = {};
  for (const v of expectedEvents()) lostByInstance[v.instance] = (lostByInstance[v.instance] ?? 0) + 1;

  const checks = await checkClass(prepared, exitStart !== null, attack?.spotChecks?.named ?? 0);
  await Promise.all(phones.map((p) => p.disconnect()));
  await teacher.disconnect();

  const present = phones.filter((p) => p.plan.arrival !== 'no_show' && here(p));
  const verifiedOnEntry = present.filter((p) => hall.isVerified(p.id, 'entry'));
  const entryMoments = hall.verifications
    .filter((v) => v.kind === 'entry' && onTime.some((p) => p.id === v.studentId))
    .map((v) => v.window.to);
  return {
    classIndex: settings.plan.classIndex,
    sessionId: teacher.sessionId,
    roster: settings.plan.students.length,
    onTime: onTime.length,
    late: late.length,
    noShow: prepared.absent.length,
    earlyLeave: leavers.length,
    verified: verifiedOnEntry.length,
    present: present.length,
    unverified: present.filter((p) => !hall.isVerified(p.id, 'entry')).map((p) => p.person.email),
    exitVerified: settings.exit ? stayers.filter((p) => hall.isVerified(p.id, 'exit')).length : 0,
    exitExpected: settings.exit ? stayers.length : 0,
    initialChains: initial.length,
    teacherSeeds,
    entryStart,
    entryMoments,
    entryEnd,
    exitStart,
    exitMoments: hall.verifications.filter((v) => v.kind === 'exit').map((v) => v.window.to),
    handoffs: hall.handoffs,
    chainEnds: hall.chainEnds,
    exitCodeEnds: hall.exitCodeEnds,
    teacherCloses: closes.length + quickCloses,
    stalls: teacher.stalls,
    reseeds: checks.reseeds,
    scanMs: hall.scanMs,
    realtime,
    realtimeLost: expectedEvents().length,
    realtimeLostByInstance: lostByInstance,
    exportCheck: checks.exportCheck,
    insightsMismatches: checks.insights,
    exactness: checks.exactness,
    problems: [
      ...hall.problems,
      ...(teacher.invalidEvents > 0 ? [`${teacher.invalidEvents} dashboard events outside their schema`] : []),
    ],
    setupMs: prepared.setupMs,
    runMs,
    ...(attack ? { attack } : {}),
  };
}

/** Starts every remote cheater's relays (attack.ts, cheater.ts); resolves with their results. */
function startRelays(
  prepared: PreparedClass,
  entryStart: number,
  entryClosed: Promise<void>,
  open: () => boolean,
): Promise<RelayResult[]> {
  const { settings, hall, phones, teacher, remote } = prepared;
  const attack = settings.attack;
  if (!attack || remote.size === 0) return Promise.resolve([]);
  const byIndex = new Map(phones.map((p) => [p.plan.index, p]));
  return Promise.all(
    attack.plan.cheaters.flatMap((plan) => {
      const cheater = byIndex.get(plan.index);
      const friend = byIndex.get(plan.friendIndex);
      if (!cheater || !friend || !cheater.joined) return [];
      const random = seededRandom(settings.seed, `relay:${settings.plan.classIndex}:${plan.index}`);
      const draw = attack.plan.kind === 'screenshot-relay' ? photoDelay : callDelay;
      // The planned delays first; a relay tried again draws a fresh one.
      const planned = { next: [plan.delayMs], back: [plan.returnDelayMs] };
      const delays = {
        next: () => planned.next.shift() ?? draw(random),
        back: () => planned.back.shift() ?? draw(random),
      };
      // A relay that broke (not refused: refusals are booked by the attack's client) fails the run's checks.
      const failed = (error: unknown): RelayResult => {
        hall.problems.push(`relay of ${cheater.id} broke: ${error instanceof Error ? error.message : String(error)}`);
        return { attempts: 0, accepted: 0, passedBack: false };
      };
      return [
        relay(plan, cheater, friend, delays, {
          hall,
          sessionId: teacher.sessionId,
          api: attack.api,
          random,
          entryStart,
          entryClosed,
          open,
        }).catch(failed),
      ];
    }),
  );
}

/**
 * The attack's outcome from the teacher's attendance rows (after the chains are closed, before the session ends):
 * the tally, the expected catch rate of a 5-name spot check, and — when the server has spot checks — that many
 * drawn by it.
 */
async function tallyAttack(
  prepared: PreparedClass,
  attack: NonNullable<ClassSettings['attack']>,
  relays: readonly RelayResult[],
): Promise<ClassAttack> {
  const { teacher, phones, cheaters } = prepared;
  const { rows } = must(
    // The teacher's calls are not the cheaters': a refusal here is not an attack's outcome (quiet).
    await attack.api.call('attendanceGet', { params: { id: teacher.sessionId }, as: teacher.person, quiet: true }),
    'attendance',
  );
  const cheaterIds = new Set(cheaters.map((p) => p.id));
  const honestIds = new Set(
    phones.filter((p) => !cheaterIds.has(p.id) && p.plan.arrival !== 'no_show' && p.joined).map((p) => p.id),
  );
  const { attack: tally, honest } = tallyRows(rows, cheaterIds, honestIds);
  const pool = rows
    .filter((r) => r.entry !== null && r.override === null)
    .map((r) => ({ weight: spotCheckWeight(r.flags), cheater: cheaterIds.has(r.studentId) }));
  const catchRateExpected = spotCheckCatchRate(pool, SPOT_CHECK_NAMES);
  let spotChecks: ClassAttack['spotChecks'] = null;
  if (attack.spotCheckDraws > 0 && tally.cheaters > 0) {
    let drawn = 0;
    let caught = 0;
    let note: string | undefined;
    const named = new Set<string>();
    for (let i = 0; i < attack.spotCheckDraws; i++) {
      const answer = await attack.api.call('spotChecksStart', {
        params: { id: teacher.sessionId },
        body: { count: SPOT_CHECK_NAMES },
        as: teacher.person,
        quiet: true,
      });
      if (!answer.ok) {
        note = `${answer.status} ${answer.code}`;
        break;
      }
      drawn++;
      for (const picked of answer.data.students) named.add(picked.studentId);
      if (answer.data.students.some((s) => cheaterIds.has(s.studentId))) caught++;
    }
    spotChecks = { drawn, caught, named: named.size, ...(note ? { note } : {}) };
  }
  return { tally, honest, catchRateExpected, spotChecks, relays };
}

function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs one chain phase over `people` until each is verified in it or {@link PHASE_CAP_MS} passes. Meanwhile:
 * once nobody is left to scan the last holders, they are ended — entry by a verified classmate each, exit with
 * the projector's exit code; and when holders vanish while people still wait, the teacher starts more chains.
 */
async function chainPhase(
  prepared: PreparedClass,
  phase: ChainPhase,
  people: readonly Phone[],
  onTeacherSeed: () => void,
  onTeacherClose: () => void,
): Promise<{ complete: boolean }> {
  const { hall, teacher, random, phones, settings, remote } = prepared;
  const deadline = Date.now() + PHASE_CAP_MS;
  const open = () => Date.now() < deadline;
  const byId = new Map(phones.map((p) => [p.id, p]));
  const running = people.map((p) => p.chainPhase(phase, open));
  const ending = new Map<string, number>(); // holder → attempts
  const busy = new Set<string>();
  let idleSince: number | undefined;
  const unverified = () => people.filter((p) => !p.left && !hall.isVerified(p.id, phase));
  while (open() && unverified().length > 0) {
    const waiting = unverified().filter((p) => p.hold?.phase !== phase);
    const holders = hall.holders(phase).filter((id) => !hall.isVerified(id, phase));
    if (waiting.length === 0 && hall.inFlight === 0) {
      // Nobody is left to scan the last holders: they must not wait for a teacher.
      for (const holderId of holders) {
        const attempts = ending.get(holderId) ?? 0;
        if (busy.has(holderId)) continue;
        if (attempts >= END_ATTEMPTS) {
          // Classmates were refused (the server still counts someone who could take the baton — a student at
          // home, say): with everyone in the room verified, the teacher closes the chain.
          const shown = hall.shownBy(holderId);
          if (remote.size === 0 || !shown || attempts > END_ATTEMPTS) continue;
          ending.set(holderId, attempts + 1);
          busy.add(holderId);
          void teacher
            .closeChain(shown.chainId)
            .then((closed) => {
              if (recordTeacherClose(hall, closed)) onTeacherClose();
            })
            .catch(() => undefined)
            .finally(() => busy.delete(holderId));
          continue;
        }
        const holder = byId.get(holderId);
        if (!holder) continue;
        ending.set(holderId, attempts + 1);
        busy.add(holderId);
        const done = () => busy.delete(holderId);
        if (phase === 'exit') {
          void holder.projectorScan('exit').finally(done);
          continue;
        }
        const classmate = pick(
          random,
          shuffled(random, phones).filter(
            (p) =>
              p.joined &&
              !p.left &&
              !prepared.remote.has(p.id) &&
              hall.isVerified(p.id, phase) &&
              !hall.shownBy(p.id) &&
              !busy.has(`by:${p.id}`) &&
              !hall.vouched.get(phase)?.has(p.id),
          ),
        );
        if (!classmate) {
          // Nobody verified to scan them (a class of one or two): the teacher closes the chain at once.
          const shown = hall.shownBy(holderId);
          if (shown && ![...busy].some((key) => key.startsWith('by:'))) {
            void teacher
              .closeChain(shown.chainId)
              .then((closed) => {
                if (recordTeacherClose(hall, closed)) onTeacherClose();
              })
              .finally(done);
          } else done();
          continue;
        }
        busy.add(`by:${classmate.id}`);
        void classmate.endChainOf(holderId, phase).finally(() => {
          busy.delete(`by:${classmate.id}`);
          done();
        });
      }
    }
    // Holders gone (chains closed quietly) while people still wait: the teacher starts more.
    if (waiting.length > 0 && holders.length === 0 && hall.inFlight === 0) {
      idleSince ??= Date.now();
      // Chains held by phones at home show nowhere in the hall: the teacher sees people waiting and no baton.
      const hidden = prepared.cheaters.filter((p) => prepared.remote.has(p.id) && p.hold?.phase === phase).length;
      if (Date.now() - idleSince > RESEED_AFTER_MS && teacher.openChains(phase) <= hidden) {
        const count = settings.chains === 'auto' ? 'auto' : Math.min(settings.chains, waiting.length);
        await teacher.startChains(phase, count).catch(() => undefined);
        onTeacherSeed();
        idleSince = undefined;
      }
    } else idleSince = undefined;
    await hall.nextChange(250);
  }
  await Promise.all(running);
  return { complete: unverified().length === 0 };
}

/** The teacher closes every open chain; a last holder it verifies (`teacher_close`) is booked. */
async function closeOpenChains(prepared: PreparedClass): Promise<{ holderId: string; phase: ChainPhase }[]> {
  const { teacher, hall } = prepared;
  const verified: { holderId: string; phase: ChainPhase }[] = [];
  for (const closed of await teacher.closeOpenChains()) {
    const holderId = recordTeacherClose(hall, closed);
    if (holderId) verified.push({ holderId, phase: closed.chain.phase });
  }
  return verified;
}

/**
 * Books a "close chain" that checked its last holder in (one not yet verified in its phase); returns that holder,
 * or undefined when the close checked nobody in.
 */
function recordTeacherClose(hall: Hall, { chain, window, instance }: ClosedChain): string | undefined {
  if (!chain.holderId || hall.isVerified(chain.holderId, chain.phase)) return undefined;
  const kind = chain.phase === 'entry' ? 'entry' : 'exit';
  hall.record({ studentId: chain.holderId, kind, method: 'teacher_close', window, instance });
  return chain.holderId;
}

/** The export against the truth, the audit log's exactness and the reseeds it records. */
async function checkClass(
  prepared: PreparedClass,
  exitRun: boolean,
  spotCheckNamed: number,
): Promise<{ exportCheck: ExportCheck; exactness: Exactness; reseeds: number; insights: readonly string[] }> {
  const { teacher, hall, phones, settings } = prepared;
  const { api } = settings;
  const sessionId = teacher.sessionId;
  const csv = must(
    await api.text('exportGet', { params: { id: sessionId }, query: { format: 'csv' }, as: teacher.person }),
    'export',
  );
  const truths: StudentTruth[] = [
    ...phones.map((phone): StudentTruth => {
      const entry = hall.verificationOf(phone.id, 'entry') ?? hall.verificationOf(phone.id, 'late');
      const early = hall.verificationOf(phone.id, 'early');
      const exit = hall.verificationOf(phone.id, 'exit');
      return {
        email: phone.person.email,
        studentId: phone.id,
        entry: entry ? (entry.kind === 'late' ? 'late' : 'on_time') : null,
        entryMethod: entry?.method ?? null,
        ...(entry ? { entryAt: entry.window } : {}),
        ...(early ? { earlyLeaveAt: early.window } : {}),
        exitVerified: exit !== undefined,
        ...(exit ? { exitAt: exit.window } : {}),
      };
    }),
    ...prepared.absent.map((email): StudentTruth => ({ email, entry: null, entryMethod: null, exitVerified: false })),
  ];
  const exportCheck = compareExport(csv, truths, { exitRun, toleranceMs: TIME_TOLERANCE_MS });

  const events: AuditEvent[] = [];
  let cursor: string | null = null;
  do {
    const page: { events: AuditEvent[]; cursor: string | null } = must(
      await api.call('eventsList', {
        params: { id: sessionId },
        ...(cursor ? { query: { cursor } } : {}),
        as: teacher.person,
      }),
      'audit events',
    );
    events.push(...page.events);
    cursor = page.cursor;
  } while (cursor);
  const { chains } = must(await api.call('chainsList', { params: { id: sessionId }, as: teacher.person }), 'chains');
  const phaseOf = new Map(chains.map((c) => [c.chainId, c.phase]));
  const accepted = events.filter((e) => e.kind === 'scan' && e.outcome === 'accepted' && e.chainId !== undefined);
  const perBaton = new Map<string, number>();
  const perTarget = new Map<string, number>();
  for (const e of accepted) {
    const baton = `${e.chainId}:${e.seq}`;
    perBaton.set(baton, (perBaton.get(baton) ?? 0) + 1);
    const target = `${phaseOf.get(e.chainId ?? '')}:${e.targetId}`;
    perTarget.set(target, (perTarget.get(target) ?? 0) + 1);
  }
  const chainVerificationsSeen = hall.verifications.filter((v) => v.method === 'chain').length;
  // The insights of the ended session (frozen on this first look) against what the simulation saw.
  const insights = must(await api.call('insightsGet', { params: { id: sessionId }, as: teacher.person }), 'insights');
  const insightsTruth: InsightsTruth = {
    joined: phones.filter((p) => p.joined).length,
    entry: hall.verifications.filter((v) => v.kind === 'entry' || v.kind === 'late'),
    entryStart: teacher.firstEntryStart ?? null,
    acceptedChainScans: hall.handoffs + hall.chainEnds,
    chainsStarted: teacher.started,
    endedByClassmate: hall.chainEnds,
    closedByTeacher: teacher.closedChains,
    stalls: teacher.stalls,
    flags: exportCheck.flags,
    spotCheckPicked: spotCheckNamed,
  };
  const insightProblems = insights.frozen
    ? compareInsights(insights.figures, insightsTruth, INSIGHTS_TOLERANCE_MS)
    : ['the insights of the ended session are not frozen'];
  return {
    insights: insightProblems,
    exportCheck,
    exactness: {
      doubleVerifications: [...perTarget.values()].filter((n) => n > 1).length,
      batonsWithTwoWinners: [...perBaton.values()].filter((n) => n > 1).length,
      acceptedChainScans: accepted.length,
      observedChainScans: hall.handoffs + hall.chainEnds,
      chainLengths: chains.reduce((sum, c) => sum + c.length, 0),
      chainVerificationsSeen,
    },
    reseeds: events.filter((e) => e.kind === 'teacher' && e.outcome === 'chain_reseeded').length,
  };
}
