/**
 * The operators' console (sign-in against the registry; roles from there) and its API:
 * security alerts — listed, acknowledged, closed with a note — and incidents with their
 * UU 27/2022 Pasal 46 breach-notice draft. An agency administrator sees and acts on their own
 * agency's alerts only; an auditor reads everything and changes nothing. Every authorization
 * decision is logged.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SimpulError } from '../../core/errors.js';
import type { HttpApp } from '../../core/http/app.js';
import { publicAlert, type Alert, type AlertDesk } from '../alerts.js';
import { mayAct, maySee, type ConsoleAuth, type ConsolePrincipal } from '../console-auth.js';
import { breachNotice, Incidents, NOTICE_DEADLINE_MS } from '../incidents.js';
import { publicReminder, type ExpiryReminders, type Reminder } from '../reminders.js';
import type { SecurityRules } from '../rules.js';
import { formatTime, html, translator, type Translate } from './html.js';
import { renderPage, type PageContext } from './page.js';
import { registerManageRoutes } from './routes-manage.js';
import { SESSION_COOKIE } from './session.js';
import { langOf, safeNext, sendPage, type OversightRuntime } from './runtime.js';

export { SESSION_COOKIE };
export const CONSOLE_SITE = 'Konsol Simpul';

export interface ConsoleDeps {
  alerts: AlertDesk;
  rules: SecurityRules;
  reminders: ExpiryReminders;
  auth: ConsoleAuth | undefined;
  secure: () => boolean;
}

type Action = 'read' | 'act';

export async function registerConsoleRoutes(app: HttpApp, rt: OversightRuntime, deps: ConsoleDeps): Promise<void> {
  const incidents = new Incidents({ db: rt.db, directory: rt.directory, now: rt.now });
  const { alerts } = deps;

  const decide = (req: FastifyRequest, p: ConsolePrincipal, action: string, member: string | null, allowed: boolean): void => {
    req.log.info({ actor: p.username, role: p.role, action, member, allowed }, 'authorization');
  };
  const bearer = async (req: FastifyRequest): Promise<ConsolePrincipal> => {
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const p = token && deps.auth ? await deps.auth.resolve(token) : undefined;
    if (!p) throw new SimpulError('auth.unauthenticated', 'Send a registry bearer token (POST /auth/token on the registry).');
    return p;
  };
  const cookieSession = async (req: FastifyRequest): Promise<ConsolePrincipal | undefined> => {
    const token = req.cookies[SESSION_COOKIE];
    return token && deps.auth ? deps.auth.resolve(token) : undefined;
  };
  /** Checks the principal may do `action` on something of `member`; logs the decision either way. */
  const guard = (req: FastifyRequest, p: ConsolePrincipal, what: string, member: string | null, action: Action): void => {
    const allowed = action === 'read' ? maySee(p, member) : mayAct(p, member);
    decide(req, p, what, member, allowed);
    if (allowed) return;
    if (p.role === 'agency-admin') throw new SimpulError('oversight.own_agency_only', `${p.username} administers ${p.member}; this concerns ${member ?? 'the whole instance'}.`);
    throw new SimpulError('auth.forbidden', `The ${p.role} role cannot ${what}.`);
  };
  // An agency administrator sees reminders about rights their agency holds or grants.
  const visibleReminders = async (p: ConsolePrincipal): Promise<Reminder[]> => deps.reminders.list(p.role === 'agency-admin' ? { member: p.member ?? '-' } : {});
  const visibleAlerts = async (p: ConsolePrincipal, status?: string): Promise<Alert[]> =>
    alerts.list({ ...(p.role === 'agency-admin' ? { member: p.member ?? '-' } : {}), ...(status === 'open' || status === 'acknowledged' || status === 'closed' ? { status } : {}) });

  // --- API (bearer tokens only: no cookie, so no cross-site request can use it) ------------

  const secured = { security: [{ bearer: [] }], tags: ['console'] };
  app.get('/api/v1/alerts', { schema: { ...secured, summary: 'Security alerts (an agency administrator sees their own agency\'s)', querystring: Type.Object({ status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('closed')])) }) } }, async (req) => {
    const p = await bearer(req);
    decide(req, p, 'list alerts', p.member, true);
    return (await visibleAlerts(p, req.query.status)).map(publicAlert);
  });
  app.post('/api/v1/alerts/:id/acknowledge', { schema: { ...secured, summary: 'Acknowledge an open alert', params: Type.Object({ id: Type.String() }) } }, async (req) => {
    const p = await bearer(req);
    const alert = await alerts.get(req.params.id);
    guard(req, p, 'acknowledge alert', alert.member, 'act');
    return publicAlert(await alerts.acknowledge(alert.id, p.username));
  });
  app.post('/api/v1/alerts/:id/close', { schema: { ...secured, summary: 'Close an alert with a note', params: Type.Object({ id: Type.String() }), body: Type.Object({ note: Type.String({ minLength: 3, maxLength: 2000 }) }) } }, async (req) => {
    const p = await bearer(req);
    const alert = await alerts.get(req.params.id);
    guard(req, p, 'close alert', alert.member, 'act');
    return publicAlert(await alerts.close(alert.id, p.username, req.body.note));
  });
  app.post('/api/v1/alerts/:id/incident', {
    schema: { ...secured, summary: 'Open an incident from an alert; its breach notice (UU 27/2022 Pasal 46) is then available', params: Type.Object({ id: Type.String() }),
      body: Type.Object({ measures: Type.String({ minLength: 3, maxLength: 4000 }), contact: Type.String({ minLength: 3, maxLength: 500 }), dataCategories: Type.Optional(Type.String({ maxLength: 2000 })), how: Type.Optional(Type.String({ maxLength: 4000 })) }) },
  }, async (req, reply) => {
    const p = await bearer(req);
    const alert = await alerts.get(req.params.id);
    guard(req, p, 'open incident', alert.member, 'act');
    const incident = await incidents.fromAlert(alert, req.body, p.username);
    return reply.code(201).send({ id: incident.id, member: incident.member, subjects: incident.subjects_count, noticeDue: new Date(Number(incident.detected_at) + NOTICE_DEADLINE_MS).toISOString(), notice: `/api/v1/incidents/${incident.id}/breach-notice` });
  });
  app.get('/api/v1/incidents/:id/breach-notice', { schema: { ...secured, summary: 'The breach-notice draft of an incident (HTML document)', params: Type.Object({ id: Type.String() }) } }, async (req, reply) => {
    const p = await bearer(req);
    const incident = await incidents.get(req.params.id);
    guard(req, p, 'read breach notice', incident.member, 'read');
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(breachNotice(incident, rt.directory));
  });
  app.get('/api/v1/notifications', { schema: { ...secured, summary: 'Access-right expiry reminders sent (an agency administrator sees their own agency\'s)' } }, async (req) => {
    const p = await bearer(req);
    decide(req, p, 'list notifications', p.member, true);
    return (await visibleReminders(p)).map(publicReminder);
  });
  app.get('/api/v1/statistics', { schema: { ...secured, summary: 'Exchange figures per agency pair and service, unsuppressed (operators only)', querystring: Type.Object({ from: Type.Optional(Type.Integer({ minimum: 0 })), to: Type.Optional(Type.Integer({ minimum: 0 })) }) } }, async (req) => {
    const p = await bearer(req);
    const to = req.query.to ?? rt.now();
    const from = req.query.from ?? to - 86_400_000;
    if (from >= to) throw new SimpulError('request.invalid', '`from` must be before `to` (milliseconds since the epoch).');
    const rows = (await rt.statistics.byPair({ from, to })).filter((r) => maySee(p, r.provider) || maySee(p, r.consumer));
    decide(req, p, 'read statistics', p.member, true);
    return { from, to, rows };
  });

  // --- Web console (cookie session + CSRF) ---------------------------------------------------

  const context = (req: FastifyRequest, reply: FastifyReply, p: ConsolePrincipal | undefined): PageContext => {
    const lang = langOf(req);
    const t = translator(lang);
    return {
      lang, t, path: req.url, site: CONSOLE_SITE,
      menu: p ? [
        ['/konsol/peringatan', t('Peringatan', 'Alerts')], ['/konsol/insiden', t('Insiden', 'Incidents')], ['/konsol/pemberitahuan', t('Pemberitahuan', 'Notifications')], ['/konsol/lalu-lintas', t('Lalu lintas', 'Traffic')],
        ['/konsol/layanan', t('Layanan', 'Services')], ['/konsol/hak-akses', t('Hak akses', 'Access rights')], ['/konsol/permintaan', t('Permintaan', 'Requests')], ['/konsol/instansi', t('Instansi', 'Agencies')],
        ['/konsol/kualitas', t('Kualitas data', 'Data quality')], ['/konsol/audit', t('Jejak audit', 'Audit trail')], ['/', t('Halaman publik', 'Public page')],
      ] : [['/konsol/masuk', t('Masuk', 'Sign in')]],
      ...(p ? { signOut: { csrf: reply.generateCsrf() } } : {}),
    };
  };
  const webUser = async (req: FastifyRequest, reply: FastifyReply): Promise<ConsolePrincipal | undefined> => {
    const p = await cookieSession(req);
    if (!p) void reply.redirect(`/konsol/masuk?next=${encodeURIComponent(req.url)}`, 303);
    return p;
  };
  const cookieOpts = () => ({ path: '/', httpOnly: true, sameSite: 'strict' as const, secure: deps.secure(), maxAge: 8 * 3600 });
  const roleLabel = (t: Translate, p: ConsolePrincipal) => (p.role === 'registry-admin' ? t('Administrator registry', 'Registry administrator') : p.role === 'auditor' ? t('Auditor (hanya baca)', 'Auditor (read only)') : t(`Administrator instansi ${rt.directory.memberName(p.member ?? '')}`, `Agency administrator, ${rt.directory.memberName(p.member ?? '')}`));

  app.get('/konsol', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/konsol/peringatan', 303));

  app.get('/konsol/masuk', { schema: { hide: true } }, async (req, reply) => {
    const pc = context(req, reply, undefined);
    const failed = (req.query as { gagal?: string }).gagal === '1';
    const next = safeNext((req.query as { next?: string }).next, '/konsol/peringatan');
    const t = pc.t;
    return sendPage(reply, renderPage(pc, t('Masuk ke konsol', 'Sign in to the console'), html`
      <p>${t('Gunakan akun pengelola registry Anda. Peran Anda (administrator registry, administrator instansi, auditor) menentukan apa yang dapat Anda lihat dan ubah.', 'Use your registry management account. Your role (registry administrator, agency administrator, auditor) decides what you can see and change.')}</p>
      <form method="post" action="/konsol/masuk" novalidate>
        <input type="hidden" name="_csrf" value=${reply.generateCsrf()} />
        <input type="hidden" name="next" value=${next} />
        <label for="f-username">${t('Nama pengguna', 'Username')}</label>
        <input id="f-username" name="username" autocomplete="username" required aria-describedby=${failed ? 'f-error' : undefined} aria-invalid=${failed ? 'true' : undefined} />
        <label for="f-password">${t('Kata sandi', 'Password')}</label>
        <input id="f-password" name="password" type="password" autocomplete="current-password" required />
        <button class="button" type="submit">${t('Masuk', 'Sign in')}</button>
      </form>`, failed ? { kind: 'alert', text: t('Nama pengguna atau kata sandi salah.', 'Wrong username or password.') } : undefined), failed ? 401 : 200);
  });

  app.post('/konsol/masuk', { schema: { hide: true }, preHandler: app.csrfProtection }, async (req, reply) => {
    const body = req.body as { username?: string; password?: string; next?: string };
    const signedIn = deps.auth && body.username && body.password ? await deps.auth.signIn(body.username, body.password) : undefined;
    req.log.info({ actor: body.username, action: 'console sign-in', allowed: Boolean(signedIn) }, 'authorization');
    await rt.db.insertInto('sign_in_attempt').values({ username: String(body.username ?? '').slice(0, 64), ip: req.ip, ok: Boolean(signedIn), time: rt.now() }).execute();
    if (!signedIn) return reply.redirect(`/konsol/masuk?gagal=1&next=${encodeURIComponent(safeNext(body.next, '/konsol/peringatan'))}`, 303);
    void reply.setCookie(SESSION_COOKIE, signedIn.token, cookieOpts());
    return reply.redirect(safeNext(body.next, '/konsol/peringatan'), 303);
  });

  app.post('/konsol/keluar', { schema: { hide: true }, preHandler: app.csrfProtection }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token && deps.auth) await deps.auth.signOut(token);
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/konsol/masuk', 303);
  });

  app.get('/konsol/peringatan', { schema: { hide: true } }, async (req, reply) => {
    const p = await webUser(req, reply);
    if (!p) return reply;
    const pc = context(req, reply, p);
    const { t, lang } = pc;
    const list = await visibleAlerts(p);
    decide(req, p, 'list alerts', p.member, true);
    return sendPage(reply, renderPage(pc, t('Peringatan keamanan', 'Security alerts'), html`
      <p>${t(`Masuk sebagai ${p.username} — ${roleLabel(t, p)}.`, `Signed in as ${p.username} — ${roleLabel(t, p)}.`)}</p>
      ${list.length === 0 ? html`<p>${t('Tidak ada peringatan.', 'No alerts.')}</p>` : html`<div class="table-scroll" tabindex="0"><table>
        <caption>${t('Peringatan, terbaru dahulu', 'Alerts, newest first')}</caption>
        <thead><tr><th scope="col">${t('Peringatan', 'Alert')}</th><th scope="col">${t('Tingkat', 'Severity')}</th><th scope="col">${t('Instansi', 'Agency')}</th><th scope="col">${t('Status', 'Status')}</th><th scope="col">${t('Dimunculkan', 'Raised')}</th></tr></thead>
        <tbody>${list.map((a) => html`<tr>
          <th scope="row"><a href=${`/konsol/peringatan/${a.id}`}>${a.title}</a></th>
          <td><span class=${`badge sev-${a.severity}`}>${a.severity === 'high' ? t('tinggi', 'high') : t('sedang', 'medium')}</span></td>
          <td>${a.member ? rt.directory.memberName(a.member) : '—'}</td>
          <td>${statusLabel(t, a.status)}</td>
          <td>${formatTime(lang, Number(a.raised_at))}</td>
        </tr>`)}</tbody></table></div>`}`));
  });

  app.get('/konsol/peringatan/:id', { schema: { hide: true } }, async (req, reply) => {
    const p = await webUser(req, reply);
    if (!p) return reply;
    const alert = await alerts.get((req.params as { id: string }).id);
    guard(req, p, 'read alert', alert.member, 'read');
    const pc = context(req, reply, p);
    const { t, lang } = pc;
    const csrf = reply.generateCsrf();
    const canAct = mayAct(p, alert.member);
    const done = (req.query as { ok?: string }).ok;
    const related = (await incidents.list()).filter((i) => i.alert_id === alert.id);
    return sendPage(reply, renderPage(pc, alert.title, html`
      <dl class="facts">
        <dt>${t('Aturan', 'Rule')}</dt><dd>${alert.rule}</dd>
        <dt>${t('Tingkat', 'Severity')}</dt><dd>${alert.severity === 'high' ? t('tinggi', 'high') : t('sedang', 'medium')}</dd>
        <dt>${t('Instansi', 'Agency')}</dt><dd>${alert.member ? rt.directory.memberName(alert.member) : '—'}</dd>
        <dt>${t('Rincian', 'Detail')}</dt><dd>${alert.detail}</dd>
        <dt>${t('Jendela waktu', 'Window')}</dt><dd>${formatTime(lang, Number(alert.window_start))} – ${formatTime(lang, Number(alert.window_end))}</dd>
        <dt>${t('Status', 'Status')}</dt><dd>${statusLabel(t, alert.status)}${alert.acknowledged_by ? ` (${alert.acknowledged_by})` : ''}</dd>
        ${alert.close_note ? html`<dt>${t('Catatan penutupan', 'Closing note')}</dt><dd>${alert.close_note} — ${alert.closed_by}</dd>` : null}
        ${alert.webhook_status ? html`<dt>Webhook</dt><dd>${alert.webhook_status}</dd>` : null}
      </dl>
      <h2>${t('Bukti', 'Evidence')}</h2>
      <pre tabindex="0">${JSON.stringify(JSON.parse(alert.evidence), null, 2)}</pre>
      ${related.length ? html`<h2>${t('Insiden', 'Incidents')}</h2><ul>${related.map((i) => html`<li><a href=${`/konsol/insiden/${i.id}/pemberitahuan`}>${t(`Draf pemberitahuan ${i.id}`, `Notice draft ${i.id}`)}</a></li>`)}</ul>` : null}
      ${canAct && alert.status === 'open' ? html`<form method="post" action=${`/konsol/peringatan/${alert.id}/terima`}><input type="hidden" name="_csrf" value=${csrf} /><button class="button" type="submit">${t('Terima (sedang ditangani)', 'Acknowledge')}</button></form>` : null}
      ${canAct && alert.status !== 'closed' ? html`<form method="post" action=${`/konsol/peringatan/${alert.id}/tutup`}>
        <input type="hidden" name="_csrf" value=${csrf} />
        <label for="f-note">${t('Catatan penutupan', 'Closing note')}</label>
        <span class="hint" id="f-note-hint">${t('Apa yang ditemukan atau dilakukan.', 'What was found or done.')}</span>
        <textarea id="f-note" name="note" rows="3" required aria-describedby="f-note-hint"></textarea>
        <button class="button secondary" type="submit">${t('Tutup peringatan', 'Close alert')}</button>
      </form>` : null}
      ${canAct ? html`<form method="post" action=${`/konsol/peringatan/${alert.id}/insiden`}>
        <input type="hidden" name="_csrf" value=${csrf} />
        <h2>${t('Jadikan insiden (UU 27/2022 Pasal 46)', 'Make it an incident (UU 27/2022 art. 46)')}</h2>
        <label for="f-measures">${t('Upaya penanganan dan pemulihan', 'Handling and recovery measures')}</label>
        <textarea id="f-measures" name="measures" rows="3" required></textarea>
        <label for="f-contact">${t('Kontak untuk subjek data', 'Contact for data subjects')}</label>
        <input id="f-contact" name="contact" required />
        <button class="button" type="submit">${t('Buat draf pemberitahuan', 'Draft the breach notice')}</button>
      </form>` : html`<p>${t('Peran Anda hanya dapat membaca peringatan ini.', 'Your role can only read this alert.')}</p>`}`,
    done ? { kind: 'notice', text: t('Tersimpan.', 'Saved.') } : undefined));
  });

  const webAct = (path: string, run: (alert: Alert, p: ConsolePrincipal, body: Record<string, string>) => Promise<string>) =>
    app.post(`/konsol/peringatan/:id/${path}`, { schema: { hide: true }, preHandler: app.csrfProtection }, async (req, reply) => {
      const p = await webUser(req, reply);
      if (!p) return reply;
      const alert = await alerts.get((req.params as { id: string }).id);
      guard(req, p, `${path} alert`, alert.member, 'act');
      return reply.redirect(await run(alert, p, (req.body ?? {}) as Record<string, string>), 303);
    });
  webAct('terima', async (a, p) => {
    await alerts.acknowledge(a.id, p.username);
    return `/konsol/peringatan/${a.id}?ok=1`;
  });
  webAct('tutup', async (a, p, body) => {
    await alerts.close(a.id, p.username, body.note ?? '');
    return `/konsol/peringatan/${a.id}?ok=1`;
  });
  webAct('insiden', async (a, p, body) => {
    const incident = await incidents.fromAlert(a, { measures: body.measures ?? '', contact: body.contact ?? '' }, p.username);
    return `/konsol/insiden/${incident.id}/pemberitahuan`;
  });

  app.get('/konsol/insiden', { schema: { hide: true } }, async (req, reply) => {
    const p = await webUser(req, reply);
    if (!p) return reply;
    const pc = context(req, reply, p);
    const { t, lang } = pc;
    const list = await incidents.list(p.role === 'agency-admin' ? (p.member ?? '-') : undefined);
    decide(req, p, 'list incidents', p.member, true);
    return sendPage(reply, renderPage(pc, t('Insiden', 'Incidents'), list.length === 0 ? html`<p>${t('Belum ada insiden.', 'No incidents yet.')}</p>` : html`<ul>${list.map((i) => html`<li><a href=${`/konsol/insiden/${i.id}/pemberitahuan`}>${i.id}</a> — ${i.title} — ${t('batas pemberitahuan', 'notice due')} ${formatTime(lang, Number(i.detected_at) + NOTICE_DEADLINE_MS)}</li>`)}</ul>`));
  });

  app.get('/konsol/pemberitahuan', { schema: { hide: true } }, async (req, reply) => {
    const p = await webUser(req, reply);
    if (!p) return reply;
    const pc = context(req, reply, p);
    const { t, lang } = pc;
    const list = await visibleReminders(p);
    decide(req, p, 'list notifications', p.member, true);
    return sendPage(reply, renderPage(pc, t('Pemberitahuan', 'Notifications'), html`
      <p>${t('Pengingat yang dikirim kepada instansi klien dan instansi penyedia ketika hak akses akan berakhir. Perbarui hak akses yang masih diperlukan di halaman Hak akses.', 'Reminders sent to the client\'s and the provider\'s agency when an access right is about to expire. Renew the rights still needed on the Access rights page.')}</p>
      ${list.length === 0 ? html`<p>${t('Tidak ada pemberitahuan.', 'No notifications.')}</p>` : html`<div class="table-scroll" tabindex="0"><table>
        <caption>${t('Pengingat berakhirnya hak akses, terbaru dahulu', 'Access-right expiry reminders, newest first')}</caption>
        <thead><tr><th scope="col">${t('Hak akses', 'Access right')}</th><th scope="col">${t('Tujuan', 'Purpose')}</th><th scope="col">${t('Berakhir', 'Expires')}</th><th scope="col">${t('Pengingat', 'Reminder')}</th><th scope="col">${t('Dikirim', 'Sent')}</th><th scope="col">Webhook</th></tr></thead>
        <tbody>${list.map((r) => html`<tr>
          <th scope="row"><code>${r.client}</code> → <code>${r.service}</code></th>
          <td>${r.purpose}</td>
          <td>${formatTime(lang, Number(r.expires_at))}</td>
          <td>${t(`${Number(r.threshold_days)} hari sebelumnya`, `${Number(r.threshold_days)} day(s) before`)}</td>
          <td>${formatTime(lang, Number(r.created_at))}</td>
          <td>${r.webhook_status ?? '—'}</td>
        </tr>`)}</tbody></table></div>`}`));
  });

  await registerManageRoutes(app, rt, { auth: deps.auth, context, webUser, decide, guard, renewalHorizonDays: Math.max(...deps.reminders.days) });

  app.get('/konsol/insiden/:id/pemberitahuan', { schema: { hide: true } }, async (req, reply) => {
    const p = await webUser(req, reply);
    if (!p) return reply;
    const incident = await incidents.get((req.params as { id: string }).id);
    guard(req, p, 'read breach notice', incident.member, 'read');
    return sendPage(reply, breachNotice(incident, rt.directory));
  });
}

function statusLabel(t: Translate, status: string): string {
  return status === 'open' ? t('terbuka', 'open') : status === 'acknowledged' ? t('sedang ditangani', 'acknowledged') : t('ditutup', 'closed');
}
