import { describe, expect, it } from 'vitest';
import { CliUsageError, parseCliArgs } from './cli';

describe('parseCliArgs', () => {
  it('has defaults', () => {
    expect(parseCliArgs([])).toEqual({
      port: 8888,
      host: '127.0.0.1',
      accessKey: undefined,
      dataFile: undefined,
      verbose: false,
      help: false,
    });
  });

  it('reads every option', () => {
    expect(
      parseCliArgs([
        '--port',
        '0',
        '--host',
        '0.0.0.0',
        '--access-key',
        'K',
        '--data-file',
        'x.json',
        '--verbose',
        '-h',
      ]),
    ).toEqual({ port: 0, host: '0.0.0.0', accessKey: 'K', dataFile: 'x.json', verbose: true, help: true });
    expect(parseCliArgs(['--port=9000']).port).toBe(9000);
  });

  it.each([['--port', 'abc'], ['--port', '70000'], ['--nope'], ['stray'], ['--port'], ['--access-key', '']])(
    'refuses %j',
    (...argv) => {
      expect(() => parseCliArgs(argv)).toThrow(CliUsageError);
    },
  );
});
