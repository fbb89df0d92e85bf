/**
 * Registers every route and timer of the route table with `@azure/functions`, plus the app-terminate hook
 * that closes the services. Azure's worker and the local host both run exactly this.
 */
import { app, type InvocationContext, type Timer } from '@azure/functions';
import type { ServiceRuntime } from '../composition';
import { toAzureHandler } from './http';
import { httpRoutes, timers } from './route-table';

export function registerFunctions(runtime: ServiceRuntime): void {
  for (const route of httpRoutes) {
    app.http(route.def.name, {
      methods: [route.def.method],
      route: route.def.path,
      // Authentication is ours (session tokens), not Functions keys.
      authLevel: 'anonymous',
      handler: toAzureHandler(route, runtime),
    });
  }
  for (const timer of timers) {
    app.timer(timer.name, {
      schedule: typeof timer.schedule === 'string' ? timer.schedule : timer.schedule(runtime.config),
      handler: async (_timer: Timer, context: InvocationContext) => {
        const log = runtime.logger.child({ correlationId: context.invocationId, function: timer.name });
        const started = performance.now();
        try {
          await timer.run(await runtime.get(), log);
          log.info({ ms: Math.round(performance.now() - started) }, 'timer done');
        } catch (error) {
          log.error({ err: error }, 'timer failed');
          throw error;
        }
      },
    });
  }
  app.hook.appTerminate(() => runtime.close());
}
