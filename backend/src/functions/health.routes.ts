/** GET /api/health: each dependency's state; 503 when degraded so load balancers take the instance out. */
import { routes } from '@qrca/contract';
import { defineRoute } from './http';

export const healthRoutes = [
  defineRoute(routes.health, async ({ services }) => {
    const health = await services.health.check();
    return { status: health.status === 'ok' ? 200 : 503, jsonBody: health };
  }),
];
