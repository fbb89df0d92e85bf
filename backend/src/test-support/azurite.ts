/**
 * Starts Azurite's Table service inside this process on an ephemeral loopback port (in memory), for the
 * Azure Tables adapter's tests and benchmarks. Pinned azurite@3.35.0 (later versions need Node >= 22).
 */
import TableConfiguration from 'azurite/dist/src/table/TableConfiguration';
import TableServer from 'azurite/dist/src/table/TableServer';

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface RunningAzurite {
  /** Connection string in the `AzureWebJobsStorage` format. */
  readonly connectionString: string;
  stop(): Promise<void>;
}

export function azuriteConnectionString(tableEndpoint: string): string {
  return `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};TableEndpoint=${tableEndpoint}/${DEV_ACCOUNT};`;
}

export async function startAzurite(): Promise<RunningAzurite> {
  const config = new TableConfiguration(
    '127.0.0.1',
    0, // ephemeral port
    5, // keep-alive seconds
    '', // LokiJS path, unused in memory
    false, // debug log
    false, // access log
    undefined,
    undefined,
    false, // loose
    true, // skip API version check
    '',
    '',
    '',
    undefined,
    false, // product-style URLs off
    true, // in-memory persistence
  );
  const server = new TableServer(config);
  await server.start();
  return {
    connectionString: azuriteConnectionString(server.getHttpServerAddress()),
    stop: () => server.close(),
  };
}
