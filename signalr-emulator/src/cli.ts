/** Command line: `qrca-signalr-emulator [--port N] [--host H] [--access-key K] [--data-file F]`. */
import { parseArgs } from 'node:util';
import { consoleLogger } from './logger';
import { startSignalREmulator } from './server';
import type { SignalREmulator } from './server';

const USAGE = `Usage: qrca-signalr-emulator [options]

Azure SignalR Service (serverless mode) emulator: data-plane REST API + client negotiate/WebSocket (JSON hub protocol).

Options:
  --port N         TCP port (default 8888; 0 picks a free one)
  --host H         interface to listen on (default 127.0.0.1; 0.0.0.0 for phones on the LAN)
  --access-key K   AccessKey tokens are signed with (default: random at each start)
  --data-file F    JSON file that keeps user-group memberships across restarts (default: memory only)
  --verbose        log every connection and refused request
  --help           show this help
`;

/** Parsed command line. */
export interface CliOptions {
  port: number;
  host: string;
  accessKey: string | undefined;
  dataFile: string | undefined;
  verbose: boolean;
  help: boolean;
}

/** A command line that cannot be run; the message says why. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/**
 * Parses the arguments (without `node` and the script).
 * @throws CliUsageError on an unknown option, a missing value or a port outside 0..65535.
 */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'access-key': { type: 'string' },
        'data-file': { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error));
  }
  const port = values.port ?? '8888';
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65_535)
    throw new CliUsageError(`--port must be 0..65535, not "${port}".`);
  if (values['access-key'] === '') throw new CliUsageError('--access-key must not be empty.');
  return {
    port: Number(port),
    host: values.host ?? '127.0.0.1',
    accessKey: values['access-key'],
    dataFile: values['data-file'],
    verbose: values.verbose ?? false,
    help: values.help ?? false,
  };
}

/** Runs the CLI until SIGINT/SIGTERM; resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCliArgs(argv);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let emulator: SignalREmulator;
  try {
    emulator = await startSignalREmulator({
      port: options.port,
      host: options.host,
      accessKey: options.accessKey,
      dataFile: options.dataFile,
      logger: consoleLogger({ debug: options.verbose }),
    });
  } catch (error) {
    process.stderr.write(
      `Could not start the SignalR emulator: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
  process.stdout.write(
    [
      'Azure SignalR emulator (serverless) is running.',
      `Connection string: ${emulator.connectionString}`,
      `Client URL:        ${emulator.endpoint}/client/?hub=<hub>`,
      `REST API:          ${emulator.endpoint}/api/v1/hubs/<hub>  (and /api/hubs/<hub>/:send?api-version=2022-06-01)`,
      `Health:            ${emulator.endpoint}/api/v1/health`,
      options.dataFile === undefined ? 'Group memberships: in memory' : `Group memberships: ${options.dataFile}`,
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`Second ${signal}: exiting without a clean shutdown.\n`);
        resolve(1);
        return;
      }
      stopping = true;
      emulator.close().then(
        () => resolve(0),
        (error: unknown) => {
          process.stderr.write(`Shutdown failed: ${String(error)}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

// Run when executed directly (node dist/cli.js, or tsx); stay inert when imported (the bin, tests).
if (typeof require !== 'undefined' && require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
