/** The backend's route table: every contract route with its handler, and every timer. */
import { adminRoutes } from './admin.routes';
import { authRoutes } from './auth.routes';
import { devRoutes } from './dev.routes';
import type { HttpRoute } from './http';
import { healthRoutes } from './health.routes';
import { timerRoutes, type TimerRoute } from './timers';

export const httpRoutes: readonly HttpRoute[] = [
  ...healthRoutes,
  ...devRoutes,
  ...authRoutes,
  ...adminRoutes,
] as HttpRoute[];

export const timers: readonly TimerRoute[] = timerRoutes;
