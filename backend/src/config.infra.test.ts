// infra/ (Bicep) against the code, without the Bicep compiler (it cannot be installed on these machines; users run
// `az bicep build` / `azd provision --preview`, docs/deploy.md): every setting config.ts's schema reads is set on
// the Functions app or deliberately left out (the commented allow-list below), the settings as the template writes
// them pass config.ts's production validation, and the managed identity is granted exactly the roles those
// settings need — no more. Also: the Flex Consumption deployment, azure.yaml's services and the parameter wiring.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { EnvSchema, loadConfig, type AppConfig } from './config';

const ROOT = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

// ── A small reader for our Bicep: resources, vars and object literals (strings, interpolations, comments) ───────

/** Index just after the string literal starting at `i` ('…' with escapes and ${…}, or '''…'''). */
function skipString(text: string, i: number): number {
  if (text.startsWith("'''", i)) return text.indexOf("'''", i + 3) + 3;
  for (let j = i + 1; j < text.length; j++) {
    const c = text[j];
    if (c === '\\') j++;
    else if (c === "'") return j + 1;
    else if (c === '$' && text[j + 1] === '{') j = closing(text, j + 1);
  }
  throw new Error(`unterminated string at ${i}`);
}

/** Index of the bracket closing the one at `open`. */
function closing(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c === "'") i = skipString(text, i) - 1;
    else if (c === '/' && text[i + 1] === '/') i = text.indexOf('\n', i);
    else if (c === '/' && text[i + 1] === '*') i = text.indexOf('*/', i) + 1;
    else if ('{[('.includes(c)) depth++;
    else if ('}])'.includes(c) && --depth === 0) return i;
  }
  throw new Error(`unbalanced bracket at ${open}`);
}

/** The top-level entries of an object literal `{ … }`: key → value text. */
function entries(object: string): Map<string, string> {
  const out = new Map<string, string>();
  let depth = 0;
  let lineStart = true;
  for (let i = 0; i < object.length; i++) {
    const c = object[i] ?? '';
    if (depth === 1 && lineStart) {
      const key = /^\s*(?:'([^']+)'|([A-Za-z_]\w*))\s*:/.exec(object.slice(i));
      if (key && !/^\s*\/\//.test(object.slice(i))) {
        const start = i + key[0].length;
        let end = start;
        let inner = 0;
        for (; end < object.length; end++) {
          const d = object[end] ?? '';
          if (d === '/' && object[end + 1] === '/') end = object.indexOf('\n', end) - 1;
          else if (d === "'") end = skipString(object, end) - 1;
          else if ('{[('.includes(d)) inner++;
          else if ('}])'.includes(d)) {
            if (inner === 0) break;
            inner--;
          } else if (d === '\n' && inner === 0) break;
        }
        out.set(key[1] ?? key[2] ?? '', object.slice(start, end).trim());
        i = end - 1;
        lineStart = false;
        continue;
      }
    }
    lineStart = c === '\n';
    if (c === "'") i = skipString(object, i) - 1;
    else if (c === '/' && object[i + 1] === '/') i = object.indexOf('\n', i) - 1;
    else if ('{[('.includes(c)) depth++;
    else if ('}])'.includes(c)) depth--;
  }
  return out;
}

/** The object literals of an expression at its top level (both branches of `c ? {…} : {…}`). */
function objectsIn(expression: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === '/' && expression[i + 1] === '/') i = expression.indexOf('\n', i);
    else if (c === "'") i = skipString(expression, i) - 1;
    else if (c === '{') {
      const end = closing(expression, i);
      out.push(expression.slice(i, end + 1));
      i = end;
    } else if (c === '(' || c === '[') i = closing(expression, i);
  }
  return out;
}

interface Resource {
  readonly symbol: string;
  readonly type: string;
  readonly condition: string | undefined;
  readonly body: Map<string, string>;
}

function resourcesOf(text: string): Resource[] {
  const out: Resource[] = [];
  const declaration = /^resource\s+(\w+)\s+'([^'@]+)@[^']+'\s*(existing\s*)?=\s*(?:if\s*\((.*)\)\s*)?\{/gm;
  for (const match of text.matchAll(declaration)) {
    const open = (match.index ?? 0) + match[0].length - 1;
    out.push({
      symbol: match[1] ?? '',
      type: match[2] ?? '',
      condition: match[4],
      body: entries(text.slice(open, closing(text, open) + 1)),
    });
  }
  return out;
}

/** `var name = …`: the expression text. */
function varOf(text: string, name: string): string {
  const match = new RegExp(`^var\\s+${name}\\s*=\\s*`, 'm').exec(text);
  if (!match) throw new Error(`no var ${name}`);
  let i = match.index + match[0].length;
  const start = i;
  for (; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c === '/' && text[i + 1] === '/') i = text.indexOf('\n', i) - 1;
    else if (c === "'") i = skipString(text, i) - 1;
    else if ('{[('.includes(c)) i = closing(text, i);
    else if (c === '\n' && !/^\s*[?:]/.test(text.slice(i + 1))) break;
  }
  return text.slice(start, i).trim();
}

const unquote = (value: string | undefined) => /^'(.*)'$/s.exec(value ?? '')?.[1];
/** `a.properties.b` → `a`. */
const symbolOf = (expression: string) => /^([A-Za-z_]\w*)\b/.exec(expression.replace(/^\$\{/, ''))?.[1];
/** Every `${…}` of a string value. */
const interpolations = (value: string) => [...value.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1] ?? '');

// ── The template ────────────────────────────────────────────────────────────────────────────────────────────────

const resourcesBicep = read('infra/resources.bicep');
const mainBicep = read('infra/main.bicep');
const resources = resourcesOf(resourcesBicep);
const resource = (symbol: string): Resource => {
  const found = resources.find((r) => r.symbol === symbol);
  if (!found) throw new Error(`no resource ${symbol}`);
  return found;
};
const byType = (type: string) => resources.filter((r) => r.type === type);

const functionApps = byType('Microsoft.Web/sites');
const appSettingsResource = byType('Microsoft.Web/sites/config').find(
  (r) => unquote(r.body.get('name')) === 'appsettings',
);
/** Every app setting the template writes: key → the Bicep value expression. */
const settings = new Map<string, string>();
for (const name of /union\(([^)]*)\)/.exec(appSettingsResource?.body.get('properties') ?? '')?.[1]?.split(',') ?? []) {
  for (const object of objectsIn(varOf(resourcesBicep, name.trim()))) {
    for (const [key, value] of entries(object)) settings.set(key, value);
  }
}
const roles = new Map(
  [...entries(objectsIn(varOf(resourcesBicep, 'roles'))[0] ?? '{}')].map(([k, v]) => [k, unquote(v) ?? '']),
);

// ── What the code reads, and what is deliberately not set ───────────────────────────────────────────────────────

/**
 * Settings config.ts reads that the template leaves unset on purpose. Anything else in EnvSchema must be set by
 * the template, so a new setting forces a decision here.
 */
const NOT_SET_BY_TEMPLATE: Readonly<Record<string, string>> = {
  // The local host only: the Functions host listens, terminates TLS and has no data directory.
  PORT: 'local host only',
  HOST: 'local host only',
  DATA_DIR: 'local host only (embedded store, dev secret, dev outbox)',
  TLS_CERT: 'local host only: Azure terminates TLS',
  TLS_KEY: 'local host only: Azure terminates TLS',
  // The key-based alternatives of connections the template makes with the managed identity.
  AzureWebJobsStorage: 'the connection string (account key); the template uses the identity settings',
  AzureWebJobsStorage__accountName: 'the template gives AzureWebJobsStorage__tableServiceUri instead',
  AZURE_OPENAI_API_KEY: 'Azure OpenAI is reached with the identity',
  // One Redis per deployment, one in-process cache bound when there is no Redis.
  REDIS_KEY_PREFIX: 'for sharing one Redis between deployments; the template makes one per deployment',
  CACHE_MAX_ENTRIES: 'bounds the in-process cache, unused with Redis',
  // The Functions front end is Azure's, which the code already handles; no other proxy is in front.
  TRUSTED_PROXIES: 'only for a reverse proxy of your own in front',
};

/** Session-rule tunables with a code default: set in the app settings to change; the template keeps the defaults. */
const TUNABLE = /^(CHAIN|PROJECTOR|FLAG|AUDIT)_/;

/** Settings the template writes for the Functions host itself (config.ts does not read them). */
const HOST_SETTINGS = new Set([
  'AzureWebJobsStorage__blobServiceUri',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
]);

const schemaKeys = Object.keys(EnvSchema.shape);

// ── The settings as Azure would give them to the app (expressions replaced by what they evaluate to) ────────────

const CLIENT_ID = '6f1c2a5e-3b4d-4c8e-9a0b-1c2d3e4f5a6b';
/** What each Bicep expression the settings use evaluates to in a deployment. Unknown ones fail the test. */
const EVALUATES_TO: Readonly<Record<string, string>> = {
  'identity.properties.clientId': CLIENT_ID,
  'storage.properties.primaryEndpoints.blob': 'https://stqrca.blob.core.windows.net/',
  'storage.properties.primaryEndpoints.table': 'https://stqrca.table.core.windows.net/',
  'redis.properties.hostName': 'redis-qrca.westeurope.redis.azure.net',
  'redisDatabase.properties.port': '10000',
  'signalR.properties.hostName': 'sigr-qrca.service.signalr.net',
  'appInsights.properties.ConnectionString': 'InstrumentationKey=00000000-0000-0000-0000-000000000000',
  'openAi.properties.endpoint': 'https://oai-qrca.openai.azure.com/',
  siteUrl: 'https://swa-qrca.azurestaticapps.net',
  logLevel: 'info',
  authProvider: 'local',
  adminEmails: 'it@example.edu',
  teacherEmailDomains: 'example.edu',
  studentEmailDomains: 'students.example.edu',
  mailFrom: '',
  openAiDeploymentName: 'gpt-4o-mini',
};
/** Key Vault references resolve to the secret (App Service does this before the app starts). */
const SECRET_VALUES: Readonly<Record<string, string>> = {
  JWT_SECRET: 'generated-by-azd-'.padEnd(64, 'x'),
  SMTP_URL: 'smtps://mailer:pw@smtp.example.edu:465',
};

function evaluate(key: string, expression: string): string {
  const literal = unquote(expression);
  if (literal === undefined) {
    if (!(expression in EVALUATES_TO)) throw new Error(`${key}: unknown expression ${expression}`);
    return EVALUATES_TO[expression] ?? '';
  }
  if (literal.startsWith('@Microsoft.KeyVault(')) return SECRET_VALUES[key] ?? 'x'.repeat(40);
  return literal.replace(/\$\{([^}]+)\}/g, (_, inner: string) => {
    if (!(inner in EVALUATES_TO)) throw new Error(`${key}: unknown expression ${inner}`);
    return EVALUATES_TO[inner] ?? '';
  });
}

const azureEnv = Object.fromEntries([...settings].map(([key, value]) => [key, evaluate(key, value)]));

// ── What each Entra ID connection of the code needs (built-in role ids: learn.microsoft.com built-in roles) ─────

const ROLE_IDS = {
  'Storage Blob Data Owner': 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  'Storage Table Data Contributor': '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  'SignalR App Server': '420fcaa2-552c-430f-98ca-3264be4806c7',
  'Key Vault Secrets User': '4633458b-17de-408a-b874-0445c86b69e6',
  'Monitoring Metrics Publisher': '3913510d-42f4-4e42-8a64-420c390055eb',
  'Cognitive Services OpenAI User': '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd',
} as const;

/** `<role> on <resource symbol>` for each grant the settings need, with why. */
function neededGrants(config: AppConfig): Map<string, string> {
  const needs = new Map<string, string>();
  const on = (setting: string) =>
    symbolOf(interpolations(settings.get(setting) ?? '')[0] ?? settings.get(setting) ?? '');
  needs.set(`Storage Blob Data Owner on ${on('AzureWebJobsStorage__blobServiceUri')}`, 'Functions host storage');
  if (config.store.kind === 'tables' && config.store.credential) {
    needs.set(`Storage Table Data Contributor on ${on('AzureWebJobsStorage__tableServiceUri')}`, 'table store');
  }
  if (config.realtime.kind === 'signalr' && config.realtime.credential) {
    needs.set(`SignalR App Server on ${on('SignalRConnectionString')}`, 'SignalR adapter');
  }
  if (config.cache.kind === 'redis' && config.cache.credential) {
    const redis = on('REDIS_URL');
    const database = resources.find(
      (r) => r.type === 'Microsoft.Cache/redisEnterprise/databases' && r.body.get('parent') === redis,
    );
    needs.set(`Redis access policy default on ${database?.symbol}`, 'Redis adapter');
  }
  const vaults = new Set(
    [...settings.values()]
      .filter((v) => v.includes('@Microsoft.KeyVault('))
      .map((v) => resource(symbolOf(interpolations(v)[0] ?? '') ?? '').body.get('parent')),
  );
  for (const vault of vaults) needs.set(`Key Vault Secrets User on ${vault}`, 'Key Vault references');
  if (/Authorization=AAD/.test(settings.get('APPLICATIONINSIGHTS_AUTHENTICATION_STRING') ?? '')) {
    needs.set(`Monitoring Metrics Publisher on ${on('APPLICATIONINSIGHTS_CONNECTION_STRING')}`, 'telemetry');
  }
  if (config.openai?.auth.kind === 'entra') {
    needs.set(`Cognitive Services OpenAI User on ${on('AZURE_OPENAI_ENDPOINT')}`, 'session summary');
  }
  return needs;
}

/** What the template grants the identity: `<role> on <scope symbol>`. */
function grantedToIdentity(identity: string): Map<string, Resource> {
  const granted = new Map<string, Resource>();
  for (const assignment of byType('Microsoft.Authorization/roleAssignments')) {
    const properties = entries(assignment.body.get('properties') ?? '{}');
    expect(properties.get('principalId'), assignment.symbol).toBe(`${identity}.properties.principalId`);
    expect(unquote(properties.get('principalType')), assignment.symbol).toBe('ServicePrincipal');
    const roleKey = /roles\.(\w+)/.exec(properties.get('roleDefinitionId') ?? '')?.[1] ?? '';
    const roleId = roles.get(roleKey);
    const name = Object.entries(ROLE_IDS).find(([, id]) => id === roleId)?.[0] ?? `unknown role ${roleKey}`;
    granted.set(`${name} on ${assignment.body.get('scope')}`, assignment);
  }
  for (const assignment of byType('Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments')) {
    const properties = entries(assignment.body.get('properties') ?? '{}');
    expect(entries(properties.get('user') ?? '{}').get('objectId')).toBe(`${identity}.properties.principalId`);
    granted.set(
      `Redis access policy ${unquote(properties.get('accessPolicyName'))} on ${assignment.body.get('parent')}`,
      assignment,
    );
  }
  return granted;
}

// ── Tests ───────────────────────────────────────────────────────────────────────────────────────────────────────

describe('infra/resources.bicep: the app settings', () => {
  it('sets every setting config.ts reads, except the commented allow-list and the session-rule tunables', () => {
    expect(functionApps).toHaveLength(1);
    expect(appSettingsResource?.body.get('parent')).toBe(functionApps[0]?.symbol);
    const unset = schemaKeys.filter((key) => !settings.has(key) && !(key in NOT_SET_BY_TEMPLATE) && !TUNABLE.test(key));
    expect(unset, 'read by config.ts but neither set by infra/resources.bicep nor in NOT_SET_BY_TEMPLATE').toEqual([]);
  });

  it('keeps the allow-list honest: only keys the schema has, none the template sets, tunables with defaults', () => {
    for (const key of Object.keys(NOT_SET_BY_TEMPLATE)) {
      expect(schemaKeys, `${key} is not read by config.ts any more`).toContain(key);
      expect(settings.has(key), `${key} is set by the template after all`).toBe(false);
    }
    for (const key of schemaKeys.filter((k) => TUNABLE.test(k) && !settings.has(k))) {
      const parsed = (EnvSchema.shape[key as keyof typeof EnvSchema.shape] as z.ZodType).safeParse(undefined);
      expect(parsed.success && parsed.data !== undefined, `${key} has no default: the template must set it`).toBe(true);
    }
  });

  it("writes only settings config.ts reads, besides the Functions host's own", () => {
    const unknown = [...settings.keys()].filter((key) => !schemaKeys.includes(key) && !HOST_SETTINGS.has(key));
    expect(unknown).toEqual([]);
  });

  it("passes config.ts's production validation and connects everything with the managed identity", () => {
    const config = loadConfig(azureEnv);
    const identity = { kind: 'managed-identity', clientId: CLIENT_ID };
    expect(config.env).toBe('production');
    expect(config.store).toMatchObject({ kind: 'tables', credential: identity });
    expect(config.cache).toMatchObject({ kind: 'redis', credential: identity });
    expect(config.realtime).toMatchObject({ kind: 'signalr', credential: identity });
    expect(config.openai?.auth).toEqual({ kind: 'entra', credential: identity });
    expect(config.mail).toMatchObject({ kind: 'smtp' });
    // Secrets come from Key Vault, never from the template's text.
    for (const key of ['JWT_SECRET', 'SMTP_URL']) expect(settings.get(key), key).toMatch(/^'@Microsoft\.KeyVault\(/);
  });
});

describe('infra/resources.bicep: the identity and its roles', () => {
  const identity = byType('Microsoft.ManagedIdentity/userAssignedIdentities');

  it('has one user-assigned identity: the Functions app runs as it and every setting names it', () => {
    expect(identity).toHaveLength(1);
    const symbol = identity[0]?.symbol ?? '';
    const app = functionApps[0];
    expect(app?.body.get('identity')).toContain(`'\${${symbol}.id}': {}`);
    expect(entries(app?.body.get('properties') ?? '{}').get('keyVaultReferenceIdentity')).toBe(`${symbol}.id`);
    for (const key of ['AZURE_CLIENT_ID', 'AzureWebJobsStorage__clientId']) {
      expect(settings.get(key), key).toBe(`${symbol}.properties.clientId`);
    }
    expect(settings.get('SignalRConnectionString')).toContain(
      `AuthType=azure.msi;ClientId=\${${symbol}.properties.clientId}`,
    );
    expect(settings.get('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')).toContain(
      `ClientId=\${${symbol}.properties.clientId}`,
    );
  });

  it('grants exactly what the code needs with these settings (least privilege), each to the identity', () => {
    const config = loadConfig(azureEnv);
    const needed = neededGrants(config);
    const granted = grantedToIdentity(identity[0]?.symbol ?? '');
    expect([...granted.keys()].sort()).toEqual([...needed.keys()].sort());
    expect(roles.size).toBe(Object.keys(ROLE_IDS).length);
  });

  it('grants the Azure OpenAI role only when the template creates Azure OpenAI', () => {
    const openAiUser = grantedToIdentity(identity[0]?.symbol ?? '').get('Cognitive Services OpenAI User on openAi');
    expect(openAiUser?.condition).toBe('deployOpenAi');
    expect(resource('openAi').condition).toBe('deployOpenAi');
    expect(varOf(resourcesBicep, 'openAiSettings')).toMatch(/^deployOpenAi\s*\?/);
  });

  it('turns off the key and local authentication of every service that the identity reaches', () => {
    expect(entries(resource('storage').body.get('properties') ?? '{}').get('allowSharedKeyAccess')).toBe('false');
    expect(entries(resource('signalR').body.get('properties') ?? '{}').get('disableLocalAuth')).toBe('true');
    expect(
      unquote(entries(resource('redisDatabase').body.get('properties') ?? '{}').get('accessKeysAuthentication')),
    ).toBe('Disabled');
    expect(entries(resource('openAi').body.get('properties') ?? '{}').get('disableLocalAuth')).toBe('true');
    expect(entries(resource('appInsights').body.get('properties') ?? '{}').get('DisableLocalAuth')).toBe('true');
  });
});

describe('infra: Functions on Flex Consumption, Static Web Apps, azd', () => {
  it('runs Node 22 on the Flex Consumption plan from a deployment container the identity reads', () => {
    const plan = resource('plan');
    expect(plan.body.get('sku')).toMatch(/name: 'FC1'[\s\S]*tier: 'FlexConsumption'/);
    const config = entries(entries(functionApps[0]?.body.get('properties') ?? '{}').get('functionAppConfig') ?? '{}');
    const storage = entries(entries(config.get('deployment') ?? '{}').get('storage') ?? '{}');
    expect(unquote(storage.get('type'))).toBe('blobContainer');
    expect(storage.get('value')).toBe("'${storage.properties.primaryEndpoints.blob}${deploymentContainer}'");
    expect(storage.get('authentication')).toMatch(
      /UserAssignedIdentity[\s\S]*userAssignedIdentityResourceId: identity\.id/,
    );
    expect(config.get('runtime')).toMatch(/name: 'node'[\s\S]*version: '22'/);
    expect(resource('deploymentBlobs').body.get('name')).toBe('deploymentContainer');
  });

  it('serves the web app from a Standard Static Web App with /api linked to the Functions app', () => {
    expect(resource('staticWebApp').body.get('sku')).toMatch(/name: 'Standard'/);
    const link = byType('Microsoft.Web/staticSites/linkedBackends')[0];
    expect(link?.body.get('parent')).toBe('staticWebApp');
    expect(entries(link?.body.get('properties') ?? '{}').get('backendResourceId')).toBe(
      `${functionApps[0]?.symbol}.id`,
    );
    expect(settings.get('PUBLIC_URL')).toBe('siteUrl');
    expect(varOf(resourcesBicep, 'siteUrl')).toContain('staticWebApp.properties.defaultHostname');
  });

  it("tags the resources azure.yaml's services deploy to, and azure.yaml deploys the package npm run package stages", () => {
    const yaml = read('azure.yaml');
    expect(resource('functionApp').body.get('tags')).toContain("'azd-service-name': 'api'");
    expect(resource('staticWebApp').body.get('tags')).toContain("'azd-service-name': 'web'");
    expect(yaml).toMatch(
      / {2}api:\n(?: {4}.*\n|\s*#.*\n)* {4}host: function\n(?: {4}.*\n)* {4}dist: \.\.\/dist\/functions\n {4}remoteBuild: false/,
    );
    expect(yaml).toMatch(/run: node \.\.\/scripts\/package-functions\.mjs/);
    expect(yaml).toMatch(/ {2}web:\n(?: {4}.*\n|\s*#.*\n)* {4}host: staticwebapp/);
  });

  it('wires every parameter: main.parameters.json → main.bicep → resources.bicep', () => {
    const mainParams = new Set([...mainBicep.matchAll(/^param\s+(\w+)/gm)].map((m) => m[1]));
    const file = JSON.parse(read('infra/main.parameters.json')) as { parameters: Record<string, unknown> };
    for (const name of Object.keys(file.parameters)) expect(mainParams, name).toContain(name);
    const moduleParams = entries(
      entries(/module resources 'resources.bicep' = (\{[\s\S]*?\n\})/.exec(mainBicep)?.[1] ?? '{}').get('params') ??
        '{}',
    );
    const resourceParams = [...resourcesBicep.matchAll(/^param\s+(\w+)\s+\w+(\s*=)?/gm)];
    for (const [, name, hasDefault] of resourceParams) {
      if (!hasDefault) expect(moduleParams.has(name ?? ''), `resources.bicep param ${name}`).toBe(true);
    }
    // The generated JWT secret never comes from the parameters file (azd generates and keeps it).
    expect(Object.keys(file.parameters)).not.toContain('jwtSecret');
    expect(mainBicep).toMatch(/type: 'generate'/);
  });
});
