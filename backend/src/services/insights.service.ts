/**
 * InsightsService: a session's insights for its teachers (domain/insights.ts) with the optional AI summary. A live
 * session's figures are computed on each request from its rows, chains and audit log; an ended session's are
 * computed once, kept beside it (so they outlive the audit log's retention) and never change. The summary is
 * written from the figures alone and remembered: per figures while live, with the kept figures once ended; a
 * request may ask for the figures alone, so they need not wait for it.
 */
import type { InsightFigures, InsightsResponse, InsightSummary } from '@qrca/contract';
import { createHash } from 'node:crypto';
import { computeInsights } from '../domain/insights';
import type { InsightsRecord, SessionRecord } from '../domain/records';
import type { Clock } from '../ports/clock';
import { SummaryUnavailableError, type InsightSummarizer } from '../ports/insight-summarizer';
import type { SessionRepository } from '../repositories/session.repository';
import { cacheKeys, type Cache } from '../utils/cache';
import type { Logger } from '../utils/logger';
import type { Caller } from './auth.service';
import type { SessionAccess } from './session-access';

/** How long a live session's summary is remembered for the same figures. */
const LIVE_SUMMARY_MS = 60 * 60_000;

export interface InsightsDependencies {
  readonly repository: SessionRepository;
  readonly access: SessionAccess;
  readonly cache: Cache;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Absent without Azure OpenAI settings: the summary is `off`. */
  readonly summarizer?: InsightSummarizer;
}

const digestOf = (figures: InsightFigures) =>
  createHash('sha256').update(JSON.stringify(figures)).digest('base64url').slice(0, 22);

export class InsightsService {
  constructor(private readonly deps: InsightsDependencies) {}

  /**
   * The session's insights and, unless `options.summary` is false (the figures at once), their summary.
   * @throws NotFoundError (not the caller's session).
   */
  async insights(
    caller: Caller,
    sessionId: string,
    options: { readonly summary: boolean } = { summary: true },
  ): Promise<InsightsResponse> {
    const { access, clock } = this.deps;
    const { session } = await access.access(caller, sessionId, 'session:write');
    const frozen = session.status === 'ended';
    if (!frozen) {
      const figures = await this.compute(session);
      const summary = await this.summaryOf(session.id, figures, { frozen, wanted: options.summary });
      return { sessionId, computedAt: new Date(clock.now()).toISOString(), frozen, figures, summary };
    }
    const kept = await this.keptFor(session);
    const summary = await this.summaryOf(session.id, kept.figures, { frozen, wanted: options.summary, kept });
    return { sessionId, computedAt: kept.computedAt, frozen, figures: kept.figures, summary };
  }

  /**
   * Computes and keeps an ended session's insights unless kept already (before its audit log is purged).
   * Store failures propagate.
   */
  async keep(sessionId: string): Promise<void> {
    const session = await this.deps.access.findSession(sessionId);
    if (session?.status === 'ended') await this.keptFor(session);
  }

  /** An ended session's kept insights, computed and kept now if they were not yet. */
  private async keptFor(session: SessionRecord): Promise<InsightsRecord> {
    const { repository, clock } = this.deps;
    const kept = await repository.getInsights(session.id);
    if (kept) return kept;
    const record = { computedAt: new Date(clock.now()).toISOString(), figures: await this.compute(session) };
    await repository.putInsights(session.id, record);
    return record;
  }

  /** The figures from the session's stored facts. */
  private async compute(session: SessionRecord): Promise<InsightFigures> {
    const { repository } = this.deps;
    const [rows, chains, events] = await Promise.all([
      repository.listAttendance(session.id),
      repository.listChains(session.id),
      repository.listEvents(session.id),
    ]);
    return computeInsights({
      session,
      rows: rows.map((row) => row.value),
      chains: chains.map((chain) => chain.value),
      events,
    });
  }

  /**
   * The summary of `figures`: `off` without a summarizer; remembered for the same figures (live) or kept with the
   * ended session's figures; else written now unless not `wanted` (`skipped`); `unavailable` when the service fails
   * this time (asked again next time).
   */
  private async summaryOf(
    sessionId: string,
    figures: InsightFigures,
    context: { readonly frozen: boolean; readonly wanted: boolean; readonly kept?: InsightsRecord },
  ): Promise<InsightSummary> {
    const { summarizer, cache, repository, logger } = this.deps;
    const { frozen, wanted, kept } = context;
    if (!summarizer) return { state: 'off', text: null };
    if (kept?.summary) return { state: 'ready', text: kept.summary };
    const key = cacheKeys.insightsSummary(sessionId, digestOf(figures));
    const remembered = frozen ? undefined : await cache.getJson<string>(key);
    if (remembered) return { state: 'ready', text: remembered };
    if (!wanted) return { state: 'skipped', text: null };
    try {
      const text = await summarizer.summarize(figures, { frozen });
      if (kept) await repository.putInsights(sessionId, { ...kept, summary: text });
      else await cache.setJson(key, text, LIVE_SUMMARY_MS);
      return { state: 'ready', text };
    } catch (error) {
      if (!(error instanceof SummaryUnavailableError)) throw error;
      logger.warn({ err: error, sessionId }, 'insights summary unavailable');
      return { state: 'unavailable', text: null };
    }
  }
}
