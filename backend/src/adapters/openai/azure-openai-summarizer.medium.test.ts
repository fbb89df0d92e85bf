/**
 * The Azure OpenAI summarizer against a local HTTP server that speaks the chat-completions API: real requests
 * through the SDK, real throttling, failures and silence. The deployment name picks the server's behaviour.
 */
import type { InsightFigures } from '@qrca/contract';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OpenAiConfig } from '../../config';
import { SummaryUnavailableError } from '../../ports/insight-summarizer';
import type { TokenCredential } from '../azure-identity/azure-credential';
import {
  AZURE_OPENAI_API_VERSION,
  COGNITIVE_SERVICES_SCOPE,
  createAzureOpenAiSummarizer,
} from './azure-openai-summarizer';

const KEY = 'test-key-0123456789abcdef';
const TOKEN = 'entra-token-abc';
const ANSWER = 'The class checked in quickly; two students were late.';

interface Received {
  readonly deployment: string;
  readonly apiVersion: string | null;
  readonly headers: IncomingHttpHeaders;
  readonly body: {
    model?: string;
    max_tokens?: number;
    temperature?: number;
    messages?: { role: string; content: string }[];
  };
}

const received: Received[] = [];
const silent: ServerResponse[] = [];

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function completion(model: string, content: string): unknown {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 },
  };
}

const apiError = (code: string, message: string) => ({ error: { code, message } });

/** How many requests a deployment has had so far (this one included). */
const countFor = (deployment: string): number => received.filter((r) => r.deployment === deployment).length;

/**
 * Deployments: `ok` answers; `busy-once` / `busy-once-ms` throttle the first request (Retry-After 0 / 50 ms);
 * `busy-long` always throttles for a minute; `broken` always fails with 500; `empty` answers nothing;
 * `silent` never answers. A wrong key or token gets 401.
 */
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(url.pathname);
    if (req.method !== 'POST' || !match?.[1]) return reply(res, 404, apiError('404', 'Resource not found'));
    const deployment = decodeURIComponent(match[1]);
    received.push({
      deployment,
      apiVersion: url.searchParams.get('api-version'),
      headers: req.headers,
      body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received['body'],
    });
    if (req.headers['api-key'] !== KEY && req.headers.authorization !== `Bearer ${TOKEN}`) {
      return reply(res, 401, apiError('401', 'Access denied due to invalid subscription key.'));
    }
    const attempt = countFor(deployment);
    switch (deployment) {
      case 'busy-once':
        if (attempt === 1) return reply(res, 429, apiError('429', 'Rate limit'), { 'retry-after': '0' });
        break;
      case 'busy-once-ms':
        if (attempt === 1) return reply(res, 429, apiError('429', 'Rate limit'), { 'retry-after-ms': '50' });
        break;
      case 'busy-long':
        return reply(res, 429, apiError('429', 'Rate limit'), { 'retry-after': '60' });
      case 'broken':
        return reply(res, 500, apiError('InternalServerError', 'Something went wrong'));
      case 'empty':
        return reply(res, 200, completion(deployment, '  \n'));
      case 'silent':
        silent.push(res);
        return;
    }
    reply(res, 200, completion(deployment, `  ${ANSWER}\n`));
  });
});

let endpoint = '';

beforeAll(async () => {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received.length = 0;
});

const keyConfig = (deployment: string, apiKey = KEY): OpenAiConfig => ({
  endpoint,
  deployment,
  auth: { kind: 'key', apiKey },
});

const figures: InsightFigures = {
  students: { joined: 31, verified: 29, onTime: 27, late: 2 },
  entry: {
    startedAt: '2026-06-01T09:00:00.000Z',
    timeTo50Ms: 41_000,
    timeTo90Ms: 95_400,
    timeTo100Ms: 132_000,
    curve: [
      { atMs: 12_000, verified: 1 },
      { atMs: 301_000, verified: 29 },
    ],
    byMethod: { chain: 23, projector: 4, teacherClose: 2 },
  },
  handOffs: { count: 22, medianMs: 3_400 },
  chains: {
    started: 3,
    entry: 2,
    exit: 1,
    stalls: { idle: 1, holder_offline: 0, holder_off_network: 2 },
    reseeds: 1,
    endedByClassmate: 1,
    closedByTeacher: 1,
  },
  flags: { byKind: { network_mismatch: 4 }, flaggedStudents: 4 },
  spotChecks: { picked: 5, here: 3, notHere: 1, unanswered: 1 },
};

/** The error `promise` rejects with, and how long it took. */
async function failure(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  try {
    await promise;
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
  throw new Error('expected a failure');
}

describe('Azure OpenAI summarizer (HTTP)', () => {
  it('returns the trimmed answer to a chat completion with the key and the figures', async () => {
    const summarizer = createAzureOpenAiSummarizer(keyConfig('ok'));
    await expect(summarizer.summarize(figures, { frozen: true })).resolves.toBe(ANSWER);

    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.deployment).toBe('ok');
    expect(request?.apiVersion).toBe(AZURE_OPENAI_API_VERSION);
    expect(request?.headers['api-key']).toBe(KEY);
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.body).toMatchObject({ model: 'ok', max_tokens: 300, temperature: 0.2 });
    expect(request?.body.messages?.map((m) => m.role)).toEqual(['system', 'user']);
    const user = request?.body.messages?.[1]?.content ?? '';
    expect(user).toContain('31 joined, 29 checked in on entry (27 on time, 2 late)');
    expect(user).toContain('median hold 3.4 s');
    expect(user).toContain('- flag network_mismatch: 4 students');
    expect(user).toContain('5 picked; 3 here, 1 not here, 1 unanswered');
    expect(JSON.stringify(request?.body)).not.toContain('2026-06-01');
  });

  it('sends a Microsoft Entra ID bearer token for the Cognitive Services scope when there is no key', async () => {
    const scopes: string[] = [];
    const credential: TokenCredential = {
      getToken: async (scope) => {
        scopes.push(...(Array.isArray(scope) ? scope : [scope]));
        return { token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const summarizer = createAzureOpenAiSummarizer(
      {
        endpoint,
        deployment: 'ok',
        auth: { kind: 'entra', credential: { kind: 'managed-identity', clientId: 'client-1' } },
      },
      { credentials: () => credential },
    );
    await expect(summarizer.summarize(figures, { frozen: false })).resolves.toBe(ANSWER);
    await expect(summarizer.summarize(figures, { frozen: false })).resolves.toBe(ANSWER);

    expect(received.map((r) => r.headers.authorization)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
    expect(received[0]?.headers['api-key']).toBeUndefined();
    expect(scopes).toEqual([COGNITIVE_SERVICES_SCOPE]);
  });

  it('retries after a 429 with Retry-After 0', async () => {
    const summarizer = createAzureOpenAiSummarizer(keyConfig('busy-once'));
    await expect(summarizer.summarize(figures, { frozen: true })).resolves.toBe(ANSWER);
    expect(countFor('busy-once')).toBe(2);
  });

  it('retries after a 429 with retry-after-ms', async () => {
    const summarizer = createAzureOpenAiSummarizer(keyConfig('busy-once-ms'));
    await expect(summarizer.summarize(figures, { frozen: true })).resolves.toBe(ANSWER);
    expect(countFor('busy-once-ms')).toBe(2);
  });

  it('gives up at once when Retry-After is past the timeout', async () => {
    const summarizer = createAzureOpenAiSummarizer(keyConfig('busy-long'), { timeoutMs: 2_000 });
    const { error, ms } = await failure(summarizer.summarize(figures, { frozen: true }));
    expect(error).toBeInstanceOf(SummaryUnavailableError);
    expect((error as Error).message).toMatch(/429/);
    expect(countFor('busy-long')).toBe(1);
    expect(ms).toBeLessThan(1_500);
  });

  it('is unavailable after the retries when the service keeps failing', async () => {
    const summarizer = createAzureOpenAiSummarizer(keyConfig('broken'), { retry: { baseDelayMs: 10 } });
    const { error, ms } = await failure(summarizer.summarize(figures, { frozen: true }));
    expect(error).toBeInstanceOf(SummaryUnavailableError);
    expect((error as Error).message).toMatch(/500/);
    expect(countFor('broken')).toBe(4);
    expect(ms).toBeLessThan(5_000);
  });

  it('is unavailable without retrying a refused key, and never shows the key', async () => {
    const wrongKey = 'wrong-key-fedcba9876543210';
    const summarizer = createAzureOpenAiSummarizer(keyConfig('ok', wrongKey));
    const { error } = await failure(summarizer.summarize(figures, { frozen: true }));
    expect(error).toBeInstanceOf(SummaryUnavailableError);
    expect(countFor('ok')).toBe(1);
    expect(String(error)).not.toContain(wrongKey);
    expect((error as Error).stack ?? '').not.toContain(wrongKey);
  });

  it('is unavailable when the answer is empty', async () => {
    const summarizer = createAzureOpenAiSummarizer(keyConfig('empty'));
    await expect(summarizer.summarize(figures, { frozen: true })).rejects.toBeInstanceOf(SummaryUnavailableError);
  });

  it('is unavailable within the timeout when the service never answers', async () => {
    const summarizer = createAzureOpenAiSummarizer(keyConfig('silent'), { timeoutMs: 500 });
    const { error, ms } = await failure(summarizer.summarize(figures, { frozen: true }));
    expect(error).toBeInstanceOf(SummaryUnavailableError);
    expect((error as Error).message).toMatch(/in time/);
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(1_500);
  });

  it('retries an attempt that timed out while the whole call has time left', async () => {
    const summarizer = createAzureOpenAiSummarizer(keyConfig('silent'), {
      timeoutMs: 1_000,
      attemptTimeoutMs: 200,
      retry: { baseDelayMs: 10 },
    });
    const { error, ms } = await failure(summarizer.summarize(figures, { frozen: true }));
    expect(error).toBeInstanceOf(SummaryUnavailableError);
    expect(countFor('silent')).toBeGreaterThanOrEqual(2);
    expect(ms).toBeLessThan(2_000);
  });
});
