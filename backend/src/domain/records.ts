/**
 * The records of a session as the domain sees them: the session itself, one attendance row per student, one
 * row per chain, roster entries, kept scan answers and index entries. How they are stored (tables, keys,
 * versions) is the repositories' business.
 */
import type { Constraints, FinalStatus, FlagEvidence, InsightFigures, PolicyMode } from '@qrca/contract';

export interface SessionRecord {
  readonly id: string;
  readonly title: string;
  readonly ownerId: string;
  readonly ownerEmail: string;
  readonly coTeachers: readonly { readonly userId: string; readonly email: string }[];
  readonly status: 'scheduled' | 'active' | 'ended';
  readonly startAt: string;
  readonly endAt: string;
  readonly lateCutoffMinutes: number;
  readonly exitWindowMinutes: number;
  readonly entryMethod: 'chain' | 'projector' | 'both';
  readonly joinCode: string;
  readonly rosterMode: 'strict' | 'flag';
  readonly rosterCount: number;
  readonly constraints: Constraints;
  /** Device keys: `off`, `warn` or `enforce`; absent (sessions from before device keys) means `warn`. */
  readonly devicePolicy?: PolicyMode;
  readonly earlyLeaveOpen: boolean;
  /** When a teacher closed on-time entry before its cutoff ("close on-time entry now"). */
  readonly entryClosedAt?: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  /** Exit verification was run (exit chains started or the exit code shown): final status needs exit then. */
  readonly exitRun?: boolean;
  /** Random per session; the projector codes' secret derives from it with a server key. */
  readonly projectorNonce?: string;
  readonly [key: string]: unknown;
}

export interface AttendanceRecord {
  readonly studentId: string;
  readonly email: string;
  /** From the roster, when it gives one. */
  readonly name: string | null;
  readonly joinedAt: string | null;
  readonly onRoster: boolean;
  readonly entry: 'on_time' | 'late' | null;
  readonly entryAt: string | null;
  readonly entryMethod: 'chain' | 'teacher_close' | 'projector' | null;
  readonly entryVerifiedBy: string | null;
  readonly exitVerified: boolean;
  readonly exitAt: string | null;
  readonly earlyLeaveAt: string | null;
  /** The chain this student holds now, if any. */
  readonly holding: { readonly chainId: string; readonly phase: 'entry' | 'exit' } | null;
  readonly flags: readonly string[];
  /** The evidence behind `flags` (domain/suspicion-flags.ts keeps it bounded). */
  readonly flagEvidence?: readonly FlagEvidence[];
  /** The device (key id) this student last scanned with, proven by its signature. */
  readonly deviceId?: string | null;
  /** A teacher's decision, which wins over the computed status. */
  readonly override?: {
    readonly final: FinalStatus;
    readonly reason: string;
    readonly by: string;
    readonly at: string;
  } | null;
  /** The student's latest spot check (domain/spot-check.ts): picked, and the teacher's answer once given. */
  readonly spotCheck?: SpotCheckRecord | null;
  /** Last holder of an exit chain that closed without a scanner: may check out with the exit code. */
  readonly awaitingExit?: boolean;
  /**
   * Counts the row's writes (the repository stamps it on each): clients keep the highest they have seen, so a
   * delta that arrives after a fresher snapshot is not applied over it. Absent on rows never rewritten since.
   */
  readonly rev?: number;
  /** The final status frozen when the session ended (overrides after that still win). */
  readonly frozenFinal?: FinalStatus | null;
  readonly [key: string]: unknown;
}

/** A student picked in a spot check; `answer`, `at` and `by` (email) stay null until the teacher answers. */
export interface SpotCheckRecord {
  readonly spotCheckId: string;
  readonly pickedAt: string;
  readonly pickedBy: string;
  readonly answer: 'here' | 'not_here' | null;
  readonly at: string | null;
  readonly by: string | null;
}

export interface ChainRecord {
  readonly chainId: string;
  readonly phase: 'entry' | 'exit';
  readonly seq: number;
  /** The current holder; on a closed chain, the last holder (who may still await verification). */
  readonly holderId: string;
  /** Who held it before the current holder (the codes of `seq − 1` were theirs); absent on a fresh chain. */
  readonly previousHolderId?: string;
  /** Per-hold random value; the hold secret is derived from it with a server key, never stored. */
  readonly nonce: string;
  readonly state: 'active' | 'stalled' | 'closed';
  /** Hand-offs so far. */
  readonly length: number;
  readonly startedAt: string;
  readonly lastHandoffAt: string;
  /** When the current holder got the baton. */
  readonly issuedAt: string;
  readonly [key: string]: unknown;
}

/** An ended session's insights, computed once from its facts and kept past the audit log's retention. */
export interface InsightsRecord {
  readonly computedAt: string;
  readonly figures: InsightFigures;
  /** The summary written for these figures, when one was. */
  readonly summary?: string | null;
  readonly [key: string]: unknown;
}

export interface RosterRecord {
  readonly email: string;
  readonly studentId: string;
  readonly name: string | null;
  readonly [key: string]: unknown;
}

/** The first answer to a scan attempt: a success body or an error. */
export interface ScanRecord {
  readonly status: number;
  readonly body?: unknown;
  readonly error?: { readonly code: string; readonly message: string; readonly details?: Record<string, unknown> };
  readonly [key: string]: unknown;
}

/** Which accounts a device (by key id, proven by signatures) scanned for in one session. */
export interface DeviceUseRecord {
  readonly deviceId: string;
  /** In order of first use; at most MAX_DEVICE_ACCOUNTS (domain/suspicion-flags.ts), then only counted. */
  readonly accounts: readonly { readonly studentId: string; readonly firstAt: string }[];
  /** Accounts beyond the list. */
  readonly moreAccounts?: number;
  readonly [key: string]: unknown;
}

/** How a person relates to a session in their list of sessions. */
export type IndexRelation = 'owner' | 'co_teacher' | 'student';

/** An attendance row before anything happened. Throws nothing. */
export function emptyAttendance(studentId: string, email: string): AttendanceRecord {
  return {
    studentId,
    email,
    name: null,
    joinedAt: null,
    onRoster: false,
    entry: null,
    entryAt: null,
    entryMethod: null,
    entryVerifiedBy: null,
    exitVerified: false,
    exitAt: null,
    earlyLeaveAt: null,
    holding: null,
    flags: [],
  };
}

/** The row of a roster member who never joined. Throws nothing. */
export function rosterOnly(entry: RosterRecord): AttendanceRecord {
  return { ...emptyAttendance(entry.studentId, entry.email), name: entry.name, onRoster: true };
}
