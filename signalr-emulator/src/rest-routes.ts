/** Maps data-plane REST requests (v1 paths and `api-version=2022-06-01` paths) to operations, validating names. */
import type { NameKind } from './names';
import { nameProblem } from './names';

/** The two path families of the data-plane API; status codes differ slightly between them. */
export type ApiFamily = 'v1' | '2022-06-01';

/** API versions accepted on the `/api/hubs/...` family (same surface as 2022-06-01 for what the emulator does). */
export const SUPPORTED_API_VERSIONS: readonly string[] = ['2022-06-01', '2024-12-01'];

/** Who receives a send, or whose connections a close targets. */
export type Audience =
  | { to: 'hub' }
  | { to: 'user'; user: string }
  | { to: 'group'; group: string }
  | { to: 'connection'; connectionId: string };

/** What a REST request asks for. */
export type RestOperation =
  | { op: 'health' }
  | { op: 'send'; audience: Audience; excluded: string[] }
  | { op: 'closeConnections'; audience: Audience; excluded: string[]; reason: string | undefined }
  | { op: 'connectionExists'; connectionId: string }
  | { op: 'closeConnection'; connectionId: string; reason: string | undefined }
  | { op: 'groupExists'; group: string }
  | { op: 'userExists'; user: string }
  | { op: 'addConnectionToGroup'; group: string; connectionId: string }
  | { op: 'removeConnectionFromGroup'; group: string; connectionId: string }
  | { op: 'removeConnectionFromAllGroups'; connectionId: string }
  | { op: 'userInGroup'; user: string; group: string }
  | { op: 'addUserToGroup'; user: string; group: string; ttlSeconds: number | undefined }
  | { op: 'removeUserFromGroup'; user: string; group: string }
  | { op: 'removeUserFromAllGroups'; user: string };

/** The outcome of matching a request. */
export type RestMatch =
  | { kind: 'notFound' }
  | { kind: 'methodNotAllowed'; allow: string[] }
  /** A known route with a bad name or query value: 400, after authentication unless anonymous. */
  | { kind: 'invalid'; api: ApiFamily; anonymous: boolean; message: string }
  /** `hub` is lower-cased and application-prefixed; undefined (and anonymous) for the health check. */
  | { kind: 'route'; api: ApiFamily; anonymous: boolean; hub: string | undefined; operation: RestOperation };

type Params = { user?: string; group?: string; connection?: string };
type Build = (params: Required<Params>, query: URLSearchParams) => RestOperation;
interface Pattern {
  path: readonly string[];
  methods: Partial<Record<string, Build>>;
}

const send =
  (audience: (p: Required<Params>) => Audience): Build =>
  (p, q) => ({ op: 'send', audience: audience(p), excluded: q.getAll('excluded') });
const closeAll =
  (audience: (p: Required<Params>) => Audience): Build =>
  (p, q) => ({
    op: 'closeConnections',
    audience: audience(p),
    excluded: q.getAll('excluded'),
    reason: q.get('reason') ?? undefined,
  });
const connectionExists: Build = (p) => ({ op: 'connectionExists', connectionId: p.connection });
const closeConnection: Build = (p, q) => ({
  op: 'closeConnection',
  connectionId: p.connection,
  reason: q.get('reason') ?? undefined,
});
const groupExists: Build = (p) => ({ op: 'groupExists', group: p.group });
const userExists: Build = (p) => ({ op: 'userExists', user: p.user });
const addConnection: Build = (p) => ({ op: 'addConnectionToGroup', group: p.group, connectionId: p.connection });
const removeConnection: Build = (p) => ({
  op: 'removeConnectionFromGroup',
  group: p.group,
  connectionId: p.connection,
});
const userInGroup: Build = (p) => ({ op: 'userInGroup', user: p.user, group: p.group });
const addUser: Build = (p, q) => ({
  op: 'addUserToGroup',
  user: p.user,
  group: p.group,
  ttlSeconds: parseTtl(q.get('ttl')),
});
const removeUser: Build = (p) => ({ op: 'removeUserFromGroup', user: p.user, group: p.group });

const toHub = () => ({ to: 'hub' }) as const;
const toUser = (p: Required<Params>) => ({ to: 'user', user: p.user }) as const;
const toGroup = (p: Required<Params>) => ({ to: 'group', group: p.group }) as const;
const toConnection = (p: Required<Params>) => ({ to: 'connection', connectionId: p.connection }) as const;

// Membership routes shared by both families. Each pair is also accepted in the other order, as the Azure SignalR
// emulator does: v1 documents groups/{g}/users/{u}, 2022-06-01 documents users/{u}/groups/{g}.
const MEMBERSHIP: readonly Pattern[] = [
  {
    path: ['groups', '{group}', 'connections', '{connection}'],
    methods: { PUT: addConnection, DELETE: removeConnection },
  },
  {
    path: ['connections', '{connection}', 'groups', '{group}'],
    methods: { PUT: addConnection, DELETE: removeConnection },
  },
  {
    path: ['groups', '{group}', 'users', '{user}'],
    methods: { GET: userInGroup, HEAD: userInGroup, PUT: addUser, DELETE: removeUser },
  },
  {
    path: ['users', '{user}', 'groups', '{group}'],
    methods: { GET: userInGroup, HEAD: userInGroup, PUT: addUser, DELETE: removeUser },
  },
  {
    path: ['users', '{user}', 'groups'],
    methods: { DELETE: (p) => ({ op: 'removeUserFromAllGroups', user: p.user }) },
  },
  {
    path: ['connections', '{connection}', 'groups'],
    methods: { DELETE: (p) => ({ op: 'removeConnectionFromAllGroups', connectionId: p.connection }) },
  },
];

const V1: readonly Pattern[] = [
  { path: [], methods: { POST: send(toHub) } },
  { path: ['users', '{user}'], methods: { POST: send(toUser), GET: userExists, HEAD: userExists } },
  {
    path: ['connections', '{connection}'],
    methods: { POST: send(toConnection), GET: connectionExists, HEAD: connectionExists, DELETE: closeConnection },
  },
  { path: ['groups', '{group}'], methods: { POST: send(toGroup), GET: groupExists, HEAD: groupExists } },
  ...MEMBERSHIP,
];

const V2022: readonly Pattern[] = [
  { path: [':send'], methods: { POST: send(toHub) } },
  { path: [':closeConnections'], methods: { POST: closeAll(toHub) } },
  { path: ['users', '{user}'], methods: { GET: userExists, HEAD: userExists } },
  { path: ['users', '{user}', ':send'], methods: { POST: send(toUser) } },
  { path: ['users', '{user}', ':closeConnections'], methods: { POST: closeAll(toUser) } },
  {
    path: ['connections', '{connection}'],
    methods: { GET: connectionExists, HEAD: connectionExists, DELETE: closeConnection },
  },
  { path: ['connections', '{connection}', ':send'], methods: { POST: send(toConnection) } },
  { path: ['groups', '{group}'], methods: { GET: groupExists, HEAD: groupExists } },
  { path: ['groups', '{group}', ':send'], methods: { POST: send(toGroup) } },
  { path: ['groups', '{group}', ':closeConnections'], methods: { POST: closeAll(toGroup) } },
  ...MEMBERSHIP,
];

const HEALTH: Pattern = { path: [], methods: { GET: () => ({ op: 'health' }), HEAD: () => ({ op: 'health' }) } };
const PARAM_KINDS: Record<keyof Params, NameKind> = { user: 'user', group: 'group', connection: 'connection' };

/** A query value that cannot be used (bad ttl); becomes a 400. */
class QueryValueError extends Error {}

/** Matches a request under `/api`. Pure: no I/O, no state. */
export function matchRestRoute(method: string, pathname: string, query: URLSearchParams): RestMatch {
  const segments = splitPath(pathname);
  if (segments === undefined) return { kind: 'notFound' };
  if (segments[0] !== 'api') return { kind: 'notFound' };

  let api: ApiFamily;
  let rest: string[];
  if (segments[1] === 'v1') {
    api = 'v1';
    rest = segments.slice(2);
  } else {
    api = '2022-06-01';
    rest = segments.slice(1);
  }

  if (rest.length === 1 && rest[0] === 'health') return finish(api, method, HEALTH, {}, query, undefined);
  if (rest[0] !== 'hubs' || rest.length < 2) return { kind: 'notFound' };
  const hubSegment = rest[1] ?? '';
  const tail = rest.slice(2);
  for (const pattern of api === 'v1' ? V1 : V2022) {
    const params = bind(pattern.path, tail);
    if (params !== undefined) return finish(api, method, pattern, params, query, hubSegment);
  }
  return { kind: 'notFound' };
}

function finish(
  api: ApiFamily,
  method: string,
  pattern: Pattern,
  params: Params,
  query: URLSearchParams,
  hubSegment: string | undefined,
): RestMatch {
  const build = pattern.methods[method];
  if (build === undefined) return { kind: 'methodNotAllowed', allow: Object.keys(pattern.methods) };
  const anonymous = hubSegment === undefined; // only the health check lives outside a hub
  if (api === '2022-06-01') {
    const version = query.get('api-version');
    if (version === null || !SUPPORTED_API_VERSIONS.includes(version)) {
      return {
        kind: 'invalid',
        api,
        anonymous,
        message: `The api-version query parameter is required and must be one of ${SUPPORTED_API_VERSIONS.join(', ')}.`,
      };
    }
  }
  let hub: string | undefined;
  if (hubSegment !== undefined) {
    const application = api === '2022-06-01' ? query.get('application') : null;
    const problem =
      nameProblem('hub', hubSegment) ?? (application === null ? undefined : nameProblem('application', application));
    if (problem !== undefined) return { kind: 'invalid', api, anonymous, message: problem };
    hub = (application === null ? hubSegment : `${application}_${hubSegment}`).toLowerCase();
  }
  for (const [key, value] of Object.entries(params) as [keyof Params, string][]) {
    const problem = nameProblem(PARAM_KINDS[key], value);
    if (problem !== undefined) return { kind: 'invalid', api, anonymous, message: problem };
  }
  try {
    const operation = build({ user: '', group: '', connection: '', ...params }, query);
    return { kind: 'route', api, anonymous, hub, operation };
  } catch (error) {
    if (error instanceof QueryValueError) return { kind: 'invalid', api, anonymous, message: error.message };
    throw error;
  }
}

function bind(pattern: readonly string[], tail: readonly string[]): Params | undefined {
  if (pattern.length !== tail.length) return undefined;
  const params: Params = {};
  for (let i = 0; i < pattern.length; i += 1) {
    const expected = pattern[i] ?? '';
    const actual = tail[i] ?? '';
    if (expected.startsWith('{')) params[expected.slice(1, -1) as keyof Params] = actual;
    else if (expected !== actual) return undefined;
  }
  return params;
}

/** Splits and percent-decodes a path; one trailing slash is ignored; undefined when it cannot be decoded. */
function splitPath(pathname: string): string[] | undefined {
  const parts = pathname.split('/').slice(1);
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  try {
    return parts.map((part) => decodeURIComponent(part));
  } catch {
    return undefined;
  }
}

function parseTtl(raw: string | null): number | undefined {
  if (raw === null) return undefined;
  if (!/^\d{1,10}$/.test(raw) || Number(raw) > 2_147_483_647) {
    throw new QueryValueError('The ttl query parameter must be a whole number of seconds (0 or more).');
  }
  return Number(raw);
}
