import type { Hold, ProjectorCode } from '@qrca/contract';
import { describe, expect, it } from 'vitest';
import { Hall } from './hall';

const hold = (chainId: string, seq: number, phase: 'entry' | 'exit' = 'entry'): Hold => ({
  chainId,
  phase,
  seq,
  secret: 'A'.repeat(43),
  rotationSeconds: 5,
  issuedAt: '2030-01-01T00:00:00.000Z',
});

const code = (kind: ProjectorCode['kind'], expiresInMs: number): ProjectorCode => ({
  kind,
  payload: `QRCA1.P.s.${kind}.1.ABCDEF`,
  typed: 'ABCDEF',
  step: 1,
  expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
});

describe('Hall', () => {
  it('knows whose phone shows a baton of which phase', () => {
    const hall = new Hall('s', () => Promise.reject(new Error('unused')));
    hall.show('a', hold('c1', 1));
    hall.show('b', hold('c2', 1, 'exit'));
    hall.show('c', hold('c3', 4));
    expect(hall.holders('entry').sort()).toEqual(['a', 'c']);
    expect(hall.holders('entry', 'a')).toEqual(['c']);
    expect(hall.holders('exit')).toEqual(['b']);
    hall.show('a', null);
    expect(hall.shownBy('a')).toBeUndefined();
    expect(hall.shownBy('c')?.seq).toBe(4);
  });

  it('wakes those waiting for a change, or lets them look again after a bound', async () => {
    const hall = new Hall('s', () => Promise.reject(new Error('unused')));
    const woken = hall.nextChange(60_000);
    hall.show('a', hold('c1', 1));
    await expect(woken).resolves.toBeUndefined();
    const started = Date.now();
    await hall.nextChange(20);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('records the first verification of a kind and notes a second as a problem', () => {
    const hall = new Hall('s', () => Promise.reject(new Error('unused')));
    const window = { from: 1, to: 2 };
    hall.record({ studentId: 'a', kind: 'entry', method: 'chain', window, instance: 0 });
    hall.record({ studentId: 'b', kind: 'late', method: 'projector', window, instance: 0 });
    hall.record({ studentId: 'a', kind: 'entry', method: 'chain', window: { from: 3, to: 4 }, instance: 1 });
    expect(hall.verifications).toHaveLength(2);
    expect(hall.verificationOf('a', 'entry')?.window).toEqual(window);
    expect([hall.isVerified('a', 'entry'), hall.isVerified('b', 'entry'), hall.isVerified('a', 'exit')]).toEqual([
      true,
      true,
      false,
    ]);
    expect(hall.problems).toEqual(['a verified twice for entry']);
  });

  it('shows the projector code it was pushed while valid, and fetches one otherwise', async () => {
    const fetched: string[] = [];
    const hall = new Hall('s', async (kind) => {
      fetched.push(kind);
      return code(kind, 10_000);
    });
    hall.projectorShows(code('late', 10_000));
    expect((await hall.projectorCode('late')).kind).toBe('late');
    expect(fetched).toEqual([]);
    hall.projectorShows(code('exit', 100)); // about to expire: fetch a fresh one
    await hall.projectorCode('exit');
    await hall.projectorCode('early-leave');
    expect(fetched).toEqual(['exit', 'early-leave']);
  });
});
