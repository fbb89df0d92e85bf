/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the contract: every route of the route table with its
 * path parameters, request and response schemas, success status, the error codes it can answer (in the error
 * catalogue's shape) and who may call it. Served at GET /api/openapi.json; the tests hold the server to it.
 */
import {
  ApiDocumentSchema,
  AttendanceCountsSchema,
  AttendanceRowSchema,
  AuditEventSchema,
  ChainSchema,
  DependencyCheckSchema,
  EmailSchema,
  ErrorBodySchema,
  errorStatus,
  ExportJsonSchema,
  HealthResponseSchema,
  HoldSchema,
  IDEMPOTENCY_KEY_HEADER,
  IdempotencyKeySchema,
  IdSchema,
  MyStatusSchema,
  NegotiateViewSchema,
  OPENAPI_VERSION,
  OutboxMessageSchema,
  OverrideSchema,
  pathParams,
  ProjectorCodeSchema,
  routes,
  SESSION_COOKIE,
  SessionSchema,
  SpotCheckMarkSchema,
  SpotCheckResponseSchema,
  StudentSessionSchema,
  TeacherEntrySchema,
  UserSchema,
  type ApiDocument,
  type ErrorCode,
  type RouteDef,
  type RouteName,
  type RouteRole,
} from '@qrca/contract';
import { z } from 'zod';
import {
  createDocument,
  type oas31,
  type ZodOpenApiContentObject,
  type ZodOpenApiOperationObject,
  type ZodOpenApiParameters,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
  type ZodOpenApiResponsesObject,
} from 'zod-openapi';

/** The API's version in the document's `info` (the paths are v1; fields are added, never renamed or removed). */
const API_VERSION = '1';

type Tag = 'Service' | 'Sign-in' | 'Admin' | 'Sessions' | 'Chains and scans' | 'Attendance' | 'Real time';

const TAGS: readonly oas31.TagObject[] = [
  { name: 'Service', description: 'Health, this document and the development outbox.' },
  { name: 'Sign-in', description: 'Email codes, the session token, the caller.' },
  { name: 'Admin', description: 'The teacher allow-list.' },
  { name: 'Sessions', description: 'Sessions, rosters, co-teachers, joining and presence.' },
  { name: 'Chains and scans', description: 'Baton chains, the student’s own status and hold, scans, projector codes.' },
  { name: 'Attendance', description: 'The attendance list, overrides, spot checks, export and the audit log.' },
  { name: 'Real time', description: 'A SignalR connection to a session’s events.' },
];

/** What the route table does not say about a route: its words, query, success status and own refusals. */
interface RouteDoc {
  readonly tag: Tag;
  readonly summary: string;
  readonly description?: string;
  /** Success status when not 200 (routes without a response schema answer 204). */
  readonly status?: 201 | 202;
  /** The query string the handler reads. */
  readonly query?: z.ZodObject;
  /**
   * Error codes of the route's own rules (services, domain), besides those every route, its role, its body and
   * its path parameters bring (see {@link errorCodesOf}).
   */
  readonly errors?: readonly ErrorCode[];
}

const SESSION_WRITE: readonly ErrorCode[] = ['SESSION_ENDED', 'CONFLICT'];
const SCAN_REFUSALS: readonly ErrorCode[] = [
  'INVALID_QR',
  'CODE_EXPIRED',
  'BATON_TAKEN',
  'ALREADY_VERIFIED',
  'NOT_LATE_YET',
  'NOT_ELIGIBLE',
  'OUTSIDE_NETWORK',
  'OUTSIDE_GEOFENCE',
  'WRONG_PHASE',
  'SESSION_ENDED',
  'RATE_LIMITED',
  'CONFLICT',
];

/** One row per route of the contract's route table (a route without one does not compile). */
const ROUTE_DOCS: Record<RouteName, RouteDoc> = {
  health: {
    tag: 'Service',
    summary: 'Health of the service and its dependencies',
    description:
      'Each dependency (store, cache, real time) with its kind and latency. 503 with the same body when one of ' +
      'them fails, so load balancers take the instance out; failure details are in the logs.',
  },
  openapi: {
    tag: 'Service',
    summary: 'This document',
    description:
      'The OpenAPI 3.1 document of this API, generated from the contract. Cacheable: send `If-None-Match` with ' +
      'the `ETag` of a copy to get 304.',
  },
  devOutbox: {
    tag: 'Service',
    summary: 'Development outbox: sign-in emails sent to one address',
    description:
      'Only while sign-in codes go to the development outbox (no `SMTP_URL`, not production) and only to the ' +
      'server’s own machine; 404 otherwise. Newest first.',
    query: z.object({ to: EmailSchema.meta({ description: 'The recipient.' }) }),
    errors: ['NOT_FOUND'],
  },
  authCode: {
    tag: 'Sign-in',
    summary: 'Email a sign-in code',
    description:
      'Sends a 6-digit code, valid 5 minutes for 5 tries. At most 3 codes per address per 15 minutes and 500 ' +
      'per client address. 404 when the platform signs people in (`AUTH_PROVIDER=swa`).',
    status: 202,
    errors: ['DOMAIN_NOT_ALLOWED', 'RATE_LIMITED', 'NOT_FOUND'],
  },
  authVerify: {
    tag: 'Sign-in',
    summary: 'Exchange a sign-in code for a session token',
    description:
      `The token (a 12-hour JWT) comes in the body, for \`Authorization: Bearer\`, and as the HttpOnly cookie ` +
      `\`${SESSION_COOKIE}\` for the web app.`,
    errors: ['CODE_INVALID', 'TOO_MANY_ATTEMPTS', 'DOMAIN_NOT_ALLOWED', 'RATE_LIMITED', 'NOT_FOUND'],
  },
  authMe: { tag: 'Sign-in', summary: 'The caller' },
  authDevicesRegister: {
    tag: 'Sign-in',
    summary: 'Register this device’s key',
    description:
      'The public half (EC P-256 JWK) of the key the device signs scans with, as `deviceKey` at sign-in does: for a ' +
      'key made or remade after sign-in. Answers its id, the `device.id` of signed scans (its RFC 7638 ' +
      'thumbprint). Idempotent; an account keeps its 10 most recently used keys.',
  },
  authLogout: {
    tag: 'Sign-in',
    summary: 'Sign out',
    description: 'Revokes the token for good and clears the cookie.',
  },
  adminTeachersList: { tag: 'Admin', summary: 'The teacher allow-list' },
  adminTeachersAdd: { tag: 'Admin', summary: 'Add an email to the teacher allow-list', status: 201 },
  adminTeachersRemove: {
    tag: 'Admin',
    summary: 'Remove an email from the teacher allow-list',
    errors: ['NOT_FOUND'],
  },
  sessionsCreate: {
    tag: 'Sessions',
    summary: 'Create a session',
    description:
      `Scheduled, owned by the caller. With an \`${IDEMPOTENCY_KEY_HEADER}\` header a retry returns the same ` +
      'session instead of creating another; a key already used by another teacher is a 409.',
    status: 201,
    errors: ['CONFLICT'],
  },
  sessionsList: {
    tag: 'Sessions',
    summary: 'The caller’s sessions',
    description: 'Teachers: the sessions they own or co-teach. Students: the sessions they joined.',
  },
  sessionsGet: {
    tag: 'Sessions',
    summary: 'A session as the caller may see it',
    description: 'Teachers see the whole session; a joined student sees no roster, join code or other people.',
  },
  sessionsUpdate: { tag: 'Sessions', summary: 'Change a session’s settings', errors: SESSION_WRITE },
  sessionsStart: { tag: 'Sessions', summary: 'Start a session now', errors: SESSION_WRITE },
  sessionsEnd: {
    tag: 'Sessions',
    summary: 'End a session',
    description: 'Freezes every student’s final status. Idempotent.',
    errors: ['CONFLICT'],
  },
  entryClose: {
    tag: 'Sessions',
    summary: 'Close on-time entry now',
    description: 'Closes entry chains (their holders stay unverified) and opens the late code.',
    errors: [...SESSION_WRITE, 'WRONG_PHASE'],
  },
  sessionsDelete: {
    tag: 'Sessions',
    summary: 'Delete a session and everything in it',
    description: 'The owner only (co-teachers get 403).',
  },
  rosterPut: {
    tag: 'Sessions',
    summary: 'Replace the roster',
    description:
      'JSON, or a CSV file (`text/csv`): one student per row, the cell with an `@` is the email, the row’s first ' +
      'other non-empty cell the name; rows without an email (headers) are skipped.',
    errors: SESSION_WRITE,
  },
  coTeachersAdd: {
    tag: 'Sessions',
    summary: 'Add a co-teacher',
    description: 'The owner only; the email must be a teacher’s.',
    errors: ['CONFLICT'],
  },
  coTeachersRemove: { tag: 'Sessions', summary: 'Remove a co-teacher', errors: ['CONFLICT'] },
  sessionsJoin: {
    tag: 'Sessions',
    summary: 'Join a session with its join code',
    description:
      'Idempotent. A wrong code looks like an unknown session (404). 60 attempts per account and 1,000 per ' +
      'client address a minute. With `device` (signed as a scan with `scanId` `join` and the join code as ' +
      '`payload`), a phone that already joined or scanned for another account is flagged `shared_device`, or ' +
      'refused under device policy `enforce` (`details.reason` `device_shared`).',
    errors: ['NOT_ON_ROSTER', 'NOT_ELIGIBLE', 'RATE_LIMITED', ...SESSION_WRITE],
  },
  sessionsHeartbeat: {
    tag: 'Sessions',
    summary: 'Mark the caller online',
    description: 'For 30 seconds; online students can be handed a chain.',
    errors: ['SESSION_ENDED'],
  },
  sessionsMe: { tag: 'Chains and scans', summary: 'The student’s own status, and the baton while holding one' },
  chainsStart: {
    tag: 'Chains and scans',
    summary: 'Start entry or exit chains',
    description: 'Each chain starts with a random online student who may hold it.',
    status: 201,
    errors: ['WRONG_PHASE', 'NOT_ELIGIBLE', 'CONFLICT'],
  },
  chainsList: { tag: 'Chains and scans', summary: 'The session’s chains' },
  chainsClose: {
    tag: 'Chains and scans',
    summary: 'Close a chain',
    description: 'Its last holder, if still unverified, is verified by the teacher (`teacher_close`).',
    errors: ['CONFLICT'],
  },
  chainsHand: {
    tag: 'Chains and scans',
    summary: 'Hand a chain to a named student',
    errors: ['WRONG_PHASE', 'NOT_ELIGIBLE', 'CONFLICT'],
  },
  chainsReseed: {
    tag: 'Chains and scans',
    summary: 'Pass a chain to a random online student',
    description: 'Restarts a stalled chain with a student who is online and may hold it; audited.',
    errors: ['WRONG_PHASE', 'NOT_ELIGIBLE', 'CONFLICT'],
  },
  scansCreate: {
    tag: 'Chains and scans',
    summary: 'Scan a holder’s or the projector’s code',
    description:
      'A retry with the same `scanId` gets the first answer; copies sent at once count once. Refusals are ' +
      'audited and say why in `error.code`. `device` names the registered key the app signed the scan with: ' +
      'ECDSA P-256 with SHA-256 over `QRCA1.S.<sessionId>.<scanId>.<signedAt>.<payload>` (UTF-8, payload trimmed), ' +
      'the signature IEEE P1363 `r || s` in base64url. Under the session’s `devicePolicy` `warn` a missing or bad ' +
      'signature is flagged (`unsigned_scan`); under `enforce` it is refused with 422 `NOT_ELIGIBLE` ' +
      '(`details.reason` `device_signature`), and so is a second account on one device (`device_shared`).',
    errors: SCAN_REFUSALS,
  },
  eventsList: {
    tag: 'Attendance',
    summary: 'The audit log, a page at a time',
    query: z.object({
      cursor: z.string().optional().meta({ description: 'The `cursor` of the previous page.' }),
    }),
  },
  codesGet: {
    tag: 'Chains and scans',
    summary: 'The projector’s current code of one kind',
    description: '422 `WRONG_PHASE` when that code is not open now.',
    errors: ['WRONG_PHASE'],
  },
  earlyLeaveOpen: {
    tag: 'Sessions',
    summary: 'Open the early-leave window',
    errors: [...SESSION_WRITE, 'WRONG_PHASE'],
  },
  earlyLeaveClose: { tag: 'Sessions', summary: 'Close the early-leave window', errors: SESSION_WRITE },
  attendanceGet: {
    tag: 'Attendance',
    summary: 'The attendance list with counts',
    description:
      'Roster members who never joined are listed too. Each row’s `flags` come with their evidence in ' +
      '`flagEvidence` (what was measured, and a sentence a teacher can read).',
  },
  attendanceOverride: {
    tag: 'Attendance',
    summary: 'Override one student’s final status',
    description: 'Also after the session ended; audited.',
    errors: ['CONFLICT'],
  },
  spotChecksStart: {
    tag: 'Attendance',
    summary: 'Start a spot check: students to look for in the room',
    description:
      'Picks up to `count` (default 5) students verified on entry and counted present or late, at random but ' +
      'weighted towards flagged ones (1 + 4 per distinct flag), each with a sentence saying why. Each pick is ' +
      'marked on the row (`spotCheck`) and audited. Fewer, or none, when fewer can be picked. Also after the ' +
      'session ended.',
    status: 201,
    errors: ['CONFLICT'],
  },
  spotChecksAnswer: {
    tag: 'Attendance',
    summary: 'Answer a spot check for one student: here or not here',
    description:
      'Only for a student picked in that spot check (else 404). `not_here` also overrides the student to ' +
      '`absent` with `reason` (default "Not in the room at a spot check"), as the override route does. Audited; ' +
      'answering again replaces the answer. Also after the session ended.',
    errors: ['CONFLICT'],
  },
  insightsGet: {
    tag: 'Attendance',
    summary: 'How the class checked in',
    description:
      'Times to 50 / 90 / 100 % of the on-time check-ins from the start of entry, the cumulative check-in curve, ' +
      'check-ins by method, hand-offs and their median hold time, chains with stalls and reseeds, flags by kind ' +
      'and spot-check answers — from the stored rows, chains and audit log. Once the session has ended the ' +
      'figures are computed once and kept (`frozen`), past the audit log’s retention. With Azure OpenAI ' +
      'configured, `summary` is a few sentences written from these numbers alone (no name, email, id or title ' +
      'reaches it); `off` without it, `unavailable` when the service failed this time. `?summary=skip` answers ' +
      'the figures at once, without waiting for a summary (`skipped` when one could be asked for).',
    query: z.object({
      summary: z
        .enum(['include', 'skip'])
        .default('include')
        .meta({ description: '`skip`: the figures alone, without waiting for the summary.' }),
    }),
  },
  exportGet: {
    tag: 'Attendance',
    summary: 'Export the attendance record',
    description:
      'CSV by default (RFC 4180, UTF-8, cells a spreadsheet would run as formulas start with an apostrophe); ' +
      '`?format=json` answers the same columns as JSON. Both as a download (`Content-Disposition`).',
    query: z.object({
      format: z.enum(['csv', 'json']).default('csv').meta({ description: 'The file format.' }),
      bom: z.literal('1').optional().meta({ description: '`1`: start the CSV with a byte-order mark (Excel).' }),
    }),
  },
  negotiate: {
    tag: 'Real time',
    summary: 'A real-time connection to a session’s events',
    description:
      'For the session’s teachers and joined students (others get 404): the SignalR service URL and access ' +
      'token (hub `attendance`). 503 when real time is not configured.',
    query: z.object({
      sessionId: IdSchema.meta({ description: 'The session.' }),
      view: NegotiateViewSchema.optional().meta({ description: 'Which events (default by role).' }),
    }),
    errors: ['NOT_FOUND'],
  },
};

const ROLE_WORDS: Record<RouteRole, string> = {
  anonymous: 'Anyone, signed in or not.',
  any: 'Any signed-in user.',
  student: 'Students.',
  teacher: 'Teachers (and admins).',
  admin: 'Admins.',
};

/** The security schemes: the session token as a bearer token, or the cookie the web app gets at sign-in. */
const SECURITY_SCHEMES: Record<string, oas31.SecuritySchemeObject> = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'The `token` from `POST /api/auth/verify`.',
  },
  sessionCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description:
      'Set at sign-in (HttpOnly, SameSite=Lax). State-changing requests authenticated by it must carry an ' +
      '`Origin` header equal to the app’s and send JSON (CSRF defence).',
  },
};
const SIGNED_IN: oas31.SecurityRequirementObject[] = [{ bearerAuth: [] }, { sessionCookie: [] }];

/** Error codes every route can answer: malformed requests, the host's limits, failures. */
const EVERY_ROUTE: readonly ErrorCode[] = [
  'VALIDATION_FAILED',
  'REQUEST_TIMEOUT',
  'EXPECTATION_FAILED',
  'HEADERS_TOO_LARGE',
  'INTERNAL',
  'DEPENDENCY_UNAVAILABLE',
];

type ParamName = keyof typeof pathParams;

const paramNamesOf = (path: string): ParamName[] =>
  [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as ParamName);

/**
 * Every error code `def` can answer: those of every route, of a request with a body, of its role (credentials,
 * role, CSRF), of its path parameters (an id no record has is 404) and its own.
 */
export function errorCodesOf(def: RouteDef): ErrorCode[] {
  const codes = new Set<ErrorCode>(EVERY_ROUTE);
  if (def.method !== 'GET') codes.add('PAYLOAD_TOO_LARGE');
  if (def.request) codes.add('UNSUPPORTED_MEDIA_TYPE');
  if (def.role !== 'anonymous') {
    for (const code of ['UNAUTHENTICATED', 'FORBIDDEN', 'DOMAIN_NOT_ALLOWED'] as const) codes.add(code);
    if (def.method !== 'GET') codes.add('UNSUPPORTED_MEDIA_TYPE');
  }
  if (paramNamesOf(def.path).some((name) => pathParams[name].kind === 'id')) codes.add('NOT_FOUND');
  for (const code of ROUTE_DOCS[def.name as RouteName].errors ?? []) codes.add(code);
  return [...codes];
}

const ERROR_BODY_REF = '#/components/schemas/ErrorBody';
const RETRY_AFTER: oas31.HeaderObject = {
  description: 'Seconds to wait before trying again.',
  schema: { type: 'integer', minimum: 1 },
};

/** The error body restricted to `codes` (all of one status). */
function errorBodyOf(codes: readonly ErrorCode[]): oas31.SchemaObject {
  return {
    allOf: [
      { $ref: ERROR_BODY_REF },
      { type: 'object', properties: { error: { type: 'object', properties: { code: { enum: [...codes] } } } } },
    ],
  };
}

/** The error responses of a route: one per status, naming its codes. */
function errorResponses(name: RouteName, def: RouteDef): Record<string, ZodOpenApiResponseObject> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodesOf(def))
    byStatus.set(errorStatus[code], [...(byStatus.get(errorStatus[code]) ?? []), code]);
  const responses: Record<string, ZodOpenApiResponseObject> = {};
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const body = errorBodyOf(codes);
    // GET /api/health answers 503 with its own body when a dependency fails (the error body when it cannot run).
    const schema: oas31.SchemaObject =
      name === 'health' && status === 503 ? { anyOf: [{ $ref: '#/components/schemas/HealthResponse' }, body] } : body;
    responses[`${status}`] = {
      description: codes.map((code) => `\`${code}\``).join(', '),
      ...(status === 429 || status === 503 ? { headers: { 'Retry-After': RETRY_AFTER } } : {}),
      content: { 'application/json': { schema } },
    };
  }
  return responses;
}

const CONTENT_DISPOSITION: oas31.HeaderObject = {
  description: 'attachment; the file name from the session’s title and date.',
  schema: { type: 'string' },
};

/** The success response(s) of a route, as its handler answers. */
function successResponses(name: RouteName, def: RouteDef, doc: RouteDoc): ZodOpenApiResponsesObject {
  if (!def.response) return { '204': { description: 'Done.' } };
  const json: ZodOpenApiContentObject = { 'application/json': { schema: def.response } };
  const ok: ZodOpenApiResponseObject = { description: doc.summary, content: json };
  switch (name) {
    case 'authVerify':
      return {
        '200': {
          ...ok,
          headers: {
            'Set-Cookie': { description: `\`${SESSION_COOKIE}\`: the same token.`, schema: { type: 'string' } },
          },
        },
      };
    case 'openapi':
      return {
        '200': {
          ...ok,
          headers: { ETag: { schema: { type: 'string' } }, 'Cache-Control': { schema: { type: 'string' } } },
        },
        '304': { description: 'The copy named by `If-None-Match` is current.' },
      };
    case 'exportGet':
      return {
        '200': {
          description: 'The file: CSV (default) or JSON.',
          headers: { 'Content-Disposition': CONTENT_DISPOSITION },
          content: {
            'text/csv': { schema: { type: 'string', description: 'A header row, then one row per student.' } },
            ...json,
          },
        },
      };
    default:
      return { [`${doc.status ?? 200}`]: ok };
  }
}

/** Path, query and header parameters of a route. */
function parametersOf(name: RouteName, def: RouteDef, doc: RouteDoc): ZodOpenApiParameters | undefined {
  const names = paramNamesOf(def.path);
  const params: ZodOpenApiParameters = {
    ...(names.length > 0 ? { path: z.object(Object.fromEntries(names.map((n) => [n, pathParams[n].schema]))) } : {}),
    ...(doc.query ? { query: doc.query } : {}),
    ...(name === 'sessionsCreate'
      ? {
          header: z.object({
            [IDEMPOTENCY_KEY_HEADER]: IdempotencyKeySchema.optional().meta({
              description: 'A random key: a retry with the same key returns the same session.',
            }),
          }),
        }
      : {}),
  };
  return Object.keys(params).length > 0 ? params : undefined;
}

function operationOf(name: RouteName, def: RouteDef): ZodOpenApiOperationObject {
  const doc = ROUTE_DOCS[name];
  const requestParams = parametersOf(name, def, doc);
  const description = [doc.description, `**Who:** ${ROLE_WORDS[def.role]}`].filter(Boolean).join('\n\n');
  return {
    operationId: def.name,
    tags: [doc.tag],
    summary: doc.summary,
    description,
    security: def.role === 'anonymous' ? [] : SIGNED_IN,
    'x-role': def.role,
    ...(requestParams ? { requestParams } : {}),
    ...(def.request
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: def.request },
              ...(name === 'rosterPut'
                ? { 'text/csv': { schema: { type: 'string', description: 'One student per row.' } } }
                : {}),
            },
          },
        }
      : {}),
    responses: { ...successResponses(name, def, doc), ...errorResponses(name, def) },
  };
}

/** Response types shown as named schemas (the rest is inlined where used). */
const COMPONENTS = {
  ErrorBody: ErrorBodySchema,
  HealthResponse: HealthResponseSchema,
  DependencyCheck: DependencyCheckSchema,
  User: UserSchema,
  TeacherEntry: TeacherEntrySchema,
  OutboxMessage: OutboxMessageSchema,
  Session: SessionSchema,
  StudentSession: StudentSessionSchema,
  MyStatus: MyStatusSchema,
  Hold: HoldSchema,
  Chain: ChainSchema,
  ProjectorCode: ProjectorCodeSchema,
  AttendanceRow: AttendanceRowSchema,
  AttendanceCounts: AttendanceCountsSchema,
  Override: OverrideSchema,
  SpotCheckMark: SpotCheckMarkSchema,
  SpotCheckResponse: SpotCheckResponseSchema,
  AuditEvent: AuditEventSchema,
  ExportJson: ExportJsonSchema,
};

const INFO_DESCRIPTION = `Classroom attendance by in-person QR baton chains and rotating projector codes.

All paths are under \`/api\`; bodies are JSON unless said otherwise; times are ISO 8601 in UTC. Sign in with an
emailed code (\`POST /api/auth/code\`, then \`POST /api/auth/verify\`) and send the token as
\`Authorization: Bearer <token>\`, or let a browser send the \`${SESSION_COOKIE}\` cookie.

Every refusal has the error catalogue's body, \`{"error": {"code", "message", "details"?, "correlationId"}}\`; each
operation lists the codes it can answer by status. \`code\` is stable and decides what a client does. Every answer
carries \`X-Correlation-Id\`. 429 and 503 carry \`Retry-After\`. A path under \`/api\` that is not listed here answers
404 \`NOT_FOUND\`, a listed path called with another method 405 \`METHOD_NOT_ALLOWED\`, a body over 1 MiB 413.

Responses may gain fields in later versions: ignore the ones you do not know.`;

/**
 * Adjusts what zod renders. Answers: zod closes objects (`additionalProperties: false`), but the API promises only
 * that fields are added, never removed, so answers stay open (except where the contract says `strict`).
 * Requests: an email is trimmed and lower-cased before it is checked, so zod renders the text before the check;
 * it still has to be an email.
 */
function adjustSchema({ jsonSchema, zodSchema, io }: Parameters<OverrideOption>[0]): void {
  const def = zodSchema._zod.def;
  if (io === 'output' && jsonSchema.additionalProperties === false) {
    const strict = def.type === 'object' && def.catchall?._zod.def.type === 'never';
    if (!strict) delete jsonSchema.additionalProperties;
  }
  if (io === 'input' && def.type === 'pipe') {
    const checked = def.out._zod.def;
    if (checked.type === 'string' && 'format' in checked && checked.format === 'email') jsonSchema.format = 'email';
  }
}
type OverrideOption = Extract<
  NonNullable<Parameters<typeof createDocument>[1]>['override'],
  (...args: never[]) => unknown
>;

/**
 * Builds the document from the contract (a fresh object each call; it takes some milliseconds).
 * @throws Error when a contract schema cannot be rendered as JSON Schema (a bug in the contract, found by tests).
 */
export function buildOpenApiDocument(): ApiDocument {
  const paths: ZodOpenApiPathsObject = {};
  for (const [name, def] of Object.entries(routes) as [RouteName, RouteDef][]) {
    const path = `/api/${def.path}`;
    paths[path] = { ...paths[path], [def.method.toLowerCase()]: operationOf(name, def) };
  }
  const document = createDocument(
    {
      openapi: OPENAPI_VERSION,
      info: { title: 'QR Chain Attendance API', version: API_VERSION, description: INFO_DESCRIPTION },
      // Relative: the document describes whichever host serves it.
      servers: [{ url: '/' }],
      tags: [...TAGS],
      paths,
      components: { schemas: COMPONENTS, securitySchemes: SECURITY_SCHEMES },
    },
    { override: adjustSchema },
  );
  return ApiDocumentSchema.parse(document);
}

let built: ApiDocument | undefined;

/** The document, built once per process (the contract does not change while it runs). @throws as {@link buildOpenApiDocument} */
export function openApiDocument(): ApiDocument {
  built ??= buildOpenApiDocument();
  return built;
}
