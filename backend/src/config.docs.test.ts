// The settings tables in the docs against the environment schema: docs/operations.md lists every key config.ts
// reads and nothing else; README's short table names only real keys; a documented plain default is the schema's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { EnvSchema } from './config';

const ROOT = join(__dirname, '..', '..');

interface Row {
  readonly keys: string[];
  readonly defaultCell: string;
}

/**
 * The rows of the first table under the `## heading` of a Markdown file: the backticked names of its first cell
 * and its second cell. @throws Error when the section or its table is missing.
 */
function settingsRows(file: string, heading: string): Row[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`${file} has no "## ${heading}" section`);
  const lines = (text.slice(start + 1).split(/\n## /)[0] ?? '').split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  if (first < 0) throw new Error(`${file} "## ${heading}" has no table`);
  const end = lines.findIndex((line, i) => i > first && !line.startsWith('|'));
  // Skip the header row and the delimiter row.
  return lines.slice(first + 2, end < 0 ? undefined : end).map((line) => {
    const cells = line.split('|').map((cell) => cell.trim());
    return { keys: [...(cells[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? ''), defaultCell: cells[2] ?? '' };
  });
}

const schemaKeys = Object.keys(EnvSchema.shape).sort();

/** The schema's default for `key` as the docs write it, or undefined when the key has none. */
function schemaDefault(key: string): string | undefined {
  const parsed = (EnvSchema.shape[key as keyof typeof EnvSchema.shape] as z.ZodType).safeParse(undefined);
  if (!parsed.success || parsed.data === undefined) return undefined;
  return parsed.data === '' ? 'empty' : `\`${String(parsed.data)}\``;
}

describe('the settings table of docs/operations.md', () => {
  const rows = settingsRows('docs/operations.md', 'Settings');

  it('lists every environment key config.ts reads, once, and nothing else', () => {
    const documented = rows.flatMap((row) => row.keys);
    expect(documented.length, 'a key listed twice').toBe(new Set(documented).size);
    expect([...documented].sort()).toEqual(schemaKeys);
  });

  it('gives the schema default of each key that has one', () => {
    for (const row of rows) {
      for (const key of row.keys) {
        const expected = schemaDefault(key);
        if (expected !== undefined) expect(row.defaultCell, key).toBe(expected);
      }
    }
  });
});

describe("README's configuration table", () => {
  it('names only keys config.ts reads, with their schema defaults, and points to the full list', () => {
    const rows = settingsRows('README.md', 'Configuration');
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      for (const key of row.keys) {
        expect(schemaKeys, key).toContain(key);
        const expected = schemaDefault(key);
        if (expected !== undefined && row.keys.length === 1) expect(row.defaultCell, key).toBe(expected);
      }
    }
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('(docs/operations.md#settings)');
  });
});
