/** Timer triggers (NCRONTAB, seconds first): the same list runs in Azure and in the local host. */
import type { Services } from '../composition';
import type { AppConfig } from '../config';
import type { Logger } from '../utils/logger';

export interface TimerRoute {
  /** Function name in Azure; unique, camelCase. */
  readonly name: string;
  /** Six-field NCRONTAB: second minute hour day month day-of-week (or made from the configuration). */
  readonly schedule: string | ((config: AppConfig) => string);
  readonly run: (services: Services, log: Logger) => Promise<void>;
}

export const timerRoutes: readonly TimerRoute[] = [
  {
    // Keeps the embedded store's write-ahead log from growing without bound under sustained load.
    name: 'storeMaintenance',
    schedule: '0 */5 * * * *',
    run: async (services) => services.store.maintain(),
  },
  {
    // Starts sessions at their start time, ends them 30 min after their end, and sweeps stalled chains.
    name: 'sessionClock',
    schedule: '*/10 * * * * *',
    run: async (services, log) => {
      const summary = await services.lifecycle.tick();
      if (summary.started + summary.ended > 0) log.info(summary, 'session clock');
    },
  },
  {
    // Pushes each running session's projector codes to its display as they rotate (on the rotation step when
    // it divides a minute, else every second: a code then goes out again within the second its step starts).
    name: 'projectorCodes',
    schedule: (config) =>
      60 % config.projectorRotationSeconds === 0 ? `*/${config.projectorRotationSeconds} * * * * *` : '* * * * * *',
    run: async (services) => {
      await services.tokens.pushRotatingCodes();
    },
  },
  {
    // Audit events are kept AUDIT_RETENTION_DAYS after their session ended; its insights are kept first.
    name: 'purgeAudit',
    schedule: '0 41 3 * * *',
    run: async (services, log) => {
      const removed = await services.attendance.purgeAudit(services.config.auditRetentionDays, (sessionId) =>
        services.insights.keep(sessionId),
      );
      log.info({ removed }, 'audit purged');
    },
  },
  {
    // Revocations of tokens that have expired can never matter again.
    name: 'purgeRevocations',
    schedule: '0 17 3 * * *',
    run: async (services, log) => {
      log.info({ removed: await services.auth.purgeExpiredRevocations() }, 'expired revocations purged');
    },
  },
];
