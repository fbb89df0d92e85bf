/**
 * Azure OpenAI summarizer adapter: one chat completion per summary (`POST {endpoint}/openai/deployments/
 * {deployment}/chat/completions`) with the official `openai` SDK, authenticated by the resource key or a Microsoft
 * Entra ID token. Sends only the messages of domain/insight-prompt (aggregate numbers); stores and logs nothing.
 */
import type { InsightFigures } from '@qrca/contract';
import { APIConnectionTimeoutError, APIError, AzureOpenAI, type ClientOptions } from 'openai';
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { OpenAiConfig } from '../../config';
import { summaryMessages } from '../../domain/insight-prompt';
import { SummaryUnavailableError, type InsightSummarizer } from '../../ports/insight-summarizer';
import { withDeadline } from '../../utils/deadline';
import { retry, type RetryOptions } from '../../utils/retry';
import { createAzureCredential, type CredentialFactory } from '../azure-identity/azure-credential';
import { CachedToken, TokenUnavailableError } from '../azure-identity/cached-token';

/** The Azure OpenAI data-plane version we speak (generally available, has chat completions). */
export const AZURE_OPENAI_API_VERSION = '2024-10-21';
/** The Entra ID scope of Azure OpenAI (Cognitive Services). */
export const COGNITIVE_SERVICES_SCOPE = 'https://cognitiveservices.azure.com/.default';

export interface AzureOpenAiSummarizerOptions {
  /** The whole summary, retries and their waits included, in ms; default 15,000. */
  readonly timeoutMs?: number;
  /** One attempt, until the answer's headers arrive, in ms; default 10,000 (the whole call's bound still holds). */
  readonly attemptTimeoutMs?: number;
  /** Backoff tuning; Retry-After is honoured up to `maxRetryAfterMs` (default: the whole timeout). */
  readonly retry?: Omit<RetryOptions, 'idempotent'>;
  /** The fetch the SDK uses (default: the global one). */
  readonly fetch?: ClientOptions['fetch'];
  /** Makes the Entra ID credential (default: @azure/identity's); the composition root passes its shared one. */
  readonly credentials?: CredentialFactory;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_ATTEMPT_TIMEOUT_MS = 10_000;

/**
 * A failed attempt, shaped for `retry`'s classifier: the HTTP status, `ETIMEDOUT` for an attempt that timed out,
 * and Retry-After in seconds (Azure's `retry-after-ms` preferred, as it is the more precise).
 */
class AttemptError extends Error {
  override readonly name = 'AttemptError';
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    message: string,
    fields: { status?: number; code?: string; headers?: Record<string, string> },
    cause: unknown,
  ) {
    super(message, { cause });
    this.status = fields.status;
    this.code = fields.code;
    this.headers = fields.headers ?? {};
  }
}

/** The whole call ran out of time. */
class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

/** Retry-After as seconds from an SDK error's headers, `retry-after-ms` first. */
function retryAfterSeconds(headers: Headers | undefined): Record<string, string> {
  const ms = Number(headers?.get('retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return { 'retry-after': String(ms / 1000) };
  const raw = headers?.get('retry-after');
  return raw ? { 'retry-after': raw } : {};
}

/** Maps an SDK error for `retry`; connection errors pass unchanged (their `cause` has the socket code). */
function toAttemptError(error: unknown): unknown {
  if (error instanceof APIConnectionTimeoutError) {
    return new AttemptError('Azure OpenAI did not answer in time', { code: 'ETIMEDOUT' }, error);
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const fields = { status: error.status, headers: retryAfterSeconds(error.headers) };
    return new AttemptError(`Azure OpenAI answered ${error.status}`, fields, error);
  }
  return error;
}

/** Why the summary is unavailable, without secrets: a status, a timeout, or a connection failure. */
function reasonOf(error: unknown): string {
  if (error instanceof DeadlineError) return 'Azure OpenAI did not answer in time';
  if (error instanceof AttemptError) return error.message;
  if (error instanceof TokenUnavailableError) return 'no Microsoft Entra ID token for Azure OpenAI';
  if (error instanceof APIError) return 'Azure OpenAI could not be reached';
  return 'Azure OpenAI request failed';
}

/** The key, or an Entra ID token provider (tokens cached and renewed before they expire). */
function authOf(
  config: OpenAiConfig,
  credentials: CredentialFactory,
): { apiKey: string } | { azureADTokenProvider: () => Promise<string> } {
  if (config.auth.kind === 'key') return { apiKey: config.auth.apiKey };
  const token = new CachedToken(credentials(config.auth.credential), COGNITIVE_SERVICES_SCOPE);
  return { azureADTokenProvider: () => token.get() };
}

/** The SDK client for `config`: no SDK retries (ours are bounded), no SDK logging. */
function createClient(config: OpenAiConfig, options: AzureOpenAiSummarizerOptions, attemptTimeoutMs: number) {
  return new AzureOpenAI({
    // The base URL rather than `endpoint`, so that an OPENAI_BASE_URL in the environment cannot redirect us.
    baseURL: `${config.endpoint.replace(/\/+$/, '')}/openai`,
    deployment: config.deployment,
    apiVersion: AZURE_OPENAI_API_VERSION,
    ...authOf(config, options.credentials ?? createAzureCredential),
    maxRetries: 0,
    timeout: attemptTimeoutMs,
    logLevel: 'off',
    fetch: options.fetch,
  });
}

/**
 * Builds the Azure OpenAI InsightSummarizer. `summarize` retries throttling (429, honouring Retry-After), 5xx and
 * resets with backoff, all within `timeoutMs`; it never logs, and its errors never carry the key.
 * @throws SummaryUnavailableError from `summarize` on any failure: refused, throttled or failing past the retries,
 *   timed out, unreachable, no token, or an empty answer.
 * @throws OpenAIError (from the SDK) at once when the config cannot make a client (never for a valid OpenAiConfig).
 */
export function createAzureOpenAiSummarizer(
  config: OpenAiConfig,
  options: AzureOpenAiSummarizerOptions = {},
): InsightSummarizer {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const attemptTimeoutMs = Math.min(options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS, timeoutMs);
  const client = createClient(config, options, attemptTimeoutMs);

  async function complete(figures: InsightFigures, frozen: boolean, signal: AbortSignal): Promise<string> {
    const messages = summaryMessages(figures, { frozen });
    const completion = await retry(
      async () => {
        try {
          return await client.chat.completions.create(
            { model: config.deployment, messages, max_tokens: 300, temperature: 0.2 },
            { signal },
          );
        } catch (error) {
          throw toAttemptError(error);
        }
      },
      {
        maxRetryAfterMs: timeoutMs,
        sleep: (ms) => sleepFor(ms, undefined, { signal }),
        ...options.retry,
        idempotent: true,
      },
    );
    return completion.choices[0]?.message.content?.trim() ?? '';
  }

  return {
    async summarize(figures, context): Promise<string> {
      let text: string;
      try {
        text = await withDeadline(
          timeoutMs,
          () => new DeadlineError(`no answer within ${timeoutMs} ms`),
          (signal) => complete(figures, context.frozen, signal),
        );
      } catch (error) {
        throw new SummaryUnavailableError(reasonOf(error), { cause: error });
      }
      if (text === '') throw new SummaryUnavailableError('Azure OpenAI gave an empty answer');
      return text;
    },
  };
}
