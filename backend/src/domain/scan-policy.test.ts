import { describe, expect, it } from 'vitest';
import { enforcement, networkVerdict, type NetworkPolicy } from './scan-policy';

const campus: NetworkPolicy = { cidrs: ['10.20.0.0/16', '192.0.2.7', '2001:db8:abcd::/48'], mode: 'enforce' };

describe('networkVerdict', () => {
  it('is off without a policy or with mode off, even for an unknown client', () => {
    expect(networkVerdict(undefined, '10.20.1.1')).toBe('off');
    expect(networkVerdict(undefined, undefined)).toBe('off');
    expect(networkVerdict({ ...campus, mode: 'off' }, '8.8.8.8')).toBe('off');
    expect(networkVerdict({ ...campus, mode: 'off' }, undefined)).toBe('off');
  });

  it('passes IPv4 clients inside a CIDR or equal to a listed address', () => {
    expect(networkVerdict(campus, '10.20.0.0')).toBe('pass');
    expect(networkVerdict(campus, '10.20.255.255')).toBe('pass');
    expect(networkVerdict(campus, '192.0.2.7')).toBe('pass');
    expect(networkVerdict(campus, '10.21.0.1')).toBe('fail');
    expect(networkVerdict(campus, '192.0.2.8')).toBe('fail');
  });

  it('handles IPv6 CIDRs', () => {
    expect(networkVerdict(campus, '2001:db8:abcd::1')).toBe('pass');
    expect(networkVerdict(campus, '2001:db8:abcd:ffff:ffff:ffff:ffff:ffff')).toBe('pass');
    expect(networkVerdict(campus, '2001:db8:abce::1')).toBe('fail');
    expect(networkVerdict(campus, '::1')).toBe('fail');
  });

  it('folds an IPv4-mapped IPv6 client into IPv4', () => {
    expect(networkVerdict(campus, '::ffff:10.20.3.4')).toBe('pass');
    expect(networkVerdict(campus, '::ffff:192.0.2.7')).toBe('pass');
    expect(networkVerdict(campus, '::ffff:10.21.3.4')).toBe('fail');
  });

  it('fails an unknown or unparseable client address while the policy is on', () => {
    expect(networkVerdict(campus, undefined)).toBe('fail');
    expect(networkVerdict({ ...campus, mode: 'warn' }, undefined)).toBe('fail');
    expect(networkVerdict(campus, '')).toBe('fail');
    expect(networkVerdict(campus, 'not-an-ip')).toBe('fail');
    expect(networkVerdict({ cidrs: ['0.0.0.0/0'], mode: 'enforce' }, '10.20')).toBe('fail');
  });
});

describe('enforcement', () => {
  it('allows pass and off verdicts in every mode', () => {
    for (const mode of ['off', 'warn', 'enforce'] as const) {
      expect(enforcement(mode, 'pass')).toBe('allow');
      expect(enforcement(mode, 'off')).toBe('allow');
    }
  });

  it('flags fail and missing under warn, refuses them under enforce', () => {
    expect(enforcement('warn', 'fail')).toBe('flag');
    expect(enforcement('warn', 'missing')).toBe('flag');
    expect(enforcement('enforce', 'fail')).toBe('refuse');
    expect(enforcement('enforce', 'missing')).toBe('refuse');
  });

  it('allows anything under mode off', () => {
    expect(enforcement('off', 'fail')).toBe('allow');
    expect(enforcement('off', 'missing')).toBe('allow');
  });

  it('composes with networkVerdict', () => {
    const warn: NetworkPolicy = { ...campus, mode: 'warn' };
    expect(enforcement(warn.mode, networkVerdict(warn, '8.8.8.8'))).toBe('flag');
    expect(enforcement(campus.mode, networkVerdict(campus, '8.8.8.8'))).toBe('refuse');
    expect(enforcement(campus.mode, networkVerdict(campus, '::ffff:10.20.0.1'))).toBe('allow');
  });
});
