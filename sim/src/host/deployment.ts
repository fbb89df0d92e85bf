/**
 * What the simulator runs against. Without --url: the local host (`backend/dist/local/main.js`, as `npm start`
 * runs it) on a free port with its embedded defaults — SQLite in a temp DATA_DIR, the in-process cache, the
 * embedded SignalR emulator. With --instances N: N such hosts sharing Azurite (Table Storage), Redis and one
 * SignalR emulator process, as Azure runs several Functions instances over one storage account, one cache and one
 * SignalR Service; with --signalr-process, one host and the emulator as a process of its own (the host's memory
 * then excludes the phones' connections, which Azure SignalR Service holds). Every check stays on; the hosts get only documented settings (docs/operations.md):
 * - `TRUSTED_PROXIES=127.0.0.1,::1`: each virtual student sends its own address as X-Forwarded-For, as phones
 *   reach a real deployment through campus NAT, so per-address limits apply per student, not to the whole hall;
 * - `TEACHER_EMAIL_DOMAINS`, `STUDENT_EMAIL_DOMAINS`: the run's roles;
 * - several instances: `AzureWebJobsStorage`, `REDIS_URL` + `REDIS_KEY_PREFIX`, `SignalRConnectionString` and one
 *   shared `JWT_SECRET` (tokens, codes and holds must verify on every instance).
 */
import { HealthResponseSchema } from '@qrca/contract';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './build';
import { freePort, redisAnswers, startProcess, until, type Managed } from './child-process';

export interface DeploymentOptions {
  readonly instances: number;
  /** One instance with the SignalR emulator as a process of its own (always so for several instances). */
  readonly separateSignalR?: boolean;
  readonly teacherDomain: string;
  readonly studentDomain: string;
  /** Distinguishes this run's Redis keys. */
  readonly runTag: string;
  readonly log: (line: string) => void;
  /** Extra settings for every host (e.g. the demo's). */
  readonly env?: NodeJS.ProcessEnv;
}

export interface HostFigures {
  readonly name: string;
  readonly url?: string;
  readonly rssPeakMb: number;
}

export interface Deployment {
  /** One origin per instance. */
  readonly urls: readonly string[];
  /** Whether the simulator started the hosts (it can read their memory). */
  readonly local: boolean;
  /** What runs where, for the report. */
  readonly description: string;
  /** Peak memory of every process started, hosts first. */
  figures(): HostFigures[];
  /** Rejects when a process the simulator started dies before {@link stop} (never settles otherwise). */
  readonly crashed: Promise<never>;
  /** Stops everything started (hosts first); @throws Error naming a host that failed to stop cleanly. */
  stop(): Promise<void>;
}

/**
 * What a host started by the simulator inherits from this process: the basics a Node process needs, nothing that
 * configures the app (a developer's REDIS_URL or AzureWebJobsStorage must not turn the embedded defaults into
 * something else).
 */
const INHERITED = ['PATH', 'HOME', 'USER', 'TMPDIR', 'TEMP', 'TMP', 'LANG', 'LC_ALL', 'SYSTEMROOT', 'REDIS_SERVER'];

/**
 * Settings that choose adapters, identities or mail, set empty (= unset) so that `backend/local.settings.json`,
 * which the local host reads for keys the environment lacks, cannot fill them in either.
 */
const UNSET = [
  'PUBLIC_URL',
  'TLS_CERT',
  'TLS_KEY',
  'JWT_SECRET',
  'AzureWebJobsStorage',
  'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__tableServiceUri',
  'REDIS_URL',
  'SignalRConnectionString',
  'SMTP_URL',
  'AZURE_OPENAI_ENDPOINT',
  'AZURE_OPENAI_API_KEY',
  'ADMIN_EMAILS',
];

/** The environment of a host: inherited basics, the unset keys, then `settings`. */
function hostEnvironment(settings: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(INHERITED.flatMap((key) => (process.env[key] ? [[key, process.env[key]]] : [])));
  return { ...inherited, ...Object.fromEntries(UNSET.map((key) => [key, ''])), ...settings };
}

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
const AZURITE_ACCOUNT = 'devstoreaccount1';
const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const HOST_START_MS = 60_000;

/** A deployment somebody else runs (--url). */
export function remoteDeployment(url: string): Deployment {
  return {
    urls: [url],
    local: false,
    description: url,
    figures: () => [],
    crashed: new Promise<never>(() => {}),
    stop: async () => {},
  };
}

/**
 * Starts the hosts (and for several instances Azurite, Redis when 127.0.0.1:6379 does not answer, and the
 * emulator) and waits until every host answers /api/health. @throws Error with the failing process's output.
 */
export async function startDeployment(options: DeploymentOptions): Promise<Deployment> {
  const started: Managed[] = [];
  const dataDirs: string[] = [];
  let stopping = false;
  const stopAll = async () => {
    stopping = true;
    const failures: string[] = [];
    for (const proc of [...started].reverse()) {
      const code = await proc.stop();
      if (code !== 0 && proc.name.startsWith('host')) failures.push(`${proc.name} exited ${code}\n${proc.output()}`);
    }
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    if (failures.length > 0) throw new Error(failures.join('\n'));
  };
  try {
    const shared: NodeJS.ProcessEnv = {};
    if (options.instances > 1) Object.assign(shared, await startSharedServices(options, started));
    else if (options.separateSignalR) Object.assign(shared, await startEmulator(options, started));
    const urls: string[] = [];
    for (let i = 0; i < options.instances; i++) {
      const dataDir = mkdtempSync(join(tmpdir(), 'qrca-sim-'));
      dataDirs.push(dataDir);
      const port = await freePort();
      const host = startProcess(
        `host${options.instances > 1 ? ` ${i + 1}` : ''}`,
        process.execPath,
        ['backend/dist/local/main.js'],
        {
          cwd: ROOT,
          replaceEnv: true,
          env: hostEnvironment({
            NODE_ENV: 'development',
            HOST: '127.0.0.1',
            PORT: String(port),
            DATA_DIR: dataDir,
            LOG_LEVEL: 'warn',
            TRUSTED_PROXIES: '127.0.0.1,::1',
            TEACHER_EMAIL_DOMAINS: options.teacherDomain,
            STUDENT_EMAIL_DOMAINS: options.studentDomain,
            AUTH_PROVIDER: 'local',
            ...shared,
            ...options.env,
          }),
        },
      );
      started.push(host);
      const url = `http://127.0.0.1:${port}`;
      await until(
        `${host.name} on ${url}`,
        HOST_START_MS,
        async () => ((await fetch(`${url}/api/health`)).ok ? true : undefined),
        {
          alive: host.alive,
          describe: host.output,
        },
      );
      urls.push(url);
    }
    // What the hosts say they run on (store, cache, real time), not what was meant.
    const health = HealthResponseSchema.parse(await (await fetch(`${urls[0]}/api/health`)).json());
    const { store, cache, realtime } = health.checks;
    const description =
      `${options.instances === 1 ? 'local host' : `${options.instances} hosts`} ` +
      `(store ${store.kind}, cache ${cache.kind}, realtime ${realtime.kind})`;
    options.log(`${description}: ${urls.join(', ')}`);
    const crashed = new Promise<never>((_, reject) => {
      for (const proc of started) {
        void proc.exited.then((code) => {
          if (!stopping) reject(new Error(`${proc.name} exited (code ${code}) during the run\n${proc.output()}`));
        });
      }
    });
    crashed.catch(() => undefined); // observed by whoever races it
    return {
      crashed,
      urls,
      local: true,
      description,
      figures: () =>
        started.map((p) => ({
          name: p.name,
          ...(p.name.startsWith('host')
            ? { url: urls[started.filter((q) => q.name.startsWith('host')).indexOf(p)] }
            : {}),
          rssPeakMb: p.peakRssMb(),
        })),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}

/** Azurite, Redis and the emulator for several instances; returns the hosts' shared settings. */
async function startSharedServices(options: DeploymentOptions, started: Managed[]): Promise<NodeJS.ProcessEnv> {
  // Table Storage: Azurite's Table service, in memory (the pinned azurite@3.35.0 from node_modules).
  const tablePort = await freePort();
  const azuriteMain = createRequire(join(ROOT, 'package.json')).resolve('azurite/dist/src/table/main.js');
  const azurite = startProcess('azurite', process.execPath, [
    azuriteMain,
    '--tableHost',
    '127.0.0.1',
    '--tablePort',
    String(tablePort),
    '--inMemoryPersistence',
    '--disableTelemetry',
    '--skipApiVersionCheck',
    '--silent',
  ]);
  started.push(azurite);
  await until(
    'Azurite',
    30_000,
    async () =>
      (await fetch(`http://127.0.0.1:${tablePort}/${AZURITE_ACCOUNT}?comp=list`)).status > 0 ? true : undefined,
    { alive: azurite.alive, describe: azurite.output },
  );

  // Redis: the one on 127.0.0.1:6379 when it answers, else a redis-server of our own.
  let redisPort = 6379;
  if (!(await redisAnswers(redisPort))) {
    redisPort = await freePort();
    const redis = startProcess('redis', process.env.REDIS_SERVER ?? 'redis-server', [
      '--port',
      String(redisPort),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ]);
    started.push(redis);
    await until(
      'redis-server (install it: apt-get install -y redis-server)',
      15_000,
      async () => ((await redisAnswers(redisPort)) ? true : undefined),
      { alive: redis.alive, describe: redis.output },
    );
  }

  const { SignalRConnectionString } = await startEmulator(options, started);
  options.log(`Azurite on :${tablePort}, Redis on :${redisPort}`);
  return {
    AzureWebJobsStorage: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};TableEndpoint=http://127.0.0.1:${tablePort}/${AZURITE_ACCOUNT};`,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    REDIS_KEY_PREFIX: `sim-${options.runTag}:`,
    SignalRConnectionString,
    JWT_SECRET: randomBytes(48).toString('base64url'),
  };
}

/**
 * The SignalR emulator as a process of its own, for every instance (as one Azure SignalR Service): clients connect
 * to it directly. Returns the hosts' `SignalRConnectionString`.
 */
async function startEmulator(
  options: DeploymentOptions,
  started: Managed[],
): Promise<{ SignalRConnectionString: string }> {
  const emulatorPort = await freePort();
  const emulator = startProcess(
    'signalr emulator',
    process.execPath,
    [
      'signalr-emulator/bin/qrca-signalr-emulator.js',
      '--port',
      String(emulatorPort),
      '--access-key',
      randomBytes(32).toString('base64url'),
    ],
    { cwd: ROOT },
  );
  started.push(emulator);
  const connectionString = await until(
    'the SignalR emulator',
    15_000,
    async () => /Connection string: (\S+)/.exec(emulator.output())?.[1],
    { alive: emulator.alive, describe: emulator.output },
  );
  options.log(`SignalR emulator on :${emulatorPort}`);
  return { SignalRConnectionString: connectionString };
}
