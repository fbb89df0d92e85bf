import { describe, expect, it } from 'vitest';
import { firstIllFormedString, toWellFormed } from './text';

describe('firstIllFormedString', () => {
  it('finds a lone surrogate in a value or a key, at its path', () => {
    expect(firstIllFormedString({ title: 'Physics \ud800' })).toBe('title');
    expect(firstIllFormedString({ roster: ['a', { name: 'x\udc00y' }] })).toBe('roster.1.name');
    expect(firstIllFormedString({ ['k\ud800']: 1 })).toBe('k\ud800');
    expect(firstIllFormedString('\udfff')).toBe('');
  });

  it('accepts paired surrogates (emoji), NUL and every other well-formed string', () => {
    expect(firstIllFormedString({ title: 'Maths 😀 \u0000 \u200b', n: 1, b: true, z: null })).toBeUndefined();
    expect(firstIllFormedString([])).toBeUndefined();
  });
});

describe('toWellFormed', () => {
  it('replaces only lone surrogates with U+FFFD', () => {
    expect(toWellFormed('a\ud800b😀\udc00')).toBe('a\ufffdb😀\ufffd');
    expect(() => encodeURIComponent(toWellFormed('\ud800'))).not.toThrow();
  });
});
