/**
 * Once-only applications: the consent screen (each data item, its source agency, the purpose
 * and the legal basis), the fetch through the gateway, the preview, disputes and revocation.
 */
import { SimpulError } from '../../core/errors.js';
import type { HttpApp } from '../../core/http/app.js';
import { APPLICATION_KINDS, agencyName } from '../consent/catalogue.js';
import { html } from './html.js';
import { Button, CsrfField, Field, formatDate, renderPage, type PageContext } from './page.js';
import { pageContext, requireSession, sendPage, type WebRuntime } from './runtime.js';
import { applicationStatusText, Timeline } from './routes-workflow.js';
import { ASSETS } from './assets.js';
import { verificationUrl } from '../permits/permits.js';
import { permitTypeLabel, riskLabel } from '../workflow/risk.js';
import type { PrefilledValue } from '../consent/applications.js';

type Form = Record<string, string | undefined>;
const UUID = /^[0-9a-f-]{36}$/;

function problemText(pc: PageContext, code: string): string {
  const t = pc.t;
  switch (code) {
    case 'consent.revoked': return t('Persetujuan sudah Anda cabut; data tidak diambil lagi.', 'You revoked the consent; no more data is fetched.');
    case 'consent.expired': return t('Persetujuan sudah kedaluwarsa.', 'The consent has expired.');
    case 'consent.required': return t('Tidak ada persetujuan yang berlaku untuk akses ini.', 'No consent in force covers this access.');
    case 'provider.unreachable': case 'provider.timeout': return t('Instansi sumber sedang tidak dapat dihubungi. Coba lagi nanti.', 'The source agency cannot be reached right now. Try again later.');
    default: return t(`Data tidak dapat diambil (${code}).`, `The data could not be fetched (${code}).`);
  }
}

export function registerApplicationRoutes(app: HttpApp, rt: WebRuntime): void {
  const apps = rt.applications;

  app.get('/layanan', { schema: { hide: true } }, async (req, reply) => {
    const session = requireSession(req, reply, ['citizen']);
    if (!session) return reply;
    const pc = pageContext(req, reply);
    const t = pc.t;
    const [mine, consents] = await Promise.all([apps.list(session.account.id), apps.consents(session.account.id)]);
    const state = (s: string) => (s === 'active' ? t('Berlaku', 'In force') : s === 'revoked' ? t('Dicabut', 'Revoked') : t('Kedaluwarsa', 'Expired'));
    return sendPage(reply, renderPage(pc, t('Layanan', 'Services'), html`
      <ul>${APPLICATION_KINDS.map((k) => html`<li><a href=${`/layanan/${k.kind}`}>${pc.lang === 'en' ? k.title.en : k.title.id}</a></li>`)}</ul>
      <h2>${t('Permohonan saya', 'My applications')}</h2>
      ${mine.length === 0 ? html`<p>${t('Belum ada permohonan.', 'No application yet.')}</p>` : html`<ul>${mine.map((a) => html`<li><a href=${`/permohonan/${a.id}`}>${pc.lang === 'en' ? a.kind.title.en : a.kind.title.id}</a> — ${formatDate(pc.lang, a.createdAt)}: ${applicationStatusText(pc, a.status)}</li>`)}</ul>`}
      <h2>${t('Persetujuan saya', 'My consents')}</h2>
      ${consents.length === 0 ? html`<p>${t('Belum ada persetujuan.', 'No consent yet.')}</p>` : html`<ul>${consents.map((c) => html`<li>
        <strong>${c.purpose}</strong> — ${state(c.state)}, ${t('berlaku sampai', 'valid until')} ${formatDate(pc.lang, c.expiresAt)}
        ${c.state === 'active' ? html`<form method="post" action=${`/persetujuan/${c.id}/cabut`}>${CsrfField(pc)}${Button({ children: t('Cabut persetujuan', 'Revoke consent'), secondary: true })}</form>` : null}
      </li>`)}</ul>`}`));
  });

  app.get('/layanan/:kind', { schema: { hide: true } }, async (req, reply) => {
    const session = requireSession(req, reply, ['citizen']);
    if (!session) return reply;
    const kind = apps.kind((req.params as { kind: string }).kind);
    const pc = pageContext(req, reply);
    const t = pc.t;
    return sendPage(reply, renderPage(pc, pc.lang === 'en' ? kind.title.en : kind.title.id, html`
      <h2>${t('Persetujuan penggunaan data', 'Consent to use your data')}</h2>
      <p>${t('Agar Anda tidak perlu mengisi ulang, portal akan mengambil data berikut dari instansi sumbernya. Tidak ada data yang diambil sebelum Anda setuju.', 'So that you need not type it again, the portal will fetch the following data from its source agencies. Nothing is fetched before you agree.')}</p>
      <div class="table-scroll" tabindex="0" role="region" aria-label=${t('Data yang akan diambil', 'Data to be fetched')}><table id="consent-items">
        <caption>${t('Data yang akan diambil', 'Data to be fetched')}</caption>
        <thead><tr><th scope="col">${t('Data', 'Data')}</th><th scope="col">${t('Instansi sumber', 'Source agency')}</th><th scope="col">${t('Layanan', 'Service')}</th></tr></thead>
        <tbody>${kind.items.map((i) => html`<tr><td>${pc.lang === 'en' ? i.label.en : i.label.id}</td><td>${agencyName(i.agency)}</td><td><small>${i.service}</small></td></tr>`)}</tbody>
      </table></div>
      <div class="table-scroll" tabindex="0" role="region" aria-label=${t('Data yang dipakai dalam proses permohonan', 'Data used while the application is processed')}><table id="consent-uses">
        <caption>${t('Data yang dipakai dalam proses permohonan', 'Data used while the application is processed')}</caption>
        <thead><tr><th scope="col">${t('Penggunaan', 'Use')}</th><th scope="col">${t('Instansi', 'Agency')}</th><th scope="col">${t('Layanan', 'Service')}</th></tr></thead>
        <tbody>${kind.workflowUses.map((u) => html`<tr><td>${pc.lang === 'en' ? u.label.en : u.label.id}</td><td>${agencyName(u.agency)}</td><td><small>${u.service}</small></td></tr>`)}</tbody>
      </table></div>
      <dl class="facts">
        <dt>${t('Tujuan', 'Purpose')}</dt><dd>${kind.purpose}</dd>
        <dt>${t('Dasar hukum', 'Legal basis')}</dt><dd>${kind.legalBasis}</dd>
        <dt>${t('Berlaku', 'Valid for')}</dt><dd>${t(`${kind.consentDays} hari, dapat dicabut kapan saja`, `${kind.consentDays} days, revocable at any time`)}</dd>
      </dl>
      <form method="post" action=${`/layanan/${kind.kind}`}>
        ${CsrfField(pc)}
        ${Button({ children: t('Saya setuju, ambil data saya', 'I agree, fetch my data') })}
        <a class="button secondary" href="/layanan">${t('Batal', 'Cancel')}</a>
      </form>`));
  });

  app.post('/layanan/:kind', { schema: { hide: true } }, async (req, reply) => {
    const session = requireSession(req, reply, ['citizen']);
    if (!session || !session.account.nik) return reply;
    const { applicationId } = await apps.start({ accountId: session.account.id, nik: session.account.nik, kind: (req.params as { kind: string }).kind, actorId: session.actor?.id ?? null });
    const failed = await apps.tryPrefill(session.account.id, applicationId);
    return reply.redirect(`/permohonan/${applicationId}${failed ? `?galat=${encodeURIComponent(failed)}` : ''}`, 303);
  });

  app.get('/permohonan/:id', { schema: { hide: true } }, async (req, reply) => {
    const session = requireSession(req, reply, ['citizen']);
    if (!session) return reply;
    const id = (req.params as { id: string }).id;
    if (!UUID.test(id)) throw new SimpulError('request.not_found', 'No such application.');
    const view = await apps.view(session.account.id, id);
    const permit = view.permitNumber ? await rt.permits.forApplication(session.account.id, id) : undefined;
    const pc = pageContext(req, reply);
    const t = pc.t;
    const q = req.query as Form;
    const notice = q.galat ? { kind: 'alert' as const, text: problemText(pc, q.galat) }
      : q.sengketa ? { kind: 'notice' as const, text: t('Permintaan koreksi telah dikirim ke instansi pemilik data.', 'The correction request was sent to the agency that owns the data.') }
        : q.diajukan ? { kind: 'notice' as const, text: t('Permohonan diajukan. Ikuti langkah-langkahnya di linimasa.', 'The application was submitted. Follow its steps on the timeline.') } : undefined;
    const submitted = view.submittedAt !== null;
    const fetched = view.values.every((v) => v.value !== null);
    const live = view.steps.some((s) => s.status === 'pending' || s.status === 'running') && submitted && !view.steps.some((s) => s.status === 'failed');
    const preview = html`
      <h2>${t('Pratinjau data Anda', 'Preview of your data')}</h2>
      <p>${t('Periksa data ini. Jika ada yang salah, sengketakan: permintaan koreksi dikirim ke instansi pemilik data.', 'Check this data. If something is wrong, dispute it: a correction request goes to the agency that owns the data.')}</p>
      <div class="table-scroll" tabindex="0" role="region" aria-label=${pc.t('Tabel, dapat digulir', 'Table, scrollable')}><table id="preview">
        <caption>${t('Data dari instansi sumber', 'Data from the source agencies')}</caption>
        <thead><tr><th scope="col">${t('Data', 'Data')}</th><th scope="col">${t('Nilai', 'Value')}</th><th scope="col">${t('Sumber', 'Source')}</th><th scope="col">${t('Tindakan', 'Action')}</th></tr></thead>
        <tbody>${view.values.map((v) => html`<tr>
          <th scope="row">${pc.lang === 'en' ? v.spec.label.en : v.spec.label.id}</th>
          <td>${v.value ?? t('(belum diambil)', '(not fetched)')}</td>
          <td>${agencyName(v.spec.agency)}</td>
          <td>${disputeCell(pc, view.id, v)}</td>
        </tr>`)}</tbody>
      </table></div>`;
    const consent = view.consent ? html`<h2>${t('Persetujuan', 'Consent')}</h2>
        <p>${view.consent.state === 'active' ? t(`Berlaku sampai ${formatDate(pc.lang, view.consent.expiresAt)}.`, `In force until ${formatDate(pc.lang, view.consent.expiresAt)}.`) : view.consent.state === 'revoked' ? t('Dicabut.', 'Revoked.') : t('Kedaluwarsa.', 'Expired.')}</p>
        ${view.consent.state === 'active' ? html`<form method="post" action=${`/persetujuan/${view.consent.id}/cabut`}>${CsrfField(pc)}<input type="hidden" name="next" value=${`/permohonan/${view.id}`} />${Button({ children: t('Cabut persetujuan', 'Revoke consent'), secondary: true })}</form>
        ${submitted ? null : html`<form method="post" action=${`/permohonan/${view.id}/ambil`}>${CsrfField(pc)}${Button({ children: t('Ambil ulang data', 'Fetch the data again'), secondary: true })}</form>`}` : null}` : null;
    const next = submitted ? null : html`<h2>${t('Langkah berikutnya', 'Next step')}</h2>
      ${fetched
        ? html`<p><a class="button" id="next-step" href=${`/permohonan/${view.id}/${view.form ? 'tinjau' : 'formulir'}`}>${view.form ? t('Tinjau dan ajukan', 'Review and submit') : t('Lengkapi data usaha', 'Complete the business details')}</a></p>`
        : html`<p>${t('Data harus diambil dari instansi sumber sebelum permohonan dapat dilanjutkan.', 'The data must be fetched from the source agencies before the application can continue.')}</p>`}`;
    const issued = permit ? html`<section class="card" id="permit" aria-labelledby="permit-title">
        <h2 id="permit-title">${t('Izin Anda sudah terbit', 'Your permit has been issued')}</h2>
        <dl class="facts">
          <dt>NIB</dt><dd id="permit-number"><strong>${permit.number}</strong></dd>
          <dt>${t('Nama usaha', 'Business name')}</dt><dd>${permit.content.business.name}</dd>
          <dt>${t('Tingkat risiko', 'Risk level')}</dt><dd>${riskLabel(t, permit.content.business.riskLevel)}</dd>
          ${permit.content.business.requiredPermits.length ? html`<dt>${t('Perizinan lanjutan', 'Further permits')}</dt><dd>${permit.content.business.requiredPermits.map((p) => permitTypeLabel(t, p)).join(', ')} — ${t('menunggu verifikasi', 'awaiting verification')}</dd>` : null}
        </dl>
        <p><a class="button" href=${`/permohonan/${view.id}/izin.pdf`} download>${t('Unduh izin (PDF)', 'Download the permit (PDF)')}</a>
          <a class="button secondary" href=${verificationUrl('', permit.number, permit.signature)}>${t('Periksa keaslian', 'Check authenticity')}</a></p>
      </section>` : null;
    return sendPage(reply, renderPage(pc, pc.lang === 'en' ? view.kind.title.en : view.kind.title.id, submitted
      ? html`${issued}${Timeline(pc, view)}${preview}${consent}`
      : html`${preview}${next}${consent}${Timeline(pc, view)}`, { ...(notice ? { notice } : {}), ...(live ? { scripts: [ASSETS.timeline] } : {}) }));
  });

  app.post('/permohonan/:id/ambil', { schema: { hide: true } }, async (req, reply) => {
    const session = requireSession(req, reply, ['citizen']);
    if (!session) return reply;
    const id = (req.params as { id: string }).id;
    if (!UUID.test(id)) throw new SimpulError('request.not_found', 'No such application.');
    const failed = await apps.tryPrefill(session.account.id, id);
    return reply.redirect(`/permohonan/${id}${failed ? `?galat=${encodeURIComponent(failed)}` : ''}`, 303);
  });

  /** The dispute's state at the owning agency, and the link to dispute (again, once decided). */
  function disputeCell(pc: PageContext, id: string, v: PrefilledValue) {
    const { t } = pc;
    const label = pc.lang === 'en' ? v.spec.label.en : v.spec.label.id;
    const link = v.value !== null ? html`<a href=${`/permohonan/${id}/sengketa?item=${v.spec.item}`}>${v.dispute ? t('Sengketakan lagi', 'Dispute again') : t('Sengketakan', 'Dispute')}<span class="vh">${` ${label}`}</span></a>` : '—';
    const d = v.dispute;
    if (!d) return link;
    const agency = agencyName(d.agency);
    const note = d.note ? html` <q>${d.note}</q>` : null;
    switch (d.status) {
      case 'local':
        return html`<span class="dispute-status">${t('Sedang disengketakan', 'Disputed')}</span>`;
      case 'filed':
        return html`<span class="dispute-status">${t(`Diajukan ke ${agency}, menunggu keputusan`, `Filed with ${agency}, awaiting its decision`)} <small>(${t('ref.', 'ref.')} ${d.reference.slice(0, 8)})</small></span>`;
      case 'accepted':
        return html`<span class="dispute-status">${t(`Diterima oleh ${agency}`, `Accepted by ${agency}`)}${d.decidedAt ? ` ${formatDate(pc.lang, d.decidedAt)}` : ''}.${note} ${t('Ambil ulang data setelah catatan diperbarui.', 'Fetch the data again once the record is updated.')}</span>`;
      case 'rejected':
        return html`<span class="dispute-status">${t(`Ditolak oleh ${agency}`, `Rejected by ${agency}`)}${d.decidedAt ? ` ${formatDate(pc.lang, d.decidedAt)}` : ''}.${note}</span> ${link}`;
    }
  }

  function disputeForm(pc: PageContext, id: string, item: string, label: string, current: string, error?: string): string {
    const t = pc.t;
    return renderPage(pc, t(`Sengketakan: ${label}`, `Dispute: ${label}`), html`
      <p>${t('Nilai saat ini', 'Current value')}: <strong>${current}</strong></p>
      <form method="post" action=${`/permohonan/${id}/sengketa`} novalidate>
        ${CsrfField(pc)}<input type="hidden" name="item" value=${item} />
        ${Field({ name: 'claimed', label: t('Nilai yang benar', 'The correct value'), maxlength: 500, error })}
        ${Field({ name: 'reason', label: t('Penjelasan (opsional)', 'Explanation (optional)'), multiline: true, required: false, maxlength: 1000 })}
        ${Button({ children: t('Kirim permintaan koreksi', 'Send the correction request') })}
        <a class="button secondary" href=${`/permohonan/${id}`}>${t('Batal', 'Cancel')}</a>
      </form>`);
  }

  app.get('/permohonan/:id/sengketa', { schema: { hide: true } }, async (req, reply) => {
    const session = requireSession(req, reply, ['citizen']);
    if (!session) return reply;
    const id = (req.params as { id: string }).id;
    if (!UUID.test(id)) throw new SimpulError('request.not_found', 'No such application.');
    const view = await apps.view(session.account.id, id);
    const value = view.values.find((v) => v.spec.item === (req.query as Form).item);
    if (!value || value.value === null) throw new SimpulError('request.not_found', 'No such data item.');
    const pc = pageContext(req, reply);
    return sendPage(reply, disputeForm(pc, id, value.spec.item, pc.lang === 'en' ? value.spec.label.en : value.spec.label.id, value.value));
  });

  app.post('/permohonan/:id/sengketa', { schema: { hide: true } }, async (req, reply) => {
    const session = requireSession(req, reply, ['citizen']);
    if (!session) return reply;
    const id = (req.params as { id: string }).id;
    if (!UUID.test(id)) throw new SimpulError('request.not_found', 'No such application.');
    const form = (req.body ?? {}) as Form;
    if (!form.claimed?.trim()) {
      const view = await apps.view(session.account.id, id);
      const value = view.values.find((v) => v.spec.item === form.item);
      if (!value || value.value === null) throw new SimpulError('request.not_found', 'No such data item.');
      const pc = pageContext(req, reply);
      return sendPage(reply, disputeForm(pc, id, value.spec.item, pc.lang === 'en' ? value.spec.label.en : value.spec.label.id, value.value, pc.t('Isi nilai yang benar.', 'Enter the correct value.')), 400);
    }
    await apps.dispute({ accountId: session.account.id, applicationId: id, item: form.item ?? '', claimed: form.claimed, reason: form.reason ?? '' });
    return reply.redirect(`/permohonan/${id}?sengketa=1`, 303);
  });

  app.post('/persetujuan/:id/cabut', { schema: { hide: true } }, async (req, reply) => {
    const session = requireSession(req, reply, ['citizen']);
    if (!session) return reply;
    const id = (req.params as { id: string }).id;
    if (!UUID.test(id)) throw new SimpulError('request.not_found', 'No such consent.');
    await apps.revokeConsent(session.account.id, id);
    const next = (req.body as Form | undefined)?.next;
    return reply.redirect(next && /^\/permohonan\/[0-9a-f-]{36}$/.test(next) ? next : '/layanan', 303);
  });
}
