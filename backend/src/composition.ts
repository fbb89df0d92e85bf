/**
 * Composition root: the only place that picks adapters from the configuration and builds the services.
 * Both hosts (Azure Functions and the local host) get their services from a {@link ServiceRuntime}.
 */
import { REALTIME_HUB } from '@qrca/contract';
import { sharedCredentials, type CredentialFactory } from './adapters/azure-identity/azure-credential';
import { MemoryCacheStore } from './adapters/memory-cache/memory-cache';
import { createAzureOpenAiSummarizer } from './adapters/openai/azure-openai-summarizer';
import { DevOutbox } from './adapters/outbox/dev-outbox';
import { EntraRedisAuth } from './adapters/redis/entra-redis-auth';
import { createRedisCacheStore } from './adapters/redis/redis-cache';
import { createSignalRRealtime, noRealtime } from './adapters/signalr/signalr-realtime';
import { createSmtpMailer } from './adapters/smtp/smtp-mailer';
import { openSqliteTableStore } from './adapters/sqlite/sqlite-table-store';
import { createAzureTableStore } from './adapters/tables/azure-table-store';
import type { AppConfig } from './config';
import type { CacheStore } from './ports/cache-store';
import type { InsightSummarizer } from './ports/insight-summarizer';
import { systemClock, type Clock } from './ports/clock';
import type { Mailer, OutboxReader } from './ports/mailer';
import type { Realtime } from './ports/realtime';
import type { TableStore } from './ports/table-store';
import { DeviceRepository } from './repositories/devices.repository';
import { RevocationRepository } from './repositories/revocations.repository';
import { TeacherRepository } from './repositories/teachers.repository';
import { UserRepository } from './repositories/users.repository';
import { SessionIndexRepository } from './repositories/session-index.repository';
import { SessionScheduleRepository } from './repositories/session-schedule.repository';
import { SessionRepository } from './repositories/session.repository';
import { AttendanceService } from './services/attendance.service';
import { AuditLog } from './services/audit-log';
import { AuthService } from './services/auth.service';
import { ChainSweeper } from './services/chain-sweep';
import { ChainService } from './services/chain.service';
import { HoldKeys } from './services/hold-keys';
import { InsightsService } from './services/insights.service';
import { RealtimeDelivery, type DeliveryObserver } from './services/realtime-delivery';
import { SignalRService } from './services/signalr.service';
import { LifecycleService } from './services/lifecycle.service';
import { PresenceService } from './services/presence.service';
import { RosterService } from './services/roster.service';
import { ScanService } from './services/scan.service';
import { SessionAccess } from './services/session-access';
import { SessionWriter } from './services/session-writer';
import { SessionService } from './services/session.service';
import { TokenService } from './services/token.service';
import { ValidationService } from './services/validation.service';
import { HealthService } from './services/health.service';
import { OneTimeCodes } from './services/one-time-codes';
import { SessionTokens } from './services/session-tokens';
import { TeacherService } from './services/teacher.service';
import { Cache } from './utils/cache';
import type { Logger } from './utils/logger';

export interface Services {
  readonly config: AppConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly store: TableStore;
  readonly cacheStore: CacheStore;
  readonly cache: Cache;
  readonly realtime: Realtime;
  readonly signalr: SignalRService;
  readonly delivery: RealtimeDelivery;
  readonly mailer: Mailer;
  /** The development outbox's read side; undefined in production or with SMTP. */
  readonly outbox?: OutboxReader;
  readonly health: HealthService;
  readonly auth: AuthService;
  readonly teachers: TeacherService;
  readonly sessions: SessionService;
  readonly lifecycle: LifecycleService;
  readonly presence: PresenceService;
  readonly access: SessionAccess;
  readonly sweeper: ChainSweeper;
  readonly chains: ChainService;
  readonly scans: ScanService;
  readonly attendance: AttendanceService;
  readonly insights: InsightsService;
  readonly tokens: TokenService;
}

export interface CompositionOptions {
  readonly clock?: Clock;
  /** Random source for non-secret choices (chain seeds); tests pass a seeded one. */
  readonly random?: () => number;
  /** Sees every real-time message handed to the adapter (tests check them against the contract). */
  readonly observeRealtime?: DeliveryObserver;
  /** Wraps the opened store (tests inject failures between writes with it). */
  readonly wrapStore?: (store: TableStore) => TableStore;
  /** Makes the Microsoft Entra ID credentials the config names (default: @azure/identity's); tests record them. */
  readonly credentials?: CredentialFactory;
}

/** What the adapter factories below need besides the config. */
export interface AdapterContext {
  readonly clock: Clock;
  readonly logger: Logger;
  /** One credential per distinct identity setting. */
  readonly credentials: CredentialFactory;
}

/** The table store the config names: SQLite, or Azure Tables with a connection string or Entra ID. */
export async function openStore(config: AppConfig, context: AdapterContext): Promise<TableStore> {
  if (config.store.kind === 'sqlite') return openSqliteTableStore({ file: config.store.file });
  return config.store.credential
    ? createAzureTableStore({
        endpoint: config.store.endpoint,
        credential: context.credentials(config.store.credential),
      })
    : createAzureTableStore({ connectionString: config.store.connectionString });
}

/** The cache the config names: in-process, or Redis (AUTH from the URL, or Entra ID tokens renewed in time). */
export function openCache(config: AppConfig, context: AdapterContext): CacheStore {
  if (config.cache.kind === 'memory') {
    return new MemoryCacheStore({ maxEntries: config.cache.maxEntries, clock: context.clock });
  }
  const { credential } = config.cache;
  return createRedisCacheStore({
    url: config.cache.url,
    keyPrefix: config.cache.keyPrefix,
    ...(credential
      ? {
          credentials: new EntraRedisAuth({
            credential: context.credentials(credential),
            onError: (error) => context.logger.warn({ err: error }, 'Redis Entra token renewal failed'),
          }),
        }
      : {}),
  });
}

/** Log levels that show info lines. */
const INFO_OR_MORE: ReadonlySet<AppConfig['logLevel']> = new Set(['info', 'debug', 'trace']);

function openMailer(config: AppConfig, clock: Clock): Mailer {
  return config.mail.kind === 'smtp'
    ? createSmtpMailer({ url: config.mail.url, from: config.mail.from })
    : new DevOutbox({
        dataDir: config.dataDir,
        clock,
        // The notice is an info line: LOG_LEVEL=warn or quieter (tests, e2e, benches) keeps the terminal quiet, and
        // codes stay readable in the outbox.
        ...(INFO_OR_MORE.has(config.logLevel) ? {} : { print: () => undefined }),
      });
}

/** The realtime service the config names: SignalR (AccessKey or Entra ID), or none. */
export function openRealtime(config: AppConfig, context: AdapterContext): Realtime {
  if (config.realtime.kind !== 'signalr') return noRealtime;
  const { endpoint, clientEndpoint, credential, accessKey } = config.realtime;
  return credential
    ? createSignalRRealtime({
        endpoint,
        clientEndpoint,
        hub: REALTIME_HUB,
        credential: context.credentials(credential),
      })
    : createSignalRRealtime({ endpoint, clientEndpoint, hub: REALTIME_HUB, accessKey });
}

/** The AI summary of insights, when the config names Azure OpenAI (its key, or Entra ID); undefined otherwise. */
export function openSummarizer(config: AppConfig, context: AdapterContext): InsightSummarizer | undefined {
  return config.openai ? createAzureOpenAiSummarizer(config.openai, { credentials: context.credentials }) : undefined;
}

/** Builds every adapter and service once. */
export async function createServices(
  config: AppConfig,
  logger: Logger,
  options: CompositionOptions = {},
): Promise<Services> {
  const clock = options.clock ?? systemClock;
  const adapters: AdapterContext = { clock, logger, credentials: sharedCredentials(options.credentials) };
  const opened = await openStore(config, adapters);
  const store = options.wrapStore ? options.wrapStore(opened) : opened;
  const cacheStore = openCache(config, adapters);
  const realtime = openRealtime(config, adapters);
  const mailer = openMailer(config, clock);
  const cache = new Cache(cacheStore, clock);
  const teachers = new TeacherService(new TeacherRepository(store), cache, clock);
  const users = new UserRepository(store, clock);
  const random = options.random ?? Math.random;
  // Repositories (storage) and services (rules) never share a name: `repository` is the session partition.
  const repository = new SessionRepository(store);
  const index = new SessionIndexRepository(store);
  const schedule = new SessionScheduleRepository(store);
  const access = new SessionAccess(repository, cache);
  const holds = new HoldKeys(config.jwtSecret, config.chains.rotationSeconds);
  const delivery = new RealtimeDelivery(realtime, logger, options.observeRealtime);
  const signalr = new SignalRService({ realtime, delivery, access, repository, cache, holds, logger });
  const writer = new SessionWriter(repository, cache, signalr);
  const audit = new AuditLog();
  const presence = new PresenceService(access, cache, clock);
  const roster = new RosterService({ access, writer, users });
  const devices = new DeviceRepository(store, clock);
  const validation = new ValidationService({ cache, devices, clock });
  const sessions = new SessionService({
    repository,
    index,
    schedule,
    access,
    writer,
    roster,
    presence,
    users,
    teachers,
    cache,
    clock,
    roles: config.auth,
    publicUrl: config.publicUrl,
    secret: config.jwtSecret,
    validation,
  });
  const chainRules = { clock, random, config: config.chains };
  const chains = new ChainService({
    repository,
    access,
    writer,
    presence,
    audit,
    cache,
    ...chainRules,
    holds,
    networkBits: config.flags.networkBits,
  });
  const sweeper = new ChainSweeper({ repository, writer, presence, audit, ...chainRules });
  const lifecycle = new LifecycleService({
    access,
    writer,
    repository,
    schedule,
    sweeper,
    audit,
    clock,
    publicUrl: config.publicUrl,
  });
  const tokens = new TokenService({
    access,
    writer,
    schedule,
    signalr,
    presence,
    clock,
    secret: config.jwtSecret,
    rotationSeconds: config.projectorRotationSeconds,
    acceptPreviousSteps: config.projectorAcceptPreviousSteps,
    skewMs: config.projectorSkewMs,
  });
  const attendance = new AttendanceService({
    repository,
    schedule,
    access,
    writer,
    chains,
    audit,
    cache,
    clock,
    random,
  });
  const scans = new ScanService({
    repository,
    access,
    presence,
    writer,
    chains,
    attendance,
    tokens,
    validation,
    audit,
    cache,
    clock,
    rules: { chains: config.chains, flags: config.flags },
  });
  const auth = new AuthService({
    auth: config.auth,
    publicUrl: config.publicUrl,
    cache,
    clock,
    mailer,
    codes: new OneTimeCodes(cache, clock, config.jwtSecret),
    tokens: new SessionTokens(config.jwtSecret, clock),
    users,
    devices,
    revocations: new RevocationRepository(store),
    teachers,
  });
  const summarizer = openSummarizer(config, adapters);
  const insights = new InsightsService({
    repository,
    access,
    cache,
    clock,
    logger,
    ...(summarizer ? { summarizer } : {}),
  });
  return {
    config,
    logger,
    clock,
    store,
    cacheStore,
    cache,
    realtime,
    signalr,
    delivery,
    mailer,
    // The outbox is a development tool: never readable in production (config also requires SMTP there).
    ...(mailer instanceof DevOutbox && config.env !== 'production' ? { outbox: mailer } : {}),
    health: new HealthService({ store, cache: cacheStore, realtime, logger }),
    auth,
    teachers,
    sessions,
    lifecycle,
    presence,
    access,
    sweeper,
    chains,
    scans,
    attendance,
    insights,
    tokens,
  };
}

/** Closes what {@link createServices} opened (stores flushed); errors are logged, not thrown. */
export async function closeServices(services: Services): Promise<void> {
  services.signalr.close();
  // Messages already queued go out (each send has its own timeout and retries), then the adapters close.
  await services.delivery.flush();
  const results = await Promise.allSettled([
    services.store.close(),
    services.cacheStore.close(),
    services.realtime.close(),
  ]);
  for (const result of results) {
    if (result.status === 'rejected') services.logger.error({ err: result.reason }, 'error while closing a dependency');
  }
}

/**
 * Lazily built, shared services for one process. The first `get()` builds them; a failed build is not cached,
 * so the next request tries again (a dependency may come up after the host).
 */
export class ServiceRuntime {
  private pending?: Promise<Services>;
  private closed = false;

  constructor(
    readonly config: AppConfig,
    readonly logger: Logger,
    private readonly options: CompositionOptions = {},
  ) {}

  get(): Promise<Services> {
    if (this.closed) return Promise.reject(new Error('services are closed'));
    this.pending ??= createServices(this.config, this.logger, this.options).catch((error: unknown) => {
      this.pending = undefined;
      throw error;
    });
    return this.pending;
  }

  /** Closes the services if they were built; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return;
    const services = await pending.catch(() => undefined);
    if (services) await closeServices(services);
  }
}
