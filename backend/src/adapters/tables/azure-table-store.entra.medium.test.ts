// The Azure Tables adapter with Microsoft Entra ID: Azurite's Table service over HTTPS with OAuth on (it checks
// the bearer token's audience, issuer and lifetime), tokens from the managed identity credential asking a local
// server that plays the Functions identity endpoint. The whole TableStore contract runs over that path.
//
// Azurite 3.35 decodes a request body chunk by chunk (`segments.join("")` in its serializer), so over TLS, whose
// records hold at most 16 KB, a multi-byte character split between two records is corrupted. Azure does not do
// this. A small TLS proxy in front of it re-sends JSON bodies with non-ASCII characters as \u escapes (the same
// JSON value), so the contract's non-ASCII payloads test our adapter, not that emulator bug.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import TableConfiguration from 'azurite/dist/src/table/TableConfiguration';
import TableServer from 'azurite/dist/src/table/TableServer';
import { generate } from 'selfsigned';
import { afterAll, describe, expect, it } from 'vitest';
import { createAzureCredential, type TokenCredential } from '../azure-identity/azure-credential';
import { startTokenEndpoint, type TokenEndpoint } from '../azure-identity/token-endpoint.fixture';
import { describeTableStoreContract } from '../table-store.contract';
import { createAzureTableStore } from './azure-table-store';

const CLIENT = '6f1c2a5e-3b4d-4c8e-9a0b-1c2d3e4f5a6b';

/** The same JSON text with every non-ASCII UTF-16 unit as a \u escape. */
const asciiJson = (text: string): string =>
  JSON.stringify(JSON.parse(text)).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

/** HTTPS on a free port, forwarding to `port` over HTTPS with JSON bodies made ASCII (see the top of the file). */
async function asciiJsonProxy(pem: { cert: string; key: string }, port: number): Promise<Server> {
  const proxy = createServer({ cert: pem.cert, key: pem.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (body.length > 0 && (req.headers['content-type'] ?? '').startsWith('application/json')) {
        body = Buffer.from(asciiJson(body.toString('utf8')));
      }
      const headers = { ...req.headers, 'content-length': String(body.length) };
      delete headers['transfer-encoding'];
      const upstream = request(
        { host: '127.0.0.1', port, method: req.method, path: req.url, headers, ca: pem.cert },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', (error) => res.destroy(error));
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return proxy;
}

interface Running {
  /** `https://127.0.0.1:<port>/devstoreaccount1`: what AzureWebJobsStorage__tableServiceUri would say. */
  readonly endpoint: string;
  readonly ca: string;
  readonly tokens: TokenEndpoint;
  readonly credential: TokenCredential;
  stop(): Promise<void>;
}

async function start(): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'qrca-azurite-tls-'));
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  writeFileSync(join(dir, 'cert.pem'), pems.cert);
  writeFileSync(join(dir, 'key.pem'), pems.private);
  const config = new TableConfiguration(
    '127.0.0.1',
    0,
    5,
    '',
    false,
    false,
    undefined,
    undefined,
    false,
    true,
    join(dir, 'cert.pem'),
    join(dir, 'key.pem'),
    '',
    'basic', // OAuth: bearer tokens are checked (audience, issuer, lifetime); signatures are not
    false,
    true,
  );
  const server = new TableServer(config);
  await server.start();
  const proxy = await asciiJsonProxy(
    { cert: pems.cert, key: pems.private },
    Number(new URL(server.getHttpServerAddress()).port),
  );
  const tokens = await startTokenEndpoint({ lifetimeSeconds: 240 });
  const restore = tokens.useForManagedIdentity();
  return {
    endpoint: `https://127.0.0.1:${(proxy.address() as AddressInfo).port}/devstoreaccount1`,
    ca: pems.cert,
    tokens,
    credential: createAzureCredential({ kind: 'managed-identity', clientId: CLIENT }),
    stop: async () => {
      restore();
      await tokens.close();
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const running = start();

afterAll(async () => {
  await (await running).stop();
});

describeTableStoreContract('azure tables with Entra ID (Azurite over HTTPS, OAuth)', async () => {
  const { endpoint, credential, ca } = await running;
  return createAzureTableStore({ endpoint, credential, trustedCa: ca });
});

describe('AzureTableStore with Entra ID', () => {
  it("authorizes every request with the identity's storage token", async () => {
    const { endpoint, credential, ca, tokens } = await running;
    const store = createAzureTableStore({ endpoint, credential, trustedCa: ca });
    expect(store).toMatchObject({ authentication: 'entra-id', url: endpoint });
    const before = tokens.requests.length;
    await store.insert('entra', 'p', 'r', { ok: true });
    expect((await store.get('entra', 'p', 'r'))?.data).toEqual({ ok: true });
    expect(tokens.requests.length).toBeGreaterThan(before);
    expect(tokens.requests.slice(before).every((r) => r.resource === 'https://storage.azure.com')).toBe(true);
    expect(tokens.requests.slice(before).every((r) => r.clientId === CLIENT)).toBe(true);
    await store.close();
  });

  it('is refused with a token for another service', async () => {
    const { endpoint, credential, ca } = await running;
    const wrongAudience: TokenCredential = {
      getToken: () => credential.getToken('https://signalr.azure.com/.default'),
    };
    const store = createAzureTableStore({ endpoint, credential: wrongAudience, trustedCa: ca });
    await expect(store.ping()).rejects.toMatchObject({ statusCode: 403 });
    await store.close();
  });

  it('refuses a plain-http endpoint (bearer tokens only travel over TLS)', () => {
    expect(() =>
      createAzureTableStore({
        endpoint: 'http://127.0.0.1:10002/devstoreaccount1',
        credential: { getToken: async () => null },
      }),
    ).toThrow(/https endpoint/);
  });
});
