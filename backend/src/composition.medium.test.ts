// The composition root builds the adapter each setting combination names — a key or connection string where given,
// Microsoft Entra ID otherwise — and hands each Entra adapter the credential its settings name. Credentials are
// recorded here instead of asking Azure; nothing is contacted but closed local ports.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AzureCredentialConfig } from './adapters/azure-identity/identity-settings';
import type { TokenCredential } from './adapters/azure-identity/azure-credential';
import { RedisCacheStore } from './adapters/redis/redis-cache';
import { SignalRRealtime } from './adapters/signalr/signalr-realtime';
import { AzureTableStore } from './adapters/tables/azure-table-store';
import { openCache, openRealtime, openStore, type AdapterContext } from './composition';
import { loadConfig } from './config';
import { systemClock } from './ports/clock';
import { createLogger } from './utils/logger';

const SECRET = 'x'.repeat(40);
const CLIENT = '6f1c2a5e-3b4d-4c8e-9a0b-1c2d3e4f5a6b';
/** A token-shaped string with an `oid`, enough for the Redis credentials provider. */
const FAKE_TOKEN = `e30.${Buffer.from(JSON.stringify({ oid: 'object-id' })).toString('base64url')}.x`;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Adapters for `env`, with the credentials they asked for. */
function context(): AdapterContext & { readonly asked: AzureCredentialConfig[] } {
  const asked: AzureCredentialConfig[] = [];
  const credential: TokenCredential = {
    getToken: async () => ({ token: FAKE_TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }),
  };
  return {
    asked,
    clock: systemClock,
    logger: createLogger({ logLevel: 'silent', env: 'test' }),
    credentials: (config) => {
      asked.push(config);
      return credential;
    },
  };
}

function configOf(env: NodeJS.ProcessEnv) {
  const dir = mkdtempSync(join(tmpdir(), 'qrca-composition-'));
  dirs.push(dir);
  return loadConfig({ JWT_SECRET: SECRET, ...env }, dir);
}

describe('adapters per setting combination', () => {
  it('Table Storage: the connection string, or the identity settings with their credential', async () => {
    const keyed = context();
    const byKey = await openStore(
      configOf({
        AzureWebJobsStorage:
          'DefaultEndpointsProtocol=https;AccountName=stqrca;AccountKey=a2V5;EndpointSuffix=core.windows.net',
      }),
      keyed,
    );
    expect(byKey).toBeInstanceOf(AzureTableStore);
    expect(byKey).toMatchObject({ authentication: 'shared-key', url: 'https://stqrca.table.core.windows.net' });
    expect(keyed.asked).toEqual([]);

    const entra = context();
    const byIdentity = await openStore(
      configOf({
        AzureWebJobsStorage__accountName: 'stqrca',
        AzureWebJobsStorage__credential: 'managedidentity',
        AzureWebJobsStorage__clientId: CLIENT,
      }),
      entra,
    );
    expect(byIdentity).toMatchObject({ authentication: 'entra-id', url: 'https://stqrca.table.core.windows.net' });
    expect(entra.asked).toEqual([{ kind: 'managed-identity', clientId: CLIENT }]);
    await Promise.all([byKey.close(), byIdentity.close()]);
  });

  it('Redis: no AUTH, the URL password, or Entra ID tokens of AZURE_CLIENT_ID', async () => {
    const plain = context();
    const none = openCache(configOf({ REDIS_URL: 'redis://127.0.0.1:9' }), plain);
    const password = openCache(configOf({ REDIS_URL: 'rediss://:secret@127.0.0.1:9' }), plain);
    expect(plain.asked).toEqual([]);
    const entra = context();
    const identity = openCache(
      configOf({ REDIS_URL: 'rediss://127.0.0.1:9', REDIS_AUTH: 'entra', AZURE_CLIENT_ID: CLIENT }),
      entra,
    );
    for (const store of [none, password, identity]) expect(store).toBeInstanceOf(RedisCacheStore);
    expect([none, password, identity].map((s) => (s as RedisCacheStore).authentication)).toEqual([
      'none',
      'password',
      'entra-id',
    ]);
    expect(entra.asked).toEqual([{ kind: 'managed-identity', clientId: CLIENT }]);
    await Promise.all([none.close(), password.close(), identity.close()]);
  });

  it('SignalR: the AccessKey, or the AuthType credential', () => {
    const keyed = context();
    const byKey = openRealtime(
      configOf({ SignalRConnectionString: 'Endpoint=https://sigr.service.signalr.net;AccessKey=abc;Version=1.0;' }),
      keyed,
    );
    expect(byKey).toBeInstanceOf(SignalRRealtime);
    expect(byKey).toMatchObject({ authentication: 'access-key' });
    expect(keyed.asked).toEqual([]);

    const entra = context();
    const byIdentity = openRealtime(
      configOf({
        SignalRConnectionString: `Endpoint=https://sigr.service.signalr.net;AuthType=azure.msi;ClientId=${CLIENT};Version=1.0;`,
      }),
      entra,
    );
    expect(byIdentity).toMatchObject({ authentication: 'entra-id' });
    expect(entra.asked).toEqual([{ kind: 'managed-identity', clientId: CLIENT }]);
    expect(openRealtime(configOf({}), context()).kind).toBe('none');
  });
});
