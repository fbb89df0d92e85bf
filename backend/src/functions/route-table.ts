/** The backend's route table: every contract route with its handler, and every timer. */
import type { HttpRoute } from './http';
import { healthRoutes } from './health.routes';
import { timerRoutes, type TimerRoute } from './timers';

export const httpRoutes: readonly HttpRoute[] = [...healthRoutes] as HttpRoute[];

export const timers: readonly TimerRoute[] = timerRoutes;
