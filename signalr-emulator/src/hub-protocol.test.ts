import { describe, expect, it } from 'vitest';
import {
  closeFrame,
  completionErrorFrame,
  handshakeProblem,
  handshakeResponseFrame,
  HubProtocolError,
  invocationFrame,
  parseClientMessage,
  parseHandshakeRequest,
  PING_FRAME,
  RECORD_SEPARATOR as RS,
  RecordReader,
} from './hub-protocol';

describe('RecordReader', () => {
  it('splits records on the separator and keeps a partial record for the next chunk', () => {
    const reader = new RecordReader(100);
    expect(reader.push(`{"a":1}${RS}{"b"`)).toEqual(['{"a":1}']);
    expect(reader.push(`:2}${RS}${RS}{"c":3}${RS}`)).toEqual(['{"b":2}', '', '{"c":3}']);
    expect(reader.push('')).toEqual([]);
  });

  it('refuses a record longer than the limit, finished or not', () => {
    expect(() => new RecordReader(4).push('12345')).toThrow(HubProtocolError);
    expect(() => new RecordReader(4).push(`12345${RS}`)).toThrow(HubProtocolError);
    expect(new RecordReader(4).push(`1234${RS}`)).toEqual(['1234']);
  });
});

describe('handshake', () => {
  it('parses the request and accepts json version 1 only', () => {
    const request = parseHandshakeRequest('{"protocol":"json","version":1}');
    expect(request).toEqual({ protocol: 'json', version: 1 });
    expect(handshakeProblem(request)).toBeUndefined();
    expect(handshakeProblem({ protocol: 'messagepack', version: 1 })).toMatch(/only the JSON hub protocol/);
    expect(handshakeProblem({ protocol: 'json', version: 2 })).toMatch(/version 2/);
  });

  it.each(['not json', '[]', '"json"', '{"protocol":"json"}', '{"protocol":1,"version":1}'])(
    'refuses the request %j',
    (record) => {
      expect(() => parseHandshakeRequest(record)).toThrow(HubProtocolError);
    },
  );

  it('frames the response', () => {
    expect(handshakeResponseFrame()).toBe(`{}${RS}`);
    expect(handshakeResponseFrame('nope')).toBe(`{"error":"nope"}${RS}`);
  });
});

describe('server frames', () => {
  it('frames invocations, pings, close and completion messages as the spec writes them', () => {
    expect(invocationFrame('checkedIn', [{ id: 1 }, 'x'])).toBe(
      `{"type":1,"target":"checkedIn","arguments":[{"id":1},"x"]}${RS}`,
    );
    expect(PING_FRAME).toBe(`{"type":6}${RS}`);
    expect(closeFrame()).toBe(`{"type":7}${RS}`);
    expect(closeFrame({ error: 'bye', allowReconnect: true })).toBe(
      `{"type":7,"error":"bye","allowReconnect":true}${RS}`,
    );
    expect(completionErrorFrame('7', 'no')).toBe(`{"type":3,"invocationId":"7","error":"no"}${RS}`);
  });
});

describe('parseClientMessage', () => {
  it('reads invocations, pings and close; ignores other and unknown types', () => {
    expect(parseClientMessage('{"type":1,"invocationId":"1","target":"Join","arguments":[]}')).toEqual({
      kind: 'invocation',
      invocationId: '1',
      target: 'Join',
    });
    expect(parseClientMessage('{"type":1,"target":"Fire","arguments":[]}')).toEqual({
      kind: 'invocation',
      invocationId: undefined,
      target: 'Fire',
    });
    expect(parseClientMessage('{"type":4,"invocationId":"2","target":"Stream","arguments":[]}').kind).toBe(
      'invocation',
    );
    expect(parseClientMessage('{"type":6}')).toEqual({ kind: 'ping' });
    expect(parseClientMessage('{"type":7,"error":null}')).toEqual({ kind: 'close' });
    expect(parseClientMessage('{"type":5,"invocationId":"2"}')).toEqual({ kind: 'ignored', type: 5 });
    expect(parseClientMessage('{"type":42}')).toEqual({ kind: 'ignored', type: 42 });
  });

  it.each([
    '',
    'garbage',
    '[1]',
    'null',
    '{}',
    '{"type":"1"}',
    '{"type":1.5}',
    '{"type":1}',
    '{"type":1,"target":"x","invocationId":3}',
  ])('refuses %j', (record) => {
    expect(() => parseClientMessage(record)).toThrow(HubProtocolError);
  });
});
