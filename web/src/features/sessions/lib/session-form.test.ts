import type { Session } from '@qrca/contract';
import { describe, expect, it } from 'vitest';
import {
  changedSettings,
  checkValues,
  errorsFromIssues,
  fieldOfPath,
  fromLocalInput,
  newSessionValues,
  shiftLocalInput,
  toLocalInput,
  valuesFromSession,
  type SessionFormValues,
} from './session-form';

/** 3 June 2026, 09:00 in the machine's time zone. */
const nine = new Date(2026, 5, 3, 9, 0);

const values = (overrides: Partial<SessionFormValues> = {}): SessionFormValues => ({
  ...newSessionValues(nine.getTime()),
  title: 'Biology 101',
  startAt: '2026-06-03T09:00',
  endAt: '2026-06-03T10:30',
  ...overrides,
});

const session = (overrides: Partial<Session> = {}): Session => ({
  id: 's1',
  title: 'Biology 101',
  status: 'scheduled',
  startAt: new Date(2026, 5, 3, 9, 0, 30).toISOString(),
  endAt: new Date(2026, 5, 3, 10, 30).toISOString(),
  lateCutoffMinutes: 10,
  exitWindowMinutes: 5,
  entryMethod: 'both',
  entryClosesAt: new Date(2026, 5, 3, 9, 10).toISOString(),
  joinCode: 'ABCDEFGH',
  joinUrl: 'http://localhost/join/s1?code=ABCDEFGH',
  rosterMode: 'flag',
  rosterCount: 3,
  constraints: {
    networks: { cidrs: ['10.0.0.0/8', '192.168.1.0/24'], mode: 'warn' },
    geofence: { lat: 48.8584, lon: 2.2945, radiusM: 150, mode: 'enforce' },
  },
  ownerId: 'u1',
  coTeachers: [],
  earlyLeaveOpen: false,
  createdAt: nine.toISOString(),
  startedAt: null,
  endedAt: null,
  yourRole: 'owner',
  ...overrides,
});

describe('local date-times', () => {
  it('reads a datetime-local value in the browser’s time zone and writes it back', () => {
    expect(fromLocalInput('2026-06-03T09:00')).toBe(nine.toISOString());
    expect(toLocalInput(nine.toISOString())).toBe('2026-06-03T09:00');
    expect(shiftLocalInput('2026-06-03T23:30', 60)).toBe('2026-06-04T00:30');
  });

  it('refuses what is not a complete date and time', () => {
    for (const bad of ['', '2026-06-03', '2026-06-03T9:00', 'tomorrow'])
      expect(fromLocalInput(bad), bad).toBeUndefined();
    expect(toLocalInput('nonsense')).toBe('');
    expect(shiftLocalInput('', 30)).toBe('');
  });

  it('starts a new session at the next quarter hour, for an hour', () => {
    const fresh = newSessionValues(new Date(2026, 5, 3, 9, 7).getTime());
    expect([fresh.startAt, fresh.endAt]).toEqual(['2026-06-03T09:15', '2026-06-03T10:15']);
    expect(newSessionValues(new Date(2026, 5, 3, 9, 14, 30).getTime()).startAt).toBe('2026-06-03T09:30');
  });
});

describe('checkValues', () => {
  it('builds the settings of a valid form: trimmed title, ISO times, numbers, no empty constraints', () => {
    expect(checkValues(values({ title: '  Biology 101 ', lateCutoffMinutes: '15' }))).toEqual({
      errors: {},
      settings: {
        title: 'Biology 101',
        startAt: nine.toISOString(),
        endAt: new Date(2026, 5, 3, 10, 30).toISOString(),
        lateCutoffMinutes: 15,
        exitWindowMinutes: 10,
        entryMethod: 'chain',
        rosterMode: 'strict',
        constraints: {},
        devicePolicy: 'warn',
      },
    });
  });

  it('names every problem at once, as the backend’s rules say', () => {
    const { settings, errors } = checkValues(
      values({ title: ' ', endAt: '2026-06-03T08:00', lateCutoffMinutes: '2.5', exitWindowMinutes: '' }),
    );
    expect(settings).toBeUndefined();
    expect(errors).toEqual({
      title: 'Give the session a title.',
      endAt: 'The end must be after the start.',
      lateCutoffMinutes: 'Enter whole minutes from 0 to 240.',
      exitWindowMinutes: 'Enter whole minutes from 0 to 240.',
    });
    expect(checkValues(values({ endAt: '2026-06-04T09:01' })).errors.endAt).toBe('A session lasts at most 24 hours.');
    expect(checkValues(values({ startAt: '' })).errors.startAt).toMatch(/starts/);
  });

  it('keeps the late cutoff and the exit window inside the session', () => {
    const { errors } = checkValues(
      values({ endAt: '2026-06-03T09:30', lateCutoffMinutes: '30', exitWindowMinutes: '45' }),
    );
    expect(errors.lateCutoffMinutes).toBe('The late cutoff must fall before the end of the session.');
    expect(errors.exitWindowMinutes).toBe('The exit window must be shorter than the session.');
  });

  it('checks each network line and says which lines are wrong', () => {
    const { errors } = checkValues(
      values({ networks: '10.0.0.0/8\n\n10.0.0\n  fe80::1  \nexample.com', networksMode: 'enforce' }),
    );
    expect(errors.networks).toBe(
      'Not an IP address or network: line 3 “10.0.0”, line 5 “example.com”. ' +
        'Write one per line, such as 192.168.1.0/24 or 2001:db8::/32.',
    );
    expect(checkValues(values({ networksMode: 'warn' })).errors.networks).toMatch(/at least one network/);
    const many = Array.from({ length: 51 }, (_, i) => `10.0.${i}.0/24`).join('\n');
    expect(checkValues(values({ networks: many })).errors.networks).toMatch(/At most 50/);
    expect(checkValues(values({ networks: ' 10.0.0.0/8 \n::1', networksMode: 'warn' })).settings?.constraints).toEqual({
      networks: { cidrs: ['10.0.0.0/8', '::1'], mode: 'warn' },
    });
  });

  it('asks for a place when the location check is on, and checks its ranges', () => {
    expect(checkValues(values({ geofenceMode: 'warn' })).errors).toEqual({
      lat: 'Enter the latitude and longitude, or use your location.',
    });
    expect(checkValues(values({ lat: '91', lon: '-181', radiusM: '5' })).errors).toEqual({
      lat: 'Enter a latitude from -90 to 90.',
      lon: 'Enter a longitude from -180 to 180.',
      radiusM: 'Enter a radius from 10 to 5,000 metres.'.replace('5,000', (5000).toLocaleString()),
    });
    expect(
      checkValues(values({ lat: '48,8584', lon: '2.2945', radiusM: '150', geofenceMode: 'enforce' })).settings
        ?.constraints,
    ).toEqual({ geofence: { lat: 48.8584, lon: 2.2945, radiusM: 150, mode: 'enforce' } });
  });
});

describe('editing', () => {
  it('fills the form from a session and sends back only what changed', () => {
    const before = checkValues(valuesFromSession(session())).settings;
    expect(before?.constraints).toEqual(session().constraints);
    const after = checkValues({
      ...valuesFromSession(session()),
      title: 'Biology 102',
      networks: '10.0.0.0/8',
    }).settings;
    if (!before || !after) throw new Error('both valid');
    expect(changedSettings(before, after)).toEqual({
      title: 'Biology 102',
      constraints: {
        networks: { cidrs: ['10.0.0.0/8'], mode: 'warn' },
        geofence: { lat: 48.8584, lon: 2.2945, radiusM: 150, mode: 'enforce' },
      },
    });
    expect(changedSettings(before, before)).toEqual({});
  });

  it('clears the constraints when their fields are emptied and turned off', () => {
    const cleared = checkValues({
      ...valuesFromSession(session()),
      networks: '',
      networksMode: 'off',
      lat: '',
      lon: '',
      geofenceMode: 'off',
    });
    expect(cleared.settings?.constraints).toEqual({});
  });
});

describe('the phone check', () => {
  it('is on by default (accept and flag), as the server’s default', () => {
    expect(newSessionValues(nine.getTime()).devicePolicy).toBe('warn');
    expect(checkValues(values({ devicePolicy: 'enforce' })).settings?.devicePolicy).toBe('enforce');
    expect(checkValues(values({ devicePolicy: 'off' })).settings?.devicePolicy).toBe('off');
  });

  it('is read from a session, sent back only when changed, and `warn` for servers that send none', () => {
    expect(valuesFromSession(session({ devicePolicy: 'enforce' })).devicePolicy).toBe('enforce');
    const { devicePolicy: _, ...older } = session({ devicePolicy: 'off' });
    expect(valuesFromSession(older).devicePolicy).toBe('warn');
    const before = checkValues(valuesFromSession(session({ devicePolicy: 'warn' }))).settings;
    const after = checkValues({
      ...valuesFromSession(session({ devicePolicy: 'warn' })),
      devicePolicy: 'enforce',
    }).settings;
    if (!before || !after) throw new Error('both valid');
    expect(changedSettings(before, after)).toEqual({ devicePolicy: 'enforce' });
    expect(fieldOfPath('devicePolicy')).toBe('devicePolicy');
  });
});

describe('server errors on the form', () => {
  it('shows each issue next to the field its path names, the rest at the top', () => {
    expect(fieldOfPath('constraints.networks.cidrs.2')).toBe('networks');
    expect(fieldOfPath('constraints.geofence.radiusM')).toBe('radiusM');
    expect(fieldOfPath('constraints.geofence')).toBe('lat');
    expect(fieldOfPath('entries.12')).toBe('roster');
    expect(fieldOfPath('roster.3.email')).toBe('roster');
    expect(fieldOfPath('(root)')).toBeUndefined();
    expect(
      errorsFromIssues([
        { path: 'endAt', message: 'The end must be after the start.' },
        { path: 'endAt', message: 'second' },
        { path: '(root)', message: 'Change at least one field.' },
      ]),
    ).toEqual({ fields: { endAt: 'The end must be after the start.' }, other: ['Change at least one field.'] });
  });
});
