/** The backend's route table: every contract route with its handler, and every timer. */
import { adminRoutes } from './admin.routes';
import { attendanceRoutes } from './attendance.routes';
import { authRoutes } from './auth.routes';
import { chainRoutes } from './chain.routes';
import { devRoutes } from './dev.routes';
import type { HttpRoute } from './http';
import { healthRoutes } from './health.routes';
import { openApiRoutes } from './openapi.routes';
import { realtimeRoutes } from './realtime.routes';
import { sessionRoutes } from './session.routes';
import { timerRoutes, type TimerRoute } from './timers';

export const httpRoutes: readonly HttpRoute[] = [
  ...healthRoutes,
  ...openApiRoutes,
  ...devRoutes,
  ...authRoutes,
  ...adminRoutes,
  ...sessionRoutes,
  ...chainRoutes,
  ...attendanceRoutes,
  ...realtimeRoutes,
] as HttpRoute[];

export const timers: readonly TimerRoute[] = timerRoutes;
