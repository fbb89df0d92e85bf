/** Sessions, roster, joining, chains, scans and the audit log: request and response shapes. */
import { z } from 'zod';
import { EmailSchema } from './auth';

export const EntryMethodSchema = z.enum(['chain', 'projector', 'both']);
export const RosterModeSchema = z.enum(['strict', 'flag']);
export const PolicyModeSchema = z.enum(['off', 'warn', 'enforce']);
export const SessionStatusSchema = z.enum(['scheduled', 'active', 'ended']);
export type SessionStatus = z.infer<typeof SessionStatusSchema>;
export type PolicyMode = z.infer<typeof PolicyModeSchema>;

export const MAX_ROSTER = 2_000;
export const MAX_SESSION_HOURS = 24;

/** Allowed client networks: CIDRs (IPv4 or IPv6) or single addresses. Validated by the backend. */
export const NetworkPolicySchema = z.object({
  cidrs: z.array(z.string().trim().min(2).max(64)).min(1).max(50),
  mode: PolicyModeSchema,
});

export const GeofenceSchema = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  radiusM: z.number().min(10).max(5_000),
  mode: PolicyModeSchema,
});

export const ConstraintsSchema = z.object({
  networks: NetworkPolicySchema.optional(),
  geofence: GeofenceSchema.optional(),
});
export type Constraints = z.infer<typeof ConstraintsSchema>;

/**
 * What the session does with device keys (docs/api.md, "Device keys and flags"): `off` checks nothing; `warn`
 * (the default) flags unsigned scans and shared or changed devices; `enforce` also refuses unsigned scans and a
 * second account on one device.
 */
export const DevicePolicySchema = PolicyModeSchema;

const sessionFields = {
  title: z.string().trim().min(1).max(200),
  startAt: z.iso.datetime({ offset: true }),
  endAt: z.iso.datetime({ offset: true }),
  lateCutoffMinutes: z.number().int().min(0).max(240),
  exitWindowMinutes: z.number().int().min(0).max(240),
  entryMethod: EntryMethodSchema,
  roster: z.array(z.lazy(() => RosterEntrySchema)).max(MAX_ROSTER),
  rosterMode: RosterModeSchema,
  constraints: ConstraintsSchema,
  devicePolicy: DevicePolicySchema,
};

export const CreateSessionRequestSchema = z.object({
  title: sessionFields.title,
  startAt: sessionFields.startAt,
  endAt: sessionFields.endAt,
  lateCutoffMinutes: sessionFields.lateCutoffMinutes.default(10),
  exitWindowMinutes: sessionFields.exitWindowMinutes.default(10),
  entryMethod: sessionFields.entryMethod.default('chain'),
  roster: sessionFields.roster.optional(),
  rosterMode: sessionFields.rosterMode.default('strict'),
  constraints: sessionFields.constraints.default({}),
  devicePolicy: sessionFields.devicePolicy.default('warn'),
});
export type CreateSessionRequest = z.infer<typeof CreateSessionRequestSchema>;

export const UpdateSessionRequestSchema = z
  .object(sessionFields)
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'Change at least one field.');
export type UpdateSessionRequest = z.infer<typeof UpdateSessionRequestSchema>;

/** What everyone who may see a session sees: its name, state and timing. */
const SessionBasicsSchema = z.object({
  id: z.string(),
  title: z.string(),
  status: SessionStatusSchema,
  startAt: z.string(),
  endAt: z.string(),
  lateCutoffMinutes: z.number(),
  exitWindowMinutes: z.number(),
  entryMethod: EntryMethodSchema,
  /**
   * When on-time entry closes (or closed): the late cutoff after the later of the scheduled and the actual
   * start, or earlier when a teacher closed it ("close on-time entry now"). Late arrivals use the late code after.
   */
  entryClosesAt: z.string(),
  /** The session's device policy; always sent (absent only from servers before device keys). */
  devicePolicy: DevicePolicySchema.optional(),
});
export type SessionBasics = z.infer<typeof SessionBasicsSchema>;

/** A session as its teachers see it. */
export const SessionSchema = SessionBasicsSchema.extend({
  joinCode: z.string(),
  joinUrl: z.string(),
  rosterMode: RosterModeSchema,
  rosterCount: z.number(),
  constraints: ConstraintsSchema,
  ownerId: z.string(),
  coTeachers: z.array(z.string()),
  earlyLeaveOpen: z.boolean(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  /** The viewer's relation to the session. */
  yourRole: z.enum(['owner', 'co_teacher']),
});
export type Session = z.infer<typeof SessionSchema>;

/** A session as a joined student sees it: no roster, no join code, no other people. */
export const StudentSessionSchema = SessionBasicsSchema.extend({
  /** Scans must carry the device's position. */
  needsLocation: z.boolean(),
  yourRole: z.literal('student'),
});
export type StudentSession = z.infer<typeof StudentSessionSchema>;

export const SessionViewSchema = z.union([SessionSchema, StudentSessionSchema]);
export const SessionListResponseSchema = z.object({ sessions: z.array(SessionViewSchema) });

/** A roster entry: an email, or an email with the student's name (CSV rosters carry names). */
export const RosterEntrySchema = z.union([
  EmailSchema,
  z.object({ email: EmailSchema, name: z.string().trim().max(200).optional() }),
]);
export type RosterEntry = z.infer<typeof RosterEntrySchema>;
export const RosterRequestSchema = z.object({ entries: z.array(RosterEntrySchema).max(MAX_ROSTER) });
export const RosterResponseSchema = z.object({ count: z.number() });

export const CoTeacherRequestSchema = z.object({ email: EmailSchema });

/** The device that made a request, proven by its signature (docs/api.md, "Device keys and flags"). */
export const DeviceProofSchema = z.object({
  /** The device key's RFC 7638 thumbprint (`deviceIdOf`). */
  id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
  /** ECDSA P-256 / SHA-256 over `scanSignatureMessage`, IEEE P1363 r || s, base64url. */
  signature: z.string().max(512).optional(),
  /** When the device signed (unix ms, server clock as the device knows it); part of the signed message. */
  signedAt: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});
export type DeviceProof = z.infer<typeof DeviceProofSchema>;

export const JoinRequestSchema = z.object({
  joinCode: z.string().trim().min(4).max(32),
  /**
   * The joining device, signed as a scan with `scanId` `join` and the join code as `payload`
   * (`JOIN_SIGNATURE_ID`): a phone that joins for a second account is flagged `shared_device` (refused under
   * device policy `enforce`) before it scans anything.
   */
  device: DeviceProofSchema.optional(),
});

export const EntryStatusSchema = z.enum(['on_time', 'late']);
export const FinalStatusSchema = z.enum(['present', 'late', 'early_leave', 'left_early', 'absent']);
export type FinalStatus = z.infer<typeof FinalStatusSchema>;

/** A student's own attendance facts. */
export const MyStatusSchema = z.object({
  entry: EntryStatusSchema.nullable(),
  exitVerified: z.boolean(),
  earlyLeaveAt: z.string().nullable(),
  final: FinalStatusSchema,
});
export type MyStatus = z.infer<typeof MyStatusSchema>;

export const JoinResponseSchema = z.object({ status: MyStatusSchema });

export const ChainPhaseSchema = z.enum(['entry', 'exit']);
export type ChainPhase = z.infer<typeof ChainPhaseSchema>;
export const ChainStateSchema = z.enum(['active', 'stalled', 'closed']);

/** The baton a holder's phone shows: the secret derives the rotating code (see wire formats). */
export const HoldSchema = z.object({
  chainId: z.string(),
  phase: ChainPhaseSchema,
  seq: z.number(),
  /** 32 bytes, base64url without padding. */
  secret: z.string(),
  rotationSeconds: z.number(),
  issuedAt: z.string(),
});
export type Hold = z.infer<typeof HoldSchema>;

export const SessionMeResponseSchema = z.object({ status: MyStatusSchema, hold: HoldSchema.nullable() });

export const StartChainsRequestSchema = z.object({
  phase: ChainPhaseSchema,
  count: z.union([z.number().int().min(1).max(100), z.literal('auto')]),
});

export const ChainSchema = z.object({
  chainId: z.string(),
  phase: ChainPhaseSchema,
  seq: z.number(),
  holderId: z.string().nullable(),
  holderName: z.string().nullable(),
  /** Hand-offs so far (students verified by this chain). */
  length: z.number(),
  /** When the chain was started (it keeps its place in lists by this). */
  startedAt: z.string(),
  lastHandoffAt: z.string(),
  state: ChainStateSchema,
});
export type Chain = z.infer<typeof ChainSchema>;
export const ChainListResponseSchema = z.object({ chains: z.array(ChainSchema) });

export const HandChainRequestSchema = z.object({ studentId: z.string().min(1).max(64) });

export const LocationSchema = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  accuracyM: z.number().min(0).max(100_000),
});

export const ScanRequestSchema = z.object({
  /** Client-chosen id of this attempt; a retry with the same id gets the first answer. */
  scanId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
  payload: z.string().trim().min(1).max(256),
  location: LocationSchema.optional(),
  /** The device that scanned; its key was registered at sign-in. */
  device: DeviceProofSchema.optional(),
});
export type ScanRequest = z.infer<typeof ScanRequestSchema>;

export const ScanOutcomeSchema = z.enum(['verified_holder', 'late_entry', 'early_leave', 'entry', 'exit_holder']);

export const ScanResponseSchema = z.object({
  outcome: ScanOutcomeSchema,
  flow: z.enum(['chain', 'projector']),
  youAreHolder: z.boolean(),
  hold: HoldSchema.optional(),
});
export type ScanResponse = z.infer<typeof ScanResponseSchema>;

/**
 * Suspicion flags an attendance row can carry (docs/api.md, "Device keys and flags"). Rows list them by name in
 * `flags` (names outside this list may appear from newer servers: show them as they are).
 */
export const FLAG_KINDS = [
  'not_on_roster',
  'off_network',
  'outside_geofence',
  'unsigned_scan',
  'shared_device',
  'device_changed',
  'late_code',
  'too_fast',
  'network_mismatch',
  'holder_offline',
] as const;
export type FlagKind = (typeof FLAG_KINDS)[number];

/** Why a flag was raised: one observation, with a sentence a teacher can read and the facts behind it. */
export const FlagEvidenceSchema = z.object({
  flag: z.string(),
  /** When it was observed. */
  at: z.string(),
  /** One readable sentence, e.g. "chain code used 3.4 s after it left the holder’s screen". */
  detail: z.string(),
  /** The scan attempt that raised it. */
  scanId: z.string().optional(),
  chainId: z.string().optional(),
  /** In a hand-off: which side this student was on. */
  role: z.enum(['scanner', 'holder']).optional(),
  /** The other student involved: the other side of a hand-off, or another account on the same device. */
  otherStudentId: z.string().optional(),
  /** The measured facts, each a string, number or boolean (milliseconds, network prefixes, device ids…). */
  facts: z.record(z.string(), z.unknown()).optional(),
});
export type FlagEvidence = z.infer<typeof FlagEvidenceSchema>;

/** How a scan's device signature checked out (`off` when the session's device policy is off). */
export const SignatureVerdictSchema = z.enum(['off', 'valid', 'missing', 'unknown_device', 'invalid', 'stale']);
export type SignatureVerdict = z.infer<typeof SignatureVerdictSchema>;

/** One audit event: a scan attempt (accepted or refused) or a teacher action. */
export const AuditEventSchema = z.object({
  id: z.string(),
  at: z.string(),
  kind: z.enum(['scan', 'teacher']),
  actorId: z.string(),
  flow: z.string(),
  chainId: z.string().optional(),
  seq: z.number().optional(),
  /** `accepted`, or the error code of the refusal; for teacher actions the action. */
  outcome: z.string(),
  deviceId: z.string().optional(),
  ip: z.string().optional(),
  network: z.enum(['pass', 'fail', 'off']).optional(),
  geofence: z.enum(['pass', 'fail', 'off', 'missing']).optional(),
  distanceBand: z.string().optional(),
  userAgent: z.string().optional(),
  /** Whom the event is about: a teacher action's student; for an accepted chain scan, the holder it verified. */
  targetId: z.string().optional(),
  /** The device signature's verdict (scans). */
  signature: SignatureVerdictSchema.optional(),
  /** Suspicion flags this attempt raised, and their evidence. */
  flags: z.array(z.string()).optional(),
  flagEvidence: z.array(FlagEvidenceSchema).optional(),
});
export type AuditEvent = z.infer<typeof AuditEventSchema>;

export const EventPageSchema = z.object({ events: z.array(AuditEventSchema), cursor: z.string().nullable() });

// --- Projector codes, attendance, overrides, export (AttendanceService, TokenService) ---

export const ProjectorKindSchema = z.enum(['entry', 'late', 'early-leave', 'exit']);

/** The code a projector shows: QR payload and a typed code, both valid until `expiresAt` (+ the previous step). */
export const ProjectorCodeSchema = z.object({
  kind: ProjectorKindSchema,
  payload: z.string(),
  typed: z.string(),
  step: z.number(),
  expiresAt: z.string(),
});
export type ProjectorCode = z.infer<typeof ProjectorCodeSchema>;

export const OverrideSchema = z.object({
  final: FinalStatusSchema,
  reason: z.string(),
  by: z.string(),
  at: z.string(),
});

export const SpotCheckAnswerSchema = z.enum(['here', 'not_here']);
export type SpotCheckAnswer = z.infer<typeof SpotCheckAnswerSchema>;

/** A student's latest spot check as their attendance row carries it; `answer` is null until the teacher answers. */
export const SpotCheckMarkSchema = z.object({
  spotCheckId: z.string(),
  pickedAt: z.string(),
  answer: SpotCheckAnswerSchema.nullable(),
  /** When and by whom (email) it was answered; null until then. */
  at: z.string().nullable(),
  by: z.string().nullable(),
});
export type SpotCheckMark = z.infer<typeof SpotCheckMarkSchema>;

export const AttendanceRowSchema = z.object({
  studentId: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  joined: z.boolean(),
  entry: EntryStatusSchema.nullable(),
  entryAt: z.string().nullable(),
  entryMethod: z.enum(['chain', 'teacher_close', 'projector']).nullable(),
  exitVerified: z.boolean(),
  exitAt: z.string().nullable(),
  earlyLeaveAt: z.string().nullable(),
  final: FinalStatusSchema,
  flags: z.array(z.string()),
  /** The evidence behind `flags`, oldest first (a few per flag); always sent by current servers. */
  flagEvidence: z.array(FlagEvidenceSchema).optional(),
  override: OverrideSchema.nullable(),
  /** Whole minutes a late entry came after the class began (as in the export); null unless late. */
  minutesLate: z.number().int().nonnegative().nullable().optional(),
  /**
   * The row's revision, counted up by every write: a client keeps the highest it has seen, so a delta that
   * arrives after a fresher snapshot is not applied over it. Always sent by current servers.
   */
  version: z.number().int().nonnegative().optional(),
  /** The student's latest spot check: picked, and the teacher's answer once given. Always sent by current servers. */
  spotCheck: SpotCheckMarkSchema.nullable().optional(),
});
export type AttendanceRow = z.infer<typeof AttendanceRowSchema>;

export const AttendanceCountsSchema = z.object({
  present: z.number(),
  late: z.number(),
  early_leave: z.number(),
  left_early: z.number(),
  absent: z.number(),
  /** Joined students not verified on entry (yet); they are also counted by their final status. */
  unverified: z.number(),
});
export type AttendanceCounts = z.infer<typeof AttendanceCountsSchema>;

export const AttendanceResponseSchema = z.object({
  counts: AttendanceCountsSchema,
  rows: z.array(AttendanceRowSchema),
});
export type AttendanceResponse = z.infer<typeof AttendanceResponseSchema>;

export const OverrideRequestSchema = z.object({
  final: FinalStatusSchema,
  reason: z.string().trim().min(1).max(500),
});

// --- Spot checks (docs/api.md, "Spot checks") ---

export const MAX_SPOT_CHECK = 20;
export const DEFAULT_SPOT_CHECK = 5;

export const SpotCheckRequestSchema = z.object({
  count: z.number().int().min(1).max(MAX_SPOT_CHECK).default(DEFAULT_SPOT_CHECK),
});

/** One student to look for in the room, and why they were picked (one sentence). */
export const SpotCheckStudentSchema = z.object({
  studentId: z.string(),
  name: z.string().nullable(),
  email: z.string(),
  flags: z.array(z.string()),
  reason: z.string(),
});
export type SpotCheckStudent = z.infer<typeof SpotCheckStudentSchema>;

/** The students picked, in the order to ask for them; fewer than asked (or none) when fewer are checked in. */
export const SpotCheckResponseSchema = z.object({
  spotCheckId: z.string(),
  students: z.array(SpotCheckStudentSchema),
});
export type SpotCheckResponse = z.infer<typeof SpotCheckResponseSchema>;

/** The reason an override records when a reason is not given with `not_here`. */
export const SPOT_CHECK_DEFAULT_REASON = 'Not in the room at a spot check';

export const SpotCheckAnswerRequestSchema = z.object({
  studentId: z.string().min(1).max(64),
  answer: SpotCheckAnswerSchema,
  /** With `not_here`: the override's reason (default {@link SPOT_CHECK_DEFAULT_REASON}). */
  reason: z.string().trim().min(1).max(500).optional(),
});
export type SpotCheckAnswerRequest = z.infer<typeof SpotCheckAnswerRequestSchema>;

/** Export columns, in order (stable: re-importable). */
export const EXPORT_COLUMNS = [
  'student_id',
  'email',
  'name',
  'entry',
  'entry_at',
  'entry_method',
  'minutes_late',
  'early_leave_at',
  'exit_verified',
  'exit_at',
  'final',
  'override',
  'override_reason',
  'flags',
  'spot_check',
] as const;

export const ExportColumnSchema = z.enum(EXPORT_COLUMNS);

/** `GET …/export?format=json`: the columns in order and one row per student, every cell text (as in CSV). */
export const ExportJsonSchema = z.object({
  columns: z.array(ExportColumnSchema),
  rows: z.array(z.record(ExportColumnSchema, z.string())),
});
