import { FLAG_KINDS } from '@qrca/contract';
import { describe, expect, it } from 'vitest';
import { FLAG_ORDER, flagEvidence, flagText, formatAgo, spotCheckLabel } from './labels';

describe('labels', () => {
  it('says how long ago in short words', () => {
    const now = Date.parse('2026-06-03T10:00:00.000Z');
    const ago = (seconds: number) => formatAgo(new Date(now - seconds * 1000).toISOString(), now);
    expect(ago(0)).toBe('just now');
    expect(ago(12)).toBe('12 s ago');
    expect(ago(185)).toBe('3 min ago');
    expect(ago(3600)).toBe('1 h ago');
    expect(ago(3900)).toBe('1 h 5 min ago');
    expect(ago(-5)).toBe('just now');
    expect(formatAgo('not a time', now)).toBe('');
  });

  it('explains known flags and shows unknown ones as they are', () => {
    expect(flagText('off_network').label).toBe('Off the school network');
    expect(flagText('outside_geofence').label).toBe('Away from the classroom');
    expect(flagText('not_on_roster').label).toBe('Not on the roster');
    expect(flagText('unsigned_scan').label).toBe('Phone not verified');
    expect(flagText('shared_device').label).toBe('Shared phone');
    expect(flagText('device_changed').label).toBe('Changed phone');
    expect(flagText('late_code').label).toBe('Late code');
    expect(flagText('too_fast').label).toBe('Too-fast hand-off');
    expect(flagText('network_mismatch').label).toBe('Different networks');
    expect(flagText('relay_suspected')).toEqual({ label: 'relay_suspected', explanation: '' });
    expect(flagText('toString')).toEqual({ label: 'toString', explanation: '' });
  });

  it('has a short badge and a sentence for every flag the server raises, and explains them all', () => {
    expect(FLAG_ORDER).toEqual(FLAG_KINDS);
    const labels = FLAG_KINDS.map((flag) => flagText(flag).label);
    expect(new Set(labels).size).toBe(FLAG_KINDS.length);
    for (const flag of FLAG_KINDS) {
      const { label, explanation } = flagText(flag);
      expect(label.length, flag).toBeLessThanOrEqual(24); // one line in the roster's flags column
      expect(label, flag).not.toMatch(/_/);
      expect(explanation, flag).toMatch(/^[A-Z].{20,}\.$/);
    }
  });

  it('lists the evidence of one flag, oldest first, each as a sentence', () => {
    const row = {
      flagEvidence: [
        { flag: 'late_code', at: '2026-06-03T09:01:00.000Z', detail: 'chain code used 3.4 s after it left the screen' },
        { flag: 'too_fast', at: '2026-06-03T09:01:00.000Z', detail: 'baton passed on 0.4 s after the holder got it' },
        { flag: 'late_code', at: '2026-06-03T09:02:00.000Z', detail: 'Typed late code used in its last second.' },
      ],
    };
    expect(flagEvidence(row, 'late_code')).toEqual([
      { at: '2026-06-03T09:01:00.000Z', text: 'Chain code used 3.4 s after it left the screen.' },
      { at: '2026-06-03T09:02:00.000Z', text: 'Typed late code used in its last second.' },
    ]);
    expect(flagEvidence(row, 'shared_device')).toEqual([]);
    expect(flagEvidence({}, 'late_code')).toEqual([]);
  });
});

describe('spotCheckLabel', () => {
  it('says whether the student was found, or is still to be asked for', () => {
    expect(spotCheckLabel('here')).toBe('Spot check: here');
    expect(spotCheckLabel('not_here')).toBe('Spot check: not here');
    expect(spotCheckLabel(null)).toBe('Picked for a spot check');
  });
});
