/**
 * Test helpers for the emulator's medium tests: the official @microsoft/signalr client with an inbox, a raw
 * WebSocket client that speaks the protocol by hand, signed REST calls, and bounded waits (never sleeps).
 */
import * as signalR from '@microsoft/signalr';
import { WebSocket } from 'ws';
import { RECORD_SEPARATOR } from '../hub-protocol';
import { clientAccessToken, serverAccessToken } from '../tokens';

/** The bits of a running emulator the helpers need. */
export interface EmulatorAddress {
  endpoint: string;
  accessKey: string;
}

/** Rejects when the promise does not settle within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}.`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface Received {
  target: string;
  args: unknown[];
}

/** Records what a connection receives; lets a test await the next message of a target. */
export class Inbox {
  readonly received: Received[] = [];
  private readonly consumed = new Set<Received>();
  private waiters: (() => void)[] = [];

  constructor(connection: signalR.HubConnection, targets: readonly string[]) {
    for (const target of targets) {
      connection.on(target, (...args: unknown[]) => {
        this.received.push({ target, args });
        const waiters = this.waiters;
        this.waiters = [];
        for (const wake of waiters) wake();
      });
    }
  }

  /** The arguments of the next unconsumed message for `target`. */
  async next(target: string, ms = 5_000): Promise<unknown[]> {
    return withTimeout(
      new Promise<unknown[]>((resolve) => {
        const check = () => {
          const hit = this.received.find((m) => m.target === target && !this.consumed.has(m));
          if (hit === undefined) {
            this.waiters.push(check);
            return;
          }
          this.consumed.add(hit);
          resolve(hit.args);
        };
        check();
      }),
      ms,
      `a "${target}" message`,
    );
  }

  targets(): string[] {
    return this.received.map((m) => m.target);
  }
}

/** An official client plus its inbox. */
export interface TestClient {
  connection: signalR.HubConnection;
  inbox: Inbox;
}

/**
 * Builds an official client for the hub that authenticates as `userId` (a fresh token at every (re)connect, as an
 * app's negotiate function would hand out), listening for `targets`.
 */
export function buildClient(
  emulator: EmulatorAddress,
  options: { hub: string; userId?: string; targets?: readonly string[]; reconnect?: boolean },
): TestClient {
  const url = `${emulator.endpoint}/client/?hub=${options.hub.toLowerCase()}`;
  let builder = new signalR.HubConnectionBuilder()
    .withUrl(url, {
      transport: signalR.HttpTransportType.WebSockets,
      accessTokenFactory: async () => {
        const info = await clientAccessToken({ ...emulator, hub: options.hub, userId: options.userId });
        return info.accessToken;
      },
    })
    .configureLogging(signalR.LogLevel.None);
  if (options.reconnect === true) {
    builder = builder.withAutomaticReconnect({
      nextRetryDelayInMilliseconds: (context) => (context.elapsedMilliseconds < 20_000 ? 100 : null),
    });
  }
  const connection = builder.build();
  return { connection, inbox: new Inbox(connection, options.targets ?? []) };
}

/** Builds and starts a client. */
export async function connectClient(
  emulator: EmulatorAddress,
  options: { hub: string; userId?: string; targets?: readonly string[]; reconnect?: boolean },
): Promise<TestClient> {
  const client = buildClient(emulator, options);
  await withTimeout(client.connection.start(), 10_000, 'the client to connect');
  return client;
}

/** Stops clients, ignoring the ones already stopped. */
export async function stopAll(clients: readonly TestClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.connection.stop()));
}

/** A REST call signed like a production adapter signs it (aud = URL without query), unless a token is given. */
export async function rest(
  emulator: EmulatorAddress,
  method: string,
  path: string,
  options: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {},
): Promise<Response> {
  const url = `${emulator.endpoint}${path}`;
  const token =
    options.token === undefined
      ? await serverAccessToken({ accessKey: emulator.accessKey, audience: url })
      : options.token;
  const headers: Record<string, string> = { ...(token === null ? {} : { authorization: `Bearer ${token}` }) };
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  return fetch(url, { method, headers: { ...headers, ...options.headers }, body });
}

/** Negotiates like a client does; returns the answer and the token used. */
export async function negotiate(
  emulator: EmulatorAddress,
  hub: string,
  userId?: string,
): Promise<{ connectionId: string; connectionToken: string; accessToken: string }> {
  const { accessToken } = await clientAccessToken({ ...emulator, hub, userId });
  const response = await fetch(`${emulator.endpoint}/client/negotiate?hub=${hub}&negotiateVersion=1`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}` },
  });
  if (response.status !== 200) throw new Error(`negotiate answered ${response.status}`);
  const body = (await response.json()) as { connectionId: string; connectionToken: string };
  return { ...body, accessToken };
}

/** A WebSocket that speaks (or breaks) the hub protocol by hand. */
export class RawClient {
  readonly frames: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private pending = '';
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: WebSocket) {
    this.closed = new Promise((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    socket.on('message', (data: Buffer) => {
      const records = (this.pending + data.toString('utf8')).split(RECORD_SEPARATOR);
      this.pending = records.pop() ?? '';
      this.frames.push(...records);
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    });
    socket.on('error', () => {});
  }

  /** Opens `/client/?hub=H&id=<token>` and resolves once the WebSocket is open (no handshake sent). */
  static async open(
    emulator: EmulatorAddress,
    query: string,
    headers: Record<string, string> = {},
  ): Promise<RawClient> {
    const socket = new WebSocket(`${emulator.endpoint.replace(/^http/, 'ws')}/client/?${query}`, { headers });
    const client = new RawClient(socket);
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade answered ${res.statusCode}`)));
        socket.once('error', reject);
      }),
      5_000,
      'the WebSocket to open',
    );
    return client;
  }

  /** Negotiates for `userId`, opens the socket and, unless told not to, completes the JSON handshake. */
  static async connect(
    emulator: EmulatorAddress,
    hub: string,
    userId?: string,
    options: { handshake?: boolean } = {},
  ): Promise<RawClient> {
    const { connectionToken, accessToken } = await negotiate(emulator, hub, userId);
    const client = await RawClient.open(emulator, `hub=${hub}&id=${connectionToken}`, {
      authorization: `Bearer ${accessToken}`,
    });
    if (options.handshake !== false) {
      client.send(`{"protocol":"json","version":1}${RECORD_SEPARATOR}`);
      const answer = await client.nextFrame(() => true);
      if (answer !== '{}') throw new Error(`handshake answered ${answer}`);
    }
    return client;
  }

  send(text: string | Buffer): void {
    this.socket.send(text, { binary: Buffer.isBuffer(text) });
  }

  /** The first frame (parsed records, separators removed) that satisfies the predicate, consuming those before it. */
  async nextFrame(predicate: (frame: string) => boolean, ms = 5_000): Promise<string> {
    return withTimeout(
      new Promise<string>((resolve) => {
        const check = () => {
          const index = this.frames.findIndex(predicate);
          if (index < 0) {
            this.waiters.push(check);
            return;
          }
          const [frame] = this.frames.splice(0, index + 1).slice(-1);
          resolve(frame ?? '');
        };
        check();
      }),
      ms,
      'a frame',
    );
  }
}

/** The status of a WebSocket upgrade that the server refuses (or 101 when it accepts). */
export async function upgradeStatus(emulator: EmulatorAddress, query: string, headers: Record<string, string> = {}) {
  const socket = new WebSocket(`${emulator.endpoint.replace(/^http/, 'ws')}/client/?${query}`, { headers });
  socket.on('error', () => {});
  return withTimeout(
    new Promise<number>((resolve) => {
      socket.once('open', () => {
        socket.terminate();
        resolve(101);
      });
      socket.once('unexpected-response', (_req, res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        socket.terminate();
      });
    }),
    5_000,
    'the upgrade answer',
  );
}
