/** Text hygiene for values that reach storage, file names and spreadsheets. */

/** A UTF-16 surrogate code unit that is not half of a pair (`u` mode matches pairs as one code point). */
const LONE_SURROGATE = /\p{Cs}/u;
const LONE_SURROGATES = /\p{Cs}/gu;
/** Deep JSON beyond this is refused by the walk below rather than risking the stack. */
const MAX_DEPTH = 64;

/** Replaces lone surrogates with U+FFFD, so the text encodes as UTF-8 (what `String#toWellFormed` does). */
export function toWellFormed(text: string): string {
  return text.replace(LONE_SURROGATES, '\uFFFD');
}

/**
 * The path (`a.b.0`, '' for the root) of the first string in a parsed JSON value that holds a lone surrogate,
 * keys included; undefined when every string is well-formed. Values nested deeper than 64 levels are not
 * inspected: no request schema nests that deep, so its validation refuses them anyway.
 */
export function firstIllFormedString(value: unknown, path = '', depth = 0): string | undefined {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? path : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth >= MAX_DEPTH) return undefined;
  const entries = Array.isArray(value) ? value.map((item, i) => [String(i), item] as const) : Object.entries(value);
  for (const [key, item] of entries) {
    const at = path ? `${path}.${key}` : key;
    if (LONE_SURROGATE.test(key)) return at;
    const found = firstIllFormedString(item, at, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
