import { describe, expect, it } from 'vitest';
import { closeChain, endChainByClassmate, passChain } from './chain-moves';
import { canHold, needsVerification } from './eligibility';
import { emptyAttendance, type AttendanceRecord, type ChainRecord } from './records';

const NOW = Date.UTC(2030, 0, 10, 9, 5);
const at = new Date(NOW).toISOString();

const row = (id: string, overrides: Partial<AttendanceRecord> = {}): AttendanceRecord => ({
  ...emptyAttendance(id, `${id}@students.example.edu`),
  joinedAt: '2030-01-10T09:00:00.000Z',
  ...overrides,
});
const chain = (overrides: Partial<ChainRecord> = {}): ChainRecord => ({
  chainId: 'c1',
  phase: 'entry',
  seq: 3,
  holderId: 'h',
  nonce: 'n-old',
  state: 'active',
  length: 2,
  startedAt: '2030-01-10T09:00:00.000Z',
  lastHandoffAt: '2030-01-10T09:04:00.000Z',
  issuedAt: '2030-01-10T09:04:00.000Z',
  ...overrides,
});
const holding = (phase: 'entry' | 'exit' = 'entry') => ({ holding: { chainId: 'c1', phase } });

describe('eligibility', () => {
  it('lets only free, unverified students hold an entry baton', () => {
    expect(canHold(row('a'), 'entry')).toBe(true);
    expect(canHold(row('a', holding()), 'entry')).toBe(false);
    expect(canHold(row('a', { entry: 'late' }), 'entry')).toBe(false);
  });

  it('lets only students who came, stayed and are not exit-verified hold an exit baton', () => {
    expect(canHold(row('a'), 'exit')).toBe(false);
    expect(canHold(row('a', { entry: 'on_time' }), 'exit')).toBe(true);
    expect(canHold(row('a', { entry: 'on_time', earlyLeaveAt: at }), 'exit')).toBe(false);
    expect(canHold(row('a', { entry: 'on_time', exitVerified: true }), 'exit')).toBe(false);
    expect(needsVerification(row('a', { entry: 'on_time' }), 'exit')).toBe(true);
    expect(needsVerification(row('a', { entry: 'on_time' }), 'entry')).toBe(false);
  });
});

describe('passChain', () => {
  it('a hand-off verifies the holder (by the taker), moves the baton and lengthens the chain', () => {
    const pass = passChain(chain(), row('h', holding()), row('t'), { nowMs: NOW, nonce: 'n-new', verifyHolder: true });
    expect(pass.verified).toBe(true);
    expect(pass.chain).toMatchObject({
      seq: 4,
      holderId: 't',
      previousHolderId: 'h',
      nonce: 'n-new',
      state: 'active',
      length: 3,
    });
    expect(pass.chain.lastHandoffAt).toBe(at);
    expect(pass.previous).toMatchObject({
      entry: 'on_time',
      entryMethod: 'chain',
      entryVerifiedBy: 't',
      holding: null,
    });
    expect(pass.taker.holding).toEqual({ chainId: 'c1', phase: 'entry' });
  });

  it("a teacher's hand or a reseed releases the holder without verifying them", () => {
    const pass = passChain(chain({ state: 'stalled' }), row('h', holding()), row('t'), {
      nowMs: NOW,
      nonce: 'n',
      verifyHolder: false,
    });
    expect(pass.verified).toBe(false);
    expect(pass.chain).toMatchObject({ length: 2, state: 'active' });
    expect(pass.previous).toMatchObject({ entry: null, holding: null });
  });

  it('does not verify twice, and on an exit chain verifies exit', () => {
    const already = passChain(chain(), row('h', { entry: 'on_time', ...holding() }), row('t'), {
      nowMs: NOW,
      nonce: 'n',
      verifyHolder: true,
    });
    expect([already.verified, already.chain.length]).toEqual([false, 2]);
    const exit = passChain(chain({ phase: 'exit' }), row('h', { entry: 'on_time', ...holding('exit') }), row('t'), {
      nowMs: NOW,
      nonce: 'n',
      verifyHolder: true,
    });
    expect(exit.previous).toMatchObject({ exitVerified: true, exitAt: at, holding: null });
  });

  it('handing back to the last holder touches one row, and adds the flags to the taker', () => {
    const back = passChain(chain({ state: 'closed' }), row('h'), row('h'), {
      nowMs: NOW,
      nonce: 'n',
      verifyHolder: false,
      flags: ['off_network', 'off_network'],
    });
    expect(back.previous).toBeUndefined();
    expect(back.taker).toMatchObject({ holding: { chainId: 'c1', phase: 'entry' }, flags: ['off_network'] });
  });

  it('keeps a previous holder holding another chain on it', () => {
    const other = { holding: { chainId: 'c2', phase: 'entry' as const } };
    const pass = passChain(chain(), row('h', other), row('t'), { nowMs: NOW, nonce: 'n', verifyHolder: false });
    expect(pass.previous?.holding).toEqual(other.holding);
  });
});

describe('endChainByClassmate', () => {
  it('verifies the last holder (method chain, by the classmate), releases them and closes the chain', () => {
    const end = endChainByClassmate(chain(), row('h', holding()), row('v', { entry: 'on_time' }), {
      nowMs: NOW,
      flags: ['off_network'],
    });
    expect(end.verified).toBe(true);
    expect(end.chain).toMatchObject({
      seq: 4,
      holderId: 'h',
      state: 'closed',
      length: 3,
      lastHandoffAt: at,
      endedBy: 'v',
    });
    expect(end.previous).toMatchObject({ entry: 'on_time', entryMethod: 'chain', entryVerifiedBy: 'v', holding: null });
    expect(end.classmate).toMatchObject({ studentId: 'v', holding: null, flags: ['off_network'] });
  });

  it('on an exit chain verifies exit', () => {
    const end = endChainByClassmate(
      chain({ phase: 'exit' }),
      row('h', { entry: 'on_time', ...holding('exit') }),
      row('v', { entry: 'on_time', exitVerified: true }),
      { nowMs: NOW },
    );
    expect(end.previous).toMatchObject({ exitVerified: true, exitAt: at, holding: null });
    expect(end.chain.length).toBe(3);
  });

  it('verifies nobody when the holder no longer holds this chain or is verified already', () => {
    const moved = endChainByClassmate(chain(), row('h', { holding: { chainId: 'c2', phase: 'entry' } }), row('v'), {
      nowMs: NOW,
    });
    expect([moved.verified, moved.previous, moved.chain.length, moved.chain.state]).toEqual([
      false,
      undefined,
      2,
      'closed',
    ]);
    const already = endChainByClassmate(chain(), row('h', { entry: 'late', ...holding() }), row('v'), { nowMs: NOW });
    expect([already.verified, already.previous?.entry, already.previous?.holding]).toEqual([false, 'late', null]);
    expect(endChainByClassmate(chain(), undefined, row('v'), { nowMs: NOW }).verified).toBe(false);
  });
});

describe('closeChain', () => {
  it("a teacher's close verifies the last holder (teacher_close) and releases them", () => {
    const close = closeChain(chain(), row('h', holding()), { teacher: 'teacher-1' }, NOW);
    expect(close.chain.state).toBe('closed');
    expect(close.holder).toMatchObject({
      entry: 'on_time',
      entryMethod: 'teacher_close',
      entryVerifiedBy: 'teacher-1',
      holding: null,
    });
  });

  it("a teacher's close leaves a holder who took another baton alone (that hand-off verifies them)", () => {
    const close = closeChain(chain(), row('h', { holding: { chainId: 'c2', phase: 'entry' } }), { teacher: 't' }, NOW);
    expect(close.holder).toBeUndefined();
  });

  it("the system's close releases without verifying; an exit holder may then check out with the exit code", () => {
    expect(closeChain(chain(), row('h', holding()), 'system', NOW).holder).toMatchObject({
      entry: null,
      holding: null,
    });
    const exit = closeChain(
      chain({ phase: 'exit' }),
      row('h', { entry: 'on_time', ...holding('exit') }),
      'system',
      NOW,
    );
    expect(exit.holder).toMatchObject({ awaitingExit: true, holding: null, exitVerified: false });
    expect(closeChain(chain(), row('h'), 'system', NOW).holder).toBeUndefined();
    expect(closeChain(chain(), undefined, 'system', NOW)).toEqual({ chain: { ...chain(), state: 'closed' } });
  });
});
