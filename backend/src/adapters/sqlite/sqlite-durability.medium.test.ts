import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteTableStore } from './sqlite-table-store';

const fixturePath = fileURLToPath(new URL('./sqlite-durability.fixture.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'qrca-sqlite-durability-'));
const MIN_ACKS = 300;

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Crash {
  /** Every complete line the child printed before it died. */
  readonly acks: string[];
  readonly signal: NodeJS.Signals | null;
}

/** Runs the writer child, SIGKILLs it once it has acknowledged MIN_ACKS writes, and collects all its acks. */
function runAndKill(file: string, runId: string): Promise<Crash> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixturePath, file, runId], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffered = '';
    let stderr = '';
    const acks: string[] = [];
    let killed = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child acknowledged only ${acks.length} writes in 45 s; stderr: ${stderr}`));
    }, 45_000); // generous: a loaded 2-core CI machine starts tsx slowly
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? ''; // an unfinished line is not an ack
      acks.push(...lines);
      if (!killed && acks.length >= MIN_ACKS) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    // 'close' fires after stdout has drained, so acks holds every line the child wrote before dying.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (!killed) reject(new Error(`child exited early (code ${code}); stderr: ${stderr}`));
      else resolve({ acks, signal });
    });
  });
}

describe('SqliteTableStore durability', () => {
  it('keeps every acknowledged write when the writing process is SIGKILLed mid-stream', async () => {
    const file = join(dir, 'crash.db');
    const latest = new Map<string, number>(); // counter rowKey → highest acknowledged version
    const inserted: [string, string][] = [];
    for (const runId of ['run1', 'run2', 'run3']) {
      const crash = await runAndKill(file, runId);
      expect(crash.signal).toBe('SIGKILL');
      expect(crash.acks.length).toBeGreaterThanOrEqual(MIN_ACKS);
      for (const line of crash.acks) {
        const [kind, partitionKey, rowKey, version] = line.split(' ');
        if (kind === 'I' && partitionKey && rowKey) inserted.push([partitionKey, rowKey]);
        else if (kind === 'U' && rowKey) latest.set(rowKey, Number(version));
        else throw new Error(`unexpected ack line ${JSON.stringify(line)}`);
      }

      const db = new Database(file, { readonly: true });
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
      const store = openSqliteTableStore({ file });
      const missing: string[] = [];
      for (const [partitionKey, rowKey] of inserted) {
        if (!(await store.get('durability', partitionKey, rowKey))) missing.push(`${partitionKey}/${rowKey}`);
      }
      expect(missing).toEqual([]);
      for (const [rowKey, version] of latest) {
        const row = await store.get<{ version: number }>('durability', 'counters', rowKey);
        expect(row?.data.version ?? -1).toBeGreaterThanOrEqual(version);
      }
      await store.close();
    }
    expect(latest.size).toBeGreaterThan(0);
  }, 150_000);
});
