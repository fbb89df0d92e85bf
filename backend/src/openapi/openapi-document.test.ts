// The OpenAPI document generated from the contract: valid OpenAPI 3.1, exactly the route table, each route's
// role, parameters, bodies and error codes as the contract and the catalogue say, every schema compilable.
import { Validator } from '@seriousme/openapi-schema-validator';
import {
  errorStatus,
  IDEMPOTENCY_KEY_HEADER,
  routes,
  SESSION_COOKIE,
  type ErrorCode,
  type RouteDef,
} from '@qrca/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { OpenApiChecker } from '../test-support/openapi-check';
import { buildOpenApiDocument, errorCodesOf } from './openapi-document';

interface Operation {
  readonly operationId: string;
  readonly security: Record<string, string[]>[];
  readonly 'x-role': string;
  readonly parameters?: { in: string; name: string; required?: boolean }[];
  readonly requestBody?: { content: Record<string, unknown> };
  readonly responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}

const document = buildOpenApiDocument();
const paths = document.paths as Record<string, Record<string, Operation>>;
const defs = Object.values(routes) as RouteDef[];

/** Every operation of the document as `METHOD /path`. */
const operationKeys = () =>
  Object.entries(paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));

const operationOf = (def: RouteDef): Operation => {
  const operation = paths[`/api/${def.path}`]?.[def.method.toLowerCase()];
  if (!operation) throw new Error(`${def.method} /api/${def.path} is not documented`);
  return operation;
};

/** The codes an error body schema allows: `error.code`'s enum, wherever the schema composes it. */
function codeEnum(schema: unknown): string[] {
  if (schema === null || typeof schema !== 'object') return [];
  const code = (schema as { properties?: { error?: { properties?: { code?: { enum?: string[] } } } } }).properties
    ?.error?.properties?.code?.enum;
  if (code) return code;
  const { allOf = [], anyOf = [] } = schema as { allOf?: unknown[]; anyOf?: unknown[] };
  return [...allOf, ...anyOf].flatMap(codeEnum);
}

/** The error codes each error response names, by status. */
const documentedCodes = (operation: Operation): Map<number, string[]> =>
  new Map(
    Object.entries(operation.responses)
      .filter(([status]) => Number(status) >= 400)
      .map(([status, response]) => [Number(status), codeEnum(response.content?.['application/json']?.schema)]),
  );

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors, JSON.stringify(result.errors, null, 2)).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(document.servers).toEqual([{ url: '/' }]);
  });

  it('lists every route of the route table by method and path, and nothing else', () => {
    expect(operationKeys().sort()).toEqual(defs.map((def) => `${def.method} /api/${def.path}`).sort());
    for (const def of defs) expect(operationOf(def).operationId).toBe(def.name);
  });

  it('asks for the session token (bearer or cookie) exactly where the route is not public', () => {
    const schemes = (document.components as { securitySchemes: Record<string, unknown> }).securitySchemes;
    expect(schemes).toMatchObject({
      bearerAuth: { type: 'http', scheme: 'bearer' },
      sessionCookie: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
    });
    for (const def of defs) {
      const operation = operationOf(def);
      expect(operation['x-role'], def.name).toBe(def.role);
      expect(operation.security, def.name).toEqual(
        def.role === 'anonymous' ? [] : [{ bearerAuth: [] }, { sessionCookie: [] }],
      );
      const codes = [...documentedCodes(operation).values()].flat();
      expect(codes.includes('UNAUTHENTICATED'), def.name).toBe(def.role !== 'anonymous');
    }
  });

  it('names each path parameter of the route, required', () => {
    for (const def of defs) {
      const inPath = (operationOf(def).parameters ?? []).filter((p) => p.in === 'path');
      const names = [...def.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(inPath.map((p) => p.name).sort(), def.name).toEqual(names.sort());
      expect(
        inPath.every((p) => p.required === true),
        def.name,
      ).toBe(true);
    }
  });

  it('documents the request body of every route that has one, and no other', () => {
    for (const def of defs) {
      const body = operationOf(def).requestBody;
      expect(body !== undefined, def.name).toBe(def.request !== undefined);
      if (body) expect(Object.keys(body.content), def.name).toContain('application/json');
    }
  });

  it('documents each error answer with the catalogue body, grouping the codes by their status', () => {
    for (const def of defs) {
      const byStatus = documentedCodes(operationOf(def));
      const listed = [...byStatus.values()].flat();
      expect(listed.sort(), def.name).toEqual(errorCodesOf(def).sort());
      for (const [status, codes] of byStatus) {
        expect(codes.length, `${def.name} ${status}`).toBeGreaterThan(0);
        for (const code of codes) expect(errorStatus[code as ErrorCode], `${def.name} ${code}`).toBe(status);
      }
      // Every route can be refused as malformed or fail on a dependency; ids no record has are "not found".
      expect(byStatus.get(400), def.name).toContain('VALIDATION_FAILED');
      expect(byStatus.get(503), def.name).toContain('DEPENDENCY_UNAVAILABLE');
      if (/\{(id|chainId|studentId)\}/.test(def.path)) expect(byStatus.get(404), def.name).toContain('NOT_FOUND');
      if (def.request) expect(byStatus.get(415), def.name).toContain('UNSUPPORTED_MEDIA_TYPE');
    }
    expect(documentedCodes(operationOf(routes.scansCreate)).get(422)).toEqual(
      expect.arrayContaining(['INVALID_QR', 'WRONG_PHASE', 'SESSION_ENDED', 'OUTSIDE_GEOFENCE']),
    );
    expect(documentedCodes(operationOf(routes.authVerify)).get(401)).toEqual(['CODE_INVALID']);
  });

  it('answers 204 without a body where the route has no response schema, and its success status otherwise', () => {
    const created = new Set(['sessionsCreate', 'adminTeachersAdd', 'chainsStart', 'spotChecksStart']);
    for (const def of defs) {
      const success = Object.keys(operationOf(def).responses).filter((s) => Number(s) < 400);
      const expected = !def.response
        ? ['204']
        : created.has(def.name)
          ? ['201']
          : def.name === 'authCode'
            ? ['202']
            : def.name === 'openapi'
              ? ['200', '304']
              : ['200'];
      expect(success, def.name).toEqual(expected);
    }
  });

  it('documents the Idempotency-Key of a create, the CSV roster and the CSV or JSON export', () => {
    expect(operationOf(routes.sessionsCreate).parameters).toContainEqual(
      expect.objectContaining({ in: 'header', name: IDEMPOTENCY_KEY_HEADER }),
    );
    expect(Object.keys(operationOf(routes.rosterPut).requestBody?.content ?? {})).toEqual([
      'application/json',
      'text/csv',
    ]);
    const exported = operationOf(routes.exportGet);
    expect(Object.keys(exported.responses['200']?.content ?? {})).toEqual(['text/csv', 'application/json']);
    expect(exported.parameters).toContainEqual(expect.objectContaining({ in: 'query', name: 'format' }));
  });
});

describe('the document against JSON Schema 2020-12', () => {
  let checker: OpenApiChecker;
  beforeAll(() => {
    checker = new OpenApiChecker(document);
  });

  it('compiles every response schema in strict mode, each reference resolved', () => {
    expect(checker.compileAll()).toBeGreaterThan(defs.length * 5);
  });

  it('accepts a documented answer and refuses a wrong body, an undocumented status or content type', () => {
    const me = { id: 'u1', email: 'ana@school.edu', role: 'student' };
    const json = (status: number, body: unknown) => ({
      status,
      contentType: 'application/json; charset=utf-8',
      text: JSON.stringify(body),
    });
    expect(checker.check('GET', '/api/auth/me', json(200, me))).toBe('authMe');
    expect(() => checker.check('GET', '/api/auth/me', json(200, { ...me, role: 'janitor' }))).toThrow(/role/);
    expect(() => checker.check('GET', '/api/auth/me', json(200, { id: 'u1' }))).toThrow(/email/);
    expect(() => checker.check('GET', '/api/auth/me', json(418, me))).toThrow(/status not documented/);
    expect(() => checker.check('GET', '/api/auth/me', { ...json(200, me), contentType: 'text/html' })).toThrow(
      /content type/,
    );
    expect(() => checker.check('GET', '/api/nope', json(200, me))).toThrow(/no such operation/);
    const error = (code: string) => ({ error: { code, message: 'No.', correlationId: 'c0rr3lation' } });
    expect(checker.check('GET', '/api/auth/me', json(401, error('UNAUTHENTICATED')))).toBe('authMe');
    // A code of the right status that this route does not answer, and one of another status.
    expect(() => checker.check('GET', '/api/auth/me', json(401, error('CODE_INVALID')))).toThrow(/\/error\/code/);
    expect(() => checker.check('GET', '/api/auth/me', json(401, error('NOT_FOUND')))).toThrow(/\/error\/code/);
    expect(() => checker.check('POST', '/api/auth/logout', { status: 204, contentType: null, text: 'x' })).toThrow(
      /body where/,
    );
  });
});
