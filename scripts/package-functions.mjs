// `npm run package`: the Azure Functions deployment package of the backend, from the installed node_modules (no
// network). Builds the backend (incremental tsc, like `npm start`), then stages and zips:
//
//   host.json                 the Functions host configuration (backend/host.json)
//   package.json              main → backend/dist/main.js, type commonjs, no dependencies to install
//   backend/dist/**           the compiled backend (only outputs of current sources: no stale files)
//   backend/node_modules/**   production dependencies installed under backend/ (versions the root cannot hold)
//   node_modules/**           the rest of the production dependency closure, including the workspace packages
//                             @qrca/contract and @qrca/signalr-emulator (their package.json and dist only)
//
// The layout mirrors the repository's, so Node resolves every require in the package to the same package version
// it resolves to in the repository. Only production dependencies (dependencies, optional and peer dependencies
// that are installed) of the packages the backend requires are included; type declarations, source maps and
// Markdown inside node_modules are left out, and native addons keep their built `.node` files and JavaScript only.
//
// Output: dist/functions/ (the staged folder: azure.yaml deploys it) and dist/functions.zip (for a zip deploy).
// Options: --out <dir> (default dist/), --skip-build. Node built-ins, and fflate for the zip (scripts/package-zip.mjs).
import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { listFiles, writeZip } from './package-zip.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const backend = join(root, 'backend');
const WORKSPACES = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces.map((w) => join(root, w));
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Inside node_modules packages: files no runtime reads (TypeScript sources and declarations, maps, docs). */
const SKIPPED_FILE = /\.([cm]?ts|map|md|markdown|tsbuildinfo)$/i;
const SKIPPED_DIR = new Set(['node_modules', '.github', '.vscode', '.bin']);

/** The staged folder and zip for `outDir`. */
export function packagePaths(outDir = join(root, 'dist')) {
  return { staged: join(outDir, 'functions'), zip: join(outDir, 'functions.zip') };
}

function run(label, args) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${label} failed (exit ${result.status ?? result.signal})`);
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Node's package lookup from `fromDir` up to the repository root (exports maps do not matter for finding it). */
function findPackage(fromDir, name) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dirname(dir) === dir) return undefined;
  }
}

const isWorkspace = (realDir) => WORKSPACES.includes(realDir);

/**
 * The production dependency closure of `rootNames` as required from the backend: each package's real directory
 * with its place in the package. A package found at `<dir>/node_modules/<name>` is staged at
 * `<staged place of dir>/node_modules/<name>`, where a workspace package's place is where it is installed and
 * backend/ stays backend/: so every lookup in the package ends where it ends in the repository.
 * @throws Error naming the required packages that are not installed.
 */
export function dependencyClosure(rootNames) {
  const found = new Map(); // real dir → { staged, workspace, name }
  const placed = new Map([
    [root, ''],
    [backend, 'backend'],
  ]);
  /** The staged place of a directory the lookup went through: a known one, or below the nearest known ancestor. */
  const placeOf = (dir) => {
    for (let at = dir; ; at = dirname(at)) {
      if (placed.has(at)) return join(placed.get(at), relative(at, dir));
    }
  };
  const missing = [];
  const visit = (fromReal, name, optional, who) => {
    const installedAt = findPackage(fromReal, name);
    if (!installedAt) {
      if (!optional) missing.push(`${name} (required by ${who})`);
      return;
    }
    const real = realpathSync(installedAt);
    if (found.has(real)) return;
    const lookupDir = dirname(dirname(name.startsWith('@') ? dirname(installedAt) : installedAt));
    const staged = join(placeOf(lookupDir), 'node_modules', name);
    found.set(real, { staged, workspace: isWorkspace(real), name });
    placed.set(real, staged);
    const manifest = readJson(join(real, 'package.json'));
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(real, dep, false, name);
    for (const dep of Object.keys(manifest.optionalDependencies ?? {})) visit(real, dep, true, name);
    // Peers the package needs are installed by npm 7+; ones that are not installed are optional.
    for (const dep of Object.keys(manifest.peerDependencies ?? {})) visit(real, dep, true, name);
  };
  for (const name of rootNames) visit(backend, name, false, '@qrca/backend');
  if (missing.length > 0) throw new Error(`production dependencies not installed: ${missing.join(', ')}`);
  return found;
}

/** Bare module names the given compiled files require (tsc's CommonJS output: `require("x")`). */
function requiredPackages(dir, files) {
  const names = new Set();
  for (const file of files.filter((f) => f.endsWith('.js'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    for (const [, spec] of text.matchAll(/require\("([^"./][^"]*)"\)/g)) {
      if (BUILTINS.has(spec)) continue;
      const parts = spec.split('/');
      names.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
    }
  }
  return names;
}

/** Compiled outputs under `distDir` whose TypeScript source still exists under `srcDir` (no stale files). */
function currentOutputs(distDir, srcDir) {
  return listFiles(distDir).filter((file) => {
    const match = /^(.*)\.js(\.map)?$/.exec(file);
    return match !== null && existsSync(join(srcDir, `${match[1]}.ts`));
  });
}

function copyInto(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  return statSync(from).size;
}

/** Copies a node_modules package: everything a runtime may read (see SKIPPED_*), or for native addons less. */
function copyPackage(real, target) {
  let bytes = 0;
  const native = existsSync(join(real, 'binding.gyp'));
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(real, path);
      if (entry.isDirectory()) {
        if (SKIPPED_DIR.has(entry.name)) continue;
        // Native addons: JavaScript and the built addon; not the C sources, dependencies or build intermediates.
        if (native && dir === real && ['src', 'deps'].includes(entry.name)) continue;
        walk(path);
      } else if (entry.isFile()) {
        if (SKIPPED_FILE.test(entry.name)) continue;
        if (native && rel.startsWith(`build${sep}`) && dirname(rel) !== join('build', 'Release')) continue;
        if (native && rel.startsWith(`build${sep}`) && !rel.endsWith('.node')) continue;
        bytes += copyInto(path, join(target, rel));
      }
    }
  };
  walk(real);
  return bytes;
}

/** Copies a workspace package as npm would publish it: package.json and its `files` (default dist), current only. */
function copyWorkspace(real, target) {
  const manifest = readJson(join(real, 'package.json'));
  let bytes = copyInto(join(real, 'package.json'), join(target, 'package.json'));
  for (const entry of manifest.files ?? ['dist']) {
    const from = join(real, entry);
    if (!existsSync(from)) throw new Error(`${manifest.name}: ${entry} is missing (was it built?)`);
    const files =
      entry === 'dist' && existsSync(join(real, 'src'))
        ? currentOutputs(from, join(real, 'src'))
        : statSync(from).isDirectory()
          ? listFiles(from)
          : [''];
    for (const file of files) bytes += copyInto(file ? join(from, file) : from, join(target, entry, file));
  }
  return bytes;
}

/**
 * Builds (unless skipped), stages and zips the Functions package.
 * @returns {{ staged: string, zip: string, packages: number, files: number, bytes: number, zipBytes: number }}
 */
export function packageFunctions({ outDir, build = true, log = console.log } = {}) {
  const { staged, zip } = packagePaths(outDir);
  if (build) run('backend build', [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'backend']);
  const manifest = readJson(join(backend, 'package.json'));
  const dist = join(backend, 'dist');
  if (!existsSync(join(dist, 'main.js'))) throw new Error('backend/dist/main.js is missing: build the backend first');

  rmSync(staged, { recursive: true, force: true });
  rmSync(zip, { force: true });
  mkdirSync(staged, { recursive: true });
  let bytes = copyInto(join(backend, 'host.json'), join(staged, 'host.json'));
  const outputs = currentOutputs(dist, join(backend, 'src'));
  for (const file of outputs) bytes += copyInto(join(dist, file), join(staged, 'backend', 'dist', file));
  // What the compiled code requires, besides what package.json declares (a workspace package may be undeclared).
  const names = new Set([...Object.keys(manifest.dependencies ?? {}), ...requiredPackages(dist, outputs)]);
  const closure = dependencyClosure([...names].sort());
  for (const [real, { staged: at, workspace }] of closure) {
    bytes += workspace ? copyWorkspace(real, join(staged, at)) : copyPackage(real, join(staged, at));
  }
  writeFileSync(
    join(staged, 'package.json'),
    `${JSON.stringify(
      {
        name: 'qr-chain-attendance-functions',
        version: manifest.version,
        private: true,
        description: 'Azure Functions deployment package (npm run package): dependencies are included, not installed.',
        type: 'commonjs',
        main: 'backend/dist/main.js',
        engines: { node: '>=20' },
      },
      null,
      2,
    )}\n`,
  );
  const { entries, bytes: zipBytes } = writeZip(staged, zip);
  log(
    `[package] ${closure.size} packages, ${entries} files, ${(bytes / 1e6).toFixed(1)} MB → ` +
      `${relative(root, zip)} (${(zipBytes / 1e6).toFixed(1)} MB); staged in ${relative(root, staged)}/`,
  );
  return { staged, zip, packages: closure.size, files: entries, bytes, zipBytes };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, 'skip-build': { type: 'boolean' } } });
  try {
    const out = values.out ? (isAbsolute(values.out) ? values.out : resolve(process.cwd(), values.out)) : undefined;
    packageFunctions({ outDir: out, build: !values['skip-build'] });
  } catch (error) {
    console.error(`[package] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
