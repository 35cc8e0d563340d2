/**
 * Console management pages: agencies (members, subsystems, gateways), services, access rights
 * (purpose, legal basis, who granted them and when, expiry reminders), agencies' requests to
 * consume a service and the provider's approval, the registry's audit trail, traffic and
 * service levels, and data quality. Changes go to the registry with the signed-in person's
 * own token, so the registry's role checks and audit trail apply; oversight checks the same
 * boundary first and logs its decision.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SimpulError } from '../../core/errors.js';
import type { HttpApp } from '../../core/http/app.js';
import { RegistryApiError } from '../../registry/client.js';
import { mayAct, maySee, type ConsoleAuth, type ConsolePrincipal } from '../console-auth.js';
import { scoreSeries } from '../quality.js';
import { DAY_MS } from '../statistics.js';
import { formatNumber, formatTime, html, type Translate, type VNode } from './html.js';
import { BarChart, LineChart, renderPage, type PageContext } from './page.js';
import { sendPage, type OversightRuntime } from './runtime.js';
import { exactPairs, TrafficMap, trafficMap } from './traffic-map.js';
import { SESSION_COOKIE } from './session.js';

export interface ConsoleKit {
  auth: ConsoleAuth | undefined;
  context(req: FastifyRequest, reply: FastifyReply, p: ConsolePrincipal | undefined): PageContext;
  webUser(req: FastifyRequest, reply: FastifyReply): Promise<ConsolePrincipal | undefined>;
  decide(req: FastifyRequest, p: ConsolePrincipal, action: string, member: string | null, allowed: boolean): void;
  guard(req: FastifyRequest, p: ConsolePrincipal, what: string, member: string | null, action: 'read' | 'act'): void;
  /** Rights expiring within this many days are flagged for renewal: the threshold of the first reminder. */
  renewalHorizonDays: number;
}

interface Member { id: string; name: string }
interface Subsystem { id: string; member: string }
interface Gateway { id: string; member: string; address: string; status: string }
interface Service { id: string; member: string; title: string; personalData: boolean; enabled: boolean }
interface Right { id: string; client: string; service: string; purpose: string; legalBasis: string; grantedAt: string; grantedBy: string; expiresAt: string | null; status: string }
interface AuditEvent { id: number; at: string; actor: string; action: string; target: string }

const memberOf = (id: string) => id.split('/').slice(0, 3).join('/');

function GatewayForm(props: { t: Translate; csrf: VNode; member: string }): VNode {
  const { t, member } = props;
  const slug = member.replace(/\W/g, '-');
  return html`<form method="post" action="/konsol/instansi/gateway">${props.csrf}
    <label for=${`f-gw-id-${slug}`}>${t('Kode gateway', 'Gateway code')}</label>
    <span class="hint" id=${`h-gw-id-${slug}`}>${t(`Misalnya ${member}/gw2`, `For example ${member}/gw2`)}</span>
    <input id=${`f-gw-id-${slug}`} name="id" required aria-describedby=${`h-gw-id-${slug}`} />
    <label for=${`f-gw-address-${slug}`}>${t('Alamat (https)', 'Address (https)')}</label>
    <input id=${`f-gw-address-${slug}`} name="address" type="url" required />
    <label for=${`f-gw-key-${slug}`}>${t('Kunci tanda tangan Ed25519 (base64)', 'Ed25519 signing key (base64)')}</label>
    <input id=${`f-gw-key-${slug}`} name="signingKey" required />
    <label for=${`f-gw-log-${slug}`}>${t('Kunci log (boleh kosong)', 'Log key (optional)')}</label>
    <input id=${`f-gw-log-${slug}`} name="logKey" />
    <label for=${`f-gw-csr-${slug}`}>${t('Permintaan sertifikat TLS (CSR, PEM)', 'TLS certificate request (CSR, PEM)')}</label>
    <textarea id=${`f-gw-csr-${slug}`} name="csr" rows="6" required></textarea>
    <button class="button secondary" type="submit">${t('Daftarkan gateway', 'Register gateway')}</button>
  </form>`;
}
export async function registerManageRoutes(app: HttpApp, rt: OversightRuntime, kit: ConsoleKit): Promise<void> {
  const registry = (req: FastifyRequest) => kit.auth!.registry(req.cookies[SESSION_COOKIE] ?? '');
  const form = (req: FastifyRequest) => (req.body ?? {}) as Record<string, string | undefined>;
  const field = (body: Record<string, string | undefined>, name: string): string => {
    const v = (body[name] ?? '').trim();
    if (!v) throw new SimpulError('request.invalid', `The form field ${name} is required.`);
    return v;
  };
  /** Runs a change; a registry refusal comes back to the page as a message, not a crash. */
  const change = async (reply: FastifyReply, back: string, run: () => Promise<string | void>): Promise<FastifyReply> => {
    try {
      const to = await run();
      return reply.redirect(to ?? `${back}?ok=1`, 303);
    } catch (error) {
      if (error instanceof RegistryApiError) return reply.redirect(`${back}?galat=${encodeURIComponent(`${error.code}: ${error.message}`)}`, 303);
      throw error;
    }
  };
  const notice = (req: FastifyRequest, t: Translate): { kind: 'notice' | 'alert'; text: string } | undefined => {
    const q = req.query as { ok?: string; galat?: string };
    if (q.galat) return { kind: 'alert', text: `${t('Ditolak', 'Refused')}: ${q.galat.slice(0, 300)}` };
    return q.ok ? { kind: 'notice', text: t('Tersimpan.', 'Saved.') } : undefined;
  };
  const page = async (req: FastifyRequest, reply: FastifyReply, what: string, render: (p: ConsolePrincipal, pc: PageContext) => Promise<{ title: string; body: VNode | VNode[] }>) => {
    const p = await kit.webUser(req, reply);
    if (!p) return reply;
    kit.decide(req, p, what, p.member, true);
    const pc = kit.context(req, reply, p);
    try {
      const { title, body } = await render(p, pc);
      return sendPage(reply, renderPage(pc, title, body, notice(req, pc.t)));
    } catch (error) {
      // The registry decides what each role may read; its refusal is shown, not a crash.
      if (!(error instanceof RegistryApiError)) throw error;
      return sendPage(reply, renderPage(pc, pc.t('Tidak dapat ditampilkan', 'Cannot be shown'), html`<p><a href="/konsol/peringatan">${pc.t('Kembali ke konsol', 'Back to the console')}</a></p>`, { kind: 'alert', text: `${error.code}: ${error.message}` }), error.status >= 400 && error.status < 600 ? error.status : 502);
    }
  };
  const csrfField = (reply: FastifyReply) => html`<input type="hidden" name="_csrf" value=${reply.generateCsrf()} />`;
  const post = (path: string, handler: (req: FastifyRequest, reply: FastifyReply, p: ConsolePrincipal) => Promise<FastifyReply>) =>
    app.post(path, { schema: { hide: true }, preHandler: app.csrfProtection }, async (req, reply) => {
      const p = await kit.webUser(req, reply);
      if (!p) return reply;
      return handler(req, reply, p);
    });

  // --- Agencies: members, subsystems, gateways ------------------------------------------------

  app.get('/konsol/instansi', { schema: { hide: true } }, async (req, reply) => page(req, reply, 'list agencies', async (p, pc) => {
    const { t } = pc;
    const api = registry(req);
    const [members, subsystems, gateways] = await Promise.all([api.request<Member[]>('GET', '/members'), api.request<Subsystem[]>('GET', '/subsystems'), api.request<Gateway[]>('GET', '/gateways')]);
    const csrf = csrfField(reply);
    return {
      title: t('Instansi, subsistem dan gateway', 'Agencies, subsystems and gateways'),
      body: html`${members.map((m) => html`<section class="card" aria-labelledby=${`m-${m.id.replace(/\W/g, '-')}`}>
        <h2 id=${`m-${m.id.replace(/\W/g, '-')}`}>${m.name} <code>${m.id}</code></h2>
        <h3>${t('Subsistem', 'Subsystems')}</h3>
        <ul>${subsystems.filter((s) => s.member === m.id).map((s) => html`<li><code>${s.id}</code></li>`)}</ul>
        <h3>${t('Gateway', 'Gateways')}</h3>
        <ul>${gateways.filter((g) => g.member === m.id).map((g) => html`<li><code>${g.id}</code> — ${g.address} — ${g.status === 'active' ? t('aktif', 'active') : t('dicabut', 'revoked')}
          ${g.status === 'active' && mayAct(p, m.id) ? html`<form method="post" action="/konsol/instansi/gateway/cabut">${csrf}<input type="hidden" name="id" value=${g.id} />
            <button class="button secondary" type="submit">${t(`Cabut gateway ${g.id}`, `Revoke gateway ${g.id}`)}</button></form>` : null}</li>`)}</ul>
        ${mayAct(p, m.id) ? html`<form method="post" action="/konsol/instansi/subsistem">${csrf}
          <input type="hidden" name="member" value=${m.id} />
          <label for=${`f-sub-${m.id.replace(/\W/g, '-')}`}>${t('Subsistem baru', 'New subsystem')}</label>
          <span class="hint" id=${`h-sub-${m.id.replace(/\W/g, '-')}`}>${t(`Misalnya ${m.id}/APLIKASI`, `For example ${m.id}/APPLICATION`)}</span>
          <input id=${`f-sub-${m.id.replace(/\W/g, '-')}`} name="id" required aria-describedby=${`h-sub-${m.id.replace(/\W/g, '-')}`} />
          <button class="button secondary" type="submit">${t('Tambah subsistem', 'Add subsystem')}</button>
        </form>` : null}
        ${mayAct(p, m.id) ? html`<details><summary>${t(`Daftarkan gateway ${m.name}`, `Register a gateway of ${m.name}`)}</summary>
          <${GatewayForm} t=${t} csrf=${csrf} member=${m.id} />
        </details>` : null}
      </section>`)}
      ${mayAct(p, null) ? html`<section class="card" aria-labelledby="m-baru">
        <h2 id="m-baru">${t('Tambah instansi', 'Add an agency')}</h2>
        <form method="post" action="/konsol/instansi/tambah">${csrf}
          <label for="f-member-id">${t('Kode instansi', 'Agency code')}</label>
          <span class="hint" id="h-member-id">${t('Misalnya ID/GOV/KEMENDAGRI', 'For example ID/GOV/KEMENDAGRI')}</span>
          <input id="f-member-id" name="id" required aria-describedby="h-member-id" />
          <label for="f-member-name">${t('Nama instansi', 'Agency name')}</label>
          <input id="f-member-name" name="name" required />
          <button class="button" type="submit">${t('Tambah instansi', 'Add agency')}</button>
        </form>
      </section>` : null}`,
    };
  }));

  post('/konsol/instansi/tambah', async (req, reply, p) => {
    const body = form(req);
    const id = field(body, 'id');
    kit.guard(req, p, 'add member', null, 'act');
    return change(reply, '/konsol/instansi', async () => {
      await registry(req).request('POST', '/members', { id, name: field(body, 'name') });
    });
  });

  post('/konsol/instansi/gateway', async (req, reply, p) => {
    const body = form(req);
    const id = field(body, 'id');
    kit.guard(req, p, 'register gateway', memberOf(id), 'act');
    const logKey = (body.logKey ?? '').trim();
    const request = { id, address: field(body, 'address'), signingKey: field(body, 'signingKey'), csr: field(body, 'csr'), ...(logKey ? { logKey } : {}) };
    let registered: { gateway: Gateway; tlsCertificate: string; caCertificate: string };
    try {
      registered = await registry(req).request('POST', '/gateways', request);
    } catch (error) {
      if (error instanceof RegistryApiError) return reply.redirect(`/konsol/instansi?galat=${encodeURIComponent(`${error.code}: ${error.message}`)}`, 303);
      throw error;
    }
    // The certificate is shown once, here: the gateway's operator installs it with the TLS key it kept.
    const pc = kit.context(req, reply, p);
    const { t } = pc;
    return sendPage(reply, renderPage(pc, t('Gateway terdaftar', 'Gateway registered'), html`
      <p>${t(`Gateway ${registered.gateway.id} terdaftar di ${registered.gateway.address}. Pasang sertifikat TLS di bawah ini pada gateway bersama kunci TLS yang dibuat bersama CSR-nya; gateway lain mempercayainya mulai konfigurasi global berikutnya.`, `Gateway ${registered.gateway.id} is registered at ${registered.gateway.address}. Install the TLS certificate below on the gateway with the TLS key made with its CSR; other gateways trust it from the next global configuration.`)}</p>
      <h2>${t('Sertifikat TLS gateway', 'Gateway TLS certificate')}</h2>
      <pre tabindex="0">${registered.tlsCertificate}</pre>
      <h2>${t('Sertifikat CA registry', 'Registry CA certificate')}</h2>
      <pre tabindex="0">${registered.caCertificate}</pre>
      <p><a href="/konsol/instansi">${t('Kembali ke daftar instansi', 'Back to the agencies')}</a></p>`, { kind: 'notice', text: t('Tersimpan.', 'Saved.') }), 201);
  });

  post('/konsol/instansi/gateway/cabut', async (req, reply, p) => {
    const id = field(form(req), 'id');
    kit.guard(req, p, 'revoke gateway', memberOf(id), 'act');
    return change(reply, '/konsol/instansi', async () => {
      await registry(req).request('POST', `/gateways/${encodeURIComponent(id)}/revoke`);
    });
  });

  post('/konsol/instansi/subsistem', async (req, reply, p) => {
    const body = form(req);
    const id = field(body, 'id');
    kit.guard(req, p, 'add subsystem', memberOf(id), 'act');
    return change(reply, '/konsol/instansi', async () => {
      await registry(req).request('POST', '/subsystems', { id });
    });
  });

  // --- Services ---------------------------------------------------------------------------------

  app.get('/konsol/layanan', { schema: { hide: true } }, async (req, reply) => page(req, reply, 'list services', async (p, pc) => {
    const { t } = pc;
    const services = await registry(req).request<Service[]>('GET', '/services');
    const csrf = csrfField(reply);
    return {
      title: t('Layanan', 'Services'),
      body: html`<div class="table-scroll" tabindex="0"><table>
        <caption>${t('Layanan yang terdaftar di registry', 'Services registered in the registry')}</caption>
        <thead><tr><th scope="col">${t('Layanan', 'Service')}</th><th scope="col">${t('Penyedia', 'Provider')}</th><th scope="col">${t('Data pribadi', 'Personal data')}</th><th scope="col">${t('Status', 'Status')}</th></tr></thead>
        <tbody>${services.map((s) => html`<tr><th scope="row">${s.title}<br /><code>${s.id}</code></th><td>${rt.directory.memberName(memberOf(s.id))}</td><td>${s.personalData ? t('ya', 'yes') : t('tidak', 'no')}</td>
          <td>${s.enabled ? t('aktif', 'enabled') : t('nonaktif', 'disabled')}
          ${mayAct(p, memberOf(s.id)) ? html`<form method="post" action="/konsol/layanan/status">${csrf}<input type="hidden" name="service" value=${s.id} /><input type="hidden" name="enabled" value=${s.enabled ? 'false' : 'true'} />
            <button class="button secondary" type="submit">${s.enabled ? t(`Nonaktifkan ${s.title}`, `Disable ${s.title}`) : t(`Aktifkan ${s.title}`, `Enable ${s.title}`)}</button></form>` : null}</td></tr>`)}</tbody>
      </table></div>
      ${p.role !== 'auditor' ? html`<section class="card" aria-labelledby="s-baru">
        <h2 id="s-baru">${t('Tambah layanan', 'Add a service')}</h2>
        <form method="post" action="/konsol/layanan/tambah">${csrf}
          <label for="f-service-id">${t('Kode layanan', 'Service code')}</label>
          <span class="hint" id="h-service-id">${t(`Subsistem penyedia diikuti nama layanan, misalnya ${p.member ?? 'ID/GOV/DUKCAPIL'}/SIAK/penduduk`, `The providing subsystem followed by the service name, for example ${p.member ?? 'ID/GOV/DUKCAPIL'}/SIAK/person`)}</span>
          <input id="f-service-id" name="id" required aria-describedby="h-service-id" />
          <label for="f-service-title">${t('Judul', 'Title')}</label>
          <input id="f-service-title" name="title" required />
          <label for="f-service-personal">${t('Berisi data pribadi?', 'Contains personal data?')}</label>
          <span class="hint" id="h-service-personal">${t('Jika ya, setiap permintaan harus menyebut subjek datanya.', 'If yes, every request must name its data subject.')}</span>
          <select id="f-service-personal" name="personalData" aria-describedby="h-service-personal"><option value="true">${t('Ya', 'Yes')}</option><option value="false">${t('Tidak', 'No')}</option></select>
          <label for="f-service-openapi">${t('Deskripsi OpenAPI (JSON, boleh kosong)', 'OpenAPI description (JSON, optional)')}</label>
          <textarea id="f-service-openapi" name="openapi" rows="4"></textarea>
          <button class="button" type="submit">${t('Tambah layanan', 'Add service')}</button>
        </form>
      </section>` : null}`,
    };
  }));

  post('/konsol/layanan/tambah', async (req, reply, p) => {
    const body = form(req);
    const id = field(body, 'id');
    kit.guard(req, p, 'add service', memberOf(id), 'act');
    const openapiText = (body.openapi ?? '').trim();
    let openapi: unknown = null;
    if (openapiText) {
      try {
        openapi = JSON.parse(openapiText);
      } catch {
        throw new SimpulError('request.invalid', 'The OpenAPI description is not valid JSON.', { field: 'openapi' });
      }
    }
    return change(reply, '/konsol/layanan', async () => {
      await registry(req).request('POST', '/services', { id, title: field(body, 'title'), personalData: body.personalData !== 'false', openapi });
    });
  });

  post('/konsol/layanan/status', async (req, reply, p) => {
    const body = form(req);
    const service = field(body, 'service');
    kit.guard(req, p, 'enable or disable service', memberOf(service), 'act');
    return change(reply, '/konsol/layanan', async () => {
      await registry(req).request('PATCH', `/services/${encodeURIComponent(service)}`, { enabled: body.enabled === 'true' });
    });
  });

  // --- Access rights ----------------------------------------------------------------------------

  app.get('/konsol/hak-akses', { schema: { hide: true } }, async (req, reply) => page(req, reply, 'list access rights', async (p, pc) => {
    const { t, lang } = pc;
    const api = registry(req);
    const [rights, services, subsystems] = await Promise.all([api.request<Right[]>('GET', '/access-rights?all=true'), api.request<Service[]>('GET', '/services'), api.request<Subsystem[]>('GET', '/subsystems')]);
    const now = rt.now();
    const csrf = csrfField(reply);
    const mine = services.filter((s) => mayAct(p, memberOf(s.id)));
    const soon = rights.filter((r) => r.status === 'active' && r.expiresAt && Date.parse(r.expiresAt) - now < kit.renewalHorizonDays * DAY_MS);
    return {
      title: t('Hak akses', 'Access rights'),
      body: html`
        ${soon.length ? html`<div class="alert" role="status"><p>${t(`${soon.length} hak akses berakhir dalam ${kit.renewalHorizonDays} hari; perbarui bila masih diperlukan.`, `${soon.length} access right(s) expire within ${kit.renewalHorizonDays} days; renew those still needed.`)}</p></div>` : null}
        <div class="table-scroll" tabindex="0"><table>
          <caption>${t('Setiap hak akses dengan tujuan, dasar hukum, pemberi dan waktunya', 'Every access right with its purpose, legal basis, grantor and time')}</caption>
          <thead><tr><th scope="col">${t('Klien', 'Client')}</th><th scope="col">${t('Layanan', 'Service')}</th><th scope="col">${t('Tujuan', 'Purpose')}</th><th scope="col">${t('Dasar hukum', 'Legal basis')}</th><th scope="col">${t('Diberikan oleh', 'Granted by')}</th><th scope="col">${t('Berakhir', 'Expires')}</th><th scope="col">${t('Status', 'Status')}</th></tr></thead>
          <tbody>${rights.map((r) => {
            const left = r.expiresAt ? Math.ceil((Date.parse(r.expiresAt) - now) / DAY_MS) : null;
            return html`<tr><th scope="row"><code>${r.client}</code></th><td><code>${r.service}</code></td><td>${r.purpose}</td><td>${r.legalBasis}</td>
              <td>${r.grantedBy}, ${formatTime(lang, Date.parse(r.grantedAt))}</td>
              <td>${r.expiresAt ? html`${formatTime(lang, Date.parse(r.expiresAt))}${r.status === 'active' && left !== null && left <= kit.renewalHorizonDays ? html` <strong>${t(`(${left} hari lagi)`, `(${left} days left)`)}</strong>` : null}` : t('tidak berakhir', 'no expiry')}</td>
              <td>${r.status === 'active' ? t('berlaku', 'active') : r.status === 'expired' ? t('berakhir', 'expired') : t('dicabut', 'revoked')}
                ${r.status === 'active' && mayAct(p, memberOf(r.service)) ? html`<form method="post" action="/konsol/hak-akses/cabut">${csrf}<input type="hidden" name="id" value=${r.id} /><input type="hidden" name="service" value=${r.service} /><button class="button secondary" type="submit">${t(`Cabut hak ${r.client} atas ${r.service}`, `Revoke ${r.client}'s right to ${r.service}`)}</button></form>` : null}</td></tr>`;
          })}</tbody>
        </table></div>
        ${mine.length ? html`<h2>${t('Berikan hak akses', 'Grant an access right')}</h2>
        <form method="post" action="/konsol/hak-akses">${csrf}
          <label for="f-client">${t('Subsistem klien', 'Client subsystem')}</label>
          <select id="f-client" name="client" required>${subsystems.map((s) => html`<option value=${s.id}>${s.id}</option>`)}</select>
          <label for="f-service">${t('Layanan', 'Service')}</label>
          <select id="f-service" name="service" required>${mine.map((s) => html`<option value=${s.id}>${s.title} (${s.id})</option>`)}</select>
          <label for="f-purpose">${t('Kode tujuan', 'Purpose code')}</label>
          <input id="f-purpose" name="purpose" required pattern="[A-Z0-9][A-Z0-9-]*" />
          <label for="f-legal">${t('Dasar hukum', 'Legal basis')}</label>
          <input id="f-legal" name="legalBasis" required />
          <label for="f-expires">${t('Berakhir pada (opsional)', 'Expires on (optional)')}</label>
          <input id="f-expires" name="expiresAt" type="date" required=${false} />
          <button class="button" type="submit">${t('Berikan hak akses', 'Grant access right')}</button>
        </form>` : null}`,
    };
  }));

  const expiry = (date: string | undefined): string | null => {
    if (!date) return null;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new SimpulError('request.invalid', 'An expiry date is YYYY-MM-DD.');
    return `${date}T16:59:59.000Z`; // 23:59:59 WIB
  };

  post('/konsol/hak-akses', async (req, reply, p) => {
    const body = form(req);
    const service = field(body, 'service');
    kit.guard(req, p, 'grant access right', memberOf(service), 'act');
    const right = { client: field(body, 'client'), service, purpose: field(body, 'purpose'), legalBasis: field(body, 'legalBasis'), expiresAt: expiry(body.expiresAt?.trim() || undefined) };
    return change(reply, '/konsol/hak-akses', async () => {
      await registry(req).request('POST', '/access-rights', right);
    });
  });

  post('/konsol/hak-akses/cabut', async (req, reply, p) => {
    const body = form(req);
    kit.guard(req, p, 'revoke access right', memberOf(field(body, 'service')), 'act');
    return change(reply, '/konsol/hak-akses', async () => {
      await registry(req).request('POST', `/access-rights/${encodeURIComponent(field(body, 'id'))}/revoke`);
    });
  });

  // --- Requests to consume a service (the provider approves) -------------------------------------

  app.get('/konsol/permintaan', { schema: { hide: true } }, async (req, reply) => page(req, reply, 'list access requests', async (p, pc) => {
    const { t, lang } = pc;
    const api = registry(req);
    const [services, subsystems] = await Promise.all([api.request<Service[]>('GET', '/services'), api.request<Subsystem[]>('GET', '/subsystems')]);
    const requests = (await rt.db.selectFrom('access_request').selectAll().orderBy('requested_at', 'desc').execute())
      .filter((r) => maySee(p, r.client_member) || maySee(p, r.provider_member));
    const csrf = csrfField(reply);
    const ownClients = subsystems.filter((s) => mayAct(p, s.member));
    return {
      title: t('Permintaan akses layanan', 'Requests to consume a service'),
      body: html`
        <p>${t('Instansi peminta mengajukan; instansi penyedia menyetujui atau menolak. Persetujuan memberikan hak akses di registry atas nama penyetuju.', 'The consuming agency asks; the providing agency approves or rejects. Approval grants the access right in the registry in the approver\'s name.')}</p>
        ${requests.length === 0 ? html`<p>${t('Belum ada permintaan.', 'No requests yet.')}</p>` : requests.map((r) => html`<section class="card" aria-labelledby=${`r-${r.id}`}>
          <h2 id=${`r-${r.id}`}>${r.client} → ${r.service}</h2>
          <dl class="facts">
            <dt>${t('Tujuan', 'Purpose')}</dt><dd>${r.purpose}</dd>
            <dt>${t('Dasar hukum', 'Legal basis')}</dt><dd>${r.legal_basis}</dd>
            <dt>${t('Alasan', 'Justification')}</dt><dd>${r.justification}</dd>
            <dt>${t('Diajukan', 'Requested')}</dt><dd>${r.requested_by}, ${formatTime(lang, Number(r.requested_at))}</dd>
            <dt>${t('Status', 'Status')}</dt><dd>${r.status === 'pending' ? t('menunggu', 'pending') : r.status === 'approved' ? t('disetujui', 'approved') : t('ditolak', 'rejected')}${r.decided_by ? ` — ${r.decided_by}${r.decision_note ? `: ${r.decision_note}` : ''}` : ''}</dd>
          </dl>
          ${r.status === 'pending' && mayAct(p, r.provider_member) ? html`
            <form method="post" action=${`/konsol/permintaan/${r.id}/setujui`}>${csrf}<button class="button" type="submit">${t('Setujui dan berikan hak akses', 'Approve and grant the right')}</button></form>
            <form method="post" action=${`/konsol/permintaan/${r.id}/tolak`}>${csrf}
              <label for=${`f-reject-${r.id}`}>${t('Alasan penolakan', 'Reason for rejecting')}</label>
              <input id=${`f-reject-${r.id}`} name="note" required />
              <button class="button secondary" type="submit">${t('Tolak', 'Reject')}</button>
            </form>` : null}
        </section>`)}
        ${ownClients.length ? html`<h2>${t('Ajukan permintaan', 'Make a request')}</h2>
        <form method="post" action="/konsol/permintaan">${csrf}
          <label for="f-rclient">${t('Subsistem klien', 'Client subsystem')}</label>
          <select id="f-rclient" name="client" required>${ownClients.map((s) => html`<option value=${s.id}>${s.id}</option>`)}</select>
          <label for="f-rservice">${t('Layanan', 'Service')}</label>
          <select id="f-rservice" name="service" required>${services.map((s) => html`<option value=${s.id}>${s.title} (${s.id})</option>`)}</select>
          <label for="f-rpurpose">${t('Kode tujuan', 'Purpose code')}</label>
          <input id="f-rpurpose" name="purpose" required pattern="[A-Z0-9][A-Z0-9-]*" />
          <label for="f-rlegal">${t('Dasar hukum', 'Legal basis')}</label>
          <input id="f-rlegal" name="legalBasis" required />
          <label for="f-rwhy">${t('Alasan', 'Justification')}</label>
          <textarea id="f-rwhy" name="justification" rows="3" required></textarea>
          <button class="button" type="submit">${t('Ajukan', 'Submit request')}</button>
        </form>` : null}`,
    };
  }));

  post('/konsol/permintaan', async (req, reply, p) => {
    const body = form(req);
    const client = field(body, 'client');
    kit.guard(req, p, 'request access', memberOf(client), 'act');
    const service = field(body, 'service');
    await rt.db.insertInto('access_request').values({
      id: randomUUID(), client, client_member: memberOf(client), service, provider_member: memberOf(service), purpose: field(body, 'purpose'), legal_basis: field(body, 'legalBasis'),
      justification: field(body, 'justification').slice(0, 2000), expires_at: null, status: 'pending', requested_by: p.username, requested_at: rt.now(),
      decided_by: null, decided_at: null, decision_note: null, right_id: null,
    }).execute();
    return reply.redirect('/konsol/permintaan?ok=1', 303);
  });

  const pending = async (id: string) => {
    const r = await rt.db.selectFrom('access_request').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw new SimpulError('request.not_found', `No access request ${id}.`);
    if (r.status !== 'pending') throw new SimpulError('request.conflict', `The request was already ${r.status}.`);
    return r;
  };
  post('/konsol/permintaan/:id/setujui', async (req, reply, p) => {
    const r = await pending((req.params as { id: string }).id);
    kit.guard(req, p, 'approve access request', r.provider_member, 'act');
    return change(reply, '/konsol/permintaan', async () => {
      const right = await registry(req).request<Right>('POST', '/access-rights', { client: r.client, service: r.service, purpose: r.purpose, legalBasis: r.legal_basis, expiresAt: r.expires_at });
      await rt.db.updateTable('access_request').set({ status: 'approved', decided_by: p.username, decided_at: rt.now(), right_id: right.id }).where('id', '=', r.id).execute();
    });
  });
  post('/konsol/permintaan/:id/tolak', async (req, reply, p) => {
    const r = await pending((req.params as { id: string }).id);
    kit.guard(req, p, 'reject access request', r.provider_member, 'act');
    const note = field(form(req), 'note');
    await rt.db.updateTable('access_request').set({ status: 'rejected', decided_by: p.username, decided_at: rt.now(), decision_note: note.slice(0, 1000) }).where('id', '=', r.id).execute();
    return reply.redirect('/konsol/permintaan?ok=1', 303);
  });

  // --- Audit trail ------------------------------------------------------------------------------

  app.get('/konsol/audit', { schema: { hide: true } }, async (req, reply) => page(req, reply, 'read audit trail', async (_p, pc) => {
    const { t, lang } = pc;
    const events = await registry(req).request<AuditEvent[]>('GET', '/audit?limit=200');
    return {
      title: t('Jejak audit registry', 'Registry audit trail'),
      body: html`<div class="table-scroll" tabindex="0"><table>
        <caption>${t('Setiap perubahan, terbaru dahulu', 'Every change, newest first')}</caption>
        <thead><tr><th scope="col">${t('Waktu', 'Time')}</th><th scope="col">${t('Pelaku', 'Actor')}</th><th scope="col">${t('Tindakan', 'Action')}</th><th scope="col">${t('Sasaran', 'Target')}</th></tr></thead>
        <tbody>${events.map((e) => html`<tr><td>${formatTime(lang, Date.parse(e.at))}</td><td>${e.actor}</td><td>${e.action}</td><td><code>${e.target}</code></td></tr>`)}</tbody>
      </table></div>`,
    };
  }));

  // --- Traffic and service levels ---------------------------------------------------------------

  app.get('/konsol/lalu-lintas', { schema: { hide: true } }, async (req, reply) => page(req, reply, 'read traffic', async (p, pc) => {
    const { t, lang } = pc;
    const to = rt.now();
    const from = to - DAY_MS;
    const pairs = (await rt.statistics.byPair({ from, to })).filter((r) => maySee(p, r.provider) || maySee(p, r.consumer));
    const hourly = (await rt.statistics.hourly({ from, to })).filter((r) => maySee(p, r.provider));
    const levels = await rt.db.selectFrom('service_level').selectAll().execute();
    const services = [...new Set(pairs.map((r) => r.service))];
    const csrf = csrfField(reply);
    const ms = (v: number | null) => (v === null ? '–' : `${formatNumber(lang, v)} ms`);
    return {
      title: t('Lalu lintas dan tingkat layanan (24 jam)', 'Traffic and service levels (24 hours)'),
      body: html`
        ${pairs.length ? html`<${TrafficMap} lang=${lang} t=${t} model=${trafficMap(rt.directory.members(), exactPairs(pairs))} title=${t('Peta lalu lintas antarinstansi, 24 jam terakhir', 'Traffic map between agencies, last 24 hours')} />` : html`<p>${t('Belum ada lalu lintas dalam 24 jam terakhir.', 'No traffic in the last 24 hours.')}</p>`}
        <div class="table-scroll" tabindex="0"><table>
          <caption>${t('Siapa bertukar dengan siapa: volume, galat dan latensi per layanan', 'Who exchanges with whom: volume, errors and latency per service')}</caption>
          <thead><tr><th scope="col">${t('Peminta', 'Consumer')}</th><th scope="col">${t('Penyedia', 'Provider')}</th><th scope="col">${t('Layanan', 'Service')}</th><th scope="col" class="num">${t('Pertukaran', 'Exchanges')}</th><th scope="col" class="num">${t('Ditolak', 'Refused')}</th><th scope="col" class="num">${t('Galat', 'Errors')}</th><th scope="col" class="num">p50</th><th scope="col" class="num">p95</th><th scope="col" class="num">p99</th></tr></thead>
          <tbody>${pairs.map((r) => html`<tr><th scope="row">${rt.directory.memberName(r.consumer)}</th><td>${rt.directory.memberName(r.provider)}</td><td><code>${r.service}</code></td><td class="num">${r.total}</td><td class="num">${r.refused}</td><td class="num">${r.error}</td><td class="num">${ms(r.p50)}</td><td class="num">${ms(r.p95)}</td><td class="num">${ms(r.p99)}</td></tr>`)}</tbody>
        </table></div>
        ${services.map((s) => {
          const rows = hourly.filter((h) => h.service === s);
          return html`<${BarChart} label=${t(`Latensi p95 per jam: ${s}`, `Hourly p95 latency: ${s}`)} unit="ms" rows=${rows.map((h) => ({ name: `${h.hour} WIB (${h.total}, ${t('galat', 'errors')} ${h.error})`, value: h.p95 ?? 0 }))} />`;
        })}
        <h2>${t('Tingkat layanan (SLA)', 'Service levels (SLA)')}</h2>
        <ul>${levels.map((l) => html`<li><code>${l.service}</code>: p95 ≤ ${l.p95_ms} ms, ${t('galat', 'errors')} ≤ ${formatNumber(lang, l.max_error_rate * 100)}% (${l.set_by})</li>`)}</ul>
        ${services.some((s) => mayAct(p, memberOf(s))) ? html`<form method="post" action="/konsol/sla">${csrf}
          <label for="f-sla-service">${t('Layanan', 'Service')}</label>
          <select id="f-sla-service" name="service">${services.filter((s) => mayAct(p, memberOf(s))).map((s) => html`<option value=${s}>${s}</option>`)}</select>
          <label for="f-sla-p95">${t('Batas latensi p95 (ms)', 'p95 latency limit (ms)')}</label>
          <input id="f-sla-p95" name="p95" type="number" min="1" required inputmode="numeric" />
          <label for="f-sla-err">${t('Batas galat (%)', 'Error limit (%)')}</label>
          <input id="f-sla-err" name="errors" type="number" min="0" max="100" step="0.1" required />
          <button class="button" type="submit">${t('Simpan SLA', 'Save SLA')}</button>
        </form>` : null}`,
    };
  }));

  post('/konsol/sla', async (req, reply, p) => {
    const body = form(req);
    const service = field(body, 'service');
    kit.guard(req, p, 'set service level', memberOf(service), 'act');
    const p95 = Number(field(body, 'p95'));
    const errors = Number(field(body, 'errors'));
    if (!Number.isInteger(p95) || p95 < 1 || !(errors >= 0 && errors <= 100)) throw new SimpulError('request.invalid', 'The p95 limit is a whole number of milliseconds; the error limit a percentage from 0 to 100.');
    const values = { p95_ms: p95, max_error_rate: errors / 100, set_by: p.username, set_at: rt.now() };
    await rt.db.insertInto('service_level').values({ service, ...values }).onConflict((oc) => oc.column('service').doUpdateSet(values)).execute();
    return reply.redirect('/konsol/lalu-lintas?ok=1', 303);
  });

  // --- Data quality -----------------------------------------------------------------------------

  app.get('/konsol/kualitas', { schema: { hide: true } }, async (req, reply) => page(req, reply, 'read data quality', async (p, pc) => {
    const { t, lang } = pc;
    const snapshots = (await rt.quality.snapshots()).filter((s) => maySee(p, s.agency));
    const latest = [...new Map(snapshots.map((s) => [s.agency, s])).values()];
    return {
      title: t('Kualitas data per instansi', 'Data quality per agency'),
      body: snapshots.length === 0 ? html`<p>${t('Belum ada hasil rekonsiliasi.', 'No reconciliation results yet.')}</p>` : html`
        <${LineChart} lang=${lang} max=${100} label=${t('Skor kualitas per instansi pada setiap rekonsiliasi (0–100); angka yang sama ada di tabel di bawah', 'Quality score per agency at every reconciliation (0–100); the same figures are in the table below')} series=${scoreSeries(snapshots).map((s) => ({ name: rt.directory.memberName(s.agency), points: s.points }))} />
        <${BarChart} label=${t('Skor kualitas terakhir (0–100)', 'Latest quality score (0–100)')} unit="" rows=${latest.map((s) => ({ name: rt.directory.memberName(s.agency), value: s.score }))} />
        <div class="table-scroll" tabindex="0"><table>
          <caption>${t('Riwayat skor, konflik dan permintaan koreksi', 'History of scores, conflicts and correction requests')}</caption>
          <thead><tr><th scope="col">${t('Instansi', 'Agency')}</th><th scope="col">${t('Waktu', 'Time')}</th><th scope="col" class="num">${t('Skor', 'Score')}</th><th scope="col" class="num">${t('Konflik', 'Conflicts')}</th><th scope="col" class="num">${t('Koreksi terbuka', 'Open corrections')}</th><th scope="col" class="num">${t('Umur tertua (hari)', 'Oldest age (days)')}</th></tr></thead>
          <tbody>${snapshots.map((s) => html`<tr><th scope="row">${rt.directory.memberName(s.agency)}</th><td>${formatTime(lang, s.at)}</td><td class="num">${formatNumber(lang, s.score)}</td><td class="num">${s.openConflicts}</td><td class="num">${s.openCorrections}</td><td class="num">${s.oldestOpenCorrectionDays ?? '–'}</td></tr>`)}</tbody>
        </table></div>`,
    };
  }));
}
