/**
 * What route modules share: the portal's services and the per-request state (language,
 * session, CSRF token), kept in a WeakMap rather than by widening Fastify's global types.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PortalContext } from '../context.js';
import type { RelyingParty } from '../auth/passkeys.js';
import type { Session, SessionLimits } from '../auth/sessions.js';
import type { ThrottlePolicy } from '../auth/sign-in.js';
import type { ActivationChannel } from '../auth/activation-channel.js';
import type { SignUpPolicy } from '../auth/sign-up.js';
import type { GatewayClient } from '../gateway-client.js';
import type { ExchangeRecordSource } from '../tracker/exchange-record-source.js';
import type { ComplaintDesk } from '../complaints/complaint-desk.js';
import type { Applications } from '../consent/applications.js';
import type { Permits } from '../permits/permits.js';
import type { Workflow } from '../workflow/workflow.js';
import { html, translator, type Lang } from './html.js';
import { renderPage, type PageContext } from './page.js';
import type { AccountKind } from '../storage/schema.js';

export interface CookieNames {
  session: string;
  assisted: string;
  flow: string;
  passkey: string;
  lang: string;
  csrf: string;
}

export interface WebRuntime {
  ctx: PortalContext;
  gateway: GatewayClient;
  exchanges: ExchangeRecordSource;
  complaints: ComplaintDesk;
  applications: Applications;
  workflow: Workflow;
  permits: Permits;
  limits: SessionLimits;
  throttle: ThrottlePolicy;
  /** Where activation codes go (ADR 0069); sign-up is closed without one. */
  activationChannel: ActivationChannel | undefined;
  signUp: SignUpPolicy;
  /** Mutable once: the port is known only after listening. */
  rp: RelyingParty;
  secure: boolean;
  cookies: CookieNames;
}

interface RequestState {
  lang: Lang;
  session: Session | null;
  /** Why the previous session is gone, to tell the user after an idle timeout. */
  ended?: string;
}

const states = new WeakMap<FastifyRequest, RequestState>();

export function setRequestState(req: FastifyRequest, state: RequestState): void {
  states.set(req, state);
}

export function requestState(req: FastifyRequest): RequestState {
  return states.get(req) ?? { lang: 'id', session: null };
}

export function clientIp(req: FastifyRequest): string {
  return req.ip;
}

export function pageContext(req: FastifyRequest, reply: FastifyReply): PageContext {
  const state = requestState(req);
  return { lang: state.lang, t: translator(state.lang), path: req.url, csrf: reply.generateCsrf(), session: state.session };
}

export function cookieOptions(rt: WebRuntime, maxAgeSeconds?: number) {
  return { path: '/', httpOnly: true, secure: rt.secure, sameSite: 'lax' as const, ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}) };
}

export function sendPage(reply: FastifyReply, body: string, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
}

/** The signed-in session of the wanted kind, or a redirect to sign in (HTML) / 401 (API). */
export function requireSession(req: FastifyRequest, reply: FastifyReply, kinds: AccountKind[] = ['citizen']): Session | undefined {
  const session = requestState(req).session;
  if (session && kinds.includes(session.account.kind)) return session;
  if (session) {
    void reply.code(403).type('text/html; charset=utf-8').send(forbiddenPage(req, reply));
    return undefined;
  }
  const staff = !kinds.includes('citizen');
  const ended = requestState(req).ended;
  const why = ended === 'idle' || ended === 'expired' ? `&berakhir=${ended}` : '';
  void reply.redirect(`${staff ? '/petugas/masuk' : '/masuk'}?next=${encodeURIComponent(req.url)}${why}`, 303);
  return undefined;
}

function forbiddenPage(req: FastifyRequest, reply: FastifyReply): string {
  const pc = pageContext(req, reply);
  return renderPage(pc, pc.t('Akses tidak diizinkan', 'Access not allowed'), html`<p>${pc.t('Peran akun Anda tidak mengizinkan halaman ini.', 'Your account role does not allow this page.')}</p><p><a href="/">${pc.t('Kembali ke beranda', 'Back to home')}</a></p>`);
}

/** A local path to go back to after sign-in; anything else becomes '/'. */
export function safeNext(next: unknown, fallback = '/'): string {
  return typeof next === 'string' && /^\/(?!\/)[^\s\\]*$/.test(next) ? next : fallback;
}
