// A small ZIP writer and reader with Node built-ins only (zlib deflate, zlib.crc32), for the Functions deployment
// package (`npm run package`) and its test. Deterministic: entries sorted, one fixed timestamp, Unix modes kept.
// Classic ZIP only (no ZIP64): at most 65,535 entries and 4 GiB, far above what the package holds.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
const UTF8 = 0x0800;
/** 1980-01-01 00:00, the DOS epoch: every entry gets it, so two packages of the same files are the same bytes. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

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
 * Writes every file under `dir` into the ZIP file `zipPath` (deflated unless that does not help).
 * @returns {{ entries: number, bytes: number }}
 */
export function writeZip(dir, zipPath) {
  const files = listFiles(dir);
  if (files.length > 0xffff) throw new Error(`${files.length} files: more than a classic ZIP holds (65,535)`);
  mkdirSync(dirname(zipPath), { recursive: true });
  const fd = openSync(zipPath, 'w');
  const central = [];
  let offset = 0;
  const write = (buffer) => {
    writeSync(fd, buffer);
    offset += buffer.length;
  };
  try {
    for (const name of files) {
      const path = join(dir, ...name.split('/'));
      const data = readFileSync(path);
      const mode = statSync(path).mode & 0o777;
      const deflated = deflateRawSync(data, { level: 9 });
      const stored = deflated.length >= data.length;
      const body = stored ? data : deflated;
      const crc = crc32(data);
      const nameBytes = Buffer.from(name, 'utf8');
      if (offset > 0xffffffff || data.length > 0xffffffff) throw new Error('package larger than 4 GiB');
      const local = Buffer.alloc(30);
      local.writeUInt32LE(LOCAL, 0);
      local.writeUInt16LE(20, 4);
      local.writeUInt16LE(UTF8, 6);
      local.writeUInt16LE(stored ? 0 : 8, 8);
      local.writeUInt16LE(DOS_TIME, 10);
      local.writeUInt16LE(DOS_DATE, 12);
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(body.length, 18);
      local.writeUInt32LE(data.length, 22);
      local.writeUInt16LE(nameBytes.length, 26);
      local.writeUInt16LE(0, 28);
      const header = Buffer.alloc(46);
      header.writeUInt32LE(CENTRAL, 0);
      header.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, ZIP 2.0
      header.writeUInt16LE(20, 6);
      header.writeUInt16LE(UTF8, 8);
      header.writeUInt16LE(stored ? 0 : 8, 10);
      header.writeUInt16LE(DOS_TIME, 12);
      header.writeUInt16LE(DOS_DATE, 14);
      header.writeUInt32LE(crc, 16);
      header.writeUInt32LE(body.length, 20);
      header.writeUInt32LE(data.length, 24);
      header.writeUInt16LE(nameBytes.length, 28);
      header.writeUInt32LE(((0o100000 | mode) << 16) >>> 0, 38); // regular file with its permission bits
      header.writeUInt32LE(offset, 42);
      central.push(Buffer.concat([header, nameBytes]));
      write(local);
      write(nameBytes);
      write(body);
    }
    const directory = Buffer.concat(central);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(END, 0);
    end.writeUInt16LE(files.length, 8);
    end.writeUInt16LE(files.length, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(offset, 16);
    write(directory);
    write(end);
  } finally {
    closeSync(fd);
  }
  return { entries: files.length, bytes: statSync(zipPath).size };
}

/**
 * Reads a classic ZIP: its entries by name, each with its bytes (checked against the stored CRC) and Unix mode.
 * @returns {Map<string, { data: Buffer, mode: number }>}
 * @throws Error on anything this writer would not have written (ZIP64, unknown methods, a bad CRC).
 */
export function readZip(zipPath) {
  const zip = readFileSync(zipPath);
  const endAt = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endAt < 0) throw new Error(`${zipPath}: no end of central directory`);
  const count = zip.readUInt16LE(endAt + 10);
  let at = zip.readUInt32LE(endAt + 16);
  const entries = new Map();
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== CENTRAL) throw new Error(`${zipPath}: bad central directory entry ${i}`);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const mode = (zip.readUInt32LE(at + 38) >>> 16) & 0o777;
    const localAt = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    at += 46 + nameLength + extraLength + commentLength;
    const dataAt = localAt + 30 + zip.readUInt16LE(localAt + 26) + zip.readUInt16LE(localAt + 28);
    const body = zip.subarray(dataAt, dataAt + size);
    if (method !== 0 && method !== 8) throw new Error(`${name}: compression method ${method}`);
    const data = method === 8 ? inflateRawSync(body) : Buffer.from(body);
    if (crc32(data) !== crc) throw new Error(`${name}: CRC mismatch`);
    entries.set(name, { data, mode });
  }
  return entries;
}

/** Writes the entries of `zipPath` under `dir` (names with `..` or absolute paths are refused). */
export function extractZip(zipPath, dir) {
  for (const [name, { data, mode }] of readZip(zipPath)) {
    if (name.startsWith('/') || name.split('/').includes('..')) throw new Error(`unsafe entry name ${name}`);
    const path = join(dir, ...name.split('/'));
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(path, 'w', mode || 0o644);
    try {
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
  }
}
