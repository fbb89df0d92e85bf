/**
 * The route table: every HTTP operation of the public API with its method, path (under /api) and the role
 * that may call it. The backend registers exactly these routes; web and sim build URLs from them.
 */
import { z } from 'zod';
import {
  AddTeacherRequestSchema,
  EmailSchema,
  AuthCodeRequestSchema,
  AuthCodeResponseSchema,
  AuthVerifyRequestSchema,
  AuthVerifyResponseSchema,
  DeviceRegisterRequestSchema,
  DeviceRegisterResponseSchema,
  MeResponseSchema,
  OutboxResponseSchema,
  TeacherEntrySchema,
  TeacherListResponseSchema,
} from './auth';
import { ApiDocumentSchema } from './api-document';
import { HealthResponseSchema } from './health';
import { InsightsResponseSchema } from './insights';
import { NegotiateResponseSchema } from './realtime';
import {
  AttendanceResponseSchema,
  AttendanceRowSchema,
  ChainListResponseSchema,
  OverrideRequestSchema,
  ProjectorCodeSchema,
  ProjectorKindSchema,
  ChainSchema,
  CoTeacherRequestSchema,
  CreateSessionRequestSchema,
  EventPageSchema,
  ExportJsonSchema,
  HandChainRequestSchema,
  JoinRequestSchema,
  JoinResponseSchema,
  RosterRequestSchema,
  RosterResponseSchema,
  ScanRequestSchema,
  ScanResponseSchema,
  SessionListResponseSchema,
  SessionMeResponseSchema,
  SessionSchema,
  SessionViewSchema,
  SpotCheckAnswerRequestSchema,
  SpotCheckRequestSchema,
  SpotCheckResponseSchema,
  StartChainsRequestSchema,
  UpdateSessionRequestSchema,
} from './sessions';

/** Who may call a route: resolved once per request by the backend's auth middleware. */
export type RouteRole = 'anonymous' | 'any' | 'student' | 'teacher' | 'admin';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteDef {
  /** Function name in Azure; unique, camelCase. */
  readonly name: string;
  readonly method: HttpMethod;
  /** Path under /api in Azure Functions route syntax, e.g. `sessions/{id}/scans`. */
  readonly path: string;
  readonly role: RouteRole;
  readonly request?: z.ZodType;
  readonly response?: z.ZodType;
}

export const routes = {
  health: {
    name: 'health',
    method: 'GET',
    path: 'health',
    role: 'anonymous',
    response: HealthResponseSchema,
  },
  /** The OpenAPI 3.1 document of this API, generated from this contract; public and cacheable. */
  openapi: {
    name: 'openapi',
    method: 'GET',
    path: 'openapi.json',
    role: 'anonymous',
    response: ApiDocumentSchema,
  },
  devOutbox: {
    name: 'devOutbox',
    method: 'GET',
    path: 'dev/outbox',
    role: 'anonymous',
    response: OutboxResponseSchema,
  },
  authCode: {
    name: 'authCode',
    method: 'POST',
    path: 'auth/code',
    role: 'anonymous',
    request: AuthCodeRequestSchema,
    response: AuthCodeResponseSchema,
  },
  authVerify: {
    name: 'authVerify',
    method: 'POST',
    path: 'auth/verify',
    role: 'anonymous',
    request: AuthVerifyRequestSchema,
    response: AuthVerifyResponseSchema,
  },
  authMe: {
    name: 'authMe',
    method: 'GET',
    path: 'auth/me',
    role: 'any',
    response: MeResponseSchema,
  },
  authLogout: {
    name: 'authLogout',
    method: 'POST',
    path: 'auth/logout',
    role: 'any',
  },
  /** Registers a device key for the signed-in caller (as `deviceKey` at sign-in does). */
  authDevicesRegister: {
    name: 'authDevicesRegister',
    method: 'POST',
    path: 'auth/devices',
    role: 'any',
    request: DeviceRegisterRequestSchema,
    response: DeviceRegisterResponseSchema,
  },
  adminTeachersList: {
    name: 'adminTeachersList',
    method: 'GET',
    path: 'admin/teachers',
    role: 'admin',
    response: TeacherListResponseSchema,
  },
  adminTeachersAdd: {
    name: 'adminTeachersAdd',
    method: 'POST',
    path: 'admin/teachers',
    role: 'admin',
    request: AddTeacherRequestSchema,
    response: TeacherEntrySchema,
  },
  adminTeachersRemove: {
    name: 'adminTeachersRemove',
    method: 'DELETE',
    path: 'admin/teachers/{email}',
    role: 'admin',
  },
  sessionsCreate: {
    name: 'sessionsCreate',
    method: 'POST',
    path: 'sessions',
    role: 'teacher',
    request: CreateSessionRequestSchema,
    response: SessionSchema,
  },
  sessionsList: {
    name: 'sessionsList',
    method: 'GET',
    path: 'sessions',
    role: 'any',
    response: SessionListResponseSchema,
  },
  sessionsGet: { name: 'sessionsGet', method: 'GET', path: 'sessions/{id}', role: 'any', response: SessionViewSchema },
  sessionsUpdate: {
    name: 'sessionsUpdate',
    method: 'PATCH',
    path: 'sessions/{id}',
    role: 'teacher',
    request: UpdateSessionRequestSchema,
    response: SessionSchema,
  },
  sessionsStart: {
    name: 'sessionsStart',
    method: 'POST',
    path: 'sessions/{id}/start',
    role: 'teacher',
    response: SessionSchema,
  },
  sessionsEnd: {
    name: 'sessionsEnd',
    method: 'POST',
    path: 'sessions/{id}/end',
    role: 'teacher',
    response: SessionSchema,
  },
  entryClose: {
    name: 'entryClose',
    method: 'POST',
    path: 'sessions/{id}/entry/close',
    role: 'teacher',
    response: SessionSchema,
  },
  sessionsDelete: { name: 'sessionsDelete', method: 'DELETE', path: 'sessions/{id}', role: 'teacher' },
  rosterPut: {
    name: 'rosterPut',
    method: 'PUT',
    path: 'sessions/{id}/roster',
    role: 'teacher',
    request: RosterRequestSchema,
    response: RosterResponseSchema,
  },
  coTeachersAdd: {
    name: 'coTeachersAdd',
    method: 'POST',
    path: 'sessions/{id}/co-teachers',
    role: 'teacher',
    request: CoTeacherRequestSchema,
    response: SessionSchema,
  },
  coTeachersRemove: {
    name: 'coTeachersRemove',
    method: 'DELETE',
    path: 'sessions/{id}/co-teachers/{email}',
    role: 'teacher',
  },
  sessionsJoin: {
    name: 'sessionsJoin',
    method: 'POST',
    path: 'sessions/{id}/join',
    role: 'student',
    request: JoinRequestSchema,
    response: JoinResponseSchema,
  },
  sessionsHeartbeat: { name: 'sessionsHeartbeat', method: 'POST', path: 'sessions/{id}/heartbeat', role: 'student' },
  sessionsMe: {
    name: 'sessionsMe',
    method: 'GET',
    path: 'sessions/{id}/me',
    role: 'student',
    response: SessionMeResponseSchema,
  },
  chainsStart: {
    name: 'chainsStart',
    method: 'POST',
    path: 'sessions/{id}/chains',
    role: 'teacher',
    request: StartChainsRequestSchema,
    response: ChainListResponseSchema,
  },
  chainsList: {
    name: 'chainsList',
    method: 'GET',
    path: 'sessions/{id}/chains',
    role: 'teacher',
    response: ChainListResponseSchema,
  },
  chainsClose: {
    name: 'chainsClose',
    method: 'POST',
    path: 'sessions/{id}/chains/{chainId}/close',
    role: 'teacher',
    response: ChainSchema,
  },
  chainsHand: {
    name: 'chainsHand',
    method: 'POST',
    path: 'sessions/{id}/chains/{chainId}/holder',
    role: 'teacher',
    request: HandChainRequestSchema,
    response: ChainSchema,
  },
  /** Passes the chain to a random eligible online student (not its holder); audited. */
  chainsReseed: {
    name: 'chainsReseed',
    method: 'POST',
    path: 'sessions/{id}/chains/{chainId}/reseed',
    role: 'teacher',
    response: ChainSchema,
  },
  scansCreate: {
    name: 'scansCreate',
    method: 'POST',
    path: 'sessions/{id}/scans',
    role: 'student',
    request: ScanRequestSchema,
    response: ScanResponseSchema,
  },
  eventsList: {
    name: 'eventsList',
    method: 'GET',
    path: 'sessions/{id}/events',
    role: 'teacher',
    response: EventPageSchema,
  },
  codesGet: {
    name: 'codesGet',
    method: 'GET',
    path: 'sessions/{id}/codes/{kind}',
    role: 'teacher',
    response: ProjectorCodeSchema,
  },
  earlyLeaveOpen: {
    name: 'earlyLeaveOpen',
    method: 'POST',
    path: 'sessions/{id}/early-leave/open',
    role: 'teacher',
    response: SessionSchema,
  },
  earlyLeaveClose: {
    name: 'earlyLeaveClose',
    method: 'POST',
    path: 'sessions/{id}/early-leave/close',
    role: 'teacher',
    response: SessionSchema,
  },
  attendanceGet: {
    name: 'attendanceGet',
    method: 'GET',
    path: 'sessions/{id}/attendance',
    role: 'teacher',
    response: AttendanceResponseSchema,
  },
  attendanceOverride: {
    name: 'attendanceOverride',
    method: 'PUT',
    path: 'sessions/{id}/attendance/{studentId}/override',
    role: 'teacher',
    request: OverrideRequestSchema,
    response: AttendanceRowSchema,
  },
  /** Picks students verified on entry, at random but weighted towards flagged ones, to look for in the room. */
  spotChecksStart: {
    name: 'spotChecksStart',
    method: 'POST',
    path: 'sessions/{id}/spot-checks',
    role: 'teacher',
    request: SpotCheckRequestSchema,
    response: SpotCheckResponseSchema,
  },
  /** The teacher's answer for one picked student; `not_here` also overrides them to absent. */
  spotChecksAnswer: {
    name: 'spotChecksAnswer',
    method: 'POST',
    path: 'sessions/{id}/spot-checks/{spotCheckId}/answers',
    role: 'teacher',
    request: SpotCheckAnswerRequestSchema,
    response: AttendanceRowSchema,
  },
  /** `?sessionId=` (required) and `&view=dashboard|display|student` (default by role): a real-time connection. */
  negotiate: {
    name: 'negotiate',
    method: 'POST',
    path: 'negotiate',
    role: 'any',
    response: NegotiateResponseSchema,
  },
  /** How the class checked in (frozen once the session ended), with an optional Azure OpenAI summary. */
  insightsGet: {
    name: 'insightsGet',
    method: 'GET',
    path: 'sessions/{id}/insights',
    role: 'teacher',
    response: InsightsResponseSchema,
  },
  /** CSV by default (`text/csv`); `?format=json` answers the response schema. */
  exportGet: {
    name: 'exportGet',
    method: 'GET',
    path: 'sessions/{id}/export',
    role: 'teacher',
    response: ExportJsonSchema,
  },
} as const satisfies Record<string, RouteDef>;

export type RouteName = keyof typeof routes;

/** Every id the API issues (sessions, users, chains, scans) has this shape. */
export const IdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not an id');

/**
 * The optional `Idempotency-Key` header of `POST /api/sessions`: a retry with the same key (after a lost answer
 * or a failure part-way) returns the same session instead of creating another. Clients pick a random value.
 */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const IdempotencyKeySchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, '8 to 64 letters, digits, - or _');

/**
 * Every path parameter of the route table and what a valid value looks like (after percent-decoding).
 * `kind: 'id'` parameters name a resource: a value no record could have is "not found"; others are invalid input.
 */
export const pathParams = {
  id: { kind: 'id', schema: IdSchema },
  chainId: { kind: 'id', schema: IdSchema },
  studentId: { kind: 'id', schema: IdSchema },
  spotCheckId: { kind: 'id', schema: IdSchema },
  email: { kind: 'value', schema: EmailSchema },
  kind: { kind: 'value', schema: ProjectorKindSchema },
} as const satisfies Record<string, { kind: 'id' | 'value'; schema: z.ZodType<unknown, string> }>;

/** The `{name}` parameters of a route path template. */
export type ParamNames<P extends string> = P extends `${string}{${infer N}}${infer Rest}`
  ? N | ParamNames<Rest>
  : never;

type KnownParam = keyof typeof pathParams;

/** The parsed path parameters of a route path template. */
export type PathParams<P extends string> = {
  readonly [K in ParamNames<P> & KnownParam]: z.output<(typeof pathParams)[K]['schema']>;
};

/** Compile-time check: every parameter in the route table has a schema in {@link pathParams}. */
type UnknownParams = Exclude<ParamNames<(typeof routes)[RouteName]['path']>, KnownParam>;
export const everyPathParamIsKnown: [UnknownParams] extends [never] ? true : UnknownParams = true;

/** Fills `{param}` placeholders of a route path; values are URL-encoded. */
export function routePath(path: string, params: Record<string, string> = {}): string {
  return path.replace(/\{(\w+)\??\}/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) throw new Error(`missing route parameter ${key}`);
    return encodeURIComponent(value);
  });
}
