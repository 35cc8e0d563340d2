/**
 * Complaints for citizens: file one (category, title, description, location), follow it,
 * reply to the agency's answer; and the public tracking page (status only, by tracking id).
 */
import { SimpulError } from '../../core/errors.js';
import type { HttpApp } from '../../core/http/app.js';
import type { ComplaintDetail, ComplaintSummary } from '../complaints/complaint-desk.js';
import { agencyName } from '../consent/catalogue.js';
import { html, type VNode } from './html.js';
import { Button, CsrfField, Field, formatDate, formatTime, renderPage, type PageContext } from './page.js';
import { pageContext, requireSession, sendPage, type WebRuntime } from './runtime.js';

type Form = Record<string, string | undefined>;

export function statusLabel(pc: PageContext, status: string): string {
  const t = pc.t;
  switch (status) {
    case 'submitted': return t('Diterima, menunggu verifikasi', 'Received, awaiting verification');
    case 'verified': return t('Diverifikasi, menunggu tindak lanjut', 'Verified, awaiting follow-up');
    case 'responded': return t('Ditanggapi instansi', 'Answered by the agency');
    case 'closed': return t('Selesai', 'Closed');
    default: return status;
  }
}

export function dueText(pc: PageContext, c: ComplaintSummary): string {
  if (!c.dueAt) return '';
  const t = pc.t;
  const when = formatDate(pc.lang, c.dueAt);
  if (c.status === 'submitted') return t(`Verifikasi paling lambat ${when}`, `Verification due by ${when}`) + (c.overdue ? t(' — terlambat', ' — overdue') : '');
  if (c.status === 'verified') return t(`Tindak lanjut paling lambat ${when}`, `Follow-up due by ${when}`) + (c.overdue ? t(' — terlambat', ' — overdue') : '');
  return t(`Ditutup otomatis ${when} jika tidak ada balasan`, `Closes automatically on ${when} without a reply`);
}

export function historyList(pc: PageContext, history: { time: Date; status: string; actor?: string; note?: string | null }[]): VNode {
  const t = pc.t;
  const who = (a?: string) => (a === 'agency' ? t('Instansi', 'Agency') : a === 'citizen' ? t('Pelapor', 'Reporter') : a === 'officer' ? t('Petugas loket', 'Counter officer') : a === 'system' ? t('Sistem', 'System') : '');
  return html`<ol id="history">${history.map((h) => html`<li><strong>${formatTime(pc.lang, h.time)}</strong> — ${statusLabel(pc, h.status)}${h.actor ? ` (${who(h.actor)})` : ''}${h.note ? html`<br />${h.note}` : null}</li>`)}</ol>`;
}

export function registerComplaintRoutes(app: HttpApp, rt: WebRuntime): void {
  const desk = rt.complaints;

  function complaintsPage(pc: PageContext, mine: ComplaintSummary[], values: Form = {}, errors: Record<string, string> = {}): string {
    const t = pc.t;
    const categories: [string, string][] = [['', t('— Pilih kategori —', '— Choose a category —')], ...desk.categories.map((c): [string, string] => [c.code, pc.lang === 'en' ? c.label.en : c.label.id])];
    return renderPage(pc, t('Pengaduan', 'Complaints'), html`
      <p>${t('Laporan Anda diteruskan ke instansi yang bertanggung jawab. Instansi memverifikasi dalam 3 hari kerja dan menindaklanjuti dalam 5 hari kerja.', 'Your report goes to the responsible agency. It is verified within 3 working days and followed up within 5 working days.')}</p>
      <h2>${t('Sampaikan pengaduan', 'File a complaint')}</h2>
      <form method="post" action="/pengaduan" novalidate>
        ${CsrfField(pc)}
        ${Field({ name: 'category', label: t('Kategori', 'Category'), options: categories, value: values.category, error: errors.category })}
        ${Field({ name: 'title', label: t('Judul', 'Title'), value: values.title, maxlength: 150, error: errors.title })}
        ${Field({ name: 'body', label: t('Uraian', 'Description'), hint: t('Apa yang terjadi, kapan, dan apa yang Anda harapkan (minimal 20 karakter).', 'What happened, when, and what you expect (at least 20 characters).'), value: values.body, multiline: true, maxlength: 4000, error: errors.body })}
        ${Field({ name: 'location', label: t('Lokasi', 'Location'), hint: t('Kantor, kelurahan/desa, kecamatan, kota/kabupaten.', 'Office, village, district, city/regency.'), value: values.location, maxlength: 200, error: errors.location })}
        ${Button({ children: t('Kirim pengaduan', 'Send the complaint') })}
      </form>
      <h2>${t('Pengaduan saya', 'My complaints')}</h2>
      ${mine.length === 0 ? html`<p>${t('Belum ada pengaduan.', 'No complaint yet.')}</p>` : html`<ul>${mine.map((c) => html`<li><a href=${`/pengaduan/${c.trackingId}`}>${c.trackingId}</a> — ${statusLabel(pc, c.status)}. ${dueText(pc, c)}</li>`)}</ul>`}`,
    Object.keys(errors).length ? { notice: { kind: 'alert', text: t('Periksa isian yang ditandai.', 'Check the marked fields.') } } : {});
  }

  app.get('/pengaduan', { schema: { hide: true } }, async (req, reply) => {
    const session = requireSession(req, reply, ['citizen']);
    if (!session) return reply;
    return sendPage(reply, complaintsPage(pageContext(req, reply), await desk.listForAccount(session.account.id)));
  });

  app.post('/pengaduan', { schema: { hide: true } }, async (req, reply) => {
    const session = requireSession(req, reply, ['citizen']);
    if (!session) return reply;
    const form = (req.body ?? {}) as Form;
    try {
      const created = await desk.submit({ accountId: session.account.id, actorId: session.actor?.id ?? null, category: form.category ?? '', title: form.title ?? '', body: form.body ?? '', location: form.location ?? '' });
      return reply.redirect(`/pengaduan/${created.trackingId}?baru=1`, 303);
    } catch (error) {
      if (!(error instanceof SimpulError) || error.code !== 'request.invalid') throw error;
      const pc = pageContext(req, reply);
      const field = String(error.extensions.field ?? '');
      const messages: Record<string, string> = {
        category: pc.t('Pilih kategori.', 'Choose a category.'),
        title: pc.t('Judul 5 sampai 150 karakter.', 'A title has 5 to 150 characters.'),
        body: pc.t('Uraian 20 sampai 4000 karakter.', 'A description has 20 to 4000 characters.'),
        location: pc.t('Lokasi 3 sampai 200 karakter.', 'A location has 3 to 200 characters.'),
      };
      return sendPage(reply, complaintsPage(pc, await desk.listForAccount(session.account.id), form, { [field]: messages[field] ?? error.message }), 400);
    }
  });

  function detailPage(pc: PageContext, c: ComplaintDetail, isNew: boolean): string {
    const t = pc.t;
    return renderPage(pc, t(`Pengaduan ${c.trackingId}`, `Complaint ${c.trackingId}`), html`
      <dl class="facts">
        <dt>${t('Nomor pelacakan', 'Tracking id')}</dt><dd id="tracking-id">${c.trackingId}</dd>
        <dt>${t('Status', 'Status')}</dt><dd>${statusLabel(pc, c.status)}</dd>
        <dt>${t('Diteruskan ke', 'Routed to')}</dt><dd>${agencyName(c.agency)}</dd>
        <dt>${t('Batas waktu', 'Deadline')}</dt><dd>${dueText(pc, c) || '—'}</dd>
        <dt>${t('Judul', 'Title')}</dt><dd>${c.title}</dd>
        <dt>${t('Lokasi', 'Location')}</dt><dd>${c.location}</dd>
      </dl>
      <p>${c.body}</p>
      <h2>${t('Riwayat status', 'Status history')}</h2>
      ${historyList(pc, c.history)}
      ${c.status === 'responded' ? html`<h2>${t('Balas tanggapan', 'Reply to the answer')}</h2>
        <form method="post" action=${`/pengaduan/${c.trackingId}/balas`}>
          ${CsrfField(pc)}
          ${Field({ name: 'message', label: t('Pesan (opsional)', 'Message (optional)'), multiline: true, required: false, maxlength: 4000 })}
          <button class="button" type="submit" name="satisfied" value="yes">${t('Selesai, saya puas', 'Done, I am satisfied')}</button>
          <button class="button secondary" type="submit" name="satisfied" value="no">${t('Belum selesai, tindak lanjuti lagi', 'Not resolved, follow up again')}</button>
        </form>` : null}`,
    isNew ? { notice: { kind: 'notice', text: t(`Pengaduan terkirim. Simpan nomor pelacakan ${c.trackingId}.`, `Complaint sent. Keep the tracking id ${c.trackingId}.`) } } : {});
  }

  app.get('/pengaduan/:tracking', { schema: { hide: true } }, async (req, reply) => {
    const session = requireSession(req, reply, ['citizen']);
    if (!session) return reply;
    const c = await desk.detailForAccount(session.account.id, (req.params as { tracking: string }).tracking);
    if (!c) throw new SimpulError('request.not_found', 'No such complaint.');
    return sendPage(reply, detailPage(pageContext(req, reply), c, (req.query as Form).baru === '1'));
  });

  app.post('/pengaduan/:tracking/balas', { schema: { hide: true } }, async (req, reply) => {
    const session = requireSession(req, reply, ['citizen']);
    if (!session) return reply;
    const tracking = (req.params as { tracking: string }).tracking;
    const form = (req.body ?? {}) as Form;
    await desk.reply(session.account.id, tracking, form.message ?? '', form.satisfied === 'yes');
    return reply.redirect(`/pengaduan/${tracking}`, 303);
  });

  app.get('/lacak', { schema: { hide: true } }, async (req, reply) => {
    const pc = pageContext(req, reply);
    const t = pc.t;
    const id = ((req.query as Form).id ?? '').trim();
    const found = id ? await desk.publicStatus(id) : undefined;
    return sendPage(reply, renderPage(pc, t('Lacak pengaduan', 'Track a complaint'), html`
      <form method="get" action="/lacak">
        ${Field({ name: 'id', label: t('Nomor pelacakan', 'Tracking id'), hint: t('Contoh: LPR-7K3MQ-9XD2A', 'Example: LPR-7K3MQ-9XD2A'), value: id, maxlength: 20, error: id && !found ? t('Nomor tidak ditemukan.', 'No complaint with this id.') : undefined })}
        ${Button({ children: t('Lacak', 'Track') })}
      </form>
      ${found ? html`<h2>${found.trackingId}</h2>
        <dl class="facts"><dt>${t('Status', 'Status')}</dt><dd>${statusLabel(pc, found.status)}</dd><dt>${t('Instansi', 'Agency')}</dt><dd>${agencyName(found.agency)}</dd><dt>${t('Batas waktu', 'Deadline')}</dt><dd>${dueText(pc, found) || '—'}</dd></dl>
        ${historyList(pc, found.history)}` : null}`), id && !found ? 404 : 200);
  });
}
