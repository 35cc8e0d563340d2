/**
 * The oversight service: a monitor of the gateways' public logs, statistics over what it
 * verified, security rules and alerts, the public transparency page and the operators'
 * console — one web app on the shared HTTP base, with its own schema (ADR 0080).
 */
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import compress from '@fastify/compress';
import type { Kysely } from 'kysely';
import { SimpulError } from '../core/errors.js';
import { createHttpApp, PROBLEM_CONTENT_TYPE, toProblem, type HttpApp } from '../core/http/app.js';
import type { Database } from '../core/storage/database.js';
import { migrate } from '../core/storage/migrate.js';
import type { GlobalConfiguration } from '../registry/global-conf.js';
import { AlertDesk, type Webhook } from './alerts.js';
import { directoryOf, type Directory } from './directory.js';
import { LogMonitor, monitoredGateways, type MonitoredGateway } from './log-monitor.js';
import { noQuality, type QualitySource } from './quality.js';
import { ExpiryReminders } from './reminders.js';
import { pruneRawLeaves, rawRetentionMs } from './rollups.js';
import { allSignIns, consoleSignIns, DEFAULT_RULES, SecurityRules, type RuleSettings, type SignInSource } from './rules.js';
import { noServiceTimes, type ServiceTimesSource } from './service-times.js';
import { oversightMigrations, type OversightTables } from './schema.js';
import { ExchangeStatistics } from './statistics.js';
import type { ConsoleAuth } from './console-auth.js';
import { registerConsoleRoutes } from './web/routes-console.js';
import { registerPublicRoutes } from './web/routes-public.js';
import type { OversightRuntime } from './web/runtime.js';
import { CSS_PATH, OVERSIGHT_CSS } from './web/styles.js';

export interface OversightOptions {
  database: Database<unknown>;
  /** The registry's current, verified global configuration. */
  configuration: () => GlobalConfiguration | undefined;
  /** Public log API base URL per gateway id (ADR 0080: the log API is on each gateway's HTTP port). */
  logUrls: () => Record<string, string>;
  /** Who may use the console: resolves credentials against the registry (roles live there). */
  auth?: ConsoleAuth;
  quality?: QualitySource;
  /** Complaint handling and permit issuance times (the portal's `portalFigures`). */
  serviceTimes?: ServiceTimesSource;
  signIns?: SignInSource;
  webhook?: Webhook;
  /** Days before an access right expires at which its agencies are reminded. Default 30, 7, 1. */
  reminderDays?: number[];
  rules?: Partial<RuleSettings>;
  /**
   * Days raw log leaves are kept (default 14); older hours are served from the hourly rollups.
   * Must cover the security rules' baseline and window (7 days and 10 minutes by default).
   */
  rawRetentionDays?: number;
  /** Counts below this are withheld on the public page and in the exports. Default 10. */
  threshold?: number;
  publicDays?: number;
  publicUrl?: string;
  /** Rounds of monitoring and rules; 0 turns the timer off (tests call `tick`). Default 5 s. */
  intervalMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
  logLevel?: string;
}

export interface Oversight {
  readonly app: HttpApp;
  readonly db: Kysely<OversightTables>;
  readonly monitor: LogMonitor;
  readonly rules: SecurityRules;
  readonly alerts: AlertDesk;
  readonly reminders: ExpiryReminders;
  readonly statistics: ExchangeStatistics;
  readonly directory: Directory;
  /** One round: read every gateway log, evaluate the security rules, prune raw leaves past the retention, send due expiry reminders. */
  tick(): Promise<void>;
  /** Deletes raw leaves older than the retention (whole hours); returns how many. Part of every round. */
  pruneRawLeaves(): Promise<number>;
  setPublicUrl(url: string): void;
  close(): Promise<void>;
}

export async function createOversight(options: OversightOptions): Promise<Oversight> {
  const settings = { ...DEFAULT_RULES, ...options.rules };
  // Checked before anything starts: a retention shorter than the rules' look-back is a setup error.
  const retentionMs = rawRetentionMs(options.rawRetentionDays, settings);
  const database = options.database as Database<OversightTables>;
  await migrate(database.db as never, database.schema, oversightMigrations, 'oversight');
  const db = database.db;
  const now = options.now ?? Date.now;
  let publicUrl = options.publicUrl ?? 'http://localhost:8080';
  const gateways = (): MonitoredGateway[] => {
    const conf = options.configuration();
    return conf ? monitoredGateways(conf, options.logUrls()) : [];
  };
  const directory = directoryOf(options.configuration);
  const statistics = new ExchangeStatistics(db);
  const monitor = new LogMonitor({ db, gateways, now, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const alerts = new AlertDesk({ db, now, ...(options.webhook ? { webhook: options.webhook } : {}) });
  const signIns = allSignIns([consoleSignIns(db), ...(options.signIns ? [options.signIns] : [])]);
  const reminders = new ExpiryReminders({ db, now, rights: () => options.configuration()?.accessRights ?? [], ...(options.reminderDays ? { days: options.reminderDays } : {}), ...(options.webhook ? { webhook: options.webhook } : {}) });
  const rules = new SecurityRules({ db, alerts, now, settings, signIns });

  const app = await createHttpApp({ title: 'simpul-oversight', description: 'Simpul oversight: public transparency, open data, security monitoring and the operators\' console.', logLevel: options.logLevel, bodyLimit: 64 * 1024 });
  await app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip'] });
  await app.register(cookie);
  await app.register(formbody);
  const secure = () => publicUrl.startsWith('https:');
  await app.register(csrf, {
    cookieKey: 'oversight_csrf',
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'strict', secure: secure() },
    getToken: (req) => (req.body as Record<string, string> | undefined)?._csrf ?? (req.headers['x-csrf-token'] as string | undefined),
  });
  app.addHook('onSend', async (_req, reply) => {
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('referrer-policy', 'same-origin');
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      void reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    }
  });
  app.get(CSS_PATH, { schema: { hide: true } }, async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=31536000, immutable').send(OVERSIGHT_CSS));

  const rt: OversightRuntime = {
    db, statistics, directory, gateways, quality: options.quality ?? noQuality, serviceTimes: options.serviceTimes ?? noServiceTimes, now,
    threshold: options.threshold ?? 10,
    publicDays: options.publicDays ?? 30,
    publicUrl: () => publicUrl,
  };
  // The pages and the API in one scope with its own error handler (the base's stays for the rest).
  await app.register(async (scope) => {
    const web = scope as unknown as HttpApp;
    // A stale or forged form is the visitor's problem to fix (reload), not a server error.
    web.setErrorHandler((error, request, reply) => {
      const code = (error as { code?: string }).code;
      const doc = code === 'FST_CSRF_INVALID_TOKEN' || code === 'FST_CSRF_MISSING_SECRET'
        ? new SimpulError('auth.csrf_invalid', 'Reload the page and try again.').toProblem(request.url)
        : toProblem(error, request.url);
      if (doc.status >= 500) request.log.error({ err: error }, 'request failed');
      void reply.code(doc.status).type(PROBLEM_CONTENT_TYPE).send(doc);
    });
    await registerPublicRoutes(web, rt);
    await registerConsoleRoutes(web, rt, { alerts, rules, reminders, auth: options.auth, secure });
  });

  const prune = () => pruneRawLeaves(db, retentionMs, now());
  let running: Promise<void> | undefined;
  const tick = async (): Promise<void> => {
    // One round at a time; a timer firing during a slow round joins it.
    running ??= (async () => {
      try {
        await monitor.pollAll();
        await rules.evaluate();
        await prune();
        await reminders.run();
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const interval = options.intervalMs ?? 5000;
  const timer = interval > 0 ? setInterval(() => void tick().catch((error: unknown) => app.log.error({ err: error }, 'oversight round failed')), interval) : undefined;
  timer?.unref();

  return {
    app, db, monitor, rules, alerts, reminders, statistics, directory, tick, pruneRawLeaves: prune,
    setPublicUrl(url: string) {
      publicUrl = url.replace(/\/+$/, '');
    },
    async close() {
      if (timer) clearInterval(timer);
      await running?.catch(() => undefined);
      await app.close();
    },
  };
}
