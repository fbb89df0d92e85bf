/**
 * Insight summarizer port: a short plain-language summary of a session's insight figures, written by a language
 * model from the aggregate numbers alone. Adapter: Azure OpenAI (`AZURE_OPENAI_ENDPOINT`); without it, no summary.
 */
import type { InsightFigures } from '@qrca/contract';

export interface InsightSummarizer {
  /**
   * A short plain-language summary of the figures (`frozen`: the session has ended).
   * @throws SummaryUnavailableError when the service fails, is throttled past the retries, or times out.
   */
  summarize(figures: InsightFigures, context: { readonly frozen: boolean }): Promise<string>;
}

/** No summary this time; the message names what went wrong and never carries a secret (`cause` has the error). */
export class SummaryUnavailableError extends Error {
  override readonly name = 'SummaryUnavailableError';
}
