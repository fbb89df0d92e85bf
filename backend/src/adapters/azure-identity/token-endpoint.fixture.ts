/**
 * A local HTTP server playing the managed identity token endpoint of App Service and Azure Functions (the
 * `IDENTITY_ENDPOINT` + `IDENTITY_HEADER` protocol, api-version 2019-08-01), for the medium tests of the Entra ID
 * paths. It mints JWTs shaped like Entra's (aud = the resource, iss = sts.windows.net/<tenant>/, oid, tid),
 * signed with a random key: services that check signatures against Entra's keys would refuse them, Azurite's
 * basic OAuth mode and our SignalR and Redis stand-ins accept them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';

export const TEST_TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';

export interface TokenRequest {
  readonly resource: string;
  /** The `client_id` query parameter: the user-assigned identity asked for, if any. */
  readonly clientId: string | undefined;
}

export interface MintedToken extends TokenRequest {
  readonly token: string;
  /** Seconds since the epoch. */
  readonly expiresOn: number;
  readonly objectId: string;
}

export interface TokenEndpointOptions {
  /** Lifetime of minted tokens. Default 3,600 s. */
  readonly lifetimeSeconds?: number;
  /** The identity's object id (the `oid` claim); default a fixed one per client id. */
  readonly objectIdFor?: (clientId: string | undefined) => string;
  /** Called before each answer; may make the endpoint fail (return a status) for this request. */
  readonly failWith?: (request: TokenRequest) => number | undefined;
  /** Called with each minted token before it is sent (e.g. to register it as a Redis password). */
  readonly onMint?: (token: MintedToken) => Promise<void> | void;
}

export interface TokenEndpoint {
  readonly url: string;
  readonly secret: string;
  readonly requests: TokenRequest[];
  readonly minted: MintedToken[];
  /**
   * Points @azure/identity's ManagedIdentityCredential at this endpoint (sets IDENTITY_ENDPOINT and
   * IDENTITY_HEADER in this test process, removes the other managed identity variables); returns the undo.
   */
  useForManagedIdentity(): () => void;
  close(): Promise<void>;
}

const MANAGED_IDENTITY_VARIABLES = [
  'IDENTITY_ENDPOINT',
  'IDENTITY_HEADER',
  'IDENTITY_SERVER_THUMBPRINT',
  'IMDS_ENDPOINT',
  'MSI_ENDPOINT',
  'MSI_SECRET',
] as const;

/** A stable object id per client id, so a user-assigned identity keeps its `oid` across tokens. */
const objectIds = new Map<string, string>();
function defaultObjectId(clientId: string | undefined): string {
  const key = clientId ?? '(system)';
  let id = objectIds.get(key);
  if (!id) {
    id = randomUUID();
    objectIds.set(key, id);
  }
  return id;
}

export async function startTokenEndpoint(options: TokenEndpointOptions = {}): Promise<TokenEndpoint> {
  const secret = randomBytes(16).toString('hex');
  const key = randomBytes(32);
  const requests: TokenRequest[] = [];
  const minted: MintedToken[] = [];
  const lifetime = options.lifetimeSeconds ?? 3_600;
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.headers['x-identity-header'] !== secret) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"bad identity header"}');
        return;
      }
      const request: TokenRequest = {
        resource: url.searchParams.get('resource') ?? '',
        clientId: url.searchParams.get('client_id') ?? undefined,
      };
      requests.push(request);
      const status = options.failWith?.(request);
      if (status) {
        res
          .writeHead(status, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: 'unavailable', error_description: 'the test endpoint refused' }));
        return;
      }
      const now = Math.floor(Date.now() / 1000);
      const objectId = (options.objectIdFor ?? defaultObjectId)(request.clientId);
      const token = await new SignJWT({
        oid: objectId,
        tid: TEST_TENANT_ID,
        sub: objectId,
        appid: request.clientId ?? 'system-assigned',
        // A unique id per token, so that two tokens minted in the same second differ.
        uti: randomUUID(),
      })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setAudience(request.resource)
        .setIssuer(`https://sts.windows.net/${TEST_TENANT_ID}/`)
        .setIssuedAt(now)
        .setNotBefore(now - 60)
        .setExpirationTime(now + lifetime)
        .sign(key);
      const entry: MintedToken = { ...request, token, expiresOn: now + lifetime, objectId };
      await options.onMint?.(entry);
      minted.push(entry);
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          access_token: token,
          expires_on: String(now + lifetime),
          resource: request.resource,
          token_type: 'Bearer',
          client_id: request.clientId ?? 'system-assigned',
        }),
      );
    })().catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/msi/token`;
  return {
    url,
    secret,
    requests,
    minted,
    useForManagedIdentity() {
      const saved = MANAGED_IDENTITY_VARIABLES.map((name) => [name, process.env[name]] as const);
      const set = (name: string, value: string | undefined) => {
        // Assigning undefined would store the string "undefined".
        if (value === undefined) Reflect.deleteProperty(process.env, name);
        else process.env[name] = value;
      };
      for (const name of MANAGED_IDENTITY_VARIABLES) set(name, undefined);
      set('IDENTITY_ENDPOINT', url);
      set('IDENTITY_HEADER', secret);
      return () => {
        for (const [name, value] of saved) set(name, value);
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
