/**
 * Child processes the simulator starts (local hosts, Azurite, the SignalR emulator, redis-server): their output's
 * tail for error messages, their peak resident memory (Linux /proc, sampled every 250 ms), readiness polled with a
 * bound, and a clean stop (SIGINT, then SIGKILL after a bound). Anything still running when the simulator exits is
 * killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const STOP_TIMEOUT_MS = 10_000;
const RSS_SAMPLE_MS = 250;
const running = new Set<ChildProcess>();
let exitHook = false;

export interface Managed {
  readonly name: string;
  readonly pid: number;
  /** The last 20,000 characters of stdout and stderr. */
  output(): string;
  /** Highest resident set size seen, in MB (0 where /proc is missing). */
  peakRssMb(): number;
  alive(): boolean;
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number | null>;
  /** SIGINT (a clean stop), SIGKILL after a bound; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Resident memory of `pid` in MB, from /proc (0 when unknown). Throws nothing. */
export function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Starts `command` with `args`; its output is kept, not shown. */
export function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  options: {
    readonly env?: NodeJS.ProcessEnv;
    readonly cwd?: string;
    /** Start from `env` alone instead of this process's environment plus `env`. */
    readonly replaceEnv?: boolean;
  } = {},
): Managed {
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const child of running) child.kill('SIGKILL');
    });
  }
  const child = spawn(command, [...args], {
    cwd: options.cwd,
    env: options.replaceEnv ? { ...options.env } : { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const append = (chunk: string) => {
    output = (output + chunk).slice(-20_000);
  };
  child.stdout?.setEncoding('utf8').on('data', append);
  child.stderr?.setEncoding('utf8').on('data', append);
  let alive = true;
  let peak = 0;
  const sampler = setInterval(() => {
    if (child.pid) peak = Math.max(peak, rssMb(child.pid));
  }, RSS_SAMPLE_MS);
  sampler.unref();
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (error) => {
      append(`\n[${name} could not start: ${error.message}]\n`);
      alive = false;
      clearInterval(sampler);
      running.delete(child);
      resolve(null);
    });
    child.once('exit', (code, signal) => {
      append(`\n[${name} exited: code ${code}, signal ${signal}]\n`);
      alive = false;
      clearInterval(sampler);
      running.delete(child);
      resolve(code);
    });
  });
  return {
    name,
    pid: child.pid ?? 0,
    output: () => output,
    peakRssMb: () => Math.round(peak),
    alive: () => alive,
    exited,
    async stop() {
      if (!alive) return exited;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** A free TCP port on 127.0.0.1 (free when asked; the process is started on it at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Polls `probe` every 100 ms until it gives a value.
 * @throws Error after `timeoutMs`, or at once when `alive()` turns false, with `describe()` (e.g. the output).
 */
export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  watch: { alive?: () => boolean; describe?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (watch.alive && !watch.alive()) throw new Error(`${what}: the process exited\n${watch.describe?.() ?? ''}`);
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs / 1000} s\n${watch.describe?.() ?? ''}`);
    await sleep(100);
  }
}

/** Whether something on 127.0.0.1:`port` answers Redis PING with PONG. Throws nothing. */
export function redisAnswers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 1_000);
    let reply = '';
    socket.once('error', () => done(false));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.once('connect', () => socket.write('PING\r\n'));
  });
}
