import { describe, expect, it } from 'vitest';
import { ValidationError } from '../middleware/errors';
import { validateSettings } from './session-settings';

const base = {
  startAt: '2030-01-10T09:00:00.000Z',
  endAt: '2030-01-10T10:00:00.000Z',
  lateCutoffMinutes: 10,
  exitWindowMinutes: 10,
  constraints: {},
};
const issues = (settings: typeof base | Record<string, unknown>) => {
  try {
    validateSettings(settings as typeof base);
    return [];
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return (error.details?.issues as { path: string }[]).map((i) => i.path);
  }
};

describe('validateSettings', () => {
  it('accepts a well-formed session', () => {
    expect(issues(base)).toEqual([]);
  });

  it('lists every broken rule at once', () => {
    expect(
      issues({
        ...base,
        endAt: '2030-01-10T09:05:00.000Z',
        constraints: { networks: { cidrs: ['10.0.0.0/8', 'campus'], mode: 'warn' } },
      }),
    ).toEqual(['lateCutoffMinutes', 'exitWindowMinutes', 'constraints.networks.cidrs.1']);
  });

  it('refuses an end before the start and sessions over 24 hours', () => {
    expect(issues({ ...base, endAt: base.startAt })).toEqual(['endAt']);
    expect(issues({ ...base, endAt: '2030-01-11T09:00:01.000Z' })).toEqual(['endAt']);
  });
});
