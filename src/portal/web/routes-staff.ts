/**
 * Staff pages. The back office lets agency staff handle the complaints and correction
 * requests routed to their own agency only. The service counter lets an officer act on a
 * citizen's behalf (assisted channel) after checking their identity card in person: the
 * assisted session is a child of the officer's session and every action in it names the officer.
 */
import { SimpulError } from '../../core/errors.js';
import { parseNik, type MemberId } from '../../core/ids.js';
import type { HttpApp } from '../../core/http/app.js';
import { findAccountId } from '../auth/accounts.js';
import { createSession } from '../auth/sessions.js';
import { recordSignInEvent } from '../auth/sign-in.js';
import { agencyName } from '../consent/catalogue.js';
import { html } from './html.js';
import { Button, CsrfField, Field, formatDate, renderPage } from './page.js';
import { clientIp, cookieOptions, pageContext, requireSession, sendPage, type WebRuntime } from './runtime.js';
import { dueText, historyList, statusLabel } from './routes-complaints.js';

type Form = Record<string, string | undefined>;
const UUID = /^[0-9a-f-]{36}$/;
const ASSISTED_LIFETIME_MS = 60 * 60_000;

export function registerStaffRoutes(app: HttpApp, rt: WebRuntime): void {
  const desk = rt.complaints;

  app.get('/kantor', { schema: { hide: true } }, async (req, reply) => {
    const session = requireSession(req, reply, ['agency_staff']);
    if (!session) return reply;
    const agency = session.account.agency as MemberId;
    await desk.closeStale();
    const [open, corrections] = await Promise.all([desk.listForAgency(agency), rt.applications.correctionsForAgency(agency)]);
    const pc = pageContext(req, reply);
    const t = pc.t;
    const active = open.filter((c) => c.status !== 'closed');
    return sendPage(reply, renderPage(pc, t(`Kantor layanan — ${agencyName(agency)}`, `Back office — ${agencyName(agency)}`), html`
      <h2>${t('Pengaduan', 'Complaints')}</h2>
      ${active.length === 0 ? html`<p>${t('Tidak ada pengaduan terbuka.', 'No open complaint.')}</p>` : html`<div class="table-scroll" tabindex="0" role="region" aria-label=${pc.t('Tabel, dapat digulir', 'Table, scrollable')}><table id="complaints">
        <caption>${t('Pengaduan yang diteruskan ke instansi Anda', 'Complaints routed to your agency')}</caption>
        <thead><tr><th scope="col">${t('Nomor', 'Id')}</th><th scope="col">${t('Diterima', 'Received')}</th><th scope="col">${t('Status', 'Status')}</th><th scope="col">${t('Batas waktu', 'Deadline')}</th></tr></thead>
        <tbody>${active.map((c) => html`<tr><td><a href=${`/kantor/pengaduan/${c.id}`}>${c.trackingId}</a></td><td>${formatDate(pc.lang, c.createdAt)}</td><td>${statusLabel(pc, c.status)}</td><td>${dueText(pc, c)}</td></tr>`)}</tbody>
      </table></div>`}
      <h2>${t('Permintaan koreksi data', 'Data correction requests')}</h2>
      ${corrections.length === 0 ? html`<p>${t('Tidak ada permintaan koreksi.', 'No correction request.')}</p>` : html`<ul id="corrections">${corrections.map((c) => html`<li>${formatDate(pc.lang, c.createdAt)} — <strong>${c.item}</strong>: “${c.current}” → “${c.claimed}”${c.reason ? ` (${c.reason})` : ''} [${c.status}]</li>`)}</ul>`}`));
  });

  app.get('/kantor/pengaduan/:id', { schema: { hide: true } }, async (req, reply) => {
    const session = requireSession(req, reply, ['agency_staff']);
    if (!session) return reply;
    const id = (req.params as { id: string }).id;
    const c = UUID.test(id) ? await desk.detailForAgency(session.account.agency as MemberId, id) : undefined;
    if (!c) throw new SimpulError('request.not_found', 'No such complaint for your agency.');
    const pc = pageContext(req, reply);
    const t = pc.t;
    return sendPage(reply, renderPage(pc, t(`Pengaduan ${c.trackingId}`, `Complaint ${c.trackingId}`), html`
      <dl class="facts">
        <dt>${t('Status', 'Status')}</dt><dd>${statusLabel(pc, c.status)}</dd>
        <dt>${t('Batas waktu', 'Deadline')}</dt><dd>${dueText(pc, c) || '—'}</dd>
        <dt>${t('Judul', 'Title')}</dt><dd>${c.title}</dd>
        <dt>${t('Lokasi', 'Location')}</dt><dd>${c.location}</dd>
        <dt>${t('Saluran', 'Channel')}</dt><dd>${c.assisted ? t('Loket (berbantuan)', 'Counter (assisted)') : t('Daring', 'Online')}</dd>
      </dl>
      <p>${c.body}</p>
      <h2>${t('Riwayat status', 'Status history')}</h2>
      ${historyList(pc, c.history)}
      ${c.status === 'submitted' ? html`<form method="post" action=${`/kantor/pengaduan/${c.id}/verifikasi`}>${CsrfField(pc)}
        ${Field({ name: 'note', label: t('Catatan verifikasi (opsional)', 'Verification note (optional)'), multiline: true, required: false })}
        ${Button({ children: t('Verifikasi', 'Verify') })}</form>` : null}
      ${c.status === 'verified' ? html`<form method="post" action=${`/kantor/pengaduan/${c.id}/tanggapi`}>${CsrfField(pc)}
        ${Field({ name: 'answer', label: t('Tanggapan untuk pelapor', 'Answer to the reporter'), multiline: true })}
        ${Button({ children: t('Kirim tanggapan', 'Send the answer') })}</form>` : null}
      <p><a href="/kantor">${t('Kembali', 'Back')}</a></p>`));
  });

  app.post('/kantor/pengaduan/:id/:action', { schema: { hide: true } }, async (req, reply) => {
    const session = requireSession(req, reply, ['agency_staff']);
    if (!session) return reply;
    const { id, action } = req.params as { id: string; action: string };
    if (!UUID.test(id)) throw new SimpulError('request.not_found', 'No such complaint.');
    const form = (req.body ?? {}) as Form;
    const agency = session.account.agency as MemberId;
    if (action === 'verifikasi') await desk.verify(agency, session.account.id, id, form.note?.trim() || undefined);
    else if (action === 'tanggapi') await desk.respond(agency, session.account.id, id, form.answer ?? '');
    else throw new SimpulError('request.not_found', 'No such action.');
    return reply.redirect(`/kantor/pengaduan/${id}`, 303);
  });

  app.get('/loket', { schema: { hide: true } }, async (req, reply) => {
    const session = requireSession(req, reply, ['officer']);
    if (!session) return reply;
    const pc = pageContext(req, reply);
    const t = pc.t;
    const error = (req.query as Form).galat;
    return sendPage(reply, renderPage(pc, t('Loket layanan berbantuan', 'Assisted service counter'), html`
      <p>${t('Layani warga yang tidak memiliki perangkat. Periksa KTP-el warga secara langsung sebelum mulai. Semua tindakan dicatat atas nama Anda sebagai layanan berbantuan.', 'Serve citizens who have no device. Check the citizen\'s e-ID card in person before you start. Every action is recorded under your name as assisted.')}</p>
      <form method="post" action="/loket/mulai" novalidate>
        ${CsrfField(pc)}
        ${Field({ name: 'nik', label: t('NIK warga', 'Citizen\'s NIK'), inputmode: 'numeric', maxlength: 16, error: error ? t('NIK tidak valid atau belum terdaftar di portal.', 'The NIK is not valid or has no portal account.') : undefined })}
        <div><input type="checkbox" id="f-checked" name="checked" value="yes" required /> <label for="f-checked" style="display:inline">${t('Saya telah memeriksa KTP-el warga ini dan warga meminta dilayani.', 'I checked this citizen\'s e-ID card and the citizen asked to be served.')}</label></div>
        ${Button({ children: t('Mulai melayani', 'Start serving') })}
      </form>`));
  });

  app.post('/loket/mulai', { schema: { hide: true } }, async (req, reply) => {
    const session = requireSession(req, reply, ['officer']);
    if (!session) return reply;
    const form = (req.body ?? {}) as Form;
    let accountId: string | undefined;
    try {
      accountId = form.checked === 'yes' ? await findAccountId(rt.ctx, { kind: 'nik', nik: parseNik((form.nik ?? '').trim()) }) : undefined;
    } catch {
      accountId = undefined;
    }
    if (!accountId) return reply.redirect('/loket?galat=1', 303);
    const token = await createSession(rt.ctx, rt.limits, { accountId, method: 'assisted', actorId: session.account.id, parentIdHash: session.idHash, absoluteMs: ASSISTED_LIFETIME_MS });
    await recordSignInEvent(rt.ctx, { event: 'assisted_start', outcome: 'success', ip: clientIp(req), accountId, actorId: session.account.id, detail: 'identity card checked in person' });
    void reply.setCookie(rt.cookies.assisted, token, cookieOptions(rt));
    return reply.redirect('/', 303);
  });
}
