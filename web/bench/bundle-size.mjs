// `npm run bench:bundle`: builds the web app and weighs what each screen downloads on a first visit (gzip level 9):
// the HTML, the entry chunk with everything it imports statically, the CSS, and the screen's own lazily loaded chunk
// with its static imports. Code loaded only on demand (jsQR, when the browser has no BarcodeDetector) is listed
// apart. Reads Vite's build manifest (dist/.vite/manifest.json). Prints a Markdown table; --json prints raw figures.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(web, 'dist');
const build = spawnSync(
  process.execPath,
  [join(web, '..', 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'],
  {
    cwd: web,
    stdio: 'inherit',
  },
);
if (build.status !== 0) process.exit(build.status ?? 1);

const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8'));
const gz = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;

/** The files a chunk brings with its static imports (and their CSS). */
function closure(key, seen = new Set()) {
  const chunk = manifest[key];
  if (!chunk || seen.has(chunk.file)) return seen;
  seen.add(chunk.file);
  for (const css of chunk.css ?? []) seen.add(css);
  for (const child of chunk.imports ?? []) closure(child, seen);
  return seen;
}

const entryKey = Object.keys(manifest).find((key) => manifest[key].isEntry);
const entry = closure(entryKey);
entry.add('index.html');
const lazy = (name) => Object.keys(manifest).find((key) => key.includes(name));
const screens = {
  'student (join, session, scan)': 'student-session-page',
  projector: 'projector-page',
};
const rows = [{ screen: 'shell (home, sign-in, join link)', files: [...entry] }];
for (const [screen, name] of Object.entries(screens)) {
  const key = lazy(name);
  if (!key) throw new Error(`no chunk for ${name}`);
  rows.push({ screen, files: [...new Set([...entry, ...closure(key)])] });
}
const onDemand = Object.values(manifest)
  .filter((chunk) => chunk.isDynamicEntry && !Object.values(screens).some((name) => chunk.src?.includes(name)))
  .map((chunk) => ({ file: chunk.file, gzip: gz(chunk.file) }));
const result = rows.map(({ screen, files }) => ({
  screen,
  files: files.length,
  gzipBytes: files.reduce((n, f) => n + gz(f), 0),
}));

if (process.argv.includes('--json')) console.log(JSON.stringify({ firstLoad: result, onDemand }, null, 2));
else {
  console.log('| first visit of | files | gzip KB |\n|---|---:|---:|');
  for (const row of result) console.log(`| ${row.screen} | ${row.files} | ${(row.gzipBytes / 1024).toFixed(1)} |`);
  for (const chunk of onDemand) console.log(`\nOn demand: ${chunk.file} ${(chunk.gzip / 1024).toFixed(1)} KB gzip`);
}
