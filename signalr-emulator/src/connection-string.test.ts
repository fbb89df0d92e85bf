import { describe, expect, it } from 'vitest';
import {
  ConnectionStringError,
  formatSignalRConnectionString,
  parseSignalRConnectionString,
} from './connection-string';

describe('parseSignalRConnectionString', () => {
  it('reads the Azure form', () => {
    expect(
      parseSignalRConnectionString('Endpoint=https://x.service.signalr.net;AccessKey=abc/def+ghi=;Version=1.0;'),
    ).toEqual({ endpoint: 'https://x.service.signalr.net', accessKey: 'abc/def+ghi=' });
  });

  it('folds Port= into the endpoint (emulator form)', () => {
    expect(parseSignalRConnectionString('Endpoint=http://127.0.0.1;Port=8888;AccessKey=K;Version=1.0;')).toEqual({
      endpoint: 'http://127.0.0.1:8888',
      accessKey: 'K',
    });
  });

  it('accepts any key case, spaces, a trailing slash, no trailing semicolon and unknown keys', () => {
    expect(
      parseSignalRConnectionString(
        ' endpoint = http://localhost:9000/ ; ACCESSKEY=k==;ClientEndpoint=http://x;version=1.0',
      ),
    ).toEqual({ endpoint: 'http://localhost:9000', accessKey: 'k==' });
  });

  it('drops the default port', () => {
    expect(parseSignalRConnectionString('Endpoint=https://x.service.signalr.net;Port=443;AccessKey=K;').endpoint).toBe(
      'https://x.service.signalr.net',
    );
  });

  it.each([
    ['', /no AccessKey/],
    ['Endpoint=http://a;Version=1.0;', /no AccessKey/],
    ['AccessKey=K;', /no Endpoint/],
    ['Endpoint=not a url;AccessKey=K;', /not a URL/],
    ['Endpoint=ftp://a;AccessKey=K;', /http or https/],
    ['Endpoint=http://a/path;AccessKey=K;', /without path/],
    ['Endpoint=http://a;Port=0;AccessKey=K;', /not a TCP port/],
    ['Endpoint=http://a;Port=70000;AccessKey=K;', /not a TCP port/],
    ['Endpoint=http://a;AccessKey=K;Version=2.0;', /Version=2.0/],
    ['Endpoint=http://a;AuthType=aad;', /AuthType=aad/],
    ['Endpoint=http://a;AccessKey=K;AccessKey=L;', /twice/],
    ['Endpoint=http://a;garbage;AccessKey=K', /not key=value/],
  ])('refuses %j', (input, message) => {
    expect(() => parseSignalRConnectionString(input)).toThrow(ConnectionStringError);
    expect(() => parseSignalRConnectionString(input)).toThrow(message);
  });
});

describe('formatSignalRConnectionString', () => {
  it('writes the port as its own key and round-trips', () => {
    const text = formatSignalRConnectionString({ endpoint: 'http://127.0.0.1:8888', accessKey: 'K=' });
    expect(text).toBe('Endpoint=http://127.0.0.1;Port=8888;AccessKey=K=;Version=1.0;');
    expect(parseSignalRConnectionString(text)).toEqual({ endpoint: 'http://127.0.0.1:8888', accessKey: 'K=' });
  });

  it('leaves the port out when it is the default', () => {
    expect(formatSignalRConnectionString({ endpoint: 'https://x.service.signalr.net', accessKey: 'K' })).toBe(
      'Endpoint=https://x.service.signalr.net;AccessKey=K;Version=1.0;',
    );
  });

  it('refuses an empty key or one with a semicolon, and non-http endpoints', () => {
    expect(() => formatSignalRConnectionString({ endpoint: 'http://a', accessKey: '' })).toThrow(ConnectionStringError);
    expect(() => formatSignalRConnectionString({ endpoint: 'http://a', accessKey: 'a;b' })).toThrow(
      ConnectionStringError,
    );
    expect(() => formatSignalRConnectionString({ endpoint: 'ws://a', accessKey: 'k' })).toThrow(ConnectionStringError);
  });
});
