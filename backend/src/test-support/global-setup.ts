/**
 * Global setup of the medium tier: starts Azurite (Table service, in memory) once for the run and hands its
 * connection string to the tests; passes REDIS_URL through when set (CI always sets it).
 */
import type { TestProject } from 'vitest/node';
import { startAzurite } from './azurite';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!process.env.REDIS_URL && process.env.CI) {
    throw new Error('CI must run the Redis cache suite: start Redis and set REDIS_URL (see .ci/run).');
  }
  const azurite = await startAzurite();
  project.provide('azuriteConnectionString', azurite.connectionString);
  project.provide('redisUrl', process.env.REDIS_URL ?? '');
  if (!process.env.REDIS_URL) {
    console.warn('[medium] REDIS_URL is not set: the Redis cache suite is skipped (CI sets it and runs it).');
  }
  return () => azurite.stop();
}
