// Which credential each Entra ID setting combination names (Functions' storage convention, SignalR's AuthType).
import { describe, expect, it } from 'vitest';
import { credentialFor, signalRAuth, storageIdentity } from './identity-settings';

const CLIENT = '6f1c2a5e-3b4d-4c8e-9a0b-1c2d3e4f5a6b';
const parts = (s: string) =>
  new Map(
    s
      .split(';')
      .filter((p) => p.includes('='))
      .map((p) => [p.slice(0, p.indexOf('=')).toLowerCase(), p.slice(p.indexOf('=') + 1)] as const),
  );

describe('credentialFor', () => {
  it('uses a managed identity when asked, user-assigned with a client id, else system-assigned', () => {
    expect(credentialFor('managedidentity', CLIENT)).toEqual({ kind: 'managed-identity', clientId: CLIENT });
    expect(credentialFor('managedidentity', undefined)).toEqual({ kind: 'managed-identity' });
  });

  it('uses DefaultAzureCredential when asked, passing a client id on to its managed identity leg', () => {
    expect(credentialFor('default', CLIENT)).toEqual({ kind: 'default', managedIdentityClientId: CLIENT });
    expect(credentialFor('default', undefined)).toEqual({ kind: 'default' });
  });

  it('without a mode: the user-assigned identity when a client id is given, else DefaultAzureCredential', () => {
    expect(credentialFor(undefined, CLIENT)).toEqual({ kind: 'managed-identity', clientId: CLIENT });
    expect(credentialFor(undefined, undefined)).toEqual({ kind: 'default' });
  });
});

describe('storageIdentity (AzureWebJobsStorage__… settings)', () => {
  it('is undefined without an account name or table endpoint', () => {
    expect(storageIdentity({})).toBeUndefined();
    expect(storageIdentity({ credential: 'managedidentity', clientId: CLIENT })).toBeUndefined();
  });

  it('derives the public-cloud Table endpoint from the account name', () => {
    expect(storageIdentity({ accountName: 'stqrca', credential: 'managedidentity', clientId: CLIENT })).toEqual({
      endpoint: 'https://stqrca.table.core.windows.net',
      credential: { kind: 'managed-identity', clientId: CLIENT },
    });
  });

  it('prefers tableServiceUri (sovereign clouds, emulators) and drops its trailing slash', () => {
    expect(
      storageIdentity({ accountName: 'ignored', tableServiceUri: 'https://stqrca.table.core.chinacloudapi.cn/' }),
    ).toEqual({ endpoint: 'https://stqrca.table.core.chinacloudapi.cn', credential: { kind: 'default' } });
  });
});

describe('signalRAuth (SignalRConnectionString)', () => {
  it('reads the AccessKey of a key-based string', () => {
    expect(signalRAuth(parts('Endpoint=https://x.service.signalr.net;AccessKey=abc;Version=1.0;'))).toEqual({
      accessKey: 'abc',
    });
  });

  it('maps AuthType=azure.msi (and its old name aad) to a managed identity, user-assigned with ClientId', () => {
    expect(signalRAuth(parts(`Endpoint=https://x;AuthType=azure.msi;ClientId=${CLIENT};Version=1.0;`))).toEqual({
      credential: { kind: 'managed-identity', clientId: CLIENT },
    });
    expect(signalRAuth(parts('Endpoint=https://x;AuthType=Azure.MSI;'))).toEqual({
      credential: { kind: 'managed-identity' },
    });
    expect(signalRAuth(parts('Endpoint=https://x;AuthType=aad;'))).toEqual({
      credential: { kind: 'managed-identity' },
    });
  });

  it('maps AuthType=azure to DefaultAzureCredential', () => {
    expect(signalRAuth(parts('Endpoint=https://x;AuthType=azure;'))).toEqual({ credential: { kind: 'default' } });
  });

  it('explains what it cannot use', () => {
    expect(signalRAuth(parts('Endpoint=https://x;Version=1.0;'))).toMatchObject({
      problem: expect.stringContaining('AccessKey') as string,
    });
    expect(signalRAuth(parts('Endpoint=https://x;AuthType=azure.app;ClientId=a;ClientSecret=b;'))).toMatchObject({
      problem: expect.stringContaining('azure.app') as string,
    });
    expect(signalRAuth(parts('Endpoint=https://x;AuthType=kerberos;'))).toMatchObject({
      problem: expect.stringContaining('unknown AuthType') as string,
    });
    expect(signalRAuth(parts('Endpoint=https://x;AuthType=azure.msi;AccessKey=abc;'))).toMatchObject({
      problem: expect.stringContaining('both') as string,
    });
  });
});
