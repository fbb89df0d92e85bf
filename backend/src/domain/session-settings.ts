/** The rules a session's settings must satisfy, whatever changes them (create or update). */
import { isValidCidrOrIp, MAX_SESSION_HOURS } from '@qrca/contract';
import { ValidationError } from '../middleware/errors';
import type { SessionRecord } from './records';

/**
 * The end after the start and at most 24 hours later, the late cutoff and the exit window inside the session,
 * every network a valid IP address or CIDR. Lists every broken rule at once.
 * @throws ValidationError
 */
export function validateSettings(
  s: Pick<SessionRecord, 'startAt' | 'endAt' | 'lateCutoffMinutes' | 'exitWindowMinutes' | 'constraints'>,
): void {
  const issues: { path: string; message: string }[] = [];
  const start = Date.parse(s.startAt);
  const end = Date.parse(s.endAt);
  const minutes = (end - start) / 60_000;
  if (!(end > start)) issues.push({ path: 'endAt', message: 'The end must be after the start.' });
  else if (minutes > MAX_SESSION_HOURS * 60)
    issues.push({ path: 'endAt', message: `A session lasts at most ${MAX_SESSION_HOURS} hours.` });
  if (end > start && s.lateCutoffMinutes >= minutes) {
    issues.push({ path: 'lateCutoffMinutes', message: 'The late cutoff must fall before the end.' });
  }
  if (end > start && s.exitWindowMinutes >= minutes) {
    issues.push({ path: 'exitWindowMinutes', message: 'The exit window must be shorter than the session.' });
  }
  s.constraints.networks?.cidrs.forEach((cidr, i) => {
    if (!isValidCidrOrIp(cidr))
      issues.push({ path: `constraints.networks.cidrs.${i}`, message: `"${cidr}" is not an IP network.` });
  });
  if (issues.length > 0) throw new ValidationError('Check the session settings.', issues);
}
