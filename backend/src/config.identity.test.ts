// The Microsoft Entra ID settings of the Azure connections: what each combination configures, and the clear
// errors for combinations that cannot work (config.ts with adapters/azure-identity/identity-settings.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from './config';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'qrca-config-id-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const SECRET = 'x'.repeat(40);
const CLIENT = '6f1c2a5e-3b4d-4c8e-9a0b-1c2d3e4f5a6b';
const OTHER = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';
/** What infra/resources.bicep sets on the Functions app. */
const AZURE = {
  NODE_ENV: 'production',
  JWT_SECRET: SECRET,
  PUBLIC_URL: 'https://attend.example.edu',
  SMTP_URL: 'smtps://mailer:pw@smtp.example.edu',
  ADMIN_EMAILS: 'it@example.edu',
  AZURE_CLIENT_ID: CLIENT,
  AzureWebJobsStorage__blobServiceUri: 'https://stqrca.blob.core.windows.net',
  AzureWebJobsStorage__tableServiceUri: 'https://stqrca.table.core.windows.net',
  AzureWebJobsStorage__credential: 'managedidentity',
  AzureWebJobsStorage__clientId: CLIENT,
  REDIS_URL: 'rediss://redis-qrca.westeurope.redis.azure.net:10000',
  REDIS_AUTH: 'entra',
  SignalRConnectionString: `Endpoint=https://sigr-qrca.service.signalr.net;AuthType=azure.msi;ClientId=${CLIENT};Version=1.0;`,
  AZURE_OPENAI_ENDPOINT: 'https://oai-qrca.openai.azure.com/',
  AZURE_OPENAI_DEPLOYMENT: 'gpt-4o-mini',
};

function issuesOf(env: NodeJS.ProcessEnv): { key: string; message: string }[] {
  try {
    loadConfig(env, tempDir());
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('Entra ID settings', () => {
  it('configures every Azure connection with the user-assigned identity, as the Bicep template sets them', () => {
    const config = loadConfig(AZURE, tempDir());
    const identity = { kind: 'managed-identity', clientId: CLIENT };
    expect(config.store).toEqual({
      kind: 'tables',
      endpoint: 'https://stqrca.table.core.windows.net',
      credential: identity,
    });
    expect(config.cache).toEqual({
      kind: 'redis',
      url: AZURE.REDIS_URL,
      keyPrefix: '',
      credential: identity,
    });
    expect(config.realtime).toEqual({
      kind: 'signalr',
      endpoint: 'https://sigr-qrca.service.signalr.net',
      accessKey: '',
      credential: identity,
      clientEndpoint: 'https://sigr-qrca.service.signalr.net',
    });
    expect(config.openai).toEqual({
      endpoint: AZURE.AZURE_OPENAI_ENDPOINT,
      deployment: 'gpt-4o-mini',
      auth: { kind: 'entra', credential: identity },
    });
    expect(describeConfig(config)).toMatchObject({ entraId: ['store', 'cache', 'realtime', 'openai'] });
  });

  it('keeps keys and connection strings working where given', () => {
    const config = loadConfig(
      {
        JWT_SECRET: SECRET,
        AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=stqrca;AccountKey=a2V5;',
        REDIS_URL: 'rediss://:key@redis-qrca.westeurope.redis.azure.net:10000',
        SignalRConnectionString: 'Endpoint=https://sigr.service.signalr.net;AccessKey=abc;Version=1.0;',
        AZURE_OPENAI_ENDPOINT: 'https://oai.openai.azure.com/',
        AZURE_OPENAI_API_KEY: 'k',
        AZURE_CLIENT_ID: CLIENT,
      },
      tempDir(),
    );
    expect(config.store).toEqual({ kind: 'tables', connectionString: expect.stringContaining('AccountKey') as string });
    expect(config.cache).toEqual({
      kind: 'redis',
      url: 'rediss://:key@redis-qrca.westeurope.redis.azure.net:10000',
      keyPrefix: '',
    });
    expect(config.realtime).toMatchObject({ accessKey: 'abc' });
    expect(config.realtime).not.toHaveProperty('credential');
    expect(config.openai?.auth).toEqual({ kind: 'key', apiKey: 'k' });
    expect(describeConfig(config)).toMatchObject({ entraId: [] });
  });

  it('follows each connection its own convention for which identity to use', () => {
    const config = loadConfig(
      {
        JWT_SECRET: SECRET,
        // Functions: the account name alone, no credential setting → DefaultAzureCredential (a developer's az login).
        AzureWebJobsStorage__accountName: 'stqrca',
        // SignalR: azure.msi without ClientId → the system-assigned identity, whatever AZURE_CLIENT_ID says.
        SignalRConnectionString: 'Endpoint=https://sigr.service.signalr.net;AuthType=azure.msi;Version=1.0;',
        // Redis and OpenAI have no convention of their own: AZURE_CLIENT_ID's user-assigned identity.
        REDIS_URL: 'rediss://redis.example:10000',
        REDIS_AUTH: 'entra',
        AZURE_CLIENT_ID: OTHER,
      },
      tempDir(),
    );
    expect(config.store).toEqual({
      kind: 'tables',
      endpoint: 'https://stqrca.table.core.windows.net',
      credential: { kind: 'default' },
    });
    expect(config.realtime).toMatchObject({ credential: { kind: 'managed-identity' } });
    expect(config.cache).toMatchObject({ credential: { kind: 'managed-identity', clientId: OTHER } });
  });

  it('uses DefaultAzureCredential for Redis and OpenAI without AZURE_CLIENT_ID, and AuthType=azure for SignalR', () => {
    const config = loadConfig(
      {
        JWT_SECRET: SECRET,
        REDIS_URL: 'rediss://redis.example:10000',
        REDIS_AUTH: 'entra',
        SignalRConnectionString: 'Endpoint=https://sigr.service.signalr.net;AuthType=azure;',
        AZURE_OPENAI_ENDPOINT: 'https://oai.openai.azure.com/',
      },
      tempDir(),
    );
    expect(config.cache).toMatchObject({ credential: { kind: 'default' } });
    expect(config.realtime).toMatchObject({ credential: { kind: 'default' } });
    expect(config.openai?.auth).toEqual({ kind: 'entra', credential: { kind: 'default' } });
  });

  it('still requires Redis in production with identity-based Table Storage', () => {
    const { REDIS_URL: _url, REDIS_AUTH: _auth, ...withoutRedis } = AZURE;
    expect(issuesOf(withoutRedis).map((i) => i.key)).toEqual(['REDIS_URL']);
  });

  it('explains each combination that cannot work, by its key', () => {
    const cases: [NodeJS.ProcessEnv, string, RegExp][] = [
      [
        { AzureWebJobsStorage: 'UseDevelopmentStorage=true', AzureWebJobsStorage__accountName: 'stqrca' },
        'AzureWebJobsStorage',
        /not both/,
      ],
      [{ AzureWebJobsStorage__clientId: CLIENT }, 'AzureWebJobsStorage__accountName', /need/],
      [{ AzureWebJobsStorage__accountName: 'Not_An_Account' }, 'AzureWebJobsStorage__accountName', /account name/],
      [
        { AzureWebJobsStorage__tableServiceUri: 'http://127.0.0.1:10002/devstoreaccount1' },
        'AzureWebJobsStorage__tableServiceUri',
        /https/,
      ],
      [{ AzureWebJobsStorage__credential: 'secret' }, 'AzureWebJobsStorage__credential', /managedidentity/],
      [
        { AzureWebJobsStorage__clientId: 'not-a-guid', AzureWebJobsStorage__accountName: 'st' + 'qrca' },
        'AzureWebJobsStorage__clientId',
        /GUID/,
      ],
      [{ AZURE_CLIENT_ID: 'my-identity' }, 'AZURE_CLIENT_ID', /GUID/],
      [{ REDIS_AUTH: 'entra' }, 'REDIS_URL', /needs REDIS_URL/],
      [{ REDIS_AUTH: 'entra', REDIS_URL: 'redis://redis.example:6379' }, 'REDIS_URL', /rediss/],
      [{ REDIS_AUTH: 'entra', REDIS_URL: 'rediss://:key@redis.example:10000' }, 'REDIS_URL', /no credentials/],
      [{ REDIS_AUTH: 'password' }, 'REDIS_AUTH', /url or entra/],
      [
        {
          SignalRConnectionString:
            'Endpoint=https://sigr.service.signalr.net;AuthType=azure.app;ClientId=a;ClientSecret=b;',
        },
        'SignalRConnectionString',
        /azure\.app.*not supported/,
      ],
      [
        { SignalRConnectionString: 'Endpoint=https://sigr.service.signalr.net;AuthType=azure.msi;AccessKey=abc;' },
        'SignalRConnectionString',
        /both/,
      ],
      [
        { SignalRConnectionString: 'Endpoint=https://sigr.service.signalr.net;Version=1.0;' },
        'SignalRConnectionString',
        /AuthType=azure\.msi/,
      ],
      [{ AZURE_OPENAI_API_KEY: 'k' }, 'AZURE_OPENAI_ENDPOINT', /needs AZURE_OPENAI_ENDPOINT/],
    ];
    for (const [env, key, message] of cases) {
      const issues = issuesOf({ JWT_SECRET: SECRET, ...env });
      expect(
        issues.map((i) => i.key),
        JSON.stringify(env),
      ).toEqual([key]);
      expect(issues[0]?.message, key).toMatch(message);
    }
  });
});
