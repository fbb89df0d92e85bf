import type { AuditEvent } from '@qrca/contract';
import { describe, expect, it } from 'vitest';
import { describeEvent, loadActivity, newestFirst, type People } from './activity';
import { buildEvent } from './test-rows';

const names: Record<string, string> = { a: 'Ana', b: 'Ben Jones', s: 'Sam' };
const people: People = { nameOf: (id) => names[id], meId: 't1' };

describe('events in words', () => {
  it('a hand-off names both students; a refusal says why in the catalogue’s words', () => {
    expect(describeEvent(buildEvent('1', { targetId: 'b' }), people)).toBe('Ana scanned Ben Jones’s baton — accepted');
    expect(describeEvent(buildEvent('2', { actorId: 'b', targetId: 's' }), people)).toBe(
      'Ben Jones scanned Sam’s baton — accepted',
    );
    expect(describeEvent(buildEvent('3', { outcome: 'BATON_TAKEN' }), people)).toBe(
      'Ana scanned a baton — refused: Someone else just took this baton. Scan another holder.',
    );
    expect(describeEvent(buildEvent('4', { outcome: 'SOMETHING_NEW' }), people)).toBe(
      'Ana scanned a baton — refused: SOMETHING_NEW',
    );
  });

  it('projector scans, with the evidence of a flag', () => {
    expect(describeEvent(buildEvent('1', { flow: 'projector:late', network: 'fail' }), people)).toBe(
      'Ana checked in late with the projector’s late code (from outside the school network)',
    );
    expect(describeEvent(buildEvent('2', { flow: 'unknown', outcome: 'INVALID_QR' }), people)).toMatch(
      /^Ana scanned a code — refused: That is not a code of this session/,
    );
  });

  it('teacher and system actions', () => {
    const teacher = (outcome: string, extra: Partial<AuditEvent> = {}) =>
      describeEvent(buildEvent('t', { kind: 'teacher', flow: 'teacher', actorId: 't1', outcome, ...extra }), people);
    expect(teacher('entry_closed')).toBe('You closed on-time entry');
    expect(teacher('entry_closed', { actorId: 't2' })).toBe('A teacher closed on-time entry');
    expect(teacher('chain_handed', { targetId: 'a' })).toBe('You handed a chain to Ana');
    expect(teacher('override_left_early', { targetId: 's' })).toBe('You set Sam to left early (override)');
    expect(teacher('spot_check_started', { targetId: 'a' })).toBe('You picked Ana for a spot check');
    expect(teacher('spot_check_answered_here', { targetId: 'a' })).toBe('You saw Ana in the room (spot check)');
    expect(teacher('spot_check_answered_not_here', { targetId: 's', actorId: 't2' })).toBe(
      'A teacher did not find Sam in the room (spot check)',
    );
    expect(teacher('chain_reseeded', { actorId: 'system', targetId: 'a' })).toBe(
      'A stalled chain passed to Ana automatically',
    );
    expect(teacher('chain_closed_no_candidates', { actorId: 'system', targetId: 'a' })).toBe(
      'A stalled chain held by Ana closed: nobody left to take it',
    );
    expect(teacher('something_else')).toBe('You: something else');
  });
});

describe('loading the log', () => {
  const page = (ids: string[], cursor: string | null) => ({ events: ids.map((id) => buildEvent(id)), cursor });

  it('reads every page, then on refresh fetches again only from the last page', async () => {
    const log: Record<string, ReturnType<typeof page>> = {
      start: page(['1', '2'], 'p2'),
      p2: page(['3'], null),
    };
    const asked: (string | null)[] = [];
    const fetchPage = async (cursor: string | null) => {
      asked.push(cursor);
      return log[cursor ?? 'start'] as ReturnType<typeof page>;
    };
    const first = await loadActivity(fetchPage, undefined);
    expect(newestFirst(first).map((e) => e.id)).toEqual(['3', '2', '1']);
    expect(asked).toEqual([null, 'p2']);

    log['p2'] = page(['3', '4'], 'p3');
    log['p3'] = page(['5'], null);
    const second = await loadActivity(fetchPage, first);
    expect(asked.slice(2)).toEqual(['p2', 'p3']);
    expect(newestFirst(second).map((e) => e.id)).toEqual(['5', '4', '3', '2', '1']);
  });

  it('stops after the page limit (the next load goes on) and lists each event once', async () => {
    let n = 0;
    const endless = async () => page([`e${++n}`, 'same'], `c${n}`);
    const state = await loadActivity(endless, undefined, 3);
    expect(state.pages).toHaveLength(3);
    expect(newestFirst(state).map((e) => e.id)).toEqual(['same', 'e3', 'e2', 'e1']);
  });
});
