/**
 * Microsoft Entra ID settings of the Azure connections, as config.ts reads them: which credential each connection
 * uses, following each service's own convention (Functions' `AzureWebJobsStorage__*` identity settings, the
 * SignalR connection string's `AuthType`/`ClientId`), and `AZURE_CLIENT_ID` where a service has none (Redis,
 * Azure OpenAI). Pure functions: no I/O, nothing read from process.env.
 */

/**
 * How an adapter gets Entra tokens: a managed identity (user-assigned when `clientId` is given, else the
 * system-assigned one), or DefaultAzureCredential's chain (environment, workload identity, managed identity,
 * Azure CLI / azd sign-in — a developer's laptop).
 */
export type AzureCredentialConfig =
  | { readonly kind: 'managed-identity'; readonly clientId?: string }
  | { readonly kind: 'default'; readonly managedIdentityClientId?: string };

/**
 * The credential of one connection: `managedidentity` → ManagedIdentityCredential; `default` →
 * DefaultAzureCredential; unset → a user-assigned managed identity when a client id is given, else
 * DefaultAzureCredential (which also finds a system-assigned identity on Azure).
 */
export function credentialFor(
  mode: 'managedidentity' | 'default' | undefined,
  clientId: string | undefined,
): AzureCredentialConfig {
  if (mode === 'managedidentity' || (mode === undefined && clientId)) {
    return clientId ? { kind: 'managed-identity', clientId } : { kind: 'managed-identity' };
  }
  return clientId ? { kind: 'default', managedIdentityClientId: clientId } : { kind: 'default' };
}

/** The Functions identity-based settings of the storage connection (`AzureWebJobsStorage__…`). */
export interface StorageIdentitySettings {
  readonly accountName?: string;
  readonly tableServiceUri?: string;
  readonly credential?: 'managedidentity';
  readonly clientId?: string;
}

/**
 * The Table endpoint and credential of an identity-based storage connection, or undefined when none is set.
 * `tableServiceUri` wins over `accountName` (it also names sovereign-cloud and emulator endpoints).
 */
export function storageIdentity(
  settings: StorageIdentitySettings,
): { readonly endpoint: string; readonly credential: AzureCredentialConfig } | undefined {
  const endpoint =
    settings.tableServiceUri ??
    (settings.accountName ? `https://${settings.accountName}.table.core.windows.net` : undefined);
  if (!endpoint) return undefined;
  return { endpoint: endpoint.replace(/\/+$/, ''), credential: credentialFor(settings.credential, settings.clientId) };
}

/** `AuthType` values of a SignalR connection string (case-insensitive), as the Azure SignalR SDKs read them. */
const SIGNALR_AUTH_TYPES: Readonly<Record<string, 'managedidentity' | 'default'>> = {
  azure: 'default',
  'azure.msi': 'managedidentity',
  // The SDKs' older name for azure.msi.
  aad: 'managedidentity',
};

/**
 * How a SignalR connection string authenticates: its AccessKey, or Entra ID per `AuthType` (`azure` →
 * DefaultAzureCredential; `azure.msi` → managed identity, user-assigned with `ClientId`). Returns a problem
 * message for a string that says neither, or asks for what we do not support.
 * @param parts the connection string's key/value pairs, keys lower-cased.
 */
export function signalRAuth(
  parts: ReadonlyMap<string, string>,
): { readonly accessKey: string } | { readonly credential: AzureCredentialConfig } | { readonly problem: string } {
  const authType = parts.get('authtype')?.toLowerCase();
  if (!authType) {
    const accessKey = parts.get('accesskey');
    return accessKey
      ? { accessKey }
      : { problem: 'needs AccessKey=… or AuthType=azure.msi (managed identity) / AuthType=azure' };
  }
  const mode = SIGNALR_AUTH_TYPES[authType];
  if (!mode) {
    return {
      problem:
        authType === 'azure.app'
          ? 'AuthType=azure.app (a client secret in the string) is not supported: use a managed identity ' +
            '(AuthType=azure.msi;ClientId=…) or AuthType=azure'
          : `unknown AuthType "${authType}" (expected azure.msi or azure)`,
    };
  }
  if (parts.get('accesskey')) return { problem: 'gives both AccessKey and AuthType: keep one' };
  return { credential: credentialFor(mode, parts.get('clientid') || undefined) };
}
