/**
 * Real-time events (Azure SignalR Service, hub `attendance`): names, who receives them and their payloads.
 * Every event carries one argument: an object with the `sessionId` and the delta. Clients connect through
 * `POST /api/negotiate?sessionId=` and fetch one snapshot over HTTP after (re)connecting.
 */
import { z } from 'zod';
import { StallReasonSchema } from './insights';
import {
  AttendanceCountsSchema,
  AttendanceRowSchema,
  ChainSchema,
  HoldSchema,
  MyStatusSchema,
  ProjectorCodeSchema,
  SessionStatusSchema,
} from './sessions';

/** The hub every client connects to. */
export const REALTIME_HUB = 'attendance';

/** `POST /api/negotiate?sessionId=&view=`: what the connection is for. */
export const NegotiateViewSchema = z.enum(['dashboard', 'display', 'student']);
export type NegotiateView = z.infer<typeof NegotiateViewSchema>;

/** The answer of `POST /api/negotiate`: where to connect and the access token (≤ 1 h) for it. */
export const NegotiateResponseSchema = z.object({ url: z.string(), accessToken: z.string() });
export type NegotiateResponse = z.infer<typeof NegotiateResponseSchema>;

/** A session's state as everyone in it may see it. */
export const SessionStateSchema = z.object({
  status: SessionStatusSchema,
  earlyLeaveOpen: z.boolean(),
  startAt: z.string(),
  endAt: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  /** As in the session: when on-time entry closes (or closed). */
  entryClosesAt: z.string(),
});
export type SessionState = z.infer<typeof SessionStateSchema>;

const withSession = <T extends z.ZodRawShape>(shape: T) => z.object({ sessionId: z.string(), ...shape });

/** Event name → payload schema. Names are the SignalR targets; add, never rename. */
export const realtimeEvents = {
  /** To the session's teachers: one attendance row, as in GET …/attendance. */
  attendanceChanged: withSession({ row: AttendanceRowSchema }),
  /** To the session's teachers and display. */
  countsChanged: withSession({ counts: AttendanceCountsSchema }),
  /** To the session's teachers: a chain after a hand-off, start, hand, reseed or close. */
  chainChanged: withSession({ chain: ChainSchema }),
  /** To the session's teachers: a chain found without a hand-off for too long, or with its holder offline. */
  chainStalled: withSession({ chain: ChainSchema, reason: StallReasonSchema }),
  /** To the session's teachers, display and joined students. */
  sessionChanged: withSession({ session: SessionStateSchema }),
  /** To the session's display: the projector code of an open kind, each time it rotates. */
  codeRotated: withSession({ code: ProjectorCodeSchema }),
  /** To one student: they hold a baton now (as `hold` in GET …/me). */
  holdAssigned: withSession({ hold: HoldSchema }),
  /** To one student: they no longer hold that baton. */
  holdReleased: withSession({ chainId: z.string() }),
  /** To one student: their own status changed (as `status` in GET …/me). */
  statusChanged: withSession({ status: MyStatusSchema }),
} as const;

export type RealtimeEventName = keyof typeof realtimeEvents;
export type RealtimeEvent<N extends RealtimeEventName = RealtimeEventName> = z.infer<(typeof realtimeEvents)[N]>;
export const realtimeEventNames = Object.keys(realtimeEvents) as RealtimeEventName[];

/** The SignalR groups of a session: its teachers, its display (projector), its joined students. */
export const realtimeGroups = {
  teachers: (sessionId: string) => `s.${sessionId}.teachers`,
  display: (sessionId: string) => `s.${sessionId}.display`,
  students: (sessionId: string) => `s.${sessionId}.students`,
} as const;
