// Proves the route table is what @azure/functions registers: same names, methods, routes and schedules.
import { routes } from '@qrca/contract';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ServiceRuntime } from '../composition';
import { loadConfig, type AppConfig } from '../config';
import { installFunctionsCoreShim, type Registry } from '../local/functions-core-shim';
import { createLogger } from '../utils/logger';
import type * as RouteTable from './route-table';

let registry: Registry;
let table: typeof RouteTable;
let config: AppConfig;

beforeAll(async () => {
  registry = installFunctionsCoreShim();
  const { registerFunctions } = await import('./register');
  table = await import('./route-table');
  config = loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'qrca-reg-')), LOG_LEVEL: 'silent' });
  registerFunctions(new ServiceRuntime(config, createLogger(config)));
});

const triggerOf = (name: string) => {
  const fn = registry.functions.find((f) => f.name === name);
  return fn && Object.values(fn.bindings).find((b) => b.type.endsWith('Trigger'));
};

describe('function registration', () => {
  it('registers every contract route as an anonymous HTTP function with the same name, method and route', () => {
    const contractRoutes = Object.values(routes);
    for (const def of contractRoutes) {
      expect(triggerOf(def.name), def.name).toMatchObject({
        type: 'httpTrigger',
        direction: 'in',
        methods: [def.method],
        route: def.path,
        authLevel: 'anonymous',
      });
    }
    const httpNames = registry.functions.filter((f) => triggerOf(f.name)?.type === 'httpTrigger').map((f) => f.name);
    expect(httpNames.sort()).toEqual(contractRoutes.map((r) => r.name).sort());
  });

  it('has a handler for every contract route and no route outside the contract', () => {
    expect(table.httpRoutes.map((r) => r.def).sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      Object.values(routes).sort((a, b) => a.name.localeCompare(b.name)),
    );
  });

  it('registers every timer with its NCRONTAB schedule', () => {
    expect(table.timers.length).toBeGreaterThan(0);
    for (const timer of table.timers) {
      const schedule = typeof timer.schedule === 'string' ? timer.schedule : timer.schedule(config);
      expect(triggerOf(timer.name), timer.name).toMatchObject({ type: 'timerTrigger', schedule });
      expect(schedule.split(' ')).toHaveLength(6);
    }
    const timerNames = registry.functions.filter((f) => triggerOf(f.name)?.type === 'timerTrigger').map((f) => f.name);
    expect(timerNames.sort()).toEqual(table.timers.map((t) => t.name).sort());
  });

  it('closes the services when the app terminates', () => {
    expect(registry.hooks.map((h) => h.name)).toContain('appTerminate');
  });
});
