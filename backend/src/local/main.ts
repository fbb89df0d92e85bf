/**
 * `npm start`: the local host with embedded defaults. Reads `backend/local.settings.json` like the Functions
 * host does (environment wins), validates the configuration, registers the very functions Azure runs and
 * serves them with the web app (over HTTPS in classroom mode). Ctrl-C (SIGINT) or SIGTERM shut down cleanly
 * and exit 0.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceRuntime } from '../composition';
import { startSignalREmulator } from '@qrca/signalr-emulator';
import { ConfigError, describeConfig, loadConfig, type AppConfig } from '../config';
import { createLogger } from '../utils/logger';
import type * as RegisterModule from '../functions/register';
import { installFunctionsCoreShim } from './functions-core-shim';
import type * as HostModule from './host';
import { SYSTEM_MACHINE } from './lan-address';
import { serverCertificate } from './server-certificate';
import { startBanner } from './start-banner';

const BACKEND_DIR = join(__dirname, '..', '..');
const WEB_ROOT = join(BACKEND_DIR, '..', 'web', 'dist');
/** Shutdown must finish well inside the 5 s users (and process managers) wait after Ctrl-C. */
const SHUTDOWN_DEADLINE_MS = 4_500;

function loadLocalSettings(env: NodeJS.ProcessEnv): void {
  const file = join(BACKEND_DIR, 'local.settings.json');
  if (!existsSync(file)) return;
  const values = (JSON.parse(readFileSync(file, 'utf8')) as { Values?: Record<string, string> }).Values ?? {};
  for (const [key, value] of Object.entries(values)) env[key] ??= value;
}

function configFrom(env: NodeJS.ProcessEnv): AppConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  loadLocalSettings(process.env);
  let config = configFrom(process.env);
  // Real time by default: the bundled SignalR emulator on a free loopback port, reached by clients through this
  // host's own origin (`/client/`). With SignalRConnectionString set, that service is used instead.
  const emulator =
    config.realtime.kind === 'none' && config.env !== 'production'
      ? await startSignalREmulator({ port: 0, dataFile: join(config.dataDir, 'signalr-memberships.json') })
      : undefined;
  if (emulator) {
    config = configFrom({
      ...process.env,
      SignalRConnectionString: `${emulator.connectionString}ClientEndpoint=same-origin;`,
    });
  }
  // Classroom mode (a non-loopback HOST) or TLS_CERT/TLS_KEY: HTTPS, so that phones get a secure context.
  const certificate =
    config.tls.kind === 'off'
      ? undefined
      : await serverCertificate(config.tls, { machine: SYSTEM_MACHINE, publicUrl: config.publicUrl });
  const logger = createLogger(config);
  const registry = installFunctionsCoreShim();
  // Loaded only now, so that @azure/functions finds the shim instead of switching to test mode.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { registerFunctions } = require('../functions/register') as typeof RegisterModule;
  const { startLocalHost } = require('./host') as typeof HostModule;
  /* eslint-enable @typescript-eslint/no-require-imports */

  const runtime = new ServiceRuntime(config, logger);
  registerFunctions(runtime);
  await runtime.get(); // open the store now: fail at start, not at the first request
  const host = await startLocalHost({
    registry,
    logger,
    port: config.port,
    hostname: config.host,
    webRoot: WEB_ROOT,
    ...(emulator ? { realtimeTarget: emulator.endpoint } : {}),
    ...(certificate ? { tls: { cert: certificate.cert, key: certificate.key } } : {}),
  });
  const tls = certificate && {
    source: certificate.source,
    certFile: certificate.certFile,
    fingerprint256: certificate.facts.fingerprint256,
    validTo: certificate.facts.validTo.toISOString(),
  };
  logger.info({ config: describeConfig(config), timers: host.timers, tls }, 'local host started');
  console.log(startBanner(config, { url: host.url, machine: SYSTEM_MACHINE, certificate }).join('\n'));

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    (async () => {
      await host.close();
      await emulator?.close();
    })().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error('failed to start:', error);
  process.exit(1);
});
