import { describe, expect, it } from 'vitest';
import { parsePayloadMessage, PayloadError } from './rest';

const body = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

describe('parsePayloadMessage', () => {
  it('reads {target, arguments}, keys in any case, arguments optional', () => {
    expect(parsePayloadMessage(body({ target: 't', arguments: [1, { a: 2 }] }))).toEqual({
      target: 't',
      arguments: [1, { a: 2 }],
    });
    expect(parsePayloadMessage(body({ Target: 't', Arguments: [] }))).toEqual({ target: 't', arguments: [] });
    expect(parsePayloadMessage(body({ target: 't' }))).toEqual({ target: 't', arguments: [] });
  });

  it.each([
    ['not JSON', '{target:'],
    ['not an object', '[1]'],
    ['null', 'null'],
    ['missing target', { arguments: [] }],
    ['empty target', { target: ' ', arguments: [] }],
    ['numeric target', { target: 5, arguments: [] }],
    ['arguments not an array', { target: 't', arguments: 'x' }],
    ['arguments an object', { target: 't', arguments: { 0: 1 } }],
  ])('refuses %s', (_name, value) => {
    expect(() => parsePayloadMessage(body(value))).toThrow(PayloadError);
  });
});
