/**
 * The simulator's report: the figures of a run, built from what the classes, the HTTP client and the host
 * processes recorded; its JSON schema (checked before the file is written); and the checks that decide the exit
 * code. Pure.
 */
import { z } from 'zod';
import { SPOT_CHECK_NAMES } from '../class/attack';
import type { ClassResult } from '../class/run-class';
import { ratePerSecond, spread, tally, timeToFraction } from '../util/stats';

const SpreadSchema = z.object({
  count: z.number(),
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
  max: z.number().nullable(),
});

const ClassSummarySchema = z.object({
  class: z.number(),
  sessionId: z.string(),
  students: z.number(),
  present: z.number(),
  verified: z.number(),
  late: z.number(),
  noShow: z.number(),
  earlyLeave: z.number(),
  chains: z.number(),
  timeTo50Ms: z.number().nullable(),
  timeTo90Ms: z.number().nullable(),
  timeTo100Ms: z.number().nullable(),
  exitTimeTo100Ms: z.number().nullable(),
  exportMatches: z.boolean(),
  scanP95Ms: z.number().nullable(),
});

const RateSchema = z.number().nullable();

/** What the server made of the cheaters (--attack): each cheater once, verified with or without a flag, or not. */
export const AttackReportSchema = z.object({
  kind: z.string(),
  cheaters: z.number(),
  verifiedUnflagged: z.number(),
  flagged: z.number(),
  refused: z.number(),
  /** Cheaters whose row carries a flag, verified or not, and the rows by flag. */
  anyFlag: z.number(),
  byFlag: z.record(z.string(), z.number()),
  /** Shares of the cheaters (null without cheaters). */
  verifiedUnflaggedRate: RateSchema,
  flaggedRate: RateSchema,
  verifiedRate: RateSchema,
  /** The cheaters' (and their friends' relays') refusals by code. */
  refusals: z.record(z.string(), z.number()),
  relays: z.object({ attempts: z.number(), accepted: z.number(), passedBack: z.number() }),
  spotCheck: z.object({
    names: z.number(),
    /** Mean over the classes of the chance that one spot check names a verified cheater (rows' flags, weighting). */
    expectedCatchRate: RateSchema,
    /** Spot checks the server drew, those naming a cheater, their share; a note when it could not draw. */
    drawn: z.number(),
    caught: z.number(),
    measuredCatchRate: RateSchema,
    note: z.string().optional(),
  }),
});
export type AttackReport = z.infer<typeof AttackReportSchema>;

/** Honest students who came and those of them flagged (next to a cheater: every piece of evidence names one). */
export const HonestReportSchema = z.object({
  students: z.number(),
  flagged: z.number(),
  flaggedNextToCheater: z.number(),
  rate: RateSchema,
  byFlag: z.record(z.string(), z.number()),
});

export const SimReportSchema = z.object({
  version: z.literal(1),
  date: z.string(),
  command: z.string(),
  machine: z.object({ cpus: z.number(), cpuModel: z.string(), memoryGb: z.number(), os: z.string(), node: z.string() }),
  target: z.string(),
  seed: z.number(),
  options: z.record(z.string(), z.unknown()),
  /** Students on the rosters, those who came (on time or late), and those of them verified on entry. */
  students: z.number(),
  present: z.number(),
  verified: z.number(),
  /** From the teacher starting entry chains to 50/90/100 % of the students in the room verified (the slowest class). */
  timeTo50Ms: z.number().nullable(),
  timeTo90Ms: z.number().nullable(),
  timeTo100Ms: z.number().nullable(),
  exitTimeTo100Ms: z.number().nullable(),
  chains: z.number(),
  handoffs: z.number(),
  /** Last holders checked in by a verified classmate (entry) or with the exit code (exit), and by the teacher. */
  chainEnds: z.number(),
  exitCodeEnds: z.number(),
  teacherCloses: z.number(),
  teacherSeeds: z.number(),
  stalls: z.number(),
  reseeds: z.number(),
  refusals: z.record(z.string(), z.number()),
  latency: z.record(z.string(), SpreadSchema),
  scansPerSecond: z.object({ peak: z.number(), mean: z.number() }),
  /** Answered verification → the teacher's dashboard has the row (real time), ms. */
  realtime: SpreadSchema.extend({ lost: z.number() }),
  realtimeByInstance: z.array(
    SpreadSchema.extend({ instance: z.number(), url: z.string(), scans: z.number(), lost: z.number() }),
  ),
  rssPeakMb: z.number().nullable(),
  processes: z.array(z.object({ name: z.string(), url: z.string().optional(), rssPeakMb: z.number() })),
  exportMatches: z.boolean(),
  exportMismatches: z.array(z.string()),
  /** Where the sessions' insights (GET …/insights) differ from what the simulation saw; empty when they agree. */
  insightsMismatches: z.array(z.string()),
  flags: z.record(z.string(), z.number()),
  exactness: z.object({
    doubleVerifications: z.number(),
    batonsWithTwoWinners: z.number(),
    acceptedChainScans: z.number(),
    observedChainScans: z.number(),
    chainLengths: z.number(),
    chainVerificationsSeen: z.number(),
  }),
  classes: z.array(ClassSummarySchema),
  attack: AttackReportSchema.optional(),
  honest: HonestReportSchema,
  setupMs: z.number(),
  runMs: z.number(),
  problems: z.array(z.string()),
  passed: z.boolean(),
  failures: z.array(z.string()),
});
export type SimReport = z.infer<typeof SimReportSchema>;

export interface ReportInput {
  readonly date: Date;
  readonly command: string;
  readonly machine: SimReport['machine'];
  readonly target: string;
  readonly seed: number;
  readonly options: Record<string, unknown>;
  readonly classes: readonly ClassResult[];
  readonly latencies: ReadonlyMap<string, readonly number[]>;
  readonly refusals: Readonly<Record<string, number>>;
  /** Every scan answered: when, on which instance. */
  readonly scans: readonly { readonly at: number; readonly instance: number }[];
  readonly instanceUrls: readonly string[];
  readonly processes: readonly { readonly name: string; readonly url?: string; readonly rssPeakMb: number }[];
  readonly setupMs: number;
  readonly runMs: number;
  readonly problems: readonly string[];
  /** The attack's client's refusals by code (--attack). */
  readonly attackRefusals?: Readonly<Record<string, number>>;
}

/** Refusals a class meets by design: two people scanning one baton at once, one of them wins. */
export const EXPECTED_REFUSALS: ReadonlySet<string> = new Set(['BATON_TAKEN']);

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const worst = (values: readonly (number | null)[]) =>
  values.length === 0 || values.some((v) => v === null) ? null : Math.max(...(values as number[]));

/** Builds the report and its verdict (see {@link SimReportSchema}). Throws nothing. */
export function buildReport(input: ReportInput): SimReport {
  const { classes } = input;
  const perClass = classes.map((c) => {
    const ms = (f: number) => timeToFraction(c.entryMoments, c.onTime, f, c.entryStart);
    return {
      class: c.classIndex + 1,
      sessionId: c.sessionId,
      students: c.roster,
      present: c.present,
      verified: c.verified,
      late: c.late,
      noShow: c.noShow,
      earlyLeave: c.earlyLeave,
      chains: c.initialChains,
      timeTo50Ms: ms(0.5),
      timeTo90Ms: ms(0.9),
      timeTo100Ms: ms(1),
      exitTimeTo100Ms: c.exitStart === null ? null : timeToFraction(c.exitMoments, c.exitExpected, 1, c.exitStart),
      exportMatches: c.exportCheck.matches,
      scanP95Ms: spread(c.scanMs).p95,
    };
  });
  const latency = Object.fromEntries(
    [...input.latencies].sort(([a], [b]) => a.localeCompare(b)).map(([route, values]) => [route, spread(values)]),
  );
  const entryFrom = Math.min(...classes.map((c) => c.entryStart));
  const entryTo = Math.max(...classes.map((c) => c.entryEnd));
  const realtimeAll = classes.flatMap((c) => c.realtime);
  const lost = sum(classes.map((c) => c.realtimeLost));
  const realtimeByInstance = input.instanceUrls.map((url, instance) => ({
    instance: instance + 1,
    url,
    scans: input.scans.filter((s) => s.instance === instance).length,
    ...spread(realtimeAll.filter((r) => r.instance === instance).map((r) => r.ms)),
    lost: sum(classes.map((c) => c.realtimeLostByInstance[instance] ?? 0)),
  }));
  const flags = addCounts(classes.map((c) => c.exportCheck.flags));
  const exactness = {
    doubleVerifications: sum(classes.map((c) => c.exactness.doubleVerifications)),
    batonsWithTwoWinners: sum(classes.map((c) => c.exactness.batonsWithTwoWinners)),
    acceptedChainScans: sum(classes.map((c) => c.exactness.acceptedChainScans)),
    observedChainScans: sum(classes.map((c) => c.exactness.observedChainScans)),
    chainLengths: sum(classes.map((c) => c.exactness.chainLengths)),
    chainVerificationsSeen: sum(classes.map((c) => c.exactness.chainVerificationsSeen)),
  };
  const processes = [...input.processes];
  const hosts = processes.filter((p) => p.name.startsWith('host'));
  const report: Omit<SimReport, 'passed' | 'failures'> = {
    version: 1,
    date: input.date.toISOString(),
    command: input.command,
    machine: input.machine,
    target: input.target,
    seed: input.seed,
    options: input.options,
    students: sum(classes.map((c) => c.roster)),
    present: sum(classes.map((c) => c.present)),
    verified: sum(classes.map((c) => c.verified)),
    timeTo50Ms: worst(perClass.map((c) => c.timeTo50Ms)),
    timeTo90Ms: worst(perClass.map((c) => c.timeTo90Ms)),
    timeTo100Ms: worst(perClass.map((c) => c.timeTo100Ms)),
    exitTimeTo100Ms: classes.some((c) => c.exitStart !== null) ? worst(perClass.map((c) => c.exitTimeTo100Ms)) : null,
    chains: sum(classes.map((c) => c.initialChains)),
    handoffs: sum(classes.map((c) => c.handoffs)),
    chainEnds: sum(classes.map((c) => c.chainEnds)),
    exitCodeEnds: sum(classes.map((c) => c.exitCodeEnds)),
    teacherCloses: sum(classes.map((c) => c.teacherCloses)),
    teacherSeeds: sum(classes.map((c) => c.teacherSeeds)),
    stalls: sum(classes.map((c) => c.stalls)),
    reseeds: sum(classes.map((c) => c.reseeds)),
    refusals: { ...input.refusals },
    latency,
    scansPerSecond: ratePerSecond(
      input.scans.map((s) => s.at),
      entryFrom,
      entryTo,
    ),
    realtime: { ...spread(realtimeAll.map((r) => r.ms)), lost },
    realtimeByInstance,
    rssPeakMb: hosts.length === 0 ? null : Math.max(...hosts.map((h) => h.rssPeakMb)),
    processes,
    exportMatches: classes.every((c) => c.exportCheck.matches),
    exportMismatches: classes
      .flatMap((c) => c.exportCheck.mismatches.map((m) => `class ${c.classIndex + 1}: ${m}`))
      .slice(0, 50),
    insightsMismatches: classes
      .flatMap((c) => c.insightsMismatches.map((m) => `class ${c.classIndex + 1}: ${m}`))
      .slice(0, 50),
    flags,
    exactness,
    classes: perClass,
    ...(typeof input.options.attack === 'string'
      ? { attack: attackReport(input.options.attack, classes, input.attackRefusals ?? {}) }
      : {}),
    honest: honestReport(classes),
    setupMs: input.setupMs,
    runMs: input.runMs,
    problems: [...input.problems, ...classes.flatMap((c) => c.problems.map((p) => `class ${c.classIndex + 1}: ${p}`))],
  };
  const failures = verdict(report, classes);
  return { ...report, passed: failures.length === 0, failures };
}

const rate = (part: number, whole: number) => (whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000);

/** The tallies added up, key by key. Throws nothing. */
const addCounts = (records: readonly Readonly<Record<string, number>>[]) => {
  const total: Record<string, number> = {};
  for (const record of records) for (const [key, n] of Object.entries(record)) tally(total, key, n);
  return total;
};

/** The attack's figures over all classes. Throws nothing. */
export function attackReport(
  kind: string,
  classes: readonly ClassResult[],
  refusals: Readonly<Record<string, number>>,
): AttackReport {
  const attacks = classes.flatMap((c) => (c.attack ? [c.attack] : []));
  const tallies = attacks.map((a) => a.tally);
  const cheaters = sum(tallies.map((t) => t.cheaters));
  const verifiedUnflagged = sum(tallies.map((t) => t.verifiedUnflagged));
  const flagged = sum(tallies.map((t) => t.flagged));
  const anyFlag = sum(tallies.map((t) => t.anyFlag));
  const expected = attacks.flatMap((a) => (a.catchRateExpected === null ? [] : [a.catchRateExpected]));
  const drawn = sum(attacks.map((a) => a.spotChecks?.drawn ?? 0));
  const caught = sum(attacks.map((a) => a.spotChecks?.caught ?? 0));
  const note = attacks.find((a) => a.spotChecks?.note)?.spotChecks?.note;
  const relays = attacks.flatMap((a) => a.relays);
  return {
    kind,
    cheaters,
    verifiedUnflagged,
    flagged,
    refused: sum(tallies.map((t) => t.refused)),
    anyFlag,
    byFlag: addCounts(tallies.map((t) => t.byFlag)),
    verifiedUnflaggedRate: rate(verifiedUnflagged, cheaters),
    flaggedRate: rate(anyFlag, cheaters),
    verifiedRate: rate(verifiedUnflagged + flagged, cheaters),
    refusals: { ...refusals },
    relays: {
      attempts: sum(relays.map((r) => r.attempts)),
      accepted: sum(relays.map((r) => r.accepted)),
      passedBack: relays.filter((r) => r.passedBack).length,
    },
    spotCheck: {
      names: SPOT_CHECK_NAMES,
      expectedCatchRate: expected.length === 0 ? null : rate(sum(expected), expected.length),
      drawn,
      caught,
      measuredCatchRate: rate(caught, drawn),
      ...(note ? { note } : {}),
    },
  };
}

/**
 * The honest students over all classes: with an attack, the tally from the rows (cheaters left out); without, every
 * student who came, flagged when their export row carries a flag. Throws nothing.
 */
export function honestReport(classes: readonly ClassResult[]): SimReport['honest'] {
  const tallies = classes.map((c) =>
    c.attack
      ? c.attack.honest
      : {
          students: c.present,
          flagged: c.exportCheck.flaggedRows,
          flaggedNextToCheater: 0,
          byFlag: c.exportCheck.flags,
        },
  );
  const students = sum(tallies.map((t) => t.students));
  const flagged = sum(tallies.map((t) => t.flagged));
  return {
    students,
    flagged,
    flaggedNextToCheater: sum(tallies.map((t) => t.flaggedNextToCheater)),
    rate: rate(flagged, students),
    byFlag: addCounts(tallies.map((t) => t.byFlag)),
  };
}

/** The report with one more failure (found after it was built, e.g. a host that did not stop cleanly). */
export function withFailure(report: SimReport, failure: string): SimReport {
  return { ...report, passed: false, failures: [...report.failures, failure] };
}

/** Why the run failed its checks (none: it passed). */
function verdict(report: Omit<SimReport, 'passed' | 'failures'>, classes: readonly ClassResult[]): string[] {
  const failures: string[] = [];
  if (report.verified < report.present) {
    const missing = classes.flatMap((c) => c.unverified).slice(0, 5);
    failures.push(
      `${report.present - report.verified} of ${report.present} present students not verified (${missing.join(', ')})`,
    );
  }
  const exitMissing = sum(classes.map((c) => c.exitExpected - c.exitVerified));
  if (exitMissing > 0) failures.push(`${exitMissing} students who stayed were not verified on exit`);
  const unexpected = Object.entries(report.refusals).filter(([code]) => !EXPECTED_REFUSALS.has(code));
  if (unexpected.length > 0)
    failures.push(`refusals besides BATON_TAKEN: ${unexpected.map(([c, n]) => `${c} ${n}`).join(', ')}`);
  if (!report.exportMatches)
    failures.push(`the export differs from the simulated truth (${report.exportMismatches.length} differences)`);
  if (report.insightsMismatches.length > 0)
    failures.push(`the insights differ from the simulated truth: ${report.insightsMismatches.slice(0, 3).join('; ')}`);
  const e = report.exactness;
  if (e.doubleVerifications > 0) failures.push(`${e.doubleVerifications} students verified twice in one phase`);
  if (e.batonsWithTwoWinners > 0) failures.push(`${e.batonsWithTwoWinners} batons taken by two scans`);
  if (e.acceptedChainScans !== e.observedChainScans) {
    failures.push(
      `the audit log has ${e.acceptedChainScans} accepted chain scans, the students saw ${e.observedChainScans}`,
    );
  }
  if (e.chainLengths !== e.chainVerificationsSeen) {
    failures.push(
      `the chains' lengths add up to ${e.chainLengths}, the chain verifications seen to ${e.chainVerificationsSeen}`,
    );
  }
  if (report.realtime.lost > 0)
    failures.push(`${report.realtime.lost} verifications never reached the teacher's dashboard`);
  if (report.problems.length > 0)
    failures.push(`${report.problems.length} problems: ${report.problems.slice(0, 3).join('; ')}`);
  return failures;
}
