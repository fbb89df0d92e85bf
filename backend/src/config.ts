/**
 * Environment → typed, validated, frozen configuration. Parsed once at start-up; every bad key is reported at
 * once; production refuses to start without real secrets; services receive values and never read process.env.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { isValidCidrOrIp } from '@qrca/contract';
import {
  credentialFor,
  signalRAuth,
  storageIdentity,
  type AzureCredentialConfig,
} from './adapters/azure-identity/identity-settings';
import { isLoopbackHost, isWildcardHost, lanHost, SYSTEM_MACHINE, urlHost, type Machine } from './local/lan-address';
import { readPemPair } from './local/tls-files';

export type { AzureCredentialConfig } from './adapters/azure-identity/identity-settings';

export type StoreConfig =
  | { readonly kind: 'sqlite'; readonly file: string }
  | { readonly kind: 'tables'; readonly connectionString: string; readonly credential?: undefined }
  /** Microsoft Entra ID (the `AzureWebJobsStorage__…` identity settings): the Table endpoint and the credential. */
  | {
      readonly kind: 'tables';
      readonly connectionString?: undefined;
      readonly endpoint: string;
      readonly credential: AzureCredentialConfig;
    };

export type CacheConfig =
  | { readonly kind: 'memory'; readonly maxEntries: number }
  | {
      readonly kind: 'redis';
      readonly url: string;
      readonly keyPrefix: string;
      /** `REDIS_AUTH=entra`: AUTH with Entra tokens from this credential instead of the URL's password. */
      readonly credential?: AzureCredentialConfig;
    };

export type RealtimeConfig =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'signalr';
      /** Origin of the service's REST API (`Endpoint`, with `Port` when given). */
      readonly endpoint: string;
      /** The AccessKey of a key-based connection string; empty with `credential`. */
      readonly accessKey: string;
      /** `AuthType=azure.msi` / `azure`: Microsoft Entra ID instead of an AccessKey. */
      readonly credential?: AzureCredentialConfig;
      /**
       * Where clients connect (`ClientEndpoint`; default `endpoint`), or `same-origin` when the local host
       * proxies `/client/` to its embedded emulator: each client is sent to the origin it reached us at.
       */
      readonly clientEndpoint: string;
    };

/** Azure OpenAI: its key, or (no key given) Microsoft Entra ID with the app's identity. */
export interface OpenAiConfig {
  readonly endpoint: string;
  readonly deployment: string;
  readonly auth:
    | { readonly kind: 'key'; readonly apiKey: string }
    | { readonly kind: 'entra'; readonly credential: AzureCredentialConfig };
}

export type MailConfig =
  { readonly kind: 'outbox' } | { readonly kind: 'smtp'; readonly url: string; readonly from: string };

/**
 * HTTPS of the local host (the Functions host on Azure ignores it: the platform terminates TLS). Phones need a
 * secure context for the camera, WebCrypto and service workers; `localhost` is one already over plain HTTP.
 */
export type TlsConfig =
  | { readonly kind: 'off' }
  /** The user's own certificate and key (`TLS_CERT`, `TLS_KEY`), checked readable and matching at start-up. */
  | { readonly kind: 'files'; readonly certFile: string; readonly keyFile: string }
  /** Classroom mode: a self-signed certificate generated once into `dir` (`DATA_DIR/tls`) and reused. */
  | { readonly kind: 'self-signed'; readonly dir: string };

export interface AuthConfig {
  /** `local`: email codes and our session tokens; `swa`: trust Azure Static Web Apps' principal header. */
  readonly provider: 'local' | 'swa';
  readonly teacherDomains: readonly string[];
  readonly studentDomains: readonly string[];
  readonly adminEmails: readonly string[];
  /** Whether the domain lists are the development defaults (nothing was configured). */
  readonly defaultDomains: boolean;
}

/** Chain baton rules (PRODUCT §4.1), adjustable per deployment. */
export interface ChainConfig {
  /** The holder's code rotates every this many seconds. */
  readonly rotationSeconds: number;
  /** Steps before the current one that are still accepted (1 = current + previous). */
  readonly acceptPreviousSteps: number;
  /** A chain without a hand-off for this long is stalled. */
  readonly stallSeconds: number;
  /** Hand stalled chains to another eligible online student automatically. */
  readonly autoReseed: boolean;
  /** `auto` starts one chain per this many joined students. */
  readonly studentsPerChain: number;
}

/** Thresholds of the suspicion flags (PRODUCT §5; domain/suspicion-flags.ts), adjustable per deployment. */
export interface FlagConfig {
  /** `late_code`: a scanned code used at least this long after it left the screen. */
  readonly lateCodeMs: number;
  /** `too_fast`: a hand-off sooner than this after the hold was issued (0: off). */
  readonly tooFastMs: number;
  /** `network_mismatch`: prefix lengths within which two client addresses are one network. */
  readonly networkBits: { readonly ipv4: number; readonly ipv6: number };
}

export interface AppConfig {
  readonly env: 'development' | 'production' | 'test';
  readonly port: number;
  /** Interface the local host listens on (127.0.0.1 by default; 0.0.0.0 to let phones on the LAN in). */
  readonly host: string;
  /** Whether the local host serves HTTPS, and with which certificate. */
  readonly tls: TlsConfig;
  /** Absolute path of the directory for the embedded store, the dev secret and the dev outbox. */
  readonly dataDir: string;
  /** Origin users reach the app at, without a trailing slash (join links are built from it). */
  readonly publicUrl: string;
  readonly jwtSecret: string;
  /** Where `jwtSecret` came from: the environment, or generated once and kept in `dataDir` (development only). */
  readonly jwtSecretSource: 'env' | 'data-dir';
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly store: StoreConfig;
  readonly cache: CacheConfig;
  readonly realtime: RealtimeConfig;
  readonly openai?: OpenAiConfig;
  readonly auth: AuthConfig;
  readonly mail: MailConfig;
  /** Peers (IPs or CIDRs) whose X-Forwarded-For entries are believed, e.g. a reverse proxy in front. */
  readonly trustedProxies: readonly string[];
  readonly chains: ChainConfig;
  /** Projector codes rotate every this many seconds. */
  readonly projectorRotationSeconds: number;
  /** Earlier projector codes still accepted (1 = current + previous). */
  readonly projectorAcceptPreviousSteps: number;
  /** Clock skew allowed around a projector code's window, in ms. */
  readonly projectorSkewMs: number;
  readonly flags: FlagConfig;
  /** Audit events are purged this many days after their session ended. */
  readonly auditRetentionDays: number;
}

/** Used when no domain or admin is configured outside production, so a fresh `npm start` can sign in. */
export const DEVELOPMENT_AUTH = {
  teacherDomains: ['teacher.test'],
  studentDomains: ['student.test'],
  adminEmails: ['admin@teacher.test'],
} as const;

/** One bad environment key and why. */
export interface ConfigIssue {
  readonly key: string;
  readonly message: string;
}

/** Thrown by {@link loadConfig} with every bad key at once. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i.key}: ${i.message}`).join('\n')}`);
  }
}

/** Azurite's documented development endpoint; what `UseDevelopmentStorage=true` means. */
const DEV_STORAGE =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;' +
  'AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;' +
  'TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;';

const JWT_SECRET_FILE = 'jwt-secret';
const MIN_SECRET_LENGTH = 32;

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (typeof value === 'string' && value.trim() === '' ? undefined : value), schema.optional());

const connectionStringParts = (value: string): Map<string, string> =>
  new Map(
    value
      .split(';')
      .filter((part) => part.includes('='))
      .map((part) => {
        const at = part.indexOf('=');
        return [part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim()] as const;
      }),
  );

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** A comma-separated list, trimmed and lower-cased, each item checked by `item`. */
const list = (item: z.ZodType<string, string>, what: string) =>
  z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((part) => part.trim().toLowerCase())
        .filter(Boolean),
    )
    .pipe(z.array(item, { error: `expected a comma-separated list of ${what}` }));

const CIDR = z.string().refine((v) => isValidCidrOrIp(v), 'expected an IP address or CIDR');

/** Every environment key the backend reads, with its rules and default (`docs/operations.md` lists them all). */
export const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(7071),
  HOST: z.union([z.ipv4(), z.ipv6(), z.literal('localhost')]).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./.data'),
  PUBLIC_URL: optional(z.url({ protocol: /^https?$/ })),
  TLS_CERT: optional(z.string()),
  TLS_KEY: optional(z.string()),
  JWT_SECRET: optional(z.string()),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  AzureWebJobsStorage: optional(
    z
      .string()
      .refine(
        (v) =>
          v === 'UseDevelopmentStorage=true' ||
          (connectionStringParts(v).has('accountname') && connectionStringParts(v).has('accountkey')),
        'expected a storage connection string (AccountName=…;AccountKey=…) or UseDevelopmentStorage=true',
      ),
  ),
  // The Functions identity-based storage connection (Microsoft Entra ID instead of the account key).
  AzureWebJobsStorage__accountName: optional(
    z.string().regex(/^[a-z0-9]{3,24}$/, 'expected a storage account name (3 to 24 lower-case letters and digits)'),
  ),
  AzureWebJobsStorage__tableServiceUri: optional(
    z.url({
      protocol: /^https$/,
      error: 'expected the https Table endpoint, https://<account>.table.core.windows.net',
    }),
  ),
  AzureWebJobsStorage__credential: optional(
    z.literal('managedidentity', { error: 'expected managedidentity (or unset: DefaultAzureCredential)' }),
  ),
  AzureWebJobsStorage__clientId: optional(z.guid('expected the client id (a GUID) of a user-assigned identity')),
  REDIS_URL: optional(z.url({ protocol: /^rediss?$/, error: 'expected redis://… or rediss://…' })),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_.-]{0,64}$/, 'letters, digits and : _ . - only (at most 64)')
    .default(''),
  REDIS_AUTH: z.enum(['url', 'entra'], { error: 'expected url or entra' }).default('url'),
  CACHE_MAX_ENTRIES: z.coerce.number().int().min(100).default(100_000),
  SignalRConnectionString: optional(
    z.string().superRefine((v, ctx) => {
      const parts = connectionStringParts(v);
      const auth = signalRAuth(parts);
      if (
        !/^https?:\/\//.test(parts.get('endpoint') ?? '') ||
        !/^(\d{1,5})?$/.test(parts.get('port') ?? '') ||
        ('problem' in auth && !parts.get('authtype'))
      ) {
        ctx.addIssue({
          code: 'custom',
          message:
            'expected Endpoint=https://…;AccessKey=…;Version=1.0; or Endpoint=https://…;AuthType=azure.msi;ClientId=…;' +
            'Version=1.0; (optionally Port=…; ClientEndpoint=…;)',
        });
      } else if ('problem' in auth) ctx.addIssue({ code: 'custom', message: auth.problem });
    }),
  ),
  AZURE_OPENAI_ENDPOINT: optional(z.url({ protocol: /^https?$/ })),
  AZURE_OPENAI_API_KEY: optional(z.string()),
  AZURE_OPENAI_DEPLOYMENT: optional(z.string()),
  AZURE_CLIENT_ID: optional(z.guid('expected the client id (a GUID) of a user-assigned managed identity')),
  AUTH_PROVIDER: z.enum(['local', 'swa']).default('local'),
  TEACHER_EMAIL_DOMAINS: optional(list(z.string().regex(DOMAIN, 'not a domain name'), 'domains')),
  STUDENT_EMAIL_DOMAINS: optional(list(z.string().regex(DOMAIN, 'not a domain name'), 'domains')),
  ADMIN_EMAILS: optional(list(z.email(), 'email addresses')),
  SMTP_URL: optional(z.url({ protocol: /^smtps?$/, error: 'expected smtp://… or smtps://…' })),
  MAIL_FROM: optional(z.string().min(3)),
  TRUSTED_PROXIES: optional(list(CIDR, 'IP addresses or CIDRs')),
  CHAIN_ROTATION_SECONDS: z.coerce.number().int().min(2).max(60).default(5),
  CHAIN_ACCEPT_PREVIOUS_STEPS: z.coerce.number().int().min(0).max(5).default(1),
  CHAIN_STALL_SECONDS: z.coerce.number().int().min(10).max(3_600).default(60),
  CHAIN_AUTO_RESEED: z.enum(['true', 'false']).default('true'),
  CHAIN_STUDENTS_PER_CHAIN: z.coerce.number().int().min(2).max(200).default(8),
  PROJECTOR_ROTATION_SECONDS: z.coerce.number().int().min(3).max(120).default(10),
  PROJECTOR_ACCEPT_PREVIOUS_STEPS: z.coerce.number().int().min(0).max(5).default(1),
  PROJECTOR_CLOCK_SKEW_MS: z.coerce.number().int().min(0).max(5_000).default(2_000),
  FLAG_LATE_CODE_MS: z.coerce.number().int().min(500).max(60_000).default(3_000),
  FLAG_TOO_FAST_MS: z.coerce.number().int().min(0).max(10_000).default(1_000),
  FLAG_NETWORK_IPV4_PREFIX: z.coerce.number().int().min(8).max(32).default(24),
  FLAG_NETWORK_IPV6_PREFIX: z.coerce.number().int().min(16).max(128).default(48),
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3_650).default(90),
});

type Env = z.infer<typeof EnvSchema>;

function secretIssues(env: Env): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (env.NODE_ENV === 'production') {
    if (!env.JWT_SECRET)
      issues.push({ key: 'JWT_SECRET', message: `required in production (at least ${MIN_SECRET_LENGTH} characters)` });
    if (!env.PUBLIC_URL)
      issues.push({ key: 'PUBLIC_URL', message: 'required in production (the https origin users reach)' });
    else if (!env.PUBLIC_URL.startsWith('https://'))
      issues.push({ key: 'PUBLIC_URL', message: 'must be https in production' });
    if (env.AzureWebJobsStorage === 'UseDevelopmentStorage=true') {
      issues.push({
        key: 'AzureWebJobsStorage',
        message: 'UseDevelopmentStorage=true is the local emulator; refused in production',
      });
    }
  }
  if (env.NODE_ENV === 'production' && (env.AzureWebJobsStorage || storageIdentityOf(env)) && !env.REDIS_URL) {
    issues.push({
      key: 'REDIS_URL',
      message:
        'required in production with Azure Table Storage: instances must share sign-in codes, rate limits and revocations',
    });
  }
  if (env.NODE_ENV === 'production' && env.AUTH_PROVIDER !== 'swa' && !env.SMTP_URL) {
    issues.push({ key: 'SMTP_URL', message: 'required in production to send sign-in codes (or AUTH_PROVIDER=swa)' });
  }
  if (
    env.NODE_ENV === 'production' &&
    !env.TEACHER_EMAIL_DOMAINS?.length &&
    !env.STUDENT_EMAIL_DOMAINS?.length &&
    !env.ADMIN_EMAILS?.length
  ) {
    issues.push({
      key: 'ADMIN_EMAILS',
      message: 'set ADMIN_EMAILS, TEACHER_EMAIL_DOMAINS or STUDENT_EMAIL_DOMAINS in production: nobody could sign in',
    });
  }
  if (env.JWT_SECRET !== undefined && env.JWT_SECRET.length < MIN_SECRET_LENGTH) {
    issues.push({ key: 'JWT_SECRET', message: `too short: at least ${MIN_SECRET_LENGTH} characters` });
  }
  if (env.AZURE_OPENAI_API_KEY && !env.AZURE_OPENAI_ENDPOINT) {
    issues.push({
      key: 'AZURE_OPENAI_ENDPOINT',
      message: 'AZURE_OPENAI_API_KEY needs AZURE_OPENAI_ENDPOINT (an endpoint alone uses Microsoft Entra ID)',
    });
  }
  return issues;
}

/** The identity-based storage connection's endpoint and credential, when its settings name one. */
function storageIdentityOf(env: Env) {
  return storageIdentity({
    accountName: env.AzureWebJobsStorage__accountName,
    tableServiceUri: env.AzureWebJobsStorage__tableServiceUri,
    credential: env.AzureWebJobsStorage__credential,
    clientId: env.AzureWebJobsStorage__clientId,
  });
}

/** Settings of the Microsoft Entra ID connections that contradict each other or their service. */
function identityIssues(env: Env): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (env.AzureWebJobsStorage && storageIdentityOf(env)) {
    issues.push({
      key: 'AzureWebJobsStorage',
      message:
        'set either the connection string or AzureWebJobsStorage__accountName / __tableServiceUri (Entra ID), not both',
    });
  }
  if (
    !storageIdentityOf(env) &&
    (env.AzureWebJobsStorage__credential || env.AzureWebJobsStorage__clientId) &&
    !env.AzureWebJobsStorage
  ) {
    issues.push({
      key: 'AzureWebJobsStorage__accountName',
      message:
        'the storage identity settings need AzureWebJobsStorage__accountName or AzureWebJobsStorage__tableServiceUri',
    });
  }
  if (env.REDIS_AUTH === 'entra') {
    if (!env.REDIS_URL) {
      issues.push({ key: 'REDIS_URL', message: 'REDIS_AUTH=entra needs REDIS_URL (rediss://<host>:<port>)' });
    } else {
      const url = new URL(env.REDIS_URL);
      if (url.protocol !== 'rediss:') {
        issues.push({ key: 'REDIS_URL', message: 'REDIS_AUTH=entra needs TLS: rediss://, not redis://' });
      } else if (url.username || url.password) {
        issues.push({
          key: 'REDIS_URL',
          message: 'REDIS_AUTH=entra takes the user and password from Entra ID: give no credentials in REDIS_URL',
        });
      }
    }
  }
  return issues;
}

/**
 * The TLS certificate files: both or neither, each readable, a certificate and the private key that belongs to
 * it. Relative paths are taken from `cwd`.
 */
function tlsFileIssues(env: Env, cwd: string): ConfigIssue[] {
  if (!env.TLS_CERT && !env.TLS_KEY) return [];
  if (!env.TLS_CERT || !env.TLS_KEY) {
    return [
      {
        key: env.TLS_CERT ? 'TLS_KEY' : 'TLS_CERT',
        message: 'TLS_CERT and TLS_KEY go together (PEM certificate and private key files)',
      },
    ];
  }
  const pair = readPemPair(resolve(cwd, env.TLS_CERT), resolve(cwd, env.TLS_KEY));
  if (!('problems' in pair)) return [];
  return pair.problems.map(({ file, message }) => ({ key: file === 'cert' ? 'TLS_CERT' : 'TLS_KEY', message }));
}

/**
 * HTTPS for the local host: the user's files when given (on any HOST); otherwise, outside production, a
 * self-signed certificate when HOST lets other machines in; plain HTTP on a loopback HOST. In production a
 * non-loopback HOST without files stays plain HTTP: TLS is terminated in front (Azure, a reverse proxy).
 */
function tlsConfig(env: Env, cwd: string, dataDir: string): TlsConfig {
  if (env.TLS_CERT && env.TLS_KEY) {
    return { kind: 'files', certFile: resolve(cwd, env.TLS_CERT), keyFile: resolve(cwd, env.TLS_KEY) };
  }
  if (env.NODE_ENV !== 'production' && !isLoopbackHost(env.HOST))
    return { kind: 'self-signed', dir: join(dataDir, 'tls') };
  return { kind: 'off' };
}

/**
 * The origin users reach when PUBLIC_URL is not given: `http://localhost:PORT` over plain HTTP; under HTTPS
 * `https://localhost:PORT` on a loopback HOST, `https://HOST:PORT` on a specific address, and on every
 * interface (0.0.0.0, ::) the machine's LAN address, so that join links work from phones in the room.
 */
function defaultPublicUrl(env: Env, tls: TlsConfig, machine: Machine): string {
  if (tls.kind === 'off') return `http://localhost:${env.PORT}`;
  const host = isLoopbackHost(env.HOST) ? 'localhost' : isWildcardHost(env.HOST) ? lanHost(machine) : env.HOST;
  return `https://${urlHost(host)}:${env.PORT}`;
}

/** Reads the development JWT secret from `dataDir`, creating it (0600) on first use. */
function developmentSecret(dataDir: string): string {
  const file = join(dataDir, JWT_SECRET_FILE);
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= MIN_SECRET_LENGTH) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

/**
 * Parses and validates the environment. In development a missing JWT secret is generated once and kept in
 * `DATA_DIR`; in production it must be given. `machine` (network interfaces, hostname) is asked only for the
 * default PUBLIC_URL of a local host serving HTTPS on every interface.
 * @throws ConfigError listing every bad key.
 */
export function loadConfig(
  environment: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
  machine: Machine = SYSTEM_MACHINE,
): AppConfig {
  // Each key is parsed on its own so that every bad key is reported, not just the first.
  const values: Record<string, unknown> = {};
  const issues: ConfigIssue[] = [];
  for (const [key, schema] of Object.entries(EnvSchema.shape)) {
    const result = (schema as z.ZodType).safeParse(environment[key]);
    if (result.success) values[key] = result.data;
    else issues.push({ key, message: result.error.issues.map((i) => i.message).join('; ') });
  }
  const bad = new Set(issues.map((i) => i.key));
  issues.push(
    ...[...secretIssues(values as Env), ...identityIssues(values as Env), ...tlsFileIssues(values as Env, cwd)].filter(
      (i) => !bad.has(i.key),
    ),
  );
  if (issues.length > 0) throw new ConfigError(issues);
  const env = values as Env;

  const dataDir = isAbsolute(env.DATA_DIR) ? env.DATA_DIR : resolve(cwd, env.DATA_DIR);
  const jwtSecretSource = env.JWT_SECRET ? 'env' : 'data-dir';
  const jwtSecret = env.JWT_SECRET ?? developmentSecret(dataDir);
  const signalr = env.SignalRConnectionString ? connectionStringParts(env.SignalRConnectionString) : undefined;
  const storageIdentity = storageIdentityOf(env);

  const tls = tlsConfig(env, cwd, dataDir);
  const publicUrl = (env.PUBLIC_URL ?? defaultPublicUrl(env, tls, machine)).replace(/\/+$/, '');
  const config: AppConfig = {
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    tls,
    dataDir,
    publicUrl,
    jwtSecret,
    jwtSecretSource,
    logLevel: env.LOG_LEVEL,
    store: env.AzureWebJobsStorage
      ? {
          kind: 'tables',
          connectionString:
            env.AzureWebJobsStorage === 'UseDevelopmentStorage=true' ? DEV_STORAGE : env.AzureWebJobsStorage,
        }
      : (storageIdentity && { kind: 'tables', ...storageIdentity }) || {
          kind: 'sqlite',
          file: join(dataDir, 'attendance.sqlite'),
        },
    cache: env.REDIS_URL
      ? {
          kind: 'redis',
          url: env.REDIS_URL,
          keyPrefix: env.REDIS_KEY_PREFIX,
          ...(env.REDIS_AUTH === 'entra' ? { credential: credentialFor(undefined, env.AZURE_CLIENT_ID) } : {}),
        }
      : { kind: 'memory', maxEntries: env.CACHE_MAX_ENTRIES },
    realtime: signalr ? signalRConfig(signalr) : { kind: 'none' },
    ...(env.AZURE_OPENAI_ENDPOINT
      ? {
          openai: {
            endpoint: env.AZURE_OPENAI_ENDPOINT,
            deployment: env.AZURE_OPENAI_DEPLOYMENT ?? 'gpt-4o-mini',
            auth: env.AZURE_OPENAI_API_KEY
              ? { kind: 'key', apiKey: env.AZURE_OPENAI_API_KEY }
              : { kind: 'entra', credential: credentialFor(undefined, env.AZURE_CLIENT_ID) },
          },
        }
      : {}),
    auth: authConfig(env),
    mail: mailConfig(env, publicUrl),
    trustedProxies: env.TRUSTED_PROXIES ?? [],
    chains: {
      rotationSeconds: env.CHAIN_ROTATION_SECONDS,
      acceptPreviousSteps: env.CHAIN_ACCEPT_PREVIOUS_STEPS,
      stallSeconds: env.CHAIN_STALL_SECONDS,
      autoReseed: env.CHAIN_AUTO_RESEED === 'true',
      studentsPerChain: env.CHAIN_STUDENTS_PER_CHAIN,
    },
    projectorRotationSeconds: env.PROJECTOR_ROTATION_SECONDS,
    projectorAcceptPreviousSteps: env.PROJECTOR_ACCEPT_PREVIOUS_STEPS,
    projectorSkewMs: env.PROJECTOR_CLOCK_SKEW_MS,
    flags: {
      lateCodeMs: env.FLAG_LATE_CODE_MS,
      tooFastMs: env.FLAG_TOO_FAST_MS,
      networkBits: { ipv4: env.FLAG_NETWORK_IPV4_PREFIX, ipv6: env.FLAG_NETWORK_IPV6_PREFIX },
    },
    auditRetentionDays: env.AUDIT_RETENTION_DAYS,
  };
  return deepFreeze(config);
}

/** The realtime settings of a SignalR connection string (Azure's form, or the emulator's with `Port=`). */
function signalRConfig(parts: Map<string, string>): RealtimeConfig {
  const url = new URL(parts.get('endpoint') ?? '');
  const port = parts.get('port');
  if (port) url.port = port;
  const endpoint = url.origin;
  const client = parts.get('clientendpoint');
  const auth = signalRAuth(parts);
  return {
    kind: 'signalr',
    endpoint,
    accessKey: parts.get('accesskey') ?? '',
    ...('credential' in auth ? { credential: auth.credential } : {}),
    clientEndpoint: client ? client.replace(/\/+$/, '') : endpoint,
  };
}

function authConfig(env: Env): AuthConfig {
  const configured = Boolean(
    env.TEACHER_EMAIL_DOMAINS?.length || env.STUDENT_EMAIL_DOMAINS?.length || env.ADMIN_EMAILS?.length,
  );
  if (!configured && env.NODE_ENV !== 'production')
    return { provider: env.AUTH_PROVIDER, ...DEVELOPMENT_AUTH, defaultDomains: true };
  return {
    provider: env.AUTH_PROVIDER,
    teacherDomains: env.TEACHER_EMAIL_DOMAINS ?? [],
    studentDomains: env.STUDENT_EMAIL_DOMAINS ?? [],
    adminEmails: env.ADMIN_EMAILS ?? [],
    defaultDomains: false,
  };
}

function mailConfig(env: Env, publicUrl: string): MailConfig {
  if (!env.SMTP_URL) return { kind: 'outbox' };
  return {
    kind: 'smtp',
    url: env.SMTP_URL,
    from: env.MAIL_FROM ?? `QR Chain Attendance <no-reply@${new URL(publicUrl).hostname}>`,
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** A config for logs: secrets replaced by their presence. */
export function describeConfig(config: AppConfig): Record<string, unknown> {
  return {
    env: config.env,
    port: config.port,
    host: config.host,
    tls: config.tls.kind,
    dataDir: config.dataDir,
    publicUrl: config.publicUrl,
    jwtSecret: config.jwtSecretSource === 'env' ? 'set' : `generated in ${join(config.dataDir, JWT_SECRET_FILE)}`,
    store: config.store.kind,
    cache: config.cache.kind,
    realtime: config.realtime.kind,
    openai: config.openai ? 'on' : 'off',
    entraId: [
      ...(config.store.kind === 'tables' && config.store.credential ? ['store'] : []),
      ...(config.cache.kind === 'redis' && config.cache.credential ? ['cache'] : []),
      ...(config.realtime.kind === 'signalr' && config.realtime.credential ? ['realtime'] : []),
      ...(config.openai?.auth.kind === 'entra' ? ['openai'] : []),
    ],
    auth: config.auth.provider,
    domains: config.auth.defaultDomains ? 'development defaults (*.test)' : 'configured',
    mail: config.mail.kind,
    trustedProxies: config.trustedProxies,
  };
}
