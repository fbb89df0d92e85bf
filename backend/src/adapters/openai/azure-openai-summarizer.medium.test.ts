/**
 * The Azure OpenAI summarizer against a local HTTP server that speaks the chat-completions API: real requests
 * through the SDK, real throttling, failures and silence. The deployment name picks the server's behaviour.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OpenAiConfig } from '../../config';
import { SummaryUnavailableError } from '../../ports/insight-summarizer';
import {
  startChatServer,
  type ChatReply,
  type ChatRequest,
  type ChatServer,
} from '../../test-support/chat-completions-server';
import { sampleFigures } from '../../test-support/insight-figures';
import type { TokenCredential } from '../azure-identity/azure-credential';
import {
  AZURE_OPENAI_API_VERSION,
  COGNITIVE_SERVICES_SCOPE,
  createAzureOpenAiSummarizer,
} from './azure-openai-summarizer';

const KEY = 'test-key-0123456789abcdef';
const TOKEN = 'entra-token-abc';
const ANSWER = 'The class checked in quickly; two students were late.';

/**
 * Deployments: `ok` answers; `busy-once` / `busy-once-ms` throttle the first request (Retry-After 0 / 50 ms);
 * `busy-long` always throttles for a minute; `broken` always fails with 500; `empty` answers nothing;
 * `silent` never answers. A wrong key or token gets 401.
 */
function route(request: ChatRequest, requests: readonly ChatRequest[]): ChatReply {
  const attempt = requests.filter((r) => r.deployment === request.deployment).length;
  switch (request.deployment) {
    case 'busy-once':
      if (attempt === 1) return { status: 429, headers: { 'retry-after': '0' } };
      break;
    case 'busy-once-ms':
      if (attempt === 1) return { status: 429, headers: { 'retry-after-ms': '50' } };
      break;
    case 'busy-long':
      return { status: 429, headers: { 'retry-after': '60' } };
    case 'broken':
      return { status: 500 };
    case 'empty':
      return { content: '  \n' };
    case 'silent':
      return { hang: true };
  }
  return { content: `  ${ANSWER}\n` };
}

let server: ChatServer;
let endpoint = '';
/** Every request the server got in this test. */
const received = () => server.requests;
/** How many requests a deployment has had so far. */
const countFor = (deployment: string): number => received().filter((r) => r.deployment === deployment).length;

beforeAll(async () => {
  server = await startChatServer({ route, apiKey: KEY, bearerToken: TOKEN });
  endpoint = server.endpoint;
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  server.requests.length = 0;
});

const keyConfig = (deployment: string, apiKey = KEY): OpenAiConfig => ({
  endpoint,
  deployment,
  auth: { kind: 'key', apiKey },
});

const figures = sampleFigures();

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

    expect(received()).toHaveLength(1);
    const [request] = received();
    expect(request?.deployment).toBe('ok');
    expect(request?.apiVersion).toBe(AZURE_OPENAI_API_VERSION);
    expect(request?.headers['api-key']).toBe(KEY);
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.body).toMatchObject({ model: 'ok', max_tokens: 300, temperature: 0.2 });
    expect(request?.body.messages?.map((m) => m.role)).toEqual(['system', 'user']);
    const user = request?.body.messages?.[1]?.content ?? '';
    expect(user).toContain('31 joined, 29 checked in on entry (27 on time, 2 late)');
    expect(user).toContain('median hold 3.4 s');
    expect(user).toContain('- flag network_mismatch: 11 students');
    expect(user).toContain('14 picked; 15 here, 16 not here, 17 unanswered');
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

    expect(received().map((r) => r.headers.authorization)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
    expect(received()[0]?.headers['api-key']).toBeUndefined();
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
