/**
 * Token credentials for the Azure adapters (Table Storage, SignalR Service, Redis, Azure OpenAI) from
 * @azure/identity: a managed identity on Azure (user-assigned with its client id, as the Bicep template deploys),
 * or DefaultAzureCredential on a laptop (`az login` / `azd auth login`). One credential object per distinct
 * setting, so that connections sharing an identity share its token cache.
 */
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import type { AzureCredentialConfig } from './identity-settings';

export type { TokenCredential } from '@azure/identity';

/** Makes the credential a setting names. */
export type CredentialFactory = (config: AzureCredentialConfig) => TokenCredential;

/** A credential for `config`; no request is made until a token is asked for. */
export function createAzureCredential(config: AzureCredentialConfig): TokenCredential {
  if (config.kind === 'managed-identity') {
    return config.clientId
      ? new ManagedIdentityCredential({ clientId: config.clientId })
      : new ManagedIdentityCredential();
  }
  return config.managedIdentityClientId
    ? new DefaultAzureCredential({ managedIdentityClientId: config.managedIdentityClientId })
    : new DefaultAzureCredential();
}

/** Wraps a factory so that equal settings get the same credential object (and token cache). */
export function sharedCredentials(factory: CredentialFactory = createAzureCredential): CredentialFactory {
  const made = new Map<string, TokenCredential>();
  return (config) => {
    const key = JSON.stringify(config);
    let credential = made.get(key);
    if (!credential) {
      credential = factory(config);
      made.set(key, credential);
    }
    return credential;
  };
}

/** For logs: which identity a setting uses, without secrets (client ids are not secret). */
export function describeCredential(config: AzureCredentialConfig): string {
  if (config.kind === 'managed-identity') {
    return config.clientId ? `managed identity ${config.clientId}` : 'system-assigned managed identity';
  }
  return config.managedIdentityClientId
    ? `DefaultAzureCredential (managed identity ${config.managedIdentityClientId})`
    : 'DefaultAzureCredential';
}
