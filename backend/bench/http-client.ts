/**
 * What the benchmarks share: a keep-alive HTTP/1.1 client on node:http (lighter on the shared CPU than fetch()), with
 * each virtual student's own client address sent as X-Forwarded-For (the host under test trusts loopback); sign-in
 * through the dev outbox; percentiles.
 */
import { Agent, request as httpRequest } from 'node:http';
import type { Person } from '../src/test-support/classroom';

export interface Answer {
  readonly status: number;
  readonly json: unknown;
}

export interface CallOptions {
  readonly token?: string;
  /** Sent as X-Forwarded-For: the address the host believes (it trusts loopback as a proxy). */
  readonly ip?: string;
  readonly body?: unknown;
}

/** Student i's own address. */
export const studentIp = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

/**
 * A thin keep-alive HTTP/1.1 client on node:http: lighter on the shared CPU than fetch(), leaving more of
 * the machine to the host. Retries once when the server had closed a reused keep-alive socket.
 */
export class Client {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  private readonly hostname: string;
  private readonly port: number;

  constructor(url: string) {
    const parsed = new URL(url);
    this.hostname = parsed.hostname;
    this.port = Number(parsed.port);
  }

  call(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.ip) headers['x-forwarded-for'] = options.ip;
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const attempt = (mayRetry: boolean): Promise<Answer> =>
      new Promise((resolve, reject) => {
        const req = httpRequest(
          { agent: this.agent, hostname: this.hostname, port: this.port, method, path: `/api/${path}`, headers },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('error', reject);
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              try {
                resolve({ status: res.statusCode ?? 0, json: text ? (JSON.parse(text) as unknown) : undefined });
              } catch (error) {
                reject(error instanceof Error ? error : new Error(String(error)));
              }
            });
          },
        );
        req.on('error', (error: NodeJS.ErrnoException) => {
          if (mayRetry && req.reusedSocket && error.code === 'ECONNRESET') resolve(attempt(false));
          else reject(error);
        });
        req.end(payload);
      });
    return attempt(true);
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface ErrorBody {
  readonly error?: { readonly code?: string; readonly details?: { readonly reason?: string } };
}

/** Calls `path`. @throws Error unless the status is `expected`. */
export async function must(
  client: Client,
  expected: number,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<unknown> {
  const answer = await client.call(method, path, options);
  if (answer.status !== expected) {
    throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.json)}`);
  }
  return answer.json;
}

/** Runs `work` for every item, at most `limit` at a time: the backend's own helper. */
export { mapLimited as eachLimited } from '../src/services/map-limited';

/** Signs in through the dev outbox (code, outbox, verify) from `ip`. */
export async function signIn(client: Client, email: string, ip: string): Promise<Person> {
  await must(client, 202, 'POST', 'auth/code', { ip, body: { email } });
  const outbox = (await must(client, 200, 'GET', `dev/outbox?to=${encodeURIComponent(email)}`)) as {
    messages: { code: string }[];
  };
  const code = outbox.messages[0]?.code;
  if (!code) throw new Error(`no sign-in code in the outbox for ${email}`);
  const verified = (await must(client, 200, 'POST', 'auth/verify', { ip, body: { email, code } })) as {
    token: string;
    user: { id: string };
  };
  return { id: verified.user.id, email, token: verified.token };
}

/** The value at percentile `p` of an ascending array (NaN when empty). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}
