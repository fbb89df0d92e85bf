// The zod 4 → fast-check generator: every value it produces parses with its schema, after a JSON round trip
// too, for every request schema of the contract and for each kind of schema it claims to support.
import { IdSchema, pathParams, routes, type RouteName } from '@qrca/contract';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UnsupportedSchemaError, zodArbitrary } from './zod-arbitrary';

const SEED = 20261129;

/** Asserts that `count` generated values of `schema` parse, as generated and after JSON.stringify/parse. */
function expectAllValid(schema: z.ZodType, arbitrary: fc.Arbitrary<unknown> = zodArbitrary(schema), count = 300) {
  fc.assert(
    fc.property(arbitrary, (value) => {
      const direct = schema.safeParse(value);
      expect(direct.success, `${JSON.stringify(value)}: ${direct.error?.message}`).toBe(true);
      const text = JSON.stringify(value);
      const wire = schema.safeParse(text === undefined ? undefined : JSON.parse(text));
      expect(wire.success, `${text}: ${wire.error?.message}`).toBe(true);
    }),
    { seed: SEED, numRuns: count },
  );
}

const requestSchemas = (Object.keys(routes) as RouteName[]).flatMap((name) => {
  const def = routes[name] as { request?: z.ZodType };
  return def.request ? [[name, def.request] as const] : [];
});

describe('zodArbitrary on the contract', () => {
  it('finds request schemas to test', () => {
    expect(requestSchemas.length).toBeGreaterThanOrEqual(10);
  });

  it.each(requestSchemas)('generates valid bodies for %s', (_name, schema) => {
    expectAllValid(schema);
  });

  it.each(Object.entries(pathParams))('generates valid path parameter %s', (_name, param) => {
    expectAllValid(param.schema);
  });

  it('also generates valid unknown extra keys for objects that strip them', () => {
    for (const [, schema] of requestSchemas) expectAllValid(schema, zodArbitrary(schema, { extraKeys: true }), 100);
  });

  it('uses overrides where given, and still only valid values', () => {
    const schema = z.object({ email: z.email(), ids: z.array(IdSchema).min(1) });
    const arbitrary = zodArbitrary(schema, {
      override: (path) =>
        path.join('.') === 'email'
          ? fc.constantFrom('a@staff.example.edu', 'not an email')
          : path.join('.') === 'ids.[]'
            ? fc.constant('real-id')
            : undefined,
    });
    fc.assert(
      fc.property(arbitrary, (value) => {
        expect(value.email).toBe('a@staff.example.edu');
        expect(value.ids.every((id) => id === 'real-id')).toBe(true);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});

describe('zodArbitrary on each kind of schema', () => {
  const cases: [string, z.ZodType][] = [
    ['string with min/max', z.string().min(3).max(5)],
    ['string with exact length', z.string().length(7)],
    ['trimmed string with min', z.string().trim().min(2).max(10)],
    ['lower-cased email, max', z.string().trim().toLowerCase().max(254).pipe(z.email())],
    ['regex', z.string().regex(/^[A-Z]{2}-\d{3}$/)],
    ['ISO datetime', z.iso.datetime()],
    ['ISO datetime with offset', z.iso.datetime({ offset: true })],
    ['uuid', z.uuid()],
    ['number with inclusive bounds', z.number().min(-90).max(90)],
    ['number with exclusive bounds', z.number().gt(0).lt(1)],
    ['int with bounds', z.number().int().min(1).max(100)],
    ['int without bounds', z.int()],
    ['boolean', z.boolean()],
    ['enum', z.enum(['a', 'b', 'c'])],
    ['literal', z.literal('auto')],
    ['union', z.union([z.number().int().min(1).max(3), z.literal('auto')])],
    ['array with min/max', z.array(z.string().max(3)).min(2).max(4)],
    ['optional and default keys', z.object({ a: z.string().optional(), b: z.number().default(1), c: z.boolean() })],
    ['nullable', z.object({ at: z.string().nullable() })],
    ['strict object', z.object({ kty: z.literal('EC'), x: z.string().regex(/^[A-Za-z0-9_-]{43}$/) }).strict()],
    ['loose object', z.looseObject({ a: z.number() })],
    ['record', z.record(z.string(), z.number().int())],
    ['record with enum keys', z.record(z.enum(['x', 'y']), z.boolean())],
    ['tuple with rest', z.tuple([z.string(), z.number()]).rest(z.boolean())],
    [
      'transform after a schema',
      z
        .string()
        .min(1)
        .transform((s) => s.length),
    ],
    ['lazy', z.lazy(() => z.object({ name: z.string().min(1) }))],
    [
      'refinement',
      z.object({ a: z.number().optional(), b: z.number().optional() }).refine((v) => 'a' in v || 'b' in v),
    ],
    ['readonly and catch', z.object({ a: z.array(z.number()).readonly(), b: z.string().catch('x') })],
    ['unknown', z.object({ anything: z.unknown() })],
  ];

  it.each(cases)('%s', (_name, schema) => {
    expectAllValid(schema);
  });

  it('leaves optional keys out rather than sending undefined', () => {
    const schema = z.object({ a: z.string().optional() });
    const values = fc.sample(zodArbitrary(schema), { seed: SEED, numRuns: 200 });
    expect(values.some((v) => !('a' in v))).toBe(true);
    expect(values.some((v) => typeof v.a === 'string')).toBe(true);
    expect(values.every((v) => !('a' in v) || v.a !== undefined)).toBe(true);
  });

  it('never adds keys to strict objects', () => {
    const schema = z.object({ a: z.string() }).strict();
    for (const value of fc.sample(zodArbitrary(schema, { extraKeys: true }), { seed: SEED, numRuns: 200 })) {
      expect(Object.keys(value)).toEqual(['a']);
    }
  });

  it('supports recursive schemas', () => {
    interface Tree {
      name: string;
      children?: Tree[];
    }
    const Tree: z.ZodType<Tree> = z.lazy(() =>
      z.object({ name: z.string().max(3), children: z.array(Tree).max(2).optional() }),
    );
    expectAllValid(Tree, zodArbitrary(Tree, { maxArrayLength: 2 }), 100);
  });

  it.each([
    ['date', z.date()],
    ['bigint', z.bigint()],
    ['map', z.map(z.string(), z.number())],
    ['bare transform', z.transform((v: unknown) => v)],
  ] as [string, z.ZodType][])('refuses what it cannot generate: %s', (_name, schema) => {
    expect(() => zodArbitrary(z.object({ field: schema }))).toThrow(UnsupportedSchemaError);
    expect(() => zodArbitrary(z.object({ field: schema }))).toThrow(/at field/);
  });
});
