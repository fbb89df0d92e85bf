import { describe, expect, it } from 'vitest';
import { flagText, formatAgo } from './labels';

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
    expect(flagText('off_network').label).toBe('Scanned from outside the school network');
    expect(flagText('outside_geofence').label).toBe('Scanned away from the classroom');
    expect(flagText('not_on_roster').label).toBe('Not on the roster');
    expect(flagText('relay_suspected')).toEqual({ label: 'relay_suspected', explanation: '' });
  });
});
