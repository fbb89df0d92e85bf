/**
 * fast-check arbitraries of valid inputs for zod 4 schemas, built by walking `schema._zod.def`. Written here
 * because no maintained library does this for zod 4 + fast-check 4: zod-fast-check supports zod 3 only, and
 * zod 4's own JSON-schema export loses regexes' exact semantics and transforms. Every value this produces
 * parses with its schema (zod-arbitrary.test.ts checks it for every request schema of the contract) and
 * survives a JSON round trip, so it can be sent as a request body.
 *
 * Supported: object (strip, strict, loose; optional and default keys may be left out), string (min/max/length,
 * regex, email, ISO datetime and other formats that carry a pattern, trim/lower-case overwrites), number and
 * int (min/max, inclusive or not, safe-int format), boolean, enum, literal, union, array (min/max/length),
 * tuple, record, optional, default, prefault, nullable, readonly, catch, pipe (and so transforms after a
 * schema), lazy, null, unknown/any (JSON values). Refinements are honoured by filtering with the schema.
 * Anything else (dates, bigints, maps, sets, bare transforms, custom types) throws UnsupportedSchemaError.
 */
import fc from 'fast-check';
import type { z } from 'zod';

/** A schema (or part of one) this generator cannot produce values for. */
export class UnsupportedSchemaError extends Error {
  override readonly name = 'UnsupportedSchemaError';
  constructor(type: string, path: readonly string[]) {
    super(`zodArbitrary: cannot generate a value for a zod "${type}" at ${path.length ? path.join('.') : '(root)'}`);
  }
}

export interface ZodArbitraryOptions {
  /**
   * Replaces the arbitrary of the value at `path` (object keys; `[]` for array items, `{}` for record values),
   * e.g. to use real ids or known emails. What it returns must still be valid: values it gives that the
   * schema refuses are filtered out.
   */
  readonly override?: (path: readonly string[], schema: z.core.$ZodType) => fc.Arbitrary<unknown> | undefined;
  /** Longest arrays generated (capped by the schema's own maximum). Default 6. */
  readonly maxArrayLength?: number;
  /** Longest strings generated when no pattern decides (capped by the schema's own maximum). Default 24. */
  readonly maxStringLength?: number;
  /** Add a few unknown keys to objects that are not strict (zod strips them, so they stay valid). Default false. */
  readonly extraKeys?: boolean;
}

type Check = z.core.$ZodChecks;
type AnyDef = z.core.$ZodTypes['_zod']['def'];

interface Bounds {
  min?: number;
  max?: number;
  minExcluded?: boolean;
  maxExcluded?: boolean;
}

/**
 * A schema's checks, with the schema itself first when it is one (`z.email()`, `z.int()` and other formats
 * are a type and a check in one).
 */
function checksOf(schema: z.core.$ZodType): readonly Check[] {
  const def = schema._zod.def as { check?: string; checks?: Check[] };
  const own = def.check === undefined ? [] : [schema as unknown as Check];
  return [...own, ...(def.checks ?? [])];
}

/** Whether a key of an object may be left out (optional, default, prefault). */
const mayBeOmitted = (schema: z.core.$ZodType) => schema._zod.optin === 'optional';

/** Keeps the values `schema` accepts (for refinements and overwrites the generator does not model). */
function valid(schema: z.core.$ZodType, arbitrary: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const parse = (value: unknown) => (schema as z.ZodType).safeParse(value).success;
  return arbitrary.filter(parse);
}

/** An arbitrary of valid inputs of `schema`. @throws UnsupportedSchemaError for types it cannot generate. */
export function zodArbitrary<S extends z.core.$ZodType>(
  schema: S,
  options: ZodArbitraryOptions = {},
): fc.Arbitrary<z.input<S>> {
  return new Builder(options).build(schema, []) as fc.Arbitrary<z.input<S>>;
}

class Builder {
  /** Lazy schemas under construction or built, so recursive schemas tie back to themselves. */
  private readonly lazies = new Map<z.core.$ZodType, fc.Arbitrary<unknown>>();
  private readonly maxArray: number;
  private readonly maxString: number;

  constructor(private readonly options: ZodArbitraryOptions) {
    this.maxArray = options.maxArrayLength ?? 6;
    this.maxString = options.maxStringLength ?? 24;
  }

  build(schema: z.core.$ZodType, path: readonly string[]): fc.Arbitrary<unknown> {
    const overridden = this.options.override?.(path, schema);
    if (overridden) return valid(schema, overridden);
    const def = schema._zod.def as AnyDef;
    const unknownChecks = checksOf(schema).some((check) => !MODELLED_CHECKS.has(check._zod.def.check));
    const arbitrary = this.byType(schema, def, path);
    return unknownChecks ? valid(schema, arbitrary) : arbitrary;
  }

  private byType(schema: z.core.$ZodType, def: AnyDef, path: readonly string[]): fc.Arbitrary<unknown> {
    switch (def.type) {
      case 'string':
        return this.string(schema, path);
      case 'number':
        return this.number(schema);
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'enum':
        return fc.constantFrom(...Object.values(def.entries));
      case 'literal':
        return fc.constantFrom(...def.values);
      case 'unknown':
      case 'any':
        return fc.jsonValue({ maxDepth: 2 });
      case 'nullable':
        return fc.oneof(fc.constant(null), this.build(def.innerType, path));
      case 'optional':
        // Outside an object (where the key is simply left out) `undefined` has no JSON form: give the inner value.
        return this.build(def.innerType, path);
      case 'default':
      case 'prefault':
      case 'readonly':
      case 'catch':
      case 'nonoptional':
        return this.build(def.innerType, path);
      case 'union':
        return fc.oneof(...def.options.map((option) => this.build(option, path)));
      case 'array':
        return this.array(schema, def.element, path);
      case 'tuple': {
        const items = def.items.map((item, i) => this.build(item, [...path, String(i)]));
        const rest = def.rest
          ? fc.array(this.build(def.rest, [...path, '[]']), { maxLength: this.maxArray })
          : undefined;
        const tuple = fc.tuple(...items);
        return rest ? fc.tuple(tuple, rest).map(([head, tail]) => [...head, ...tail]) : tuple;
      }
      case 'record':
        return this.record(def, path);
      case 'object':
        return this.object(schema, def, path);
      case 'pipe':
        return this.pipe(schema, def, path);
      case 'lazy':
        return this.lazy(schema, def, path);
      default:
        throw new UnsupportedSchemaError(def.type, path);
    }
  }

  private string(schema: z.core.$ZodType, path: readonly string[]): fc.Arbitrary<string> {
    let min = 0;
    let max = Number.POSITIVE_INFINITY;
    const patterns: RegExp[] = [];
    let format: string | undefined;
    let overwrites = false;
    for (const check of checksOf(schema)) {
      const c = check._zod.def;
      if (c.check === 'min_length') min = Math.max(min, c.minimum);
      else if (c.check === 'max_length') max = Math.min(max, c.maximum);
      else if (c.check === 'length_equals') [min, max] = [c.length, c.length];
      else if (c.check === 'overwrite') overwrites = true;
      else if (c.check === 'string_format') {
        if (c.pattern) patterns.push(c.pattern);
        else throw new UnsupportedSchemaError(`string format "${c.format}" without a pattern`, path);
        format ??= c.format;
      }
    }
    if (format && patterns.length === 0) throw new UnsupportedSchemaError(`string format "${format}"`, path);
    if (patterns.length > 1) throw new UnsupportedSchemaError('string with several patterns', path);
    const fits = (s: string) => s.length >= min && s.length <= max;
    let arbitrary: fc.Arbitrary<string>;
    const pattern = patterns[0];
    if (pattern) {
      const matching = fc.stringMatching(pattern, { maxLength: Number.isFinite(max) ? max : 254 });
      // Formats whose regex admits absurd values (year 0000) also get realistic ones, so requests go deeper.
      arbitrary = format === 'datetime' ? fc.oneof({ arbitrary: isoDateTime(pattern), weight: 3 }, matching) : matching;
    } else {
      const longest = Math.max(min, Math.min(max, min + this.maxString));
      arbitrary = fc.oneof(
        { arbitrary: fc.string({ minLength: min, maxLength: longest, unit: 'grapheme-ascii' }), weight: 3 },
        // Any code point (NUL, RTL marks, emoji...); a code point is at most two UTF-16 units.
        fc.string({ minLength: min, maxLength: Math.max(min, Math.floor(longest / 2)), unit: 'binary' }),
      );
    }
    arbitrary = arbitrary.filter(fits);
    return overwrites ? (valid(schema, arbitrary) as fc.Arbitrary<string>) : arbitrary;
  }

  private number(schema: z.core.$ZodType): fc.Arbitrary<number> {
    const bounds: Bounds = {};
    let integer = false;
    for (const check of checksOf(schema)) {
      const c = check._zod.def;
      if (c.check === 'number_format') {
        integer = c.format === 'safeint' || c.format === 'int32' || c.format === 'uint32';
        const [lo, hi] = FORMAT_RANGE[c.format] ?? [undefined, undefined];
        if (lo !== undefined) tighten(bounds, 'min', lo, false);
        if (hi !== undefined) tighten(bounds, 'max', hi, false);
      } else if (c.check === 'greater_than') tighten(bounds, 'min', Number(c.value), !c.inclusive);
      else if (c.check === 'less_than') tighten(bounds, 'max', Number(c.value), !c.inclusive);
    }
    if (integer) {
      const min =
        bounds.min === undefined
          ? Number.MIN_SAFE_INTEGER
          : Math.ceil(bounds.min + (bounds.minExcluded && Number.isInteger(bounds.min) ? 1 : 0));
      const max =
        bounds.max === undefined
          ? Number.MAX_SAFE_INTEGER
          : Math.floor(bounds.max - (bounds.maxExcluded && Number.isInteger(bounds.max) ? 1 : 0));
      return fc.integer({ min, max });
    }
    return fc
      .double({
        ...(bounds.min === undefined ? {} : { min: bounds.min, minExcluded: bounds.minExcluded ?? false }),
        ...(bounds.max === undefined ? {} : { max: bounds.max, maxExcluded: bounds.maxExcluded ?? false }),
        noNaN: true,
        noDefaultInfinity: true,
      })
      .filter(Number.isFinite);
  }

  private array(schema: z.core.$ZodType, element: z.core.$ZodType, path: readonly string[]): fc.Arbitrary<unknown[]> {
    let min = 0;
    let max = Number.POSITIVE_INFINITY;
    for (const check of checksOf(schema)) {
      const c = check._zod.def;
      if (c.check === 'min_length') min = Math.max(min, c.minimum);
      else if (c.check === 'max_length') max = Math.min(max, c.maximum);
      else if (c.check === 'length_equals') [min, max] = [c.length, c.length];
    }
    const maxLength = Math.max(min, Math.min(max, min + this.maxArray));
    return fc.array(this.build(element, [...path, '[]']), { minLength: min, maxLength });
  }

  private record(def: z.core.$ZodRecordDef, path: readonly string[]): fc.Arbitrary<unknown> {
    const value = this.build(def.valueType, [...path, '{}']);
    // Enum and literal keys make an exhaustive record (every key required) unless it is a partial record.
    const known = def.keyType._zod.values;
    if (known) {
      const keys = [...known].map(String);
      const fields = Object.fromEntries(keys.map((key) => [key, value]));
      return fc.record(fields, { requiredKeys: def.partial ? [] : keys });
    }
    const keys = this.build(def.keyType, [...path, '(key)']).filter((k): k is string => typeof k === 'string');
    return fc.dictionary(keys, value, { maxKeys: 4, noNullPrototype: true });
  }

  private object(schema: z.core.$ZodType, def: z.core.$ZodObjectDef, path: readonly string[]): fc.Arbitrary<unknown> {
    const shape = def.shape;
    const keys = Object.keys(shape);
    const fields: Record<string, fc.Arbitrary<unknown>> = {};
    const required: string[] = [];
    for (const key of keys) {
      const field = shape[key] as z.core.$ZodType;
      fields[key] = this.build(field, [...path, key]);
      if (!mayBeOmitted(field)) required.push(key);
    }
    let arbitrary: fc.Arbitrary<Record<string, unknown>> = fc.record(fields, { requiredKeys: required });
    const strict = def.catchall?._zod.def.type === 'never';
    if (this.options.extraKeys && !strict) {
      const catchall = def.catchall && def.catchall._zod.def.type !== 'unknown' ? def.catchall : undefined;
      const extraValue = catchall ? this.build(catchall, [...path, '(extra)']) : fc.jsonValue({ maxDepth: 1 });
      const extraKey = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !keys.includes(k) && k !== '__proto__');
      arbitrary = fc
        .tuple(arbitrary, fc.dictionary(extraKey, extraValue, { maxKeys: 2, noNullPrototype: true }))
        .map(([known, extra]) => ({ ...extra, ...known }));
    }
    return checksOf(schema).length > 0 ? valid(schema, arbitrary) : arbitrary;
  }

  private pipe(schema: z.core.$ZodType, def: z.core.$ZodPipeDef, path: readonly string[]): fc.Arbitrary<unknown> {
    // `a.transform(f)` is pipe(a, transform): inputs are a's. Otherwise (`a.pipe(b)`, e.g. trim then email)
    // b's valid values are nearly always valid inputs of a too; the filter drops the rest.
    if (def.out._zod.def.type === 'transform') return this.build(def.in, path);
    if (def.in._zod.def.type === 'transform') return valid(schema, this.build(def.out, path));
    return valid(schema, this.build(def.out, path));
  }

  private lazy(schema: z.core.$ZodType, def: z.core.$ZodLazyDef, path: readonly string[]): fc.Arbitrary<unknown> {
    const known = this.lazies.get(schema);
    if (known) return known;
    // Ties the knot for recursive schemas: the inner arbitrary is looked up when a value is generated.
    const slot: { arbitrary?: fc.Arbitrary<unknown> } = {};
    this.lazies.set(
      schema,
      fc.constant(null).chain(() => slot.arbitrary ?? fc.constant(undefined)),
    );
    slot.arbitrary = this.build(def.getter(), path);
    this.lazies.set(schema, slot.arbitrary);
    return slot.arbitrary;
  }
}

/** Checks the builder models itself; any other check makes it filter with the schema. */
const MODELLED_CHECKS = new Set<string>([
  'min_length',
  'max_length',
  'length_equals',
  'string_format',
  'overwrite',
  'greater_than',
  'less_than',
  'number_format',
]);

const FORMAT_RANGE: Partial<Record<string, [number, number]>> = {
  safeint: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  int32: [-2_147_483_648, 2_147_483_647],
  uint32: [0, 4_294_967_295],
  float32: [-3.4028234663852886e38, 3.4028234663852886e38],
  float64: [-Number.MAX_VALUE, Number.MAX_VALUE],
};

function tighten(bounds: Bounds, side: 'min' | 'max', value: number, excluded: boolean): void {
  const current = bounds[side];
  const tighter = current === undefined || (side === 'min' ? value > current : value < current);
  if (tighter || (value === current && excluded)) {
    bounds[side] = value;
    bounds[side === 'min' ? 'minExcluded' : 'maxExcluded'] = excluded;
  }
}

/** Realistic ISO date-times (2000–2099, UTC or with an offset when the pattern allows one). */
function isoDateTime(pattern: RegExp): fc.Arbitrary<string> {
  const utc = fc
    .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true })
    .map((d) => d.toISOString());
  const withOffset = fc
    .tuple(utc, fc.integer({ min: -12, max: 14 }), fc.constantFrom('00', '30', '45'))
    .map(([iso, h, m]) => `${iso.slice(0, -1)}${h < 0 ? '-' : '+'}${String(Math.abs(h)).padStart(2, '0')}:${m}`);
  return fc.oneof(utc, withOffset).filter((s) => pattern.test(s));
}
