import { describe, expect, it } from 'vitest';
import {
  chainName,
  eligibleHolders,
  isNewer,
  mergeChain,
  numberChains,
  PASSED_ON_NOTE_MS,
  passedOnAfterStall,
  stallOf,
} from './chains';
import { buildChain, buildRow } from './test-rows';

describe('merging chain events', () => {
  const chain = buildChain('c1', { seq: 3, holderId: 'h3', holderName: 'Hana' });

  it('takes a later hold, ignores an earlier one (a stall report after its reseed)', () => {
    const passed = buildChain('c1', { seq: 4, holderId: 'h4', holderName: 'Ivo' });
    const late = buildChain('c1', { seq: 3, state: 'stalled' });
    const list = mergeChain(mergeChain([chain], passed), late);
    expect(list).toEqual([passed]);
  });

  it('lets a close stand against a stall report of the same hold', () => {
    const closed = { ...chain, state: 'closed' as const };
    expect(isNewer(closed, { ...chain, state: 'stalled' })).toBe(false);
    expect(isNewer(chain, { ...chain, state: 'stalled' })).toBe(true);
    expect(isNewer(chain, closed)).toBe(true);
  });

  it('adds an unknown chain, and keeps the holder’s name when the news has none', () => {
    const other = buildChain('c2');
    expect(mergeChain([chain], other)).toEqual([chain, other]);
    expect(mergeChain([chain], { ...chain, state: 'stalled', holderName: null })[0]?.holderName).toBe('Hana');
  });
});

describe('numbering and stalls', () => {
  it('numbers chains by start within their phase', () => {
    const numbered = numberChains([
      buildChain('b', { startedAt: '2026-06-03T09:05:00.000Z' }),
      buildChain('x', { phase: 'exit', startedAt: '2026-06-03T09:50:00.000Z' }),
      buildChain('a', { startedAt: '2026-06-03T09:05:00.000Z' }),
      buildChain('z', { startedAt: '2026-06-03T09:01:00.000Z' }),
    ]);
    expect(numbered.map(({ chain, number }) => `${chainName(chain, number)}=${chain.chainId}`)).toEqual([
      'Entry chain 1=z',
      'Entry chain 2=a',
      'Entry chain 3=b',
      'Exit chain 1=x',
    ]);
  });

  it('shows a stall only for the hold that stalled, and never on a closed chain', () => {
    const chain = buildChain('c', { seq: 5 });
    expect(stallOf(chain, { seq: 5, reason: 'holder_offline', at: 0 })).toBe('holder_offline');
    expect(stallOf(chain, { seq: 4, reason: 'idle', at: 0 })).toBeNull();
    expect(stallOf({ ...chain, state: 'stalled' }, undefined)).toBe('stalled');
    expect(stallOf({ ...chain, state: 'closed' }, { seq: 5, reason: 'idle', at: 0 })).toBeNull();
  });

  it('notes for a minute that a chain was passed on after its previous hold stalled', () => {
    const chain = buildChain('c', { seq: 6 });
    const stall = { seq: 5, reason: 'holder_offline' as const, at: 1_000 };
    expect(passedOnAfterStall(chain, stall, 1_000 + PASSED_ON_NOTE_MS - 1)).toBe('holder_offline');
    expect(passedOnAfterStall(chain, stall, 1_000 + PASSED_ON_NOTE_MS)).toBeNull();
    expect(passedOnAfterStall(chain, { ...stall, seq: 6 }, 1_000)).toBeNull(); // still stalled: the badge says so
    expect(passedOnAfterStall({ ...chain, state: 'closed' }, stall, 1_000)).toBeNull();
    expect(passedOnAfterStall(chain, undefined, 1_000)).toBeNull();
  });
});

describe('who may be handed a chain', () => {
  const rows = [
    buildRow('waiting'),
    buildRow('holding'),
    buildRow('absent', { joined: false }),
    buildRow('in', { entry: 'on_time', final: 'present' }),
    buildRow('out', { entry: 'on_time', exitVerified: true, final: 'present' }),
    buildRow('gone', { entry: 'late', earlyLeaveAt: '2026-06-03T09:30:00.000Z', final: 'early_leave' }),
  ];
  const chains = [buildChain('c1', { holderId: 'holding' }), buildChain('c2', { holderId: 'in', state: 'closed' })];

  it('entry: joined, unverified, holding no open chain', () => {
    expect(eligibleHolders(rows, chains, 'entry').map((row) => row.studentId)).toEqual(['waiting']);
  });

  it('exit: verified on entry, not on exit, not gone early', () => {
    expect(eligibleHolders(rows, chains, 'exit').map((row) => row.studentId)).toEqual(['in']);
  });
});
