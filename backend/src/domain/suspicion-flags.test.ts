import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../test-support/fake-clock';
import { emptyAttendance, type DeviceUseRecord } from './records';
import {
  asHandOffSide,
  asRefusedScan,
  deviceChangedRule,
  flagsText,
  holderOfflineRule,
  lateCodeRule,
  MAX_DEVICE_ACCOUNTS,
  MAX_EVIDENCE,
  MAX_EVIDENCE_PER_FLAG,
  networkMismatchRule,
  projectorNetworkRule,
  sharedDeviceRule,
  signatureRule,
  tooFastRule,
  withEvidence,
  type CodeUse,
  type Observation,
} from './suspicion-flags';

/** 2026-06-03 09:00:00 UTC: a multiple of 5 and 10 s, so steps start on it. */
const T0 = Date.UTC(2026, 5, 3, 9, 0, 0);
const clockAt = (offsetMs = 0) => new FakeClock(T0 + offsetMs);
const ctx = (clock: FakeClock, scanId = 'scan-1') => ({ nowMs: clock.now(), scanId });
const BITS = { ipv4: 24, ipv6: 48 };

describe('signatureRule (unsigned_scan)', () => {
  const clock = clockAt();

  it('checks nothing under policy off, and never flags a valid signature', () => {
    expect(signatureRule('off', 'missing', ctx(clock))).toEqual({ refuse: false });
    expect(signatureRule('warn', 'valid', ctx(clock))).toEqual({ refuse: false });
    expect(signatureRule('enforce', 'valid', ctx(clock))).toEqual({ refuse: false });
  });

  it('flags a missing or bad signature under warn, with the verdict as evidence', () => {
    for (const verdict of ['missing', 'unknown_device', 'invalid', 'stale'] as const) {
      const rule = signatureRule('warn', verdict, ctx(clock));
      expect(rule.refuse).toBe(false);
      expect(rule.evidence).toMatchObject({
        flag: 'unsigned_scan',
        at: new Date(T0).toISOString(),
        scanId: 'scan-1',
        facts: { signature: verdict },
      });
      expect(rule.evidence?.detail).toMatch(/signature|device key/);
    }
  });

  it('refuses them under enforce, keeping the evidence for the audit log', () => {
    const rule = signatureRule('enforce', 'invalid', ctx(clock));
    expect(rule.refuse).toBe(true);
    expect(rule.evidence?.flag).toBe('unsigned_scan');
  });
});

describe('sharedDeviceRule (shared_device)', () => {
  const clock = clockAt();
  const use = (...students: string[]): DeviceUseRecord => ({
    deviceId: 'dev1',
    accounts: students.map((studentId) => ({ studentId, firstAt: new Date(T0 - 60_000).toISOString() })),
  });

  it('records a device’s first account without a flag, and its later scans without anything', () => {
    const first = sharedDeviceRule({
      policy: 'warn',
      studentId: 'ana',
      deviceId: 'dev1',
      use: undefined,
      at: ctx(clock),
    });
    expect(first).toMatchObject({ refuse: false, others: [] });
    expect(first.scanner).toBeUndefined();
    expect(first.next?.accounts).toEqual([{ studentId: 'ana', firstAt: new Date(T0).toISOString() }]);
    expect(
      sharedDeviceRule({ policy: 'warn', studentId: 'ana', deviceId: 'dev1', use: use('ana'), at: ctx(clock) }),
    ).toEqual({ refuse: false, others: [] });
  });

  it('flags both accounts, once, when a second account first scans with the device (warn)', () => {
    clock.advance(1_000);
    const rule = sharedDeviceRule({
      policy: 'warn',
      studentId: 'ben',
      deviceId: 'dev1',
      use: use('ana'),
      at: ctx(clock),
    });
    expect(rule.refuse).toBe(false);
    expect(rule.next?.accounts.map((a) => a.studentId)).toEqual(['ana', 'ben']);
    expect(rule.scanner).toMatchObject({
      flag: 'shared_device',
      otherStudentId: 'ana',
      facts: { deviceId: 'dev1', accounts: 2 },
    });
    expect(rule.others).toEqual([
      { studentId: 'ana', evidence: expect.objectContaining({ flag: 'shared_device', otherStudentId: 'ben' }) },
    ]);
    // Many accounts behind one device: the count is in the evidence.
    const third = sharedDeviceRule({
      policy: 'warn',
      studentId: 'cleo',
      deviceId: 'dev1',
      use: use('ana', 'ben'),
      at: ctx(clock),
    });
    expect(third.scanner?.facts).toMatchObject({ accounts: 3 });
    expect(third.scanner?.detail).toContain('2 other accounts');
    expect(third.others.map((o) => o.studentId)).toEqual(['ana', 'ben']);
  });

  it('refuses the second account under enforce and checks nothing under off', () => {
    expect(
      sharedDeviceRule({ policy: 'enforce', studentId: 'ben', deviceId: 'dev1', use: use('ana'), at: ctx(clock) }),
    ).toEqual({ refuse: true, others: [] });
    expect(
      sharedDeviceRule({ policy: 'enforce', studentId: 'ana', deviceId: 'dev1', use: use('ana'), at: ctx(clock) })
        .refuse,
    ).toBe(false);
    expect(
      sharedDeviceRule({ policy: 'off', studentId: 'ben', deviceId: 'dev1', use: use('ana'), at: ctx(clock) }),
    ).toEqual({ refuse: false, others: [] });
  });

  it('names at most MAX_DEVICE_ACCOUNTS accounts and counts the rest', () => {
    const full = use(...Array.from({ length: MAX_DEVICE_ACCOUNTS }, (_, i) => `s${i}`));
    const rule = sharedDeviceRule({ policy: 'warn', studentId: 'late', deviceId: 'dev1', use: full, at: ctx(clock) });
    expect(rule.next?.accounts).toHaveLength(MAX_DEVICE_ACCOUNTS);
    expect(rule.next?.moreAccounts).toBe(1);
    expect(rule.scanner?.facts).toMatchObject({ accounts: MAX_DEVICE_ACCOUNTS + 1 });
  });
});

describe('deviceChangedRule (device_changed)', () => {
  const clock = clockAt();

  it('flags a scan from another proven device than before, naming both', () => {
    expect(deviceChangedRule(undefined, 'dev2', ctx(clock))).toBeUndefined();
    expect(deviceChangedRule(null, 'dev2', ctx(clock))).toBeUndefined();
    expect(deviceChangedRule('dev2', 'dev2', ctx(clock))).toBeUndefined();
    expect(deviceChangedRule('dev1', 'dev2', ctx(clock))).toMatchObject({
      flag: 'device_changed',
      facts: { from: 'dev1', to: 'dev2' },
    });
  });
});

describe('lateCodeRule (late_code)', () => {
  // A holder's code: 5 s steps, the previous step accepted, no skew: shown for 5 s, accepted 5 s more.
  const step = T0 / 5_000;
  const chain: CodeUse = {
    code: 'chain',
    entry: 'scanned',
    step,
    rotationSeconds: 5,
    acceptPreviousSteps: 1,
    skewMs: 0,
    chainId: 'c1',
  };
  const shownUntil = (step + 1) * 5_000;

  it('never flags a code still on screen, nor one a scan’s round trip and clock offset explain', () => {
    const clock = clockAt(2_000);
    expect(lateCodeRule(chain, 3_000, ctx(clock))).toBeUndefined();
    clock.advance(3_000 + 1_500); // 1.5 s after the code left the screen: a slow phone, a lagging clock
    expect(clock.now() - shownUntil).toBe(1_500);
    expect(lateCodeRule(chain, 3_000, ctx(clock))).toBeUndefined();
    clock.advance(1_499);
    expect(lateCodeRule(chain, 3_000, ctx(clock))).toBeUndefined();
  });

  it('flags a scanned code used FLAG_LATE_CODE_MS or more after it left the screen, with the timing', () => {
    const clock = new FakeClock(shownUntil + 3_000);
    expect(lateCodeRule(chain, 3_000, ctx(clock))).toMatchObject({
      flag: 'late_code',
      chainId: 'c1',
      facts: { afterMs: 3_000, graceMs: 5_000, step, entry: 'scanned', lastSecond: false },
    });
    expect(lateCodeRule(chain, 3_000, ctx(clock))?.detail).toBe(
      'chain code used 3.0 s after it left the holder’s screen (accepted up to 5.0 s after)',
    );
  });

  it('flags any code in the last second of its acceptance window, typed ones too', () => {
    const typedLate: CodeUse = {
      code: 'late',
      entry: 'typed',
      step: T0 / 10_000,
      rotationSeconds: 10,
      acceptPreviousSteps: 1,
      skewMs: 2_000,
    };
    const shown = (typedLate.step + 1) * 10_000;
    // Typing takes seconds: 8 s after the code changed is normal.
    expect(lateCodeRule(typedLate, 3_000, { nowMs: shown + 8_000, scanId: 's' })).toBeUndefined();
    expect(lateCodeRule(typedLate, 3_000, { nowMs: shown + 10_999, scanId: 's' })).toBeUndefined();
    expect(lateCodeRule(typedLate, 3_000, { nowMs: shown + 11_000, scanId: 's' })).toMatchObject({
      flag: 'late_code',
      detail: 'typed late code from the projector used 11.0 s after it left the screen (accepted up to 12.0 s after)',
      facts: { lastSecond: true, entry: 'typed' },
    });
    // The same window with a generous threshold: the last second still counts.
    expect(lateCodeRule(chain, 60_000, { nowMs: shownUntil + 3_999, scanId: 's' })).toBeUndefined();
    expect(lateCodeRule(chain, 60_000, { nowMs: shownUntil + 4_000, scanId: 's' })?.facts).toMatchObject({
      lastSecond: true,
    });
  });

  it('never flags a code whose window ends when it leaves the screen (no previous step, no skew)', () => {
    const tight: CodeUse = { ...chain, acceptPreviousSteps: 0 };
    for (const offset of [0, 1_000, 4_000, 4_999]) {
      expect(lateCodeRule(tight, 3_000, { nowMs: step * 5_000 + offset, scanId: 's' })).toBeUndefined();
    }
  });

  it('property: a code read while on screen and sent within the threshold is never flagged', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_999 }),
        fc.integer({ min: 0, max: 2_999 }),
        fc.integer({ min: 2, max: 60 }),
        (shownAt, latency, rotation) => {
          const use: CodeUse = { ...chain, rotationSeconds: rotation, step: 1_000, acceptPreviousSteps: 5 };
          const readAt = 1_000 * rotation * 1_000 + (shownAt % (rotation * 1_000));
          expect(lateCodeRule(use, 3_000, { nowMs: readAt + latency, scanId: 's' })).toBeUndefined();
        },
      ),
    );
  });
});

describe('holderOfflineRule (holder_offline)', () => {
  it('flags a hand-off whose holder was not seen within the online window, and nothing when they were', () => {
    const clock = clockAt(42_000);
    expect(holderOfflineRule(true, 30_000, 'c1', ctx(clock))).toBeUndefined();
    expect(holderOfflineRule(false, 30_000, 'c1', ctx(clock))).toEqual({
      flag: 'holder_offline',
      at: new Date(T0 + 42_000).toISOString(),
      scanId: 'scan-1',
      chainId: 'c1',
      detail: 'baton passed on while the holder’s phone had not been in touch for over 30.0 s',
      facts: { onlineWindowMs: 30_000 },
    });
  });
});

describe('tooFastRule (too_fast)', () => {
  it('flags a hand-off sooner than the threshold after the hold was issued, not a quick human one', () => {
    const issuedAt = T0;
    const clock = clockAt(999);
    expect(tooFastRule(issuedAt, 1_000, 'c1', ctx(clock))).toMatchObject({
      flag: 'too_fast',
      chainId: 'c1',
      facts: { elapsedMs: 999, thresholdMs: 1_000 },
      detail: 'baton passed on 0.9 s after the holder got it (a person needs at least 1.0 s)',
    });
    clock.advance(1);
    expect(tooFastRule(issuedAt, 1_000, 'c1', ctx(clock))).toBeUndefined();
    clock.advance(400); // 1.4 s: a friend standing ready with the camera open
    expect(tooFastRule(issuedAt, 1_000, 'c1', ctx(clock))).toBeUndefined();
  });

  it('is off with a threshold of 0 and ignores a hold issued after the scan (clock steps)', () => {
    expect(tooFastRule(T0, 0, 'c1', { nowMs: T0 + 10, scanId: 's' })).toBeUndefined();
    expect(tooFastRule(T0 + 500, 1_000, 'c1', { nowMs: T0, scanId: 's' })).toBeUndefined();
  });
});

describe('networkMismatchRule (network_mismatch)', () => {
  const at = ctx(clockAt());
  const rule = (scannerIp: string | undefined, holderIp: string | undefined, allowedNetworks?: string[]) =>
    networkMismatchRule({ scannerIp, holderIp, allowedNetworks, bits: BITS, chainId: 'c1', at });

  it('flags scanner and holder on different IPv4 /24s or IPv6 /48s, naming both prefixes', () => {
    expect(rule('198.51.100.7', '203.0.113.50')).toMatchObject({
      flag: 'network_mismatch',
      chainId: 'c1',
      detail: 'scanner on network 198.51.100.0/24, holder on 203.0.113.0/24',
      facts: { scannerNetwork: '198.51.100.0/24', holderNetwork: '203.0.113.0/24' },
    });
    expect(rule('2001:db8:1::5', '2001:db8:2::5')?.facts).toEqual({
      scannerNetwork: '2001:db8:1::/48',
      holderNetwork: '2001:db8:2::/48',
    });
    // A private address (the laptop's LAN) against a public one: somebody came from outside.
    expect(rule('192.168.1.20', '203.0.113.50')?.flag).toBe('network_mismatch');
  });

  it('does not flag one network, two address families, the site’s own addresses, allowed networks or the unknown', () => {
    expect(rule('203.0.113.7', '203.0.113.250')).toBeUndefined();
    expect(rule('2001:db8:1:a::5', '2001:db8:1:b::9')).toBeUndefined();
    expect(rule('::ffff:203.0.113.7', '203.0.113.9')).toBeUndefined();
    expect(rule('203.0.113.7', '2001:db8:1::5')).toBeUndefined();
    expect(rule('10.1.2.3', '10.200.0.4')).toBeUndefined();
    expect(rule('192.168.1.20', '172.16.5.5')).toBeUndefined();
    expect(rule('127.0.0.1', '10.0.0.1')).toBeUndefined();
    expect(rule('198.51.100.7', '203.0.113.50', ['198.51.100.0/24', '203.0.113.0/24'])).toBeUndefined();
    expect(rule('198.51.100.7', '203.0.113.50', ['203.0.113.0/24'])?.flag).toBe('network_mismatch');
    expect(rule(undefined, '203.0.113.50')).toBeUndefined();
    expect(rule('203.0.113.50', undefined)).toBeUndefined();
    expect(rule('not an address', '203.0.113.50')).toBeUndefined();
  });

  it('flags a projector code scanned from another network than every screen that showed it', () => {
    const projector = (scannerIp: string | undefined, displayIps: string[], allowedNetworks?: string[]) =>
      projectorNetworkRule({ scannerIp, displayIps, allowedNetworks, bits: BITS, kind: 'late', at });
    expect(projector('198.51.100.7', ['203.0.113.10'])).toMatchObject({
      flag: 'network_mismatch',
      detail: 'late code scanned from network 198.51.100.0/24, the projector showing it is on 203.0.113.0/24',
      facts: { scannerNetwork: '198.51.100.0/24', projectorNetwork: '203.0.113.0/24' },
    });
    // A co-teacher's screen elsewhere does not make the room's network suspicious.
    expect(projector('203.0.113.44', ['198.51.100.9', '203.0.113.10'])).toBeUndefined();
    expect(projector('198.51.100.7', [])).toBeUndefined();
    expect(projector(undefined, ['203.0.113.10'])).toBeUndefined();
    // The laptop in the room shows the code to itself (loopback), the phones come over its Wi-Fi (private).
    expect(projector('192.168.1.23', ['127.0.0.1'])).toBeUndefined();
    expect(projector('198.51.100.7', ['203.0.113.10'], ['198.51.100.0/24', '203.0.113.0/24'])).toBeUndefined();
  });

  it('widens with the configured prefix lengths', () => {
    const wide = networkMismatchRule({
      scannerIp: '198.51.100.7',
      holderIp: '198.51.3.9',
      allowedNetworks: undefined,
      bits: { ipv4: 16, ipv6: 48 },
      chainId: 'c1',
      at,
    });
    expect(wide).toBeUndefined();
  });
});

describe('evidence on rows and in the export', () => {
  const clock = clockAt();
  const seen = (flag: Observation['flag'], detail: string): Observation => ({
    flag,
    at: new Date(clock.now()).toISOString(),
    detail,
    scanId: 'scan-1',
  });

  it('puts a hand-off observation on each side, naming the other', () => {
    const late = seen('late_code', 'chain code used 3.4 s after it left the holder’s screen');
    expect(asHandOffSide(late, 'scanner', { studentId: 'ana', email: 'ana@school.edu' })).toMatchObject({
      role: 'scanner',
      otherStudentId: 'ana',
      detail: 'chain code used 3.4 s after it left the holder’s screen (scanned ana@school.edu’s baton)',
    });
    expect(asHandOffSide(late, 'holder', { studentId: 'ben', email: 'ben@school.edu' }).detail).toContain(
      '(baton scanned by ben@school.edu)',
    );
  });

  it('puts a refused chain scan’s observation on the scanner, with the refusal in words; not a transient one', () => {
    const apart = {
      ...seen('network_mismatch', 'scanner on network 198.19.4.0/24, holder on 198.18.0.0/16'),
      facts: { scannerNetwork: '198.19.4.0/24' },
    };
    const ben = { studentId: 'ben', email: 'ben@school.edu' };
    expect(asRefusedScan(apart, 'BATON_TAKEN', ben)).toEqual({
      ...apart,
      detail:
        'scanner on network 198.19.4.0/24, holder on 198.18.0.0/16 (tried to scan ben@school.edu’s baton, refused: someone else had just taken it)',
      role: 'scanner',
      otherStudentId: 'ben',
      facts: { scannerNetwork: '198.19.4.0/24', refused: 'BATON_TAKEN' },
    });
    expect(asRefusedScan(apart, 'CODE_EXPIRED', ben)?.detail).toContain('refused: the code had expired');
    expect(asRefusedScan(apart, 'NOT_ELIGIBLE', ben)?.detail).toContain('refused: they could not take it');
    for (const code of ['RATE_LIMITED', 'DEPENDENCY_UNAVAILABLE', 'CONFLICT', 'INVALID_QR', 'toString']) {
      expect(asRefusedScan(apart, code, ben), code).toBeUndefined();
    }
  });

  it('names each flag once, keeps the first evidence per flag and per row, and leaves an unflagged row alone', () => {
    const row = { ...emptyAttendance('s1', 's1@school.edu'), flags: ['not_on_roster'] };
    expect(withEvidence(row, [])).toBe(row);
    const many = Array.from({ length: MAX_EVIDENCE_PER_FLAG + 3 }, (_, i) => seen('unsigned_scan', `scan ${i}`));
    const flagged = withEvidence(withEvidence(row, many), [seen('too_fast', 'fast')]);
    expect(flagged.flags).toEqual(['not_on_roster', 'unsigned_scan', 'too_fast']);
    expect(flagged.flagEvidence?.filter((e) => e.flag === 'unsigned_scan')).toHaveLength(MAX_EVIDENCE_PER_FLAG);
    expect(flagged.flagEvidence?.[0]?.detail).toBe('scan 0');
    const kinds = [
      'late_code',
      'too_fast',
      'network_mismatch',
      'shared_device',
      'device_changed',
      'off_network',
    ] as const;
    const flood = kinds.flatMap((kind) => Array.from({ length: MAX_EVIDENCE_PER_FLAG }, () => seen(kind, kind)));
    expect(withEvidence(flagged, flood).flagEvidence).toHaveLength(MAX_EVIDENCE);
  });

  it('writes the export cell as flag: evidence | evidence; flag', () => {
    const row = withEvidence({ ...emptyAttendance('s1', 's1@school.edu'), flags: ['not_on_roster'] }, [
      seen('late_code', 'chain code used 3.4 s after it left the holder’s screen'),
      seen('late_code', 'late code used 11.2 s after; it left the screen'),
    ]);
    expect(flagsText(row.flags, row.flagEvidence)).toBe(
      'not_on_roster; late_code: chain code used 3.4 s after it left the holder’s screen | ' +
        'late code used 11.2 s after, it left the screen',
    );
    expect(flagsText([], [])).toBe('');
    const twice = [
      seen('unsigned_scan', 'scan sent without a device signature'),
      seen('unsigned_scan', 'scan sent without a device signature'),
    ];
    expect(flagsText(['unsigned_scan'], twice)).toBe('unsigned_scan: scan sent without a device signature (2 times)');
  });
});
