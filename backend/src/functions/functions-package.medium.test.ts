// The Azure Functions deployment package (`npm run package`): built once into a temporary folder, its zip extracted
// elsewhere (outside the repository, so nothing can resolve from the repository's node_modules), and its entry
// (package.json `main`) loaded by a plain Node process with the local host's functions-core shim, as the Functions
// worker would load it: every contract route and every timer must register, everything from inside the package.
import { routes } from '@qrca/contract';
import { unzipSync } from 'fflate';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { timers } from './route-table';

const ROOT = join(__dirname, '..', '..', '..');

interface Registered {
  readonly name: string;
  readonly trigger: { readonly type: string; readonly [key: string]: unknown } | undefined;
}
interface Probe {
  readonly functions: Registered[];
  readonly hooks: string[];
  /** Modules loaded from outside the extracted package (there should be none). */
  readonly outside: string[];
}

/** Loads the package's entry in a fresh Node process with the packaged shim and reports the registrations. */
const PROBE = `
const { installFunctionsCoreShim } = require('./backend/dist/local/functions-core-shim.js');
const registry = installFunctionsCoreShim();
require('./' + require('./package.json').main);
const functions = registry.functions.map((f) => ({
  name: f.name,
  trigger: Object.values(f.bindings).find((b) => b.type.endsWith('Trigger')),
}));
const outside = Object.keys(require.cache).filter((file) => !file.startsWith(process.cwd() + '/'));
process.stdout.write(JSON.stringify({ functions, hooks: registry.hooks.map((h) => h.name), outside }));
`;

const dirs: string[] = [];
const temp = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};

let extracted: string;
let zipEntries: string[];

function node(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): string {
  const result = spawnSync(process.execPath, args, {
    cwd: options.cwd,
    // Only what the probe needs: no REDIS_URL or Azure settings leak in from the test environment.
    env: { PATH: process.env.PATH, ...options.env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(`node ${args.slice(0, 2).join(' ')} failed (${result.status}): ${result.stderr}${result.stdout}`);
  }
  return result.stdout;
}

function probe(env: NodeJS.ProcessEnv): Probe {
  return JSON.parse(node(['-e', PROBE], { cwd: extracted, env })) as Probe;
}

beforeAll(() => {
  const out = temp('qrca-package-');
  node([join(ROOT, 'scripts/package-functions.mjs'), '--out', out], { cwd: ROOT });
  extracted = temp('qrca-package-extracted-');
  // Unpacked as Azure does it: every entry (its CRC checked by the reader) written out under one folder.
  const entries = unzipSync(readFileSync(join(out, 'functions.zip')));
  zipEntries = Object.keys(entries).filter((name) => !name.endsWith('/'));
  for (const name of zipEntries) {
    if (name.startsWith('/') || name.split('/').includes('..')) throw new Error(`unsafe entry name ${name}`);
    const path = join(extracted, ...name.split('/'));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, entries[name] as Uint8Array);
  }
}, 240_000);

afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the Functions deployment package', () => {
  it('holds host.json, package.json (main → the compiled backend), the backend and its production dependencies', () => {
    expect(zipEntries).toContain('host.json');
    const manifest = JSON.parse(readFileSync(join(extracted, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ main: 'backend/dist/main.js', type: 'commonjs' });
    expect(manifest).not.toHaveProperty('dependencies');
    expect(zipEntries).toContain('backend/dist/main.js');
    // Workspace packages travel inside it, as published: package.json and dist.
    expect(zipEntries).toContain('node_modules/@qrca/contract/package.json');
    expect(zipEntries).toContain('node_modules/@qrca/contract/dist/index.js');
    expect(zipEntries.some((e) => e.startsWith('node_modules/@qrca/contract/src/'))).toBe(false);
    for (const dependency of ['@azure/functions', '@azure/data-tables', 'ioredis', 'zod', 'jose']) {
      expect(
        zipEntries.some((e) => e.endsWith(`node_modules/${dependency}/package.json`)),
        dependency,
      ).toBe(true);
    }
    expect(zipEntries.some((e) => e.endsWith('node_modules/@azure/identity/package.json'))).toBe(true);
  });

  it('leaves out development dependencies, tests, TypeScript sources and local settings', () => {
    for (const dev of ['vitest', 'typescript', 'azurite', 'vite', 'eslint', 'playwright-core', 'tsx']) {
      expect(
        zipEntries.some((e) => e.startsWith(`node_modules/${dev}/`)),
        dev,
      ).toBe(false);
    }
    const ours = zipEntries.filter((e) => e.startsWith('backend/dist/') || e.startsWith('node_modules/@qrca/'));
    expect(ours.filter((e) => /\.test\.js$|\.ts$|local\.settings\.json$|test-support/.test(e))).toEqual([]);
    // TypeScript sources, declarations and maps of third-party dependencies are left out too (ours keep maps).
    const thirdParty = zipEntries.filter((e) => e.includes('node_modules/') && !e.startsWith('node_modules/@qrca/'));
    expect(thirdParty.filter((e) => /\.[cm]?ts$|\.map$/.test(e))).toEqual([]);
    expect(existsSync(join(extracted, 'backend', 'src'))).toBe(false);
  });

  it('registers every contract route and every timer from its entry, loading nothing from outside it', () => {
    const dataDir = temp('qrca-package-data-');
    const result = probe({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    expect(result.outside).toEqual([]);
    const byName = new Map(result.functions.map((f) => [f.name, f.trigger]));
    for (const def of Object.values(routes)) {
      expect(byName.get(def.name), def.name).toMatchObject({
        type: 'httpTrigger',
        methods: [def.method],
        route: def.path,
        authLevel: 'anonymous',
      });
    }
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    for (const timer of timers) {
      const schedule = typeof timer.schedule === 'string' ? timer.schedule : timer.schedule(config);
      expect(byName.get(timer.name), timer.name).toMatchObject({ type: 'timerTrigger', schedule });
    }
    expect(result.functions).toHaveLength(Object.keys(routes).length + timers.length);
    expect(result.hooks).toContain('appTerminate');
  });

  it('starts with the settings the Bicep template gives it (Entra ID everywhere, production rules)', () => {
    const client = '6f1c2a5e-3b4d-4c8e-9a0b-1c2d3e4f5a6b';
    const result = probe({
      NODE_ENV: 'production',
      LOG_LEVEL: 'silent',
      JWT_SECRET: 'x'.repeat(48),
      PUBLIC_URL: 'https://attend.example.edu',
      SMTP_URL: 'smtps://mailer:pw@smtp.example.edu',
      ADMIN_EMAILS: 'it@example.edu',
      AZURE_CLIENT_ID: client,
      AzureWebJobsStorage__tableServiceUri: 'https://stqrca.table.core.windows.net',
      AzureWebJobsStorage__credential: 'managedidentity',
      AzureWebJobsStorage__clientId: client,
      REDIS_URL: 'rediss://redis-qrca.westeurope.redis.azure.net:10000',
      REDIS_AUTH: 'entra',
      SignalRConnectionString: `Endpoint=https://sigr-qrca.service.signalr.net;AuthType=azure.msi;ClientId=${client};Version=1.0;`,
    });
    expect(result.functions).toHaveLength(Object.keys(routes).length + timers.length);
    expect(result.outside).toEqual([]);
    // Nothing was written to a data directory: on Azure there is none.
    expect(readdirSync(extracted).sort()).toEqual(['backend', 'host.json', 'node_modules', 'package.json']);
  });
});
