// docs/api.md stays true: its curl walkthrough runs green against the local host (embedded defaults), its shell
// example computes the documented code, and its table of chain QR test vectors is the contract's.
import { chainQrAt, chainVectors } from '@qrca/contract';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../test-support/test-host';

const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'api.md'), 'utf8');

/** The text between `<!-- name:start -->` and `<!-- name:end -->`. @throws Error when the markers are missing. */
function section(name: string): string {
  const match = new RegExp(`<!-- ${name}:start -->([\\s\\S]*?)<!-- ${name}:end -->`).exec(doc);
  if (!match?.[1]) throw new Error(`docs/api.md has no ${name} section`);
  return match[1];
}

/** The body of the first fenced shell block in `text` that contains `marker`. */
function shellBlock(text: string, marker = ''): string {
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  const block = blocks.find((b) => b.includes(marker));
  if (block === undefined) throw new Error(`no sh block with ${JSON.stringify(marker)}`);
  return block;
}

/** Runs `script` with bash; resolves with its exit code and output (bounded: 60 s). */
function bash(
  script: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { env: { ...process.env, ...env }, timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('docs/api.md', () => {
  let host: TestHost;
  beforeAll(async () => {
    // The tools the walkthrough asks a reader for: missing ones fail here, by name, rather than mid-script.
    const tools = await bash(
      'for t in curl jq openssl base32 od node; do command -v "$t" >/dev/null || echo "$t"; done',
      {},
    );
    expect(tools.stdout.trim(), 'tools the walkthrough needs are missing (apt-get install curl jq openssl)').toBe('');
    host = await startTestHost({}, { logLevel: 'silent' });
  });
  afterAll(() => host?.close());

  it('the class walkthrough runs green against the local host on embedded defaults', async () => {
    const run = await bash(shellBlock(section('walkthrough')), { BASE: host.url });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines.slice(0, 6)).toEqual(['ok', 'active', 'verified_holder', 'late_entry', 'present', 'ended']);
    expect(JSON.parse(lines[6] ?? '')).toEqual({
      present: 2,
      late: 1,
      early_leave: 0,
      left_early: 0,
      absent: 0,
      unverified: 1,
    });
    expect(lines[7]).toMatch(/^student_id,email,name,entry,/);
  });

  it('the shell example computes the documented chain code', async () => {
    const run = await bash(shellBlock(doc, 'MSG=S3ss10n-Id_0001'), {});
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('LWOBYRVKUZ');
    expect(doc).toContain(`the payload is \`${chainVectors[0]?.payload}\``);
  });

  it('lists exactly the contract’s chain QR test vectors, which the code reproduces', async () => {
    const rows = section('chain-vectors')
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim().replace(/^`|`$/g, '')),
      );
    const documented = rows.map(([sessionId, chainId, seq, secret, rotationSeconds, unixMs, payload]) => ({
      sessionId,
      chainId,
      seq: Number(seq),
      secret,
      rotationSeconds: Number(rotationSeconds),
      unixMs: Number(unixMs),
      payload,
    }));
    expect(documented).toEqual(chainVectors.map((vector) => ({ ...vector })));
    for (const vector of chainVectors) {
      expect(await chainQrAt(vector.sessionId, vector, vector.unixMs)).toBe(vector.payload);
    }
  });
});
