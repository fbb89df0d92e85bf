import { describe, expect, it } from 'vitest';
import { parseOptions, UsageError } from './options';

const problems = (argv: string[]) => {
  try {
    parseOptions(argv);
  } catch (error) {
    if (error instanceof UsageError) return error.message.split('\n');
    throw error;
  }
  throw new Error('expected a UsageError');
};

describe('parseOptions', () => {
  it('has defaults for a quick class', () => {
    expect(parseOptions([])).toMatchObject({
      students: 60,
      chains: 'auto',
      scanTime: 5_000,
      scanSigma: 0.5,
      late: 0,
      earlyLeave: 0,
      noShow: 0,
      exit: false,
      classes: 1,
      instances: 1,
      signalrProcess: false,
      teacherDomain: 'teacher.test',
      studentDomain: 'student.test',
      seed: 1,
      demo: false,
    });
  });

  it('reads the acceptance command line', () => {
    const options = parseOptions(
      '--students 60 --scan-time 300 --late 0.1 --early-leave 0.05 --no-show 0.05 --exit --json out.json'.split(' '),
    );
    expect(options).toMatchObject({
      students: 60,
      scanTime: 300,
      late: 0.1,
      earlyLeave: 0.05,
      noShow: 0.05,
      exit: true,
      json: 'out.json',
    });
  });

  it('takes --name=value, a chain count and a URL without its trailing slash', () => {
    expect(parseOptions(['--chains=4', '--url=http://localhost:7071/', '--seed', '-3'])).toMatchObject({
      chains: 4,
      url: 'http://localhost:7071',
      seed: -3,
    });
    expect(parseOptions(['--chains', 'auto']).chains).toBe('auto');
  });

  it('slows down for --demo unless told otherwise', () => {
    expect(parseOptions(['--demo'])).toMatchObject({ demo: true, students: 30, scanTime: 4_000 });
    expect(parseOptions(['--demo', '--students', '12'])).toMatchObject({ students: 12 });
  });

  it('names every problem at once', () => {
    expect(problems(['--students', '0', '--late', '1.5', '--bogus', 'x', '--chains', 'many'])).toEqual(
      expect.arrayContaining([
        'unexpected argument "x"',
        'unknown option --bogus',
        '--students must be at least 1',
        '--late takes a share between 0 and 1',
      ]),
    );
    expect(problems(['--json'])).toEqual(['--json needs a value']);
    expect(problems(['--json', '--exit'])).toEqual(['--json needs a value']);
    expect(problems(['--exit=yes'])).toEqual(['--exit takes no value']);
    expect(problems(['--seed', '1', '--seed', '2'])).toEqual(['--seed is given twice']);
  });

  it('refuses impossible combinations', () => {
    expect(problems(['--late', '0.6', '--no-show', '0.5'])).toEqual(['--late and --no-show together cannot exceed 1']);
    expect(parseOptions(['--signalr-process']).signalrProcess).toBe(true);
    expect(problems(['--signalr-process', '--url', 'http://x.test'])).toEqual([
      '--signalr-process starts processes of its own; it cannot be combined with --url',
    ]);
    expect(problems(['--instances', '2', '--url', 'http://x.test'])).toEqual([
      '--instances starts hosts of its own; it cannot be combined with --url',
    ]);
    expect(problems(['--url', 'ftp://x.test'])).toEqual(['--url takes an http(s) address']);
    expect(problems(['--students', '2001'])).toEqual(['--students must be at most 2000']);
  });

  it('reads a cheating scenario, with 10 % cheaters by default and the campus as the server sees it', () => {
    expect(parseOptions('--attack live-relay --students 100'.split(' '))).toMatchObject({
      attack: 'live-relay',
      cheaters: 0.1,
      spotChecks: 100,
      campusSubnets: 4,
      networkPrefix: 16,
    });
    expect(
      parseOptions('--attack proxy-phone --cheaters 0.25 --spot-checks 0 --network-prefix 24'.split(' ')),
    ).toMatchObject({ attack: 'proxy-phone', cheaters: 0.25, spotChecks: 0, networkPrefix: 24 });
    expect(parseOptions([])).toMatchObject({ cheaters: 0 });
    expect(parseOptions([]).attack).toBeUndefined();
  });

  it('refuses an unknown scenario and cheaters without one', () => {
    expect(problems(['--attack', 'teleport'])[0]).toMatch(/--attack takes one of screenshot-relay, live-relay/);
    expect(problems(['--cheaters', '0.1'])).toContain('--cheaters takes a share of cheaters for --attack');
    expect(problems(['--attack', 'off-network', '--cheaters', '2'])).toContain(
      '--cheaters takes a share between 0 and 1',
    );
  });
});
