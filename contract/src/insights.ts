/**
 * A session's insights (`GET /api/sessions/{id}/insights`, teachers): how the class checked in, computed from the
 * stored rows, chains and audit log — frozen with the session once it has ended — and, when Azure OpenAI is
 * configured, a short summary written from these numbers alone (never a name, email, student id or title).
 */
import { z } from 'zod';

/** One point of the cumulative curve: `atMs` after the entry began, `verified` students checked in by then. */
export const CurvePointSchema = z.object({ atMs: z.number(), verified: z.number() });
export type CurvePoint = z.infer<typeof CurvePointSchema>;

/** Why the sweep found a chain stalled (as `chainStalled` says). */
export const StallReasonSchema = z.enum(['idle', 'holder_offline', 'holder_off_network']);
export type StallReason = z.infer<typeof StallReasonSchema>;

/** The figures, each from stored facts; times in milliseconds. */
export const InsightFiguresSchema = z.object({
  /** Students who joined, and those checked in on entry: on time, late (any method, overrides aside). */
  students: z.object({ joined: z.number(), verified: z.number(), onTime: z.number(), late: z.number() }),
  entry: z.object({
    /**
     * When entry began: the first entry chain's start when chains ran, else the session's start; null before the
     * session started. Check-ins before it (a projector code) count at 0.
     */
    startedAt: z.string().nullable(),
    /**
     * From `startedAt` until 50 / 90 / 100 % of the students checked in on time were: 100 % is the last on-time
     * check-in. Null without on-time check-ins.
     */
    timeTo50Ms: z.number().nullable(),
    timeTo90Ms: z.number().nullable(),
    timeTo100Ms: z.number().nullable(),
    /** Check-ins on entry (on time and late) counted up per second from `startedAt`: one point per second with any. */
    curve: z.array(CurvePointSchema),
    /** How students were checked in on entry. */
    byMethod: z.object({
      chain: z.number(),
      projector: z.number(),
      teacherClose: z.number(),
    }),
  }),
  handOffs: z.object({
    /** Accepted scans of a baton (each checks its holder in). */
    count: z.number(),
    /** Median time a holder held a baton before a classmate scanned it (from the hold to the hand-off). */
    medianMs: z.number().nullable(),
  }),
  chains: z.object({
    /** Chains started by a teacher, entry and exit. */
    started: z.number(),
    entry: z.number(),
    exit: z.number(),
    /** Stalls the system saw, by reason (no hand-off for a while, holder offline, holder off the class network). */
    stalls: z.object({ idle: z.number(), holder_offline: z.number(), holder_off_network: z.number() }),
    /** Batons passed on to someone else after a stall, by the system or a teacher. */
    reseeds: z.number(),
    /** Chains ended by a verified classmate at their last holder; closed by a teacher. */
    endedByClassmate: z.number(),
    closedByTeacher: z.number(),
  }),
  /** Students carrying each flag (a student with two flags counts under both), and students with any. */
  flags: z.object({ byKind: z.record(z.string(), z.number()), flaggedStudents: z.number() }),
  spotChecks: z.object({
    /** Students picked (each student's latest pick), and the answers so far. */
    picked: z.number(),
    here: z.number(),
    notHere: z.number(),
    unanswered: z.number(),
  }),
});
export type InsightFigures = z.infer<typeof InsightFiguresSchema>;

/**
 * The optional summary: `off` without Azure OpenAI settings; `unavailable` when the service failed this time;
 * `skipped` when the request asked for the figures alone (`?summary=skip`) and a summary can be asked for.
 */
export const InsightSummarySchema = z.object({
  state: z.enum(['off', 'ready', 'unavailable', 'skipped']),
  text: z.string().nullable(),
});
export type InsightSummary = z.infer<typeof InsightSummarySchema>;

export const InsightsResponseSchema = z.object({
  sessionId: z.string(),
  /** When the figures were computed; for an ended session, once after its end, then kept. */
  computedAt: z.string(),
  /** Whether the session has ended: the figures no longer change. */
  frozen: z.boolean(),
  figures: InsightFiguresSchema,
  summary: InsightSummarySchema,
});
export type InsightsResponse = z.infer<typeof InsightsResponseSchema>;
