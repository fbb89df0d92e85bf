/**
 * Generates HTTP requests for every route of the contract's route table: a valid request first (real ids,
 * real tokens, a body from the route's zod schema), then, often, mutated — body, content type, framing,
 * path parameters, query, method and headers — as each kind of caller. A case is plain data (bodies are
 * described, not built) so fast-check can shrink it and a failure prints as a reproducible request.
 */
import { routes, type RouteName, SESSION_COOKIE } from '@qrca/contract';
import fc from 'fast-check';
import type { z } from 'zod';
import { httpCanSend, type Header, type WireRequest } from './wire-client';
import { zodArbitrary } from './zod-arbitrary';

export const CALLERS = ['anonymous', 'student', 'otherStudent', 'otherTeacher', 'owner', 'admin'] as const;
/** student: joined to the owner's session; otherStudent: not joined to it (joined to the other session). */
export type Who = (typeof CALLERS)[number];
export type Person = { readonly id: string; readonly email: string; readonly token: string };

/** The real ids of a session of the fuzz world. */
export interface SessionIds {
  readonly id: string;
  readonly joinCode: string;
  readonly chainId: string;
  readonly spotCheckId: string;
}

/** The real things valid requests name. */
export interface FuzzWorld {
  /** `127.0.0.1:<port>`, the Host header of valid requests. */
  readonly host: string;
  /** `http://127.0.0.1:<port>`, the Origin that cookie-authenticated writes need. */
  readonly origin: string;
  readonly people: Readonly<Record<Exclude<Who, 'anonymous'>, Person>>;
  /** Second tokens of the same people, used only for logout (so logging out does not end the run's tokens). */
  readonly spareTokens: Readonly<Record<Exclude<Who, 'anonymous'>, string>>;
  /**
   * The owner's started session, the student joined, an entry chain running, a spot check started. Never ended or
   * deleted here.
   */
  readonly main: SessionIds;
  /**
   * The other teacher's started session, the other student joined, with a chain and a spot check: "real ids of
   * other sessions".
   */
  readonly other: SessionIds;
  /** The owner's sessions that requests may end or delete. */
  readonly disposable: readonly string[];
  /**
   * Sessions, chains and spot checks that requests of this run created (the suite appends them as 201s come
   * back), so later requests read, export and change what earlier ones wrote.
   */
  readonly created: {
    readonly sessions: readonly string[];
    readonly chains: readonly string[];
    readonly spotChecks: readonly string[];
  };
  /** Tokens with a valid signature (test secret) but odd claims, and other forgeries. */
  readonly forgedTokens: readonly string[];
}

/** How the bytes of a body are made (described, so a failure prints small). */
export type BodySpec =
  | { readonly kind: 'none' }
  | { readonly kind: 'json'; readonly value: unknown }
  /** `value` as JSON with `token` (a raw JSON fragment: number, escape...) at `at`. */
  | { readonly kind: 'json-with'; readonly value: unknown; readonly at: readonly string[]; readonly token: string }
  /** `value` as JSON with a string of `unit` repeated `count` times at `at`. */
  | {
      readonly kind: 'json-huge';
      readonly value: unknown;
      readonly at: readonly string[];
      readonly unit: string;
      readonly count: number;
    }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'bytes'; readonly hex: string }
  /** `open` × depth, then `middle`, then `close` × depth (if closed). */
  | {
      readonly kind: 'nested';
      readonly open: string;
      readonly middle: string;
      readonly close: string;
      readonly depth: number;
    }
  | { readonly kind: 'filler'; readonly unit: string; readonly count: number };

export type Framing = 'content-length' | 'chunked' | 'short-length' | 'long-length-eof' | 'te-and-cl' | 'bad-chunks';

export interface FuzzCase {
  readonly route: RouteName;
  readonly caller: Who;
  /** What differs from a valid request ('valid' when nothing); for statistics and the report. */
  readonly mutations: readonly string[];
  readonly method: string;
  readonly target: string;
  /** Headers before framing (Content-Length / Transfer-Encoding are added from `framing`). */
  readonly headers: readonly Header[];
  readonly body: BodySpec;
  readonly framing: Framing;
}

const NAMES = Object.keys(routes) as RouteName[];
type Def = (typeof routes)[RouteName] & { readonly request?: z.ZodType };
const defOf = (name: RouteName) => routes[name] as Def;

/** One of the arbitraries by weight; shrinks toward the first (put the valid choice first). */
const weighted = <T>(...items: [number, fc.Arbitrary<T>][]) =>
  fc.oneof({ withCrossShrink: true }, ...items.map(([weight, arbitrary]) => ({ weight, arbitrary })));

// ---------------------------------------------------------------------------------------------------------
// Odd values

/** Path segments a client could send, already in wire form (percent-escapes as written). */
export const ODD_SEGMENTS = [
  '%',
  '%zz',
  '%E0%A4%A',
  '%ED%A0%80',
  '%C0%AF',
  '%FF',
  '%00',
  '..',
  '.',
  '%2e%2e',
  '%2F',
  'a%2Fb',
  '%20',
  '%u0041',
  encodeURIComponent('日本語'),
  encodeURIComponent('\u202eevil'),
  encodeURIComponent('😀'),
  encodeURIComponent('a\u0000b'),
  'ü', // raw UTF-8 bytes in the target
  'a b', // a raw space breaks the request line
  'x'.repeat(64),
  'x'.repeat(65),
  'y'.repeat(3_000),
  'z'.repeat(20_000), // past node's 16 KiB header limit
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '-',
  '_',
] as const;

export const ODD_QUERIES = [
  '?',
  '?format=',
  '?format=csv',
  '?format=json',
  '?format=xml',
  '?format=csv&format=json',
  '?format=%',
  '?cursor=garbage',
  '?cursor=',
  `?cursor=${Buffer.from('{"nextPartitionKey":"x","nextRowKey":"y"}').toString('base64')}`,
  `?cursor=${Buffer.from('{"nextPartitionKey":1}').toString('base64')}`,
  `?cursor=${'A'.repeat(4_000)}`,
  '?cursor=%00',
  '?cursor=a&cursor=b',
  '?%',
  '?a=%zz',
  '?&&&=&=',
  '?to=',
  '?to=%',
  '?to=not-an-email',
  '?to=a@students.example.edu&to=b@students.example.edu',
  '?sessionId=x',
  '?__proto__=1',
  '#fragment',
] as const;

export const ODD_HOSTS = [
  'a b',
  '[',
  'x:99999999',
  'a%b',
  'a^b',
  'a|b',
  '',
  'localhost',
  '127.0.0.1:1',
  '[::1]:8080',
  'h'.repeat(300),
  'evil.example:80',
  'ü.example',
  'a\tb',
  '@',
  ':80',
  'x:',
  'x:-1',
] as const;

export const ODD_CONTENT_TYPES = [
  'text/plain',
  'multipart/form-data; boundary=----fuzz',
  'application/json; charset=latin1',
  'application/x-www-form-urlencoded',
  'text/csv',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/jsonp',
  'application/json, text/plain',
  ';;;',
  '*/*',
  'application/json\u00ff',
] as const;

/** Raw JSON number tokens (some are not valid JSON). */
export const ODD_NUMBERS = [
  '1e309',
  '-1e309',
  '-0',
  '1e-400',
  '123456789012345678901234567890',
  '9007199254740993',
  '-9007199254740993',
  '0.1e1',
  '1E400',
  '4.9e-324',
  '1.7976931348623157e308',
  '1.5',
  '00',
  '.5',
  '+1',
  'NaN',
  'Infinity',
] as const;

/** Strings that stress text handling: lone surrogates (JSON.stringify writes them as \ud800 escapes), NUL... */
export const ODD_STRINGS = [
  '\ud800',
  '\udfff',
  'Physics \ud800',
  '\udc00\ud800',
  'a\u0000b',
  '\u0000',
  '\u202eevil\u202c',
  '\u200f\u200e',
  '😀👩‍👩‍👧‍👦',
  'e\u0301\u0301\u0301',
  '\ufeff',
  '＝1+1',
  '=cmd|" /C calc"!A0',
  '|x',
  '\u200b=1',
  '\t\r\n',
  ' ',
  '',
  '<script>alert(1)</script>',
  "'; DROP TABLE x; --",
  '${7*7}',
  '../../etc/passwd',
  '%00',
  'Ā'.repeat(300),
] as const;

const INVALID_JSON = [
  '{',
  '{"a":}',
  "{'a':1}",
  '{"a":1,}',
  'undefined',
  'NaN',
  '{"a":"\\x"}',
  '{"a":"\\ud800"',
  '[1,2',
  '{"a":1}{"b":2}',
  '"unterminated',
  ' ',
  '\ufeff{}',
  '{"a":1}\u0000',
  '{"__proto__":{"polluted":true}}',
] as const;

const NON_OBJECT_JSON = ['null', '"x"', '0', '[]', 'true', '[{}]', '-1', '""'] as const;

const INVALID_UTF8 = ['ff', 'fffe00', '7b227469746c65223a22eda080227d', 'c0af', 'e0a4', '7b2261223a2280227d'] as const;

const CSV_BODIES = [
  'email,name\nstudent.csv@students.example.edu,Ann',
  'email\n=cmd|x,\n',
  '"unbalanced',
  'a,b,c\n1',
  '',
  '\ufeffemail\r\nx@students.example.edu\r\n',
  'email,name\n"x@students.example.edu","\ud800"',
] as const;

const ODD_EXTRA_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'x',
  '',
  '\u0000',
  '\ud800',
  'k'.repeat(1_000),
];

const WRONG_TYPES: readonly unknown[] = [0, -1, 1.5, '', 'x', true, false, null, [], {}, [1, 2], { a: 1 }];

// ---------------------------------------------------------------------------------------------------------
// Valid parts

const minutesFromNow = (min: number, max: number) =>
  fc
    .integer({ min, max })
    .map((minutes) => new Date(Math.floor(Date.now() / 60_000) * 60_000 + minutes * 60_000).toISOString());

/** Valid values for body fields that name real things, so valid requests get past lookups. */
function bodyOverride(world: FuzzWorld, caller: Who) {
  const emails = Object.values(world.people).map((p) => p.email);
  const ids = Object.values(world.people).map((p) => p.id);
  const joinCodes = caller === 'otherStudent' ? [world.other.joinCode] : [world.main.joinCode, world.other.joinCode];
  return (path: readonly string[]): fc.Arbitrary<unknown> | undefined => {
    const last = path[path.length - 1];
    const key = last === '[]' ? `${path[path.length - 2] ?? ''}[]` : last;
    switch (key) {
      // Not the joined student's: an admin may make any address a teacher, and a teacher is no longer the
      // main session's student (the final check would then fail for a reason that is not a defect).
      case 'email':
        return fc.oneof(
          fc.constantFrom(...emails.filter((e) => e !== world.people.student.email)),
          fc.stringMatching(/^[a-z]{1,8}\.[a-z]{1,8}@(students|staff)\.example\.edu$/),
        );
      case 'studentId':
        return fc.oneof(fc.constantFrom(...ids), fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/));
      case 'joinCode':
        return fc.oneof(fc.constantFrom(...joinCodes), fc.string({ minLength: 4, maxLength: 32 }));
      // Starts before ends (mostly), within a day: sessions get created and changed, not only refused.
      case 'startAt':
        return minutesFromNow(-120, 30);
      case 'endAt':
        return minutesFromNow(31, 24 * 60);
      case 'cidrs[]':
        return fc.constantFrom('10.0.0.0/8', '192.168.1.0/24', '127.0.0.1', '::1', '2001:db8::/32', '0.0.0.0/0');
      case 'payload':
        return fc.oneof(
          fc.constantFrom(
            `QRCA1.C.${world.main.id}.${world.main.chainId}.1.0.AAAAAAAAAA`,
            `QRCA1.P.${world.main.id}.entry.0.AAAAAAAAAA`,
            `QRCA1.C.${world.other.id}.${world.other.chainId}.1.0.AAAAAAAAAA`,
            'ABCDEF',
          ),
          fc.stringMatching(/^QRCA1\.[CP]\.[A-Za-z0-9_-]{1,30}\.[A-Za-z0-9_-]{1,30}\.\d{1,3}\.\d{1,12}\.[A-Z2-7]{10}$/),
          fc.string({ minLength: 1, maxLength: 40 }),
        );
      case 'entries[]':
      case 'roster[]':
        return fc.oneof(fc.constantFrom(...emails), fc.stringMatching(/^[a-z]{1,8}@students\.example\.edu$/));
      default:
        return undefined;
    }
  };
}

/** Mostly one of `fixed`; sometimes one of what the run created so far (read when the value is generated). */
function fromPools(fixed: readonly string[], created: () => readonly string[]): fc.Arbitrary<string> {
  return weighted(
    [3, fc.constantFrom(...fixed)],
    [1, fc.nat().map((i) => created()[i % Math.max(1, created().length)] ?? (fixed[0] as string))],
  );
}

const LOCK_OUT_ROUTES: readonly RouteName[] = ['sessionsDelete', 'sessionsEnd', 'sessionsUpdate', 'rosterPut'];
/** Routes whose path a lock-out route shares: with a mutated method (GET → DELETE) they would reach it. */
const MAY_LOCK_OUT = new Set<RouteName>(
  (Object.keys(routes) as RouteName[]).filter((name) =>
    LOCK_OUT_ROUTES.some((lockOut) => defOf(lockOut).path === defOf(name).path),
  ),
);

/** Real values for each path parameter, by caller and route (the owner's main session is never ended or deleted). */
function validParams(world: FuzzWorld, route: RouteName): Record<string, fc.Arbitrary<string>> {
  // Requests that could end the main session or lock its student out go to the other ones instead.
  const fixed = MAY_LOCK_OUT.has(route)
    ? [world.other.id, ...world.disposable]
    : [world.main.id, world.main.id, world.other.id, ...world.disposable];
  const emails = [...Object.values(world.people).map((p) => p.email), 'co.teacher@staff.example.edu'];
  const people = Object.values(world.people).map((p) => p.id);
  return {
    id: fromPools(fixed, () => world.created.sessions),
    chainId: fromPools([world.main.chainId, world.other.chainId], () => world.created.chains),
    spotCheckId: fromPools([world.main.spotCheckId, world.other.spotCheckId], () => world.created.spotChecks),
    studentId: fc.constantFrom(...people),
    email: fc.constantFrom(...emails),
    kind: fc.constantFrom('entry', 'late', 'early-leave', 'exit'),
  };
}

/** Wire form of a path parameter: mostly a real value, sometimes a random well-formed id, sometimes odd. */
function paramArb(world: FuzzWorld, route: RouteName, name: string): fc.Arbitrary<{ value: string; odd?: string }> {
  const valid = validParams(world, route)[name];
  if (!valid)
    throw new Error(`fuzz: no real values for path parameter {${name}} of route ${route}; add them to the fuzz world`);
  return weighted<{ value: string; odd?: string }>(
    [14, valid.map((v) => ({ value: encodeURIComponent(v) }))],
    [2, fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/).map((v) => ({ value: v, odd: `${name}:random-id` }))],
    [4, fc.constantFrom(...ODD_SEGMENTS).map((v) => ({ value: v, odd: `${name}:${describeSegment(v)}` }))],
  );
}

const describeSegment = (segment: string) => (segment.length > 40 ? `${segment[0]}×${segment.length}` : segment);

function credentialArb(
  world: FuzzWorld,
  route: RouteName,
  caller: Who,
  method: string,
): fc.Arbitrary<{ headers: Header[]; odd?: string }> {
  const none = fc.constant({ headers: [] as Header[] });
  const odd = fc.oneof(
    fc
      .constantFrom(...world.forgedTokens)
      .map((t) => ({ headers: [['authorization', `Bearer ${t}`]] as Header[], odd: 'auth:forged' })),
    fc
      .constantFrom(
        'Bearer',
        'Bearer ',
        'Bearer garbage',
        'Bearer a.b.c',
        'Basic dXNlcjpwYXNz',
        'bearer  x.y.z',
        'Bearer \u00ff\u00fe',
        `Bearer ${'A'.repeat(8_000)}`,
        `Bearer ${'A'.repeat(20_000)}`,
        'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4Iiwicm9sZSI6ImFkbWluIn0.',
        'Bearer ===',
      )
      .map((value) => ({ headers: [['authorization', value]] as Header[], odd: `auth:${value.slice(0, 20)}` })),
    fc
      .constantFrom(
        `${SESSION_COOKIE}=garbage`,
        `${SESSION_COOKIE}=`,
        '=;=;;',
        `${SESSION_COOKIE}="unterminated`,
        `${SESSION_COOKIE}=%zz`,
        `a=${'b'.repeat(5_000)}`,
        `${SESSION_COOKIE}=a; ${SESSION_COOKIE}=b`,
      )
      .map((value) => ({ headers: [['cookie', value]] as Header[], odd: `cookie:${value.slice(0, 20)}` })),
  );
  if (caller === 'anonymous') return weighted([6, none], [2, odd]);
  const person = world.people[caller];
  const token = route === 'authLogout' ? world.spareTokens[caller] : person.token;
  const bearer = fc.constant({ headers: [['authorization', `Bearer ${token}`]] as Header[] });
  const unsafe = !['GET', 'HEAD', 'OPTIONS'].includes(method);
  const cookie = fc
    .constantFrom<[string, string | undefined]>(
      ['same-origin', unsafe ? world.origin : undefined],
      ['foreign-origin', 'https://evil.example'],
      ['no-origin', undefined],
      ['null-origin', 'null'],
    )
    .map(([label, origin]) => ({
      headers: [
        ['cookie', `${SESSION_COOKIE}=${token}`],
        ...(origin ? [['origin', origin] as Header] : []),
      ] as Header[],
      ...(label === 'same-origin' ? {} : { odd: `cookie:${label}` }),
    }));
  const otherPerson = Object.values(world.people).find((p) => p.id !== person.id) ?? person;
  const both = fc.constant({
    headers: [
      ['authorization', `Bearer ${token}`],
      ['cookie', `${SESSION_COOKIE}=${otherPerson.token}`],
    ] as Header[],
    odd: 'auth:bearer+other-cookie',
  });
  return weighted([14, bearer], [3, cookie], [1, both], [2, odd]);
}

function queryArb(world: FuzzWorld, route: RouteName): fc.Arbitrary<{ query: string; odd?: string }> {
  const emails = Object.values(world.people).map((p) => p.email);
  const valid: fc.Arbitrary<string> =
    route === 'exportGet'
      ? fc.constantFrom('?format=csv', '?format=json', '?format=csv&bom=1')
      : route === 'devOutbox'
        ? fc.constantFrom(...emails.map((e) => `?to=${encodeURIComponent(e)}`))
        : fc.constant('');
  return weighted<{ query: string; odd?: string }>(
    [8, valid.map((query) => ({ query }))],
    [2, fc.constantFrom(...ODD_QUERIES).map((query) => ({ query, odd: `query:${query.slice(0, 24)}` }))],
  );
}

function methodArb(route: RouteName): fc.Arbitrary<{ method: string; odd?: string }> {
  const own = defOf(route).method;
  const others = ['GET', 'HEAD', 'OPTIONS', 'PATCH', 'PUT', 'DELETE', 'POST', 'FOO', 'get', 'TRACE', 'CONNECT'].filter(
    (m) => m !== own,
  );
  return weighted<{ method: string; odd?: string }>(
    [18, fc.constant({ method: own })],
    [1, fc.constantFrom(...others).map((method) => ({ method, odd: `method:${method}` }))],
  );
}

function hostArb(world: FuzzWorld): fc.Arbitrary<{ headers: Header[]; odd?: string }> {
  return weighted<{ headers: Header[]; odd?: string }>(
    [24, fc.constant({ headers: [['host', world.host]] as Header[] })],
    [1, fc.constant({ headers: [] as Header[], odd: 'host:missing' })],
    [
      2,
      fc
        .constantFrom(...ODD_HOSTS)
        .map((host) => ({ headers: [['host', host]] as Header[], odd: `host:${host.slice(0, 20)}` })),
    ],
    [
      1,
      fc.constant({
        headers: [
          ['host', world.host],
          ['host', 'evil.example'],
        ] as Header[],
        odd: 'host:twice',
      }),
    ],
  );
}

const ODD_HEADERS: readonly [string, Header[]][] = [
  ['xff:garbage', [['x-forwarded-for', 'garbage, 999.1.1.1, ::::, "quoted"']]],
  ['xff:huge', [['x-forwarded-for', Array.from({ length: 500 }, (_, i) => `10.0.${i % 256}.${i % 200}`).join(', ')]]],
  ['xff:spoof', [['x-forwarded-for', '127.0.0.1']]],
  ['correlation:garbage', [['x-correlation-id', '<script>alert(1)</script>']]],
  ['correlation:huge', [['x-correlation-id', 'c'.repeat(5_000)]]],
  [
    'correlation:twice',
    [
      ['x-correlation-id', 'aaaaaaaa-1'],
      ['x-correlation-id', 'bbbbbbbb-2'],
    ],
  ],
  ['origin:foreign', [['origin', 'https://evil.example']]],
  ['origin:garbage', [['origin', '%%%']]],
  ['principal:garbage', [['x-ms-client-principal', 'not base64 json']]],
  [
    'principal:forged',
    [
      [
        'x-ms-client-principal',
        Buffer.from('{"userDetails":"it@staff.example.edu","userRoles":["admin"]}').toString('base64'),
      ],
    ],
  ],
  ['expect:continue', [['expect', '100-continue']]],
  ['expect:garbage', [['expect', 'nothing']]],
  ['content-encoding:gzip', [['content-encoding', 'gzip']]],
  ['accept:odd', [['accept', 'text/html;q=0, */*;q=0']]],
  ['header:8KB', [['x-fuzz', 'v'.repeat(8_000)]]],
  ['header:20KB', [['x-fuzz', 'v'.repeat(20_000)]]],
  ['headers:many', Array.from({ length: 300 }, (_, i) => [`x-fuzz-${i}`, String(i)] as Header)],
  ['header:unicode', [['x-fuzz', 'ü😀\u202e']]],
  [
    'content-type:twice',
    [
      ['content-type', 'application/json'],
      ['content-type', 'text/plain'],
    ],
  ],
  ['connection:close', [['connection', 'close']]],
  ['range', [['range', 'bytes=0-1,5-']]],
  ['if-none-match', [['if-none-match', '*']]],
];

function extraHeadersArb(): fc.Arbitrary<{ headers: Header[]; odd?: string }> {
  return weighted<{ headers: Header[]; odd?: string }>(
    [12, fc.constant({ headers: [] as Header[] })],
    [3, fc.constantFrom(...ODD_HEADERS).map(([odd, headers]) => ({ headers, odd }))],
  );
}

// ---------------------------------------------------------------------------------------------------------
// Bodies

/** Paths (keys) of every node in a JSON value, root first. */
function pathsOf(value: unknown, path: string[] = [], out: string[][] = []): string[][] {
  out.push(path);
  if (Array.isArray(value)) value.forEach((item, i) => pathsOf(item, [...path, String(i)], out));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) pathsOf(item, [...path, key], out);
  }
  return out;
}

function getAt(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>(
    (node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined),
    value,
  );
}

/** A copy of `value` with the node at `path` replaced (or removed when `remove`). */
export function setAt(value: unknown, path: readonly string[], replacement: unknown, remove = false): unknown {
  if (path.length === 0) return replacement;
  const [key, ...rest] = path as [string, ...string[]];
  if (Array.isArray(value)) {
    const copy = [...value];
    if (remove && rest.length === 0) copy.splice(Number(key), 1);
    else copy[Number(key)] = setAt(copy[Number(key)], rest, replacement, remove);
    return copy;
  }
  if (value !== null && typeof value === 'object') {
    if (remove && rest.length === 0) {
      const { [key]: _removed, ...others } = value as Record<string, unknown>;
      return others;
    }
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    Object.defineProperty(copy, key, {
      value: setAt(copy[key], rest, replacement, remove),
      enumerable: true,
      writable: true,
      configurable: true,
    });
    return copy;
  }
  return value;
}

/** Picks one of `paths` with a generated index (so it shrinks toward the first). */
const pick = <T>(items: readonly T[]) => fc.nat({ max: Math.max(0, items.length - 1) }).map((i) => items[i] as T);

function mutatedJsonBody(valid: unknown): fc.Arbitrary<{ body: BodySpec; odd: string }> {
  const paths = pathsOf(valid);
  const fields = paths.filter((p) => p.length > 0);
  const objects = paths.filter((p) => {
    const node = getAt(valid, p);
    return node !== null && typeof node === 'object' && !Array.isArray(node);
  });
  const strings = paths.filter((p) => typeof getAt(valid, p) === 'string');
  const anyLeaf = strings.length > 0 ? strings : fields.length > 0 ? fields : [[]];
  const json = (value: unknown): BodySpec => ({ kind: 'json', value });
  const options: [number, fc.Arbitrary<{ body: BodySpec; odd: string }>][] = [
    [
      3,
      fc.tuple(pick(fields.length ? fields : [[]]), pick(WRONG_TYPES)).map(([at, wrong]) => ({
        body: json(setAt(valid, at, wrong)),
        odd: `body:wrong-type@${at.join('.') || '(root)'}`,
      })),
    ],
    [
      3,
      fc.tuple(pick(anyLeaf), pick(ODD_STRINGS)).map(([at, text]) => ({
        body: json(setAt(valid, at, text)),
        odd: `body:odd-string@${at.join('.') || '(root)'}`,
      })),
    ],
    [
      2,
      fc.tuple(pick(paths), pick(ODD_NUMBERS)).map(([at, token]) => ({
        body: { kind: 'json-with', value: valid, at, token },
        odd: `body:number ${token}@${at.join('.') || '(root)'}`,
      })),
    ],
    [
      2,
      fc
        .tuple(
          pick(anyLeaf),
          fc.constantFrom('a', 'é', '😀', '\u0000', '\ud800'),
          fc.constantFrom(110_000, 140_000, 600_000),
        )
        .map(([at, unit, count]) => ({
          body: { kind: 'json-huge', value: valid, at, unit, count },
          odd: `body:huge-string ${count}×${JSON.stringify(unit)}@${at.join('.') || '(root)'}`,
        })),
    ],
    [
      1,
      fc
        .constantFrom<[string, string, string, number]>(
          ['[', '', ']', 10_000],
          ['[', '', '', 10_000],
          ['{"a":', '1', '}', 10_000],
          ['[', '', ']', 100_000],
          ['{"a":[', '', ']}', 5_000],
        )
        .map(([open, middle, close, depth]) => ({
          body: { kind: 'nested', open, middle, close, depth },
          odd: `body:nested ${open}×${depth}${close ? '' : ' unclosed'}`,
        })),
    ],
    [
      1,
      pick(INVALID_JSON).map((text) => ({
        body: { kind: 'text', text },
        odd: `body:invalid-json ${JSON.stringify(text.slice(0, 12))}`,
      })),
    ],
    [1, pick(NON_OBJECT_JSON).map((text) => ({ body: { kind: 'text', text }, odd: `body:json ${text}` }))],
    [1, fc.constant({ body: { kind: 'text', text: '' } as BodySpec, odd: 'body:empty' })],
    [1, pick(INVALID_UTF8).map((hex) => ({ body: { kind: 'bytes', hex }, odd: `body:bytes ${hex}` }))],
    [
      1,
      fc.constantFrom(1_100_000, 2_000_000).map((count) => ({
        body: { kind: 'filler', unit: 'x', count },
        odd: `body:raw ${count} bytes`,
      })),
    ],
  ];
  if (fields.length > 0) {
    options.push([
      3,
      pick(fields).map((at) => ({
        body: json(setAt(valid, at, undefined, true)),
        odd: `body:missing@${at.join('.')}`,
      })),
    ]);
  }
  if (objects.length > 0) {
    options.push([
      2,
      fc.tuple(pick(objects), pick(ODD_EXTRA_KEYS), pick(WRONG_TYPES)).map(([at, key, extra]) => ({
        body: json(setAt(valid, [...at, key], extra)),
        odd: `body:extra-field ${JSON.stringify(key.slice(0, 12))}@${at.join('.') || '(root)'}`,
      })),
    ]);
  }
  return weighted(...options);
}

function bodyArb(
  world: FuzzWorld,
  route: RouteName,
  caller: Who,
): fc.Arbitrary<{ body: BodySpec; contentType?: string; odd?: string }> {
  const schema = defOf(route).request;
  const contentType = weighted<{ contentType?: string; odd?: string }>(
    [16, fc.constant({ contentType: 'application/json' })],
    [1, fc.constant({ odd: 'content-type:none' })],
    [2, fc.constantFrom(...ODD_CONTENT_TYPES).map((t) => ({ contentType: t, odd: `content-type:${t}` }))],
  );
  if (!schema) {
    // Routes without a body: mostly none, sometimes one anyway.
    return weighted<{ body: BodySpec; contentType?: string; odd?: string }>(
      [8, fc.constant({ body: { kind: 'none' } as BodySpec })],
      [
        1,
        fc.tuple(mutatedJsonBody({ a: 1 }), contentType).map(([b, t]) => ({
          body: b.body,
          ...(t.contentType ? { contentType: t.contentType } : {}),
          odd: `unexpected-body ${b.odd}`,
        })),
      ],
    );
  }
  const valid = zodArbitrary(schema, { override: bodyOverride(world, caller) });
  const csv =
    route === 'rosterPut'
      ? [
          [
            1,
            pick(CSV_BODIES).map((text) => ({
              body: { kind: 'text', text } as BodySpec,
              contentType: 'text/csv',
              odd: 'body:csv',
            })),
          ] as [number, fc.Arbitrary<{ body: BodySpec; contentType?: string; odd?: string }>],
        ]
      : [];
  return weighted<{ body: BodySpec; contentType?: string; odd?: string }>(
    [10, valid.map((value) => ({ body: { kind: 'json', value } as BodySpec, contentType: 'application/json' }))],
    [
      10,
      fc
        .tuple(
          valid.chain((v) => mutatedJsonBody(v)),
          contentType,
        )
        .map(([b, t]) => ({
          body: b.body,
          ...(t.contentType ? { contentType: t.contentType } : {}),
          odd: [b.odd, t.odd].filter(Boolean).join(' '),
        })),
    ],
    [
      2,
      fc
        .tuple(
          valid,
          contentType.filter((t) => t.odd !== undefined),
        )
        .map(([value, t]) => ({
          body: { kind: 'json', value } as BodySpec,
          ...(t.contentType ? { contentType: t.contentType } : {}),
          ...(t.odd ? { odd: t.odd } : {}),
        })),
    ],
    ...csv,
  );
}

function framingArb(): fc.Arbitrary<{ framing: Framing; odd?: string }> {
  return weighted<{ framing: Framing; odd?: string }>(
    [30, fc.constant({ framing: 'content-length' as Framing })],
    [3, fc.constant({ framing: 'chunked' as Framing, odd: 'framing:chunked' })],
    [
      1,
      fc
        .constantFrom<Framing>('short-length', 'long-length-eof', 'te-and-cl', 'bad-chunks')
        .map((framing) => ({ framing, odd: `framing:${framing}` })),
    ],
  );
}

// ---------------------------------------------------------------------------------------------------------
// Whole requests

function pathArb(world: FuzzWorld, route: RouteName): fc.Arbitrary<{ path: string; odd: string[] }> {
  const template = defOf(route).path;
  const names = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
  const params = fc.tuple(...names.map((name) => paramArb(world, route, name)));
  const shape = weighted<{ shape: string; odd?: string }>(
    [20, fc.constant({ shape: 'plain' })],
    [
      1,
      fc
        .constantFrom('trailing-slash', 'upper-case', 'double-slash', 'dot-segment', 'absolute-form')
        .map((shape) => ({ shape, odd: `path:${shape}` })),
    ],
  );
  return fc.tuple(params, shape).map(([values, { shape, odd }]) => {
    let i = 0;
    let path = `/api/${template.replace(/\{\w+\}/g, () => values[i++]?.value ?? '')}`;
    if (shape === 'trailing-slash') path += '/';
    if (shape === 'upper-case') path = path.replace('/api/', '/API/').replace(/sessions/, 'SESSIONS');
    if (shape === 'double-slash') path = `/${path}`;
    if (shape === 'dot-segment') path = path.replace('/api/', '/api/./x/../');
    if (shape === 'absolute-form') path = `http://evil.example${path}`;
    return { path, odd: [...values.flatMap((v) => (v.odd ? [v.odd] : [])), ...(odd ? [odd] : [])] };
  });
}

/** Requests for `route` (every route has one: the suite checks that each was sent). */
export function routeRequestArbitrary(world: FuzzWorld, route: RouteName): fc.Arbitrary<FuzzCase> {
  const forCaller = (caller: Who) =>
    fc
      .record({
        method: methodArb(route),
        path: pathArb(world, route),
        query: queryArb(world, route),
        host: hostArb(world),
        credential: credentialArb(world, route, caller, defOf(route).method),
        body: bodyArb(world, route, caller),
        extra: extraHeadersArb(),
        framing: framingArb(),
      })
      .map(({ method, path, query, host, credential, body, extra, framing }): FuzzCase => {
        const headers: Header[] = [
          ...host.headers,
          ...credential.headers,
          ...(body.contentType === undefined || body.body.kind === 'none'
            ? []
            : [['content-type', body.contentType] as Header]),
          ...extra.headers,
        ];
        const odd = [method.odd, ...path.odd, query.odd, host.odd, credential.odd, body.odd, extra.odd];
        const framed = body.body.kind === 'none' && framing.framing !== 'long-length-eof' ? undefined : framing.odd;
        const mutations = [...odd, framed].filter((m): m is string => Boolean(m));
        return {
          route,
          caller,
          mutations: mutations.length ? mutations : ['valid'],
          method: method.method,
          target: `${path.path}${query.query}`,
          headers,
          body: body.body,
          framing: framed ? framing.framing : 'content-length',
        };
      });
  return fc.oneof(...CALLERS.map(forCaller));
}

/** Requests for any route of the table, each route equally likely. */
export function requestArbitrary(world: FuzzWorld): fc.Arbitrary<FuzzCase> {
  return fc.oneof(...NAMES.map((route) => routeRequestArbitrary(world, route)));
}

// ---------------------------------------------------------------------------------------------------------
// Materialising and printing

/** The body's bytes. */
export function bodyBytes(body: BodySpec): Buffer | undefined {
  switch (body.kind) {
    case 'none':
      return undefined;
    case 'json':
      return Buffer.from(JSON.stringify(body.value) ?? '', 'utf8');
    case 'json-with': {
      const marker = '\u0001fuzz-token\u0001';
      const text = JSON.stringify(setAt(body.value, body.at, marker)) ?? '';
      return Buffer.from(text.replace(JSON.stringify(marker), body.token), 'utf8');
    }
    case 'json-huge':
      return Buffer.from(JSON.stringify(setAt(body.value, body.at, body.unit.repeat(body.count))) ?? '', 'utf8');
    case 'text':
      return Buffer.from(body.text, 'utf8');
    case 'bytes':
      return Buffer.from(body.hex, 'hex');
    case 'nested':
      return Buffer.from(`${body.open.repeat(body.depth)}${body.middle}${body.close.repeat(body.depth)}`, 'utf8');
    case 'filler':
      return Buffer.from(body.unit.repeat(body.count), 'utf8');
  }
}

/** The request as bytes to send; the transport is chosen by what node:http accepts and by the framing. */
export function toWire(c: FuzzCase): WireRequest {
  const body = bodyBytes(c.body);
  const length = body?.length ?? 0;
  const headers: Header[] = [...c.headers];
  let chunked = false;
  let endAfterWrite = false;
  let socket = false;
  switch (c.framing) {
    case 'content-length':
      if (body) headers.push(['content-length', String(length)]);
      break;
    case 'chunked':
      headers.push(['transfer-encoding', 'chunked']);
      chunked = true;
      break;
    case 'short-length':
      headers.push(['content-length', String(Math.max(0, length - 3))]);
      socket = true;
      break;
    case 'long-length-eof':
      headers.push(['content-length', String(length + 10)]);
      socket = true;
      endAfterWrite = true;
      break;
    case 'te-and-cl':
      headers.push(['transfer-encoding', 'chunked'], ['content-length', String(length)]);
      socket = true;
      break;
    case 'bad-chunks':
      headers.push(['transfer-encoding', 'chunked']);
      socket = true;
      break;
  }
  const request = {
    method: c.method,
    target: c.target,
    headers,
    ...(body ? { body: c.framing === 'bad-chunks' ? Buffer.concat([Buffer.from('zz\r\n'), body]) : body } : {}),
    chunked: chunked && c.framing === 'chunked',
    endAfterWrite,
  };
  return { ...request, via: socket || !httpCanSend(request) ? 'socket' : 'http' };
}

const clip = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text);

function describeBody(body: BodySpec): string {
  switch (body.kind) {
    case 'none':
      return '(none)';
    case 'json':
      return `JSON ${clip(JSON.stringify(body.value) ?? 'undefined')}`;
    case 'json-with':
      return `JSON ${clip(JSON.stringify(body.value) ?? '')} with the raw token ${body.token} at ${body.at.join('.') || '(root)'}`;
    case 'json-huge':
      return `JSON ${clip(JSON.stringify(body.value) ?? '')} with ${JSON.stringify(body.unit)} × ${body.count} at ${body.at.join('.') || '(root)'}`;
    case 'text':
      return `text ${clip(JSON.stringify(body.text))}`;
    case 'bytes':
      return `bytes (hex) ${body.hex}`;
    case 'nested':
      return `${JSON.stringify(body.open)} × ${body.depth}, ${JSON.stringify(body.middle)}, ${JSON.stringify(body.close)} × ${body.depth}`;
    case 'filler':
      return `${JSON.stringify(body.unit)} × ${body.count}`;
  }
}

/** A failing case as a request someone can replay by hand. */
export function describeCase(c: FuzzCase): string {
  const wire = toWire(c);
  return [
    `route ${c.route} as ${c.caller}; mutations: ${c.mutations.join(', ')}`,
    `${clip(`${wire.method} ${wire.target}`, 400)}   (via ${wire.via}${wire.chunked ? ', chunked' : ''}${wire.endAfterWrite ? ', half-closed after the body' : ''})`,
    ...wire.headers.map(([name, value]) => `  ${name}: ${clip(JSON.stringify(value).slice(1, -1), 200)}`),
    `  body: ${describeBody(c.body)} = ${wire.body?.length ?? 0} bytes`,
  ].join('\n');
}
