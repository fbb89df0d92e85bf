// The credential each identity setting builds (construction only: no token is asked for here).
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { createAzureCredential, describeCredential, sharedCredentials, type TokenCredential } from './azure-credential';
import type { AzureCredentialConfig } from './identity-settings';

const CLIENT = '6f1c2a5e-3b4d-4c8e-9a0b-1c2d3e4f5a6b';

describe('createAzureCredential', () => {
  it('builds a ManagedIdentityCredential for a managed identity, user- or system-assigned', () => {
    expect(createAzureCredential({ kind: 'managed-identity', clientId: CLIENT })).toBeInstanceOf(
      ManagedIdentityCredential,
    );
    expect(createAzureCredential({ kind: 'managed-identity' })).toBeInstanceOf(ManagedIdentityCredential);
  });

  it('builds a DefaultAzureCredential otherwise', () => {
    expect(createAzureCredential({ kind: 'default' })).toBeInstanceOf(DefaultAzureCredential);
    expect(createAzureCredential({ kind: 'default', managedIdentityClientId: CLIENT })).toBeInstanceOf(
      DefaultAzureCredential,
    );
  });
});

describe('sharedCredentials', () => {
  it('gives equal settings one credential object and different settings their own', () => {
    const made: AzureCredentialConfig[] = [];
    const factory = sharedCredentials((config) => {
      made.push(config);
      return { getToken: async () => null } satisfies TokenCredential;
    });
    const a = factory({ kind: 'managed-identity', clientId: CLIENT });
    expect(factory({ kind: 'managed-identity', clientId: CLIENT })).toBe(a);
    expect(factory({ kind: 'managed-identity' })).not.toBe(a);
    expect(made).toEqual([{ kind: 'managed-identity', clientId: CLIENT }, { kind: 'managed-identity' }]);
  });
});

describe('describeCredential', () => {
  it('names the identity without secrets', () => {
    expect(describeCredential({ kind: 'managed-identity', clientId: CLIENT })).toBe(`managed identity ${CLIENT}`);
    expect(describeCredential({ kind: 'managed-identity' })).toBe('system-assigned managed identity');
    expect(describeCredential({ kind: 'default' })).toBe('DefaultAzureCredential');
  });
});
