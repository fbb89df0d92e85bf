import { describe, expect, it } from 'vitest';
import { safeNext } from './safe-next';

describe('safeNext', () => {
  it('keeps paths of this app, with their query', () => {
    expect(safeNext('/join/abc?code=XYZ')).toBe('/join/abc?code=XYZ');
    expect(safeNext('/')).toBe('/');
  });

  it.each([null, '', 'https://evil.example/', '//evil.example', '/\\evil.example', 'javascript:alert(1)', 'join/x'])(
    'refuses %j (back to the start instead)',
    (next) => {
      expect(safeNext(next)).toBe('/');
    },
  );
});
