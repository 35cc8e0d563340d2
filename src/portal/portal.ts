/**
 * The citizen portal: a server-rendered web app (Bahasa Indonesia first, English second) on
 * the shared HTTP base, with its own schema, personal data sealed at rest, and agencies
 * reached only through the portal's consumer gateway.
 */
import compress from '@fastify/compress';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import { SimpulError } from '../core/errors.js';
import { parseSubsystemId, type SubsystemId } from '../core/ids.js';
import { createHttpApp, PROBLEM_CONTENT_TYPE, toProblem, type HttpApp } from '../core/http/app.js';
import type { Database } from '../core/storage/database.js';
import { migrate } from '../core/storage/migrate.js';
import { DEFAULT_SESSION_LIMITS, resolveSession, type SessionLimits } from './auth/sessions.js';
import { DEFAULT_THROTTLE, type ThrottlePolicy } from './auth/sign-in.js';
import type { ActivationChannel } from './auth/activation-channel.js';
import { DEFAULT_SIGN_UP_POLICY, type SignUpPolicy } from './auth/sign-up.js';
import { ComplaintDesk } from './complaints/complaint-desk.js';
import type { ComplaintCategory } from './complaints/routing.js';
import { WorkingCalendar } from './complaints/working-days.js';
import { Applications } from './consent/applications.js';
import type { PortalContext } from './context.js';
import type { GatewayClient } from './gateway-client.js';
import type { CorrectionChannel } from './consent/correction-channel.js';
import { generatePortalKeys, type PortalKeys } from './keys.js';
import { portalMigrations, type PortalTables } from './storage/schema.js';
import { noExchangeRecords, type ExchangeRecordSource } from './tracker/exchange-record-source.js';
import { ASSETS } from './web/assets.js';
import { html } from './web/html.js';
import { renderPage } from './web/page.js';
import { registerApplicationRoutes } from './web/routes-applications.js';
import { registerAuthRoutes } from './web/routes-auth.js';
import { registerSignUpRoutes } from './web/routes-sign-up.js';
import { registerCitizenRoutes } from './web/routes-citizen.js';
import { registerComplaintRoutes } from './web/routes-complaints.js';
import { registerStaffRoutes } from './web/routes-staff.js';
import { registerVerificationRoutes } from './web/routes-verification.js';
import { registerWorkflowRoutes } from './web/routes-workflow.js';
import { Maintenance } from './maintenance.js';
import { Permits } from './permits/permits.js';
import { Workflow } from './workflow/workflow.js';
import { pageContext, sendPage, setRequestState, type CookieNames, type WebRuntime } from './web/runtime.js';

export const PORTAL_SUBSYSTEM = 'ID/GOV/KOMINFO/PORTAL' as SubsystemId;

export interface PortalOptions {
  /** The portal's database (its own schema); migrations are applied on creation. */
  database: Database<unknown>;
  /** The portal's consumer gateway. */
  gateway: GatewayClient;
  /** Where the data tracker reads exchanges about the citizen; the federation provides it. */
  exchanges?: ExchangeRecordSource;
  /** Generated (and lost at exit) when absent: pass persisted keys in any real deployment. */
  keys?: PortalKeys;
  /** The URL citizens use; decides Secure cookies (https) and the passkey relying party. */
  publicUrl?: string;
  client?: SubsystemId;
  sessionLimits?: Partial<SessionLimits>;
  throttle?: Partial<ThrottlePolicy>;
  complaintCategories?: readonly ComplaintCategory[];
  holidays?: readonly string[];
  now?: () => Date;
  logLevel?: string;
  /** How often housekeeping runs (stale complaints, interrupted workflows); 0 turns the timer off. Default 60 s. */
  maintenanceIntervalMs?: number;
  /** Replaces every workflow step's own time limit per attempt (tests). */
  stepTimeoutMs?: number;
  /** Delivers sign-up activation codes (ADR 0069); without one, self-registration is closed. */
  activationChannel?: ActivationChannel;
  signUp?: Partial<SignUpPolicy>;
  /**
   * Files citizens' disputes with the agency that owns the value (ADR 0092), e.g. an
   * HttpCorrectionChannel to the reconciliation service; without one, disputes stay in the
   * portal's back office.
   */
  corrections?: CorrectionChannel;
}

export interface Portal {
  readonly app: HttpApp;
  readonly ctx: PortalContext;
  readonly complaints: ComplaintDesk;
  readonly applications: Applications;
  readonly workflow: Workflow;
  readonly permits: Permits;
  readonly maintenance: Maintenance;
  /** Sets the public URL once the listening port is known (passkeys bind to the exact origin). */
  setPublicUrl(url: string): void;
  close(): Promise<void>;
}

export async function createPortal(options: PortalOptions): Promise<Portal> {
  const database = options.database as Database<PortalTables>;
  await migrate(database.db as never, database.schema, portalMigrations, 'portal');
  const ctx: PortalContext = { db: database.db, keys: options.keys ?? generatePortalKeys(), now: options.now ?? (() => new Date()) };
  const publicUrl = new URL(options.publicUrl ?? 'http://localhost:8080');
  const secure = publicUrl.protocol === 'https:';
  const limits: SessionLimits = {
    idleMs: Math.min(options.sessionLimits?.idleMs ?? DEFAULT_SESSION_LIMITS.idleMs, DEFAULT_SESSION_LIMITS.idleMs),
    absoluteMs: Math.min(options.sessionLimits?.absoluteMs ?? DEFAULT_SESSION_LIMITS.absoluteMs, DEFAULT_SESSION_LIMITS.absoluteMs),
  };
  const calendar = new WorkingCalendar(options.holidays);
  const client = parseSubsystemId(options.client ?? PORTAL_SUBSYSTEM);
  const complaints = new ComplaintDesk(ctx, { calendar, ...(options.complaintCategories ? { categories: options.complaintCategories } : {}) });
  const applications = new Applications(ctx, options.gateway, { client, calendar, corrections: options.corrections });
  const permits = new Permits(ctx);
  const workflow = new Workflow(ctx, options.gateway, applications, permits, {
    client, calendar, ...(options.stepTimeoutMs ? { stepTimeoutMs: options.stepTimeoutMs } : {}),
    // `app` exists by the time a workflow runs: workflows start from its routes.
    onError: (error, applicationId) => app.log.error({ err: error, applicationId }, 'workflow step failed unexpectedly'),
  });
  // `__Host-` cookies must be Secure, path=/ and host-only: only possible over https.
  const prefix = secure ? '__Host-' : '';
  const cookies: CookieNames = {
    session: `${prefix}portal_session`, assisted: `${prefix}portal_assisted`, flow: `${prefix}portal_flow`,
    passkey: `${prefix}portal_passkey`, lang: 'portal_lang', csrf: `${prefix}portal_csrf`,
  };
  const rt: WebRuntime = {
    ctx, gateway: options.gateway, exchanges: options.exchanges ?? noExchangeRecords, complaints, applications, limits, permits,
    workflow,
    throttle: { ...DEFAULT_THROTTLE, ...options.throttle },
    activationChannel: options.activationChannel,
    signUp: { ...DEFAULT_SIGN_UP_POLICY, ...options.signUp },
    rp: { id: publicUrl.hostname, name: 'Portal Simpul', origin: publicUrl.origin },
    secure, cookies,
  };

  const app = await createHttpApp({
    title: 'simpul-portal',
    description: 'Simpul citizen portal: sign-in, once-only applications with consent, data tracker, complaints.',
    logLevel: options.logLevel,
    bodyLimit: 64 * 1024,
  });
  const maintenance = new Maintenance(complaints, workflow, (error) => app.log.error({ err: error }, 'portal maintenance round failed'));
  await app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip'] });
  await app.register(cookie);
  await app.register(formbody);
  await app.register(csrf, {
    cookieKey: cookies.csrf,
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'strict', secure },
    getToken: (req) => (req.body as Record<string, string> | undefined)?._csrf ?? (req.headers['x-csrf-token'] as string | undefined),
  });

  app.addHook('onSend', async (req, reply) => {
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('referrer-policy', 'same-origin');
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      void reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    }
  });

  for (const asset of Object.values(ASSETS)) {
    app.get(asset.path, { schema: { hide: true } }, async (_req, reply) =>
      reply.type(asset.type).header('cache-control', 'public, max-age=31536000, immutable').send(asset.body));
  }

  await app.register(async (web: FastifyInstance) => {
    web.addHook('preHandler', async (req, reply) => {
      const langCookie = req.cookies[cookies.lang];
      const lang = langCookie === 'en' ? 'en' : 'id';
      const assistedToken = req.cookies[cookies.assisted];
      let lookup = await resolveSession(ctx, limits, req.cookies[cookies.session]);
      // An assisted session acts for the citizen only while the officer's own session lives.
      if (assistedToken && lookup.session) {
        const assisted = await resolveSession(ctx, limits, assistedToken);
        if (assisted.session && assisted.session.parentIdHash === lookup.session.idHash) lookup = assisted;
        else void reply.clearCookie(cookies.assisted, { path: '/' });
      }
      setRequestState(req, { lang, session: lookup.session, ...(lookup.session ? {} : { ended: lookup.ended }) });
    });
    web.addHook('preHandler', (req, reply, done) => {
      if (req.method === 'POST') web.csrfProtection(req, reply, done);
      else done();
    });
    web.setErrorHandler(async (error, req, reply) => {
      const err = error as { code?: string };
      const doc = err.code === 'FST_CSRF_INVALID_TOKEN' || err.code === 'FST_CSRF_MISSING_SECRET'
        ? new SimpulError('auth.csrf_invalid', 'Reload the page and try again.').toProblem()
        : toProblem(error, req.url);
      if (doc.status >= 500) req.log.error({ err: error }, 'portal request failed');
      if (req.url.startsWith('/api/') || !(req.headers.accept ?? '').includes('text/html')) {
        return reply.code(doc.status).type(PROBLEM_CONTENT_TYPE).send(doc);
      }
      const pc = pageContext(req, reply);
      const title = doc.code === 'auth.csrf_invalid' ? pc.t('Formulir kedaluwarsa', 'The form has expired') : pc.t('Terjadi kesalahan', 'Something went wrong');
      return sendPage(reply, renderPage(pc, title, html`<p>${doc.detail ?? doc.title}</p><p>${pc.t('Kode', 'Code')}: <code>${doc.code}</code></p><p><a href="/">${pc.t('Kembali ke beranda', 'Back to home')}</a></p>`), doc.status);
    });
    registerAuthRoutes(web as HttpApp, rt);
    registerSignUpRoutes(web as HttpApp, rt);
    registerCitizenRoutes(web as HttpApp, rt);
    registerApplicationRoutes(web as HttpApp, rt);
    registerWorkflowRoutes(web as HttpApp, rt);
    registerVerificationRoutes(web as HttpApp, rt);
    registerComplaintRoutes(web as HttpApp, rt);
    registerStaffRoutes(web as HttpApp, rt);
  });

  function setPublicUrl(url: string): void {
    const parsed = new URL(url);
    if ((parsed.protocol === 'https:') !== secure) throw new Error('The public URL cannot change between http and https after start');
    rt.rp = { ...rt.rp, id: parsed.hostname, origin: parsed.origin };
  }

  maintenance.start(options.maintenanceIntervalMs ?? 60_000);
  async function close(): Promise<void> {
    await maintenance.stop();
    await workflow.close();
    await app.close();
  }

  return { app, ctx, complaints, applications, workflow, permits, maintenance, setPublicUrl, close };
}
