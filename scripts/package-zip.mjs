// The Functions deployment package's ZIP (`npm run package`), written with fflate. Deterministic: entries sorted,
// one fixed timestamp, Unix permission bits kept.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { zipSync } from 'fflate';

/** 1980-01-01 00:00, the DOS epoch: every entry gets it, so two packages of the same files are the same bytes. */
const EPOCH = new Date(1980, 0, 1);
/** `made by` Unix: the external attributes then carry the file's mode. */
const UNIX = 3;

/** Files under `dir`, as paths relative to it with forward slashes, sorted. */
export function listFiles(dir) {
  const out = [];
  const walk = (current) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out.push(relative(dir, path).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * Writes every file under `dir` into the ZIP file `zipPath` (deflated, level 9).
 * @returns {{ entries: number, bytes: number }}
 */
export function writeZip(dir, zipPath) {
  const files = listFiles(dir);
  const entries = {};
  for (const name of files) {
    const path = join(dir, ...name.split('/'));
    const mode = statSync(path).mode & 0o777;
    // A regular file (0o100000) with its permission bits, in the high half of the external attributes.
    const attrs = ((0o100000 | mode) << 16) >>> 0;
    entries[name] = [readFileSync(path), { level: 9, mtime: EPOCH, os: UNIX, attrs }];
  }
  mkdirSync(dirname(zipPath), { recursive: true });
  writeFileSync(zipPath, zipSync(entries));
  return { entries: files.length, bytes: statSync(zipPath).size };
}
