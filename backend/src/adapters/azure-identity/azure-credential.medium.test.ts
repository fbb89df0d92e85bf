// The credentials our factory builds, asking a local HTTP server that plays the App Service / Functions managed
// identity endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER): the user-assigned identity's client id goes along,
// the resource is the scope's, failures surface as TokenUnavailableError.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureCredential } from './azure-credential';
import { CachedToken, TokenUnavailableError } from './cached-token';
import { startTokenEndpoint, type TokenEndpoint } from './token-endpoint.fixture';

const CLIENT = '6f1c2a5e-3b4d-4c8e-9a0b-1c2d3e4f5a6b';
const REFUSED = '0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b';

let endpoint: TokenEndpoint;
let restore: () => void;

beforeAll(async () => {
  endpoint = await startTokenEndpoint({
    // Under five minutes: the credential's own cache renews on every request, so each test sees its request.
    lifetimeSeconds: 240,
    failWith: (request) => (request.clientId === REFUSED ? 400 : undefined),
  });
  restore = endpoint.useForManagedIdentity();
});

afterAll(async () => {
  restore();
  await endpoint.close();
});

describe('managed identity credential (App Service / Functions endpoint)', () => {
  it("asks for the user-assigned identity's token for the scope's resource", async () => {
    const credential = createAzureCredential({ kind: 'managed-identity', clientId: CLIENT });
    const token = await credential.getToken('https://storage.azure.com/.default');
    const minted = endpoint.minted.at(-1);
    expect(endpoint.requests.at(-1)).toEqual({ resource: 'https://storage.azure.com', clientId: CLIENT });
    expect(token?.token).toBe(minted?.token);
    expect(token?.expiresOnTimestamp).toBe((minted?.expiresOn ?? 0) * 1000);
  });

  it('asks for the system-assigned identity when no client id is given', async () => {
    const credential = createAzureCredential({ kind: 'managed-identity' });
    await credential.getToken('https://signalr.azure.com/.default');
    expect(endpoint.requests.at(-1)).toEqual({ resource: 'https://signalr.azure.com', clientId: undefined });
  });

  it('reaches the same endpoint through DefaultAzureCredential on Azure', async () => {
    const credential = createAzureCredential({ kind: 'default', managedIdentityClientId: CLIENT });
    const token = await credential.getToken('https://redis.azure.com/.default');
    expect(endpoint.requests.at(-1)).toEqual({ resource: 'https://redis.azure.com', clientId: CLIENT });
    expect(token?.token).toBe(endpoint.minted.at(-1)?.token);
  });

  it('caches through CachedToken and reports a refused identity as TokenUnavailableError', async () => {
    const cached = new CachedToken(
      createAzureCredential({ kind: 'managed-identity', clientId: CLIENT }),
      'https://cognitiveservices.azure.com/.default',
    );
    const before = endpoint.requests.length;
    const first = await cached.get();
    expect(await cached.get()).toBe(first);
    expect(endpoint.requests.length).toBe(before + 1);

    const refused = new CachedToken(
      createAzureCredential({ kind: 'managed-identity', clientId: REFUSED }),
      'https://storage.azure.com/.default',
    );
    await expect(refused.get()).rejects.toThrow(TokenUnavailableError);
  });
});
