/**
 * Real dependency processes for outage tests: Azurite's Table service (on-disk, so a clean stop keeps the data)
 * and redis-server (no persistence, like a cache), each a child process on a chosen free loopback port that
 * a test can stop (SIGINT: clean, SIGKILL: crash), pause (SIGSTOP: a hung dependency), resume (SIGCONT) and
 * start again on the same port. Readiness is polled with a bound, never slept for. Every process still
 * running when this process exits is killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { azuriteConnectionString } from './azurite';
import { freePort } from './free-port';

/** Longest wait for a process to accept connections, or to exit after a signal. */
const READY_TIMEOUT_MS = 20_000;
const EXIT_TIMEOUT_MS = 15_000;
/** Pause between connection attempts while polling (a poll interval, not a wait for something). */
const POLL_MS = 50;

export interface DependencyProcess {
  readonly name: string;
  readonly port: number;
  /** The running child's pid; undefined while stopped. */
  readonly pid: number | undefined;
  /** Starts the process (again) on its port and resolves once it answers. @throws Error when it does not in time. */
  start(): Promise<void>;
  /** Sends `signal` (SIGINT: clean stop; SIGKILL: crash) and resolves once the process has exited. */
  stop(signal?: 'SIGINT' | 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** SIGSTOP: the process keeps its sockets open but answers nothing (connections are still accepted). */
  pause(): void;
  /** SIGCONT after {@link pause}. */
  resume(): void;
  /** Resumes if paused, starts if stopped; resolves once it answers. */
  ensureRunning(): Promise<void>;
  /** The last output of the process (stdout and stderr), for failure messages. */
  output(): string;
  /** Kills the process if running and removes its data directory. Idempotent; never throws. */
  dispose(): Promise<void>;
}

export interface RunningAzuriteProcess extends DependencyProcess {
  /** Connection string in the `AzureWebJobsStorage` format. */
  readonly connectionString: string;
}

export interface RunningRedisProcess extends DependencyProcess {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills leftovers if the test process ends without disposing them (a crashed worker must not leak them). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) {
      try {
        if (child.pid) process.kill(child.pid, 'SIGCONT');
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/**
 * Resolves once `probe` succeeds against 127.0.0.1:`port` (default: a TCP connection is accepted).
 * @throws Error after `timeoutMs`, or at once when `alive()` turns false (the process died).
 */
export async function waitUntilServing(
  port: number,
  options: { timeoutMs?: number; probe?: (socket: net.Socket) => Promise<boolean>; alive?: () => boolean } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? READY_TIMEOUT_MS);
  for (;;) {
    if (options.alive && !options.alive()) throw new Error(`the process on port ${port} exited before it served`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      const timer = setTimeout(() => finish(false), 1_000);
      const finish = (result: boolean) => {
        clearTimeout(timer);
        socket.destroy();
        resolve(result);
      };
      socket.once('error', () => finish(false));
      socket.once('connect', () => {
        if (!options.probe) finish(true);
        else options.probe(socket).then(finish, () => finish(false));
      });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing served on port ${port} within the bound`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Redis answers PING with +PONG (and not -LOADING or -BUSY). */
function redisPing(socket: net.Socket): Promise<boolean> {
  return new Promise((resolve) => {
    let reply = '';
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) resolve(reply.startsWith('+PONG'));
    });
    socket.write('PING\r\n');
  });
}

/** Azurite answers an HTTP request (any status: it is up and parsing). */
function httpAnswers(socket: net.Socket): Promise<boolean> {
  return new Promise((resolve) => {
    socket.on('data', (chunk: Buffer) => resolve(chunk.toString('latin1').startsWith('HTTP/1.1 ')));
    socket.write('GET /devstoreaccount1?comp=list HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  });
}

interface Spec {
  readonly name: string;
  readonly command: string;
  readonly args: (port: number) => string[];
  readonly probe: (socket: net.Socket) => Promise<boolean>;
  readonly dataDir?: string;
}

function managed(spec: Spec, port: number): DependencyProcess {
  installExitHook();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let paused = false;
  let log = '';
  const append = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-8_000);
  };

  const process_ = {
    name: spec.name,
    port,
    get pid() {
      return child?.pid;
    },
    async start() {
      if (child) throw new Error(`${spec.name} is already running (pid ${child.pid})`);
      const started = spawn(spec.command, spec.args(port), { stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      running.add(started);
      let alive = true;
      exited = new Promise<void>((resolve) => {
        started.once('exit', (code, signal) => {
          alive = false;
          running.delete(started);
          if (child === started) child = undefined;
          append(Buffer.from(`\n[${spec.name} exited: code ${code}, signal ${signal}]\n`));
          resolve();
        });
      });
      started.once('error', (error) => append(Buffer.from(`\n[${spec.name} failed to start: ${error.message}]\n`)));
      started.stdout?.on('data', append);
      started.stderr?.on('data', append);
      paused = false;
      try {
        await waitUntilServing(port, { probe: spec.probe, alive: () => alive });
      } catch (error) {
        throw new Error(`${spec.name} did not start on port ${port}: ${(error as Error).message}\n${log}`, {
          cause: error,
        });
      }
    },
    async stop(signal: 'SIGINT' | 'SIGTERM' | 'SIGKILL' = 'SIGINT') {
      const current = child;
      if (!current) return;
      // A stopped process only acts on signals once it runs again.
      if (paused) process_.resume();
      current.kill(signal);
      const timer = setTimeout(() => current.kill('SIGKILL'), EXIT_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
    pause() {
      if (!child?.pid) throw new Error(`${spec.name} is not running`);
      process.kill(child.pid, 'SIGSTOP');
      paused = true;
    },
    resume() {
      if (child?.pid) process.kill(child.pid, 'SIGCONT');
      paused = false;
    },
    async ensureRunning() {
      if (paused) process_.resume();
      if (!child) await process_.start();
      else await waitUntilServing(port, { probe: spec.probe });
    },
    output: () => log,
    async dispose() {
      try {
        await process_.stop('SIGKILL');
      } catch {
        // best effort
      }
      if (spec.dataDir) rmSync(spec.dataDir, { recursive: true, force: true });
    },
  };
  return process_;
}

/**
 * Starts Azurite's Table service (azurite@3.35.0, this repository's pin) with on-disk persistence in a temp
 * directory. Azurite writes its database on a clean stop (SIGINT) and every few seconds; SIGKILL loses the rest.
 */
export async function startAzuriteProcess(port?: number): Promise<RunningAzuriteProcess> {
  const chosen = port ?? (await freePort());
  const dataDir = mkdtempSync(join(tmpdir(), 'qrca-azurite-'));
  const main = createRequire(import.meta.url).resolve('azurite/dist/src/table/main.js');
  const proc = managed(
    {
      name: 'azurite',
      command: process.execPath,
      args: (p) => [
        main,
        '--tableHost',
        '127.0.0.1',
        '--tablePort',
        String(p),
        '--location',
        dataDir,
        '--disableTelemetry',
        '--silent',
        // The SDK may speak a newer API version than this Azurite knows (as the in-process helper allows).
        '--skipApiVersionCheck',
      ],
      probe: httpAnswers,
      dataDir,
    },
    chosen,
  );
  try {
    await proc.start();
  } catch (error) {
    await proc.dispose();
    throw error;
  }
  return Object.assign(proc, { connectionString: azuriteConnectionString(`http://127.0.0.1:${chosen}`) });
}

/**
 * Starts redis-server without persistence (`--save "" --appendonly no`): a restart loses every key, as a
 * cache may. The binary is `REDIS_SERVER` or `redis-server` on the PATH (CI installs it; .ci/run).
 * @throws Error when redis-server cannot be started.
 */
export async function startRedisProcess(port?: number): Promise<RunningRedisProcess> {
  const chosen = port ?? (await freePort());
  const proc = managed(
    {
      name: 'redis',
      command: process.env.REDIS_SERVER ?? 'redis-server',
      args: (p) => ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      probe: redisPing,
    },
    chosen,
  );
  try {
    await proc.start();
  } catch (error) {
    await proc.dispose();
    throw error;
  }
  return Object.assign(proc, { url: `redis://127.0.0.1:${chosen}` });
}
