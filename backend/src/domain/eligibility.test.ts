import { describe, expect, it } from 'vitest';
import { canHold, mayHoldFrom, needsVerification } from './eligibility';

const row = (over: Partial<Parameters<typeof canHold>[0]> = {}) => ({
  entry: null,
  exitVerified: false,
  earlyLeaveAt: null,
  holding: null,
  ...over,
});

describe('who may hold a baton', () => {
  it('entry: anyone not verified and holding nothing; exit: verified on entry, not on exit, not gone early', () => {
    expect(canHold(row(), 'entry')).toBe(true);
    expect(canHold(row({ entry: 'on_time' }), 'entry')).toBe(false);
    expect(canHold(row({ holding: { chainId: 'c1', phase: 'entry' } }), 'entry')).toBe(false);
    expect(canHold(row(), 'exit')).toBe(false);
    expect(canHold(row({ entry: 'late' }), 'exit')).toBe(true);
    expect(canHold(row({ entry: 'late', exitVerified: true }), 'exit')).toBe(false);
    expect(canHold(row({ entry: 'late', earlyLeaveAt: '2026-11-29T09:30:00.000Z' }), 'exit')).toBe(false);
    expect(needsVerification(row({ entry: 'on_time' }), 'exit')).toBe(true);
  });

  it('from anywhere unless the network list is enforced; then only from inside it', () => {
    const list = (mode: 'off' | 'warn' | 'enforce') => ({ cidrs: ['203.0.113.0/24'], mode });
    expect(mayHoldFrom(undefined, '198.51.100.7')).toBe(true);
    expect(mayHoldFrom(list('off'), '198.51.100.7')).toBe(true);
    expect(mayHoldFrom(list('warn'), '198.51.100.7')).toBe(true);
    expect(mayHoldFrom(list('enforce'), '203.0.113.9')).toBe(true);
    expect(mayHoldFrom(list('enforce'), '::ffff:203.0.113.9')).toBe(true);
    expect(mayHoldFrom(list('enforce'), '198.51.100.7')).toBe(false);
    // Under enforce a phone whose address is unknown is not known to be inside: no baton for it.
    expect(mayHoldFrom(list('enforce'), undefined)).toBe(false);
  });
});
