/**
 * A whole simulation run: the deployment (started here, or --url), every class prepared one after the other and
 * then run at the same time, the report. For --demo: the teacher's sign-in and dashboard addresses, a wait for the
 * person watching, sign-in codes relayed from the outbox, and the host kept running at the end until Ctrl-C.
 */
import { cpus, release, totalmem, type } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiClient } from './api/api-client';
import { planAttack } from './class/attack';
import { planClass, runTagAt } from './class/plan';
import { prepareClass, runClass, type PreparedClass } from './class/run-class';
import type { SimOptions } from './cli/options';
import { buildBackend, buildWebIfStale } from './host/build';
import { remoteDeployment, startDeployment, type Deployment } from './host/deployment';
import { buildReport, withFailure, type SimReport } from './report/report';

export interface RunContext {
  readonly argv: readonly string[];
  /** Progress lines (stderr). */
  readonly log: (line: string) => void;
  /** What a person must read (stdout): the demo's addresses and codes. */
  readonly say: (line: string) => void;
  /** The report, as soon as it is ready (before --demo keeps the host running). */
  readonly onReport: (report: SimReport) => void;
}

/** Pause between phases in --demo, so a person can follow the dashboard. */
const DEMO_PAUSE_MS = 4_000;

/** Runs the simulation and reports. @throws Error when the run cannot complete (a host, a refused set-up step). */
export async function runSimulation(options: SimOptions, context: RunContext): Promise<SimReport> {
  const { log } = context;
  const runTag = runTagAt(Date.now());
  let deployment: Deployment;
  if (options.url) deployment = remoteDeployment(options.url);
  else {
    log('building the backend (tsc -b, incremental)…');
    buildBackend();
    if (options.demo) buildWebIfStale(log);
    deployment = await startDeployment({
      instances: options.instances,
      separateSignalR: options.signalrProcess,
      teacherDomain: options.teacherDomain,
      studentDomain: options.studentDomain,
      runTag,
      log,
      env: { FLAG_NETWORK_IPV4_PREFIX: String(options.networkPrefix) },
    });
  }
  const api = new ApiClient(deployment.urls);
  // The cheaters' calls (and their friends' relays) are booked apart: their refusals are the attack's outcome.
  const attackApi = options.attack ? new ApiClient(deployment.urls) : undefined;
  let report: SimReport;
  try {
    const began = Date.now();
    const prepared: PreparedClass[] = [];
    for (let c = 0; c < options.classes; c++) {
      const plan = planClass({
        classIndex: c,
        students: options.students,
        late: options.late,
        noShow: options.noShow,
        earlyLeave: options.earlyLeave,
        seed: options.seed,
        runTag,
        teacherDomain: options.teacherDomain,
        studentDomain: options.studentDomain,
      });
      prepared.push(
        await prepareClass({
          plan,
          api,
          firstStudent: c * options.students,
          chains: options.chains,
          scanMedianMs: options.scanTime,
          scanSigma: options.scanSigma,
          exit: options.exit,
          seed: options.seed,
          log,
          pauseMs: options.demo ? DEMO_PAUSE_MS : 0,
          campusSubnets: options.campusSubnets,
          ...(options.attack && attackApi
            ? {
                attack: {
                  plan: planAttack({
                    kind: options.attack,
                    share: options.cheaters,
                    students: plan.students,
                    seed: options.seed,
                    classIndex: c,
                  }),
                  api: attackApi,
                  spotCheckDraws: options.spotChecks,
                },
              }
            : {}),
        }),
      );
    }
    const setupMs = Date.now() - began;
    const relay = options.demo ? await introduceDemo(prepared[0] as PreparedClass, api, context) : undefined;
    const started = Date.now();
    const results = await Promise.race([Promise.all(prepared.map((p) => runClass(p))), deployment.crashed]);
    const runMs = Date.now() - started;
    report = buildReport({
      date: new Date(),
      command: `npm run sim -- ${context.argv.join(' ')}`.trim(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
        memoryGb: Math.round(totalmem() / 2 ** 30),
        os: `${type()} ${release()}`,
        node: process.version,
      },
      target: deployment.description,
      seed: options.seed,
      options: { ...options },
      classes: results,
      latencies: api.book.latencies,
      refusals: api.book.refusals,
      scans: api.book.scans,
      instanceUrls: deployment.urls,
      attackRefusals: attackApi?.book.refusals ?? {},
      processes: deployment.figures(),
      setupMs,
      runMs,
      problems: [],
    });
    context.onReport(report);
    if (options.demo) await keepRunning(deployment, context, relay);
  } catch (error) {
    api.close();
    attackApi?.close();
    await deployment.stop().catch(() => undefined);
    throw error;
  }
  api.close();
  attackApi?.close();
  try {
    await deployment.stop();
  } catch (error) {
    return withFailure(report, `a host did not stop cleanly: ${(error as Error).message.slice(0, 2_000)}`);
  }
  return report;
}

/** --demo: the addresses to watch, sign-in codes relayed, and a wait for the person. */
async function introduceDemo(first: PreparedClass, api: ApiClient, context: RunContext): Promise<() => void> {
  const { say } = context;
  const origin = api.origin(0);
  const sessionId = first.teacher.sessionId;
  const email = first.teacher.person.email;
  say('');
  say(`Dashboard:  ${origin}/sessions/${sessionId}`);
  say(`Projector:  ${origin}/projector/${sessionId}`);
  say(`Sign in at  ${origin}/sign-in?next=${encodeURIComponent(`/sessions/${sessionId}`)}`);
  say(`as ${email}; the sign-in codes it asks for appear here.`);
  const seen = new Set<string>();
  let relaying = true;
  void (async () => {
    const since = Date.now();
    while (relaying) {
      const outbox = await api.call('devOutbox', { query: { to: email }, instance: 0, quiet: true });
      if (outbox.ok) {
        for (const message of outbox.data.messages) {
          if (message.code && Date.parse(message.sentAt) >= since && !seen.has(message.sentAt)) {
            seen.add(message.sentAt);
            say(`Sign-in code for ${email}: ${message.code}`);
          }
        }
      }
      await sleep(1_000);
    }
  })();
  if (process.stdin.isTTY) {
    const prompt = createInterface({ input: process.stdin, output: process.stdout });
    await prompt.question('Press Enter to start the class… ');
    prompt.close();
  } else {
    say('Starting in 30 s (no terminal to press Enter in).');
    await sleep(30_000);
  }
  return () => {
    relaying = false;
  };
}

/** --demo: the host stays up for the dashboard and the export until Ctrl-C. */
async function keepRunning(deployment: Deployment, context: RunContext, stopRelay?: () => void): Promise<void> {
  if (!deployment.local) {
    stopRelay?.();
    return;
  }
  context.say(`\nThe class is over. The host keeps running at ${deployment.urls[0]} — Ctrl-C stops it.`);
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  stopRelay?.();
}
