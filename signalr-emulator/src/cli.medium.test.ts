/** The CLI as a process: prints the connection string, serves, and exits 0 on SIGTERM/SIGINT. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseSignalRConnectionString } from './connection-string';
import { withTimeout } from './test-support/test-clients';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));

function startCli(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = withTimeout(
    new Promise<string>((resolve, reject) => {
      child.stdout.on('data', () => {
        const match = /Connection string: (\S+)/.exec(stdout);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
      void exited.then((code) => reject(new Error(`the CLI exited early with ${code}: ${stdout}`)));
    }),
    20_000,
    'the CLI to print its connection string',
  );
  return { child, ready, exited };
}

describe('qrca-signalr-emulator CLI', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('serves until %s, then exits 0', async (signal) => {
    const cli = startCli(['--port', '0', '--access-key', 'cli-test-key']);
    try {
      const { endpoint, accessKey } = parseSignalRConnectionString(await cli.ready);
      expect(accessKey).toBe('cli-test-key');
      expect((await fetch(`${endpoint}/api/v1/health`)).status).toBe(200);
      cli.child.kill(signal);
      expect(await withTimeout(cli.exited, 10_000, 'the CLI to exit')).toBe(0);
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    }
  });

  it('prints usage and exits 2 on a bad option', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--port', 'x'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await withTimeout(new Promise((resolve) => child.once('exit', resolve)), 20_000, 'the CLI to exit');
    expect(code).toBe(2);
    expect(stderr).toMatch(/Usage: qrca-signalr-emulator/);
  });
});
