import type { AuditEvent } from '@qrca/contract';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeInsights, cumulativeCurve, MAX_CURVE_POINTS, median, timeToFraction } from './insights';
import { emptyAttendance, type AttendanceRecord, type ChainRecord } from './records';

const T0 = Date.UTC(2026, 10, 29, 9, 0, 0);
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

function row(id: string, over: Partial<AttendanceRecord> = {}): AttendanceRecord {
  return { ...emptyAttendance(id, `${id}@students.example.edu`), joinedAt: at(-60), ...over };
}

function chain(id: string, startedAtS: number, over: Partial<ChainRecord> = {}): ChainRecord {
  return {
    chainId: id,
    phase: 'entry',
    seq: 1,
    holderId: 's1',
    nonce: 'n',
    state: 'active',
    length: 0,
    startedAt: at(startedAtS),
    lastHandoffAt: at(startedAtS),
    issuedAt: at(startedAtS),
    ...over,
  };
}

let nextId = 0;
function event(seconds: number, fields: Partial<AuditEvent>): AuditEvent {
  return {
    id: `e${nextId++}`,
    at: at(seconds),
    kind: 'teacher',
    actorId: 'teacher',
    flow: 'teacher',
    outcome: 'x',
    ...fields,
  };
}
const handOff = (seconds: number, chainId: string): AuditEvent =>
  event(seconds, { kind: 'scan', actorId: 'someone', flow: 'chain', chainId, outcome: 'accepted' });
const teacher = (seconds: number, outcome: string, chainId?: string): AuditEvent =>
  event(seconds, { outcome, ...(chainId ? { chainId } : {}) });

describe('median and time to a fraction', () => {
  it('median: the middle value, or the mean of the middle two; null when empty', () => {
    expect(median([])).toBeNull();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('time to a fraction: the ceil(n·f)-th moment after the start, never negative', () => {
    const moments = [T0 + 4_000, T0 + 1_000, T0 + 2_000, T0 - 500];
    expect(timeToFraction([], 0.5, T0)).toBeNull();
    expect(timeToFraction(moments, 0.5, T0)).toBe(1_000); // 2nd of 4
    expect(timeToFraction(moments, 0.9, T0)).toBe(4_000); // 4th of 4
    expect(timeToFraction(moments, 0.25, T0)).toBe(0); // before the start counts as 0
    expect(timeToFraction(moments, 1, T0)).toBe(4_000);
  });
});

describe('cumulative curve', () => {
  it('counts up per second, a point per second with any', () => {
    expect(cumulativeCurve([T0 + 200, T0 + 900, T0 + 2_500, T0 - 3_000], T0)).toEqual([
      { atMs: 0, verified: 3 },
      { atMs: 2_000, verified: 4 },
    ]);
  });

  it('keeps at most MAX_CURVE_POINTS points, ending at the total, rising, at the last moment’s span', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3_600_000 }), { maxLength: 2_000 }), (offsets) => {
        const curve = cumulativeCurve(
          offsets.map((o) => T0 + o),
          T0,
        );
        expect(curve.length).toBeLessThanOrEqual(MAX_CURVE_POINTS);
        expect(curve.at(-1)?.verified ?? 0).toBe(offsets.length);
        for (let i = 1; i < curve.length; i++) {
          expect(curve[i]?.atMs).toBeGreaterThan(curve[i - 1]?.atMs as number);
          expect(curve[i]?.verified).toBeGreaterThan(curve[i - 1]?.verified as number);
        }
        if (offsets.length > 0) expect(curve.at(-1)?.atMs).toBe(Math.floor(Math.max(...offsets) / 1000) * 1000);
      }),
    );
  });
});

describe('computeInsights', () => {
  it('gives the figures of a small class from its rows, chains and audit log', () => {
    const rows = [
      row('s1', { entry: 'on_time', entryAt: at(12), entryMethod: 'chain', flags: ['network_mismatch'] }),
      row('s2', { entry: 'on_time', entryAt: at(20), entryMethod: 'chain', flags: ['network_mismatch', 'late_code'] }),
      row('s3', { entry: 'on_time', entryAt: at(41), entryMethod: 'teacher_close' }),
      row('s4', { entry: 'late', entryAt: at(700), entryMethod: 'projector' }),
      row('s5', {
        spotCheck: { spotCheckId: 'k', pickedAt: at(800), pickedBy: 't', answer: 'here', at: at(810), by: 't' },
      }),
      row('s6', { joinedAt: null }),
    ];
    const chains = [
      chain('c1', 10, { state: 'closed', endedBy: 's3' }),
      chain('c2', 10, { state: 'closed' }),
      chain('x1', 3_000, { phase: 'exit' }),
    ];
    const events = [
      teacher(10, 'chain_started', 'c1'),
      teacher(10, 'chain_started', 'c2'),
      handOff(12, 'c1'), // held 2 s
      handOff(20, 'c1'), // held 8 s
      teacher(30, 'chain_stalled_holder_offline', 'c2'),
      teacher(30, 'chain_reseeded', 'c2'),
      teacher(41, 'chain_closed', 'c2'),
      handOff(41, 'c1'), // held 21 s (a classmate ends it)
      teacher(3_000, 'chain_started', 'x1'),
      event(50, { kind: 'scan', actorId: 's9', flow: 'chain', chainId: 'c1', outcome: 'BATON_TAKEN' }),
    ];
    const figures = computeInsights({
      session: { startAt: at(0), startedAt: at(0) },
      rows,
      chains,
      events: [...events].reverse(),
    });
    expect(figures).toEqual({
      students: { joined: 5, verified: 4, onTime: 3, late: 1 },
      entry: {
        startedAt: at(10),
        timeTo50Ms: 10_000, // 2nd of 3 on time at 20 s
        timeTo90Ms: 31_000,
        timeTo100Ms: 31_000,
        curve: [
          { atMs: 2_000, verified: 1 },
          { atMs: 10_000, verified: 2 },
          { atMs: 31_000, verified: 3 },
          { atMs: 690_000, verified: 4 },
        ],
        byMethod: { chain: 2, projector: 1, teacherClose: 1 },
      },
      handOffs: { count: 3, medianMs: 8_000 },
      chains: {
        started: 3,
        entry: 2,
        exit: 1,
        stalls: { idle: 0, holder_offline: 1, holder_off_network: 0 },
        reseeds: 1,
        endedByClassmate: 1,
        closedByTeacher: 1,
      },
      flags: { byKind: { network_mismatch: 2, late_code: 1 }, flaggedStudents: 2 },
      spotChecks: { picked: 1, here: 1, notHere: 0, unanswered: 0 },
    });
  });

  it('measures from the session’s start without chains, and has nothing to say before it', () => {
    const projector = computeInsights({
      session: { startAt: at(0), startedAt: at(5) },
      rows: [row('s1', { entry: 'on_time', entryAt: at(9), entryMethod: 'projector' })],
      chains: [],
      events: [],
    });
    expect(projector.entry).toMatchObject({ startedAt: at(5), timeTo100Ms: 4_000 });
    expect(projector.handOffs).toEqual({ count: 0, medianMs: null });
    const scheduled = computeInsights({
      session: { startAt: at(0), startedAt: null },
      rows: [],
      chains: [],
      events: [],
    });
    expect(scheduled.entry).toMatchObject({ startedAt: null, timeTo50Ms: null, curve: [] });
  });
});
