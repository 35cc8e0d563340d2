/**
 * The NIB application after consent and preview: the business form (name, KBLI codes,
 * location, capital) with the OSS risk check through the gateway, the review, submission,
 * the multi-agency timeline with retry, and the permit PDF.
 */
import { randomUUID } from 'node:crypto';
import { SimpulError } from '../../core/errors.js';
import type { ExchangeId } from '../../core/ids.js';
import type { HttpApp } from '../../core/http/app.js';
import type { ApplicationView, StepView } from '../consent/applications.js';
import { ADDRESS_PARTS, agencyName, type AddressParts } from '../consent/catalogue.js';
import { renderPermitPdf } from '../permits/permit-pdf.js';
import { verificationUrl } from '../permits/permits.js';
import { checkKbli, type ExchangeCall } from '../workflow/kbli-check.js';
import { MICRO_CAPITAL_LIMIT, parseNibForm, type KbliActivity, type NibFormError, type NibFormField, type SavedNibForm } from '../workflow/nib-form.js';
import { highestRisk, riskConsequence, riskLabel } from '../workflow/risk.js';
import { StepFailure } from '../workflow/step-failure.js';
import { html, type VNode } from './html.js';
import { Button, CsrfField, Field, formatTime, renderPage, type PageContext } from './page.js';
import { pageContext, requireSession, sendPage, type WebRuntime } from './runtime.js';

type Form = Record<string, string | undefined>;
const UUID = /^[0-9a-f-]{36}$/;
const FORM_KBLI_TIMEOUT_MS = 10_000;

const ADDRESS_LABELS: Record<keyof AddressParts, [string, string]> = {
  street: ['Jalan dan nomor', 'Street and number'],
  rt: ['RT', 'RT (neighbourhood unit)'],
  rw: ['RW', 'RW (community unit)'],
  village: ['Kelurahan/desa', 'Village'],
  district: ['Kecamatan', 'District'],
  city: ['Kabupaten/kota', 'Regency/city'],
  province: ['Provinsi', 'Province'],
  postcode: ['Kode pos', 'Postcode'],
};

function applicationId(params: unknown): string {
  const id = (params as { id: string }).id;
  if (!UUID.test(id)) throw new SimpulError('request.not_found', 'No such application.');
  return id;
}

function fieldLabel(pc: PageContext, field: NibFormField): string {
  const t = pc.t;
  if (field in ADDRESS_LABELS) {
    const [id, en] = ADDRESS_LABELS[field as keyof AddressParts];
    return t(id, en);
  }
  switch (field) {
    case 'businessName': return t('Nama usaha', 'Business name');
    case 'kbli': return t('Kode KBLI kegiatan usaha', 'KBLI business activity codes');
    case 'capital': return t('Modal usaha (rupiah)', 'Business capital (rupiah)');
    case 'employees': return t('Jumlah tenaga kerja', 'Number of workers');
    default: return field;
  }
}

function errorText(pc: PageContext, field: NibFormField, error: NibFormError, unknownCodes: string[] = []): string {
  const t = pc.t;
  const label = fieldLabel(pc, field);
  if (field === 'kbli') {
    if (error === 'format') return t('Kode KBLI terdiri dari 5 angka; pisahkan beberapa kode dengan koma.', 'A KBLI code has 5 digits; separate several codes with commas.');
    if (error === 'too_many') return t('Paling banyak 5 kode KBLI.', 'At most 5 KBLI codes.');
    if (error === 'unknown_kbli') return t(`Kode KBLI ${unknownCodes.join(', ')} tidak dikenal OSS.`, `OSS does not know the KBLI code ${unknownCodes.join(', ')}.`);
    return t('Isi paling sedikit satu kode KBLI.', 'Enter at least one KBLI code.');
  }
  if (field === 'capital') {
    if (error === 'too_high') return t('Layanan ini untuk usaha mikro: modal usaha paling banyak Rp1.000.000.000 di luar tanah dan bangunan.', 'This service is for micro businesses: capital up to Rp1,000,000,000 excluding land and buildings.');
    if (error === 'format') return t('Tulis modal dalam rupiah, misalnya 50.000.000.', 'Write the capital in rupiah, for example 50.000.000.');
    return t('Isi modal usaha.', 'Enter the business capital.');
  }
  if (field === 'employees') return t('Isi jumlah tenaga kerja, 0 sampai 1000.', 'Enter the number of workers, 0 to 1000.');
  if (field === 'rt' || field === 'rw') return t(`${label} berupa angka, misalnya 001.`, `${label} is a number, for example 001.`);
  if (field === 'postcode') return t('Kode pos terdiri dari 5 angka.', 'A postcode has 5 digits.');
  if (error === 'length') return t(`${label}: panjang isian tidak sesuai.`, `${label}: the length is not allowed.`);
  return t(`Isi ${label.toLowerCase()}.`, `Enter the ${label.toLowerCase()}.`);
}

/** Why a step failed, in words the citizen can act on. */
export function stepFailureText(pc: PageContext, step: Pick<StepView, 'errorCode' | 'errorDetail'>): string {
  const t = pc.t;
  switch (step.errorCode) {
    case 'provider.timeout': return t('Instansi tidak menjawab dalam batas waktu langkah ini.', 'The agency did not answer within this step\'s time limit.');
    case 'provider.unreachable': case 'provider.error': case 'http.502': case 'http.503': case 'internal.unavailable': case 'service.disabled':
      return t('Layanan instansi sedang tidak dapat dihubungi.', 'The agency\'s service cannot be reached right now.');
    case 'identity.mismatch': return t('Nama di Dukcapil berbeda dengan nama akun Anda. Ajukan koreksi ke Dukcapil, lalu coba lagi.', 'The name at Dukcapil differs from your account name. Ask Dukcapil for a correction, then try again.');
    case 'identity.deceased': return t('Data kependudukan mencatat pemilik NIK ini telah meninggal dunia. Hubungi Dukcapil.', 'The population registry records the holder of this NIK as deceased. Contact Dukcapil.');
    case 'consent.revoked': return t('Persetujuan sudah Anda cabut; data Anda tidak dikirim lagi. Mulai permohonan baru bila ingin melanjutkan.', 'You revoked the consent; your data is no longer sent. Start a new application to continue.');
    case 'consent.expired': return t('Persetujuan sudah kedaluwarsa. Mulai permohonan baru.', 'The consent has expired. Start a new application.');
    case 'consent.required': return t('Tidak ada persetujuan yang berlaku untuk langkah ini.', 'No consent in force covers this step.');
    case 'risk.unknown_kbli': return t(`OSS tidak lagi mengenal kode KBLI ${step.errorDetail ?? ''}.`, `OSS no longer knows the KBLI code ${step.errorDetail ?? ''}.`);
    case 'request.conflict': return t('OSS menolak: data ini bertentangan dengan data yang sudah ada (misalnya usaha dengan nama yang sama sudah terdaftar atas nama Anda).', 'OSS refused: this conflicts with existing data (for example a business with the same name is already registered to you).');
    case 'request.invalid': return t('OSS menolak isian permohonan.', 'OSS refused the application data.');
    case 'workflow.interrupted': return t('Proses terhenti karena portal dimulai ulang.', 'The process stopped because the portal restarted.');
    case 'client.access_denied': case 'client.purpose_not_allowed': return t('Portal tidak memiliki hak akses untuk langkah ini.', 'The portal has no access right for this step.');
    default: return t(`Langkah ini gagal (${step.errorCode ?? '?'}).`, `This step failed (${step.errorCode ?? '?'}).`);
  }
}

function stepStatusText(pc: PageContext, status: StepView['status']): string {
  const t = pc.t;
  return status === 'done' ? t('Selesai', 'Done') : status === 'running' ? t('Sedang diproses', 'In progress') : status === 'failed' ? t('Gagal', 'Failed') : t('Menunggu', 'Waiting');
}

export function applicationStatusText(pc: PageContext, status: string): string {
  const t = pc.t;
  switch (status) {
    case 'draft': return t('Draf', 'Draft');
    case 'prefilled': return t('Data diambil, belum diajukan', 'Data fetched, not yet submitted');
    case 'submitted': return t('Diajukan', 'Submitted');
    case 'in_progress': return t('Sedang diproses', 'In progress');
    case 'issued': return t('Izin terbit', 'Permit issued');
    case 'rejected': return t('Ditolak', 'Refused');
    case 'withdrawn': return t('Dibatalkan', 'Withdrawn');
    default: return status;
  }
}

function isLive(view: ApplicationView): boolean {
  return view.submittedAt !== null && view.status !== 'issued' && !view.steps.some((s) => s.status === 'failed') && view.steps.some((s) => s.status !== 'done');
}

function timelineVersion(view: ApplicationView): string {
  return `${view.status}:${view.steps.map((s) => `${s.status}${s.attempts}`).join('.')}`;
}

/** The multi-agency timeline: each step with its agency, deadline, state, exchanges and, when failed, why and a retry. */
export function Timeline(pc: PageContext, view: ApplicationView): VNode {
  const t = pc.t;
  const label = (s: StepView) => (pc.lang === 'en' ? s.label.en : s.label.id);
  return html`<h2 id="linimasa">${t('Linimasa permohonan', 'Application timeline')}</h2>
    ${view.submittedAt ? html`<p>${t(`Diajukan ${formatTime(pc.lang, view.submittedAt)}. Status: `, `Submitted ${formatTime(pc.lang, view.submittedAt)}. Status: `)}<strong id="application-status">${applicationStatusText(pc, view.status)}</strong></p>`
      : html`<p>${t('Setelah diajukan, permohonan melewati langkah-langkah berikut di instansi yang berbeda.', 'Once submitted, the application passes these steps at different agencies.')}</p>`}
    <ol class="timeline" id="timeline" data-live=${isLive(view) ? 'true' : 'false'} data-status=${`/api/permohonan/${view.id}/status`} data-version=${timelineVersion(view)}>
      ${view.steps.map((s) => html`<li class=${`step step-${s.status}`} data-step=${s.code}>
        <h3>${label(s)}</h3>
        <p><span class="badge">${stepStatusText(pc, s.status)}</span> · ${agencyName(s.agency)}</p>
        <dl class="facts">
          ${s.dueAt ? html`<dt>${t('Batas waktu', 'Deadline')}</dt><dd>${formatTime(pc.lang, s.dueAt)}${s.overdue ? html` <strong>${t('— terlambat', '— overdue')}</strong>` : null}</dd>` : null}
          ${s.finishedAt && s.status !== 'running' ? html`<dt>${s.status === 'failed' ? t('Gagal pada', 'Failed at') : t('Selesai pada', 'Finished at')}</dt><dd>${formatTime(pc.lang, s.finishedAt)}</dd>` : null}
          ${s.attempts > 1 ? html`<dt>${t('Percobaan', 'Attempts')}</dt><dd>${s.attempts}</dd>` : null}
          ${s.exchangeIds.length ? html`<dt>${t('ID pertukaran', 'Exchange id')}</dt><dd><small class="secret">${s.exchangeIds.join(', ')}</small></dd>` : null}
        </dl>
        ${s.status === 'failed' ? html`<div class="alert" role="alert"><p>${stepFailureText(pc, s)}</p><p><small>${t('Kode', 'Code')}: <code>${s.errorCode}</code></small></p>
          <form method="post" action=${`/permohonan/${view.id}/ulangi`}>${CsrfField(pc)}${Button({ children: html`${t('Coba lagi', 'Try again')}<span class="vh">${`: ${label(s)}`}</span>` })}</form></div>` : null}
      </li>`)}
    </ol>
    <p id="timeline-status" role="status" aria-live="polite">${isLive(view) ? html`${t('Langkah berikutnya sedang diproses. Halaman ini diperbarui sendiri;', 'The next step is being processed. This page updates itself;')} <a href=${`/permohonan/${view.id}#linimasa`}>${t('muat ulang', 'reload')}</a>.` : ''}</p>`;
}

export function registerWorkflowRoutes(app: HttpApp, rt: WebRuntime): void {
  const apps = rt.applications;

  function formPage(pc: PageContext, view: ApplicationView, values: Form, errors: Partial<Record<NibFormField, string>> = {}, alert?: string): string {
    const t = pc.t;
    const entries = Object.entries(errors) as [NibFormField, string][];
    return renderPage(pc, t('Data usaha', 'Business details'), html`
      ${entries.length ? html`<div class="alert" role="alert" id="error-summary"><h2>${t('Periksa isian berikut', 'Check the following')}</h2>
        <ul>${entries.map(([field, text]) => html`<li><a href=${`#f-${field}`}>${text}</a></li>`)}</ul></div>` : null}
      <p>${t('Nama dan alamat Anda sudah diambil dari Dukcapil. Lengkapi data usaha Anda; kode KBLI diperiksa tingkat risikonya di OSS.', 'Your name and address were fetched from Dukcapil. Complete your business details; OSS checks the risk level of each KBLI code.')}</p>
      <form method="post" action=${`/permohonan/${view.id}/formulir`} novalidate>
        ${CsrfField(pc)}
        ${Field({ name: 'businessName', label: fieldLabel(pc, 'businessName'), value: values.businessName, maxlength: 120, autocomplete: 'organization', error: errors.businessName })}
        ${Field({ name: 'kbli', label: fieldLabel(pc, 'kbli'), hint: t('Kode 5 angka, paling banyak 5, dipisahkan koma. Contoh: 56103 (kedai makanan), 47119 (toko kelontong).', '5-digit codes, up to 5, separated by commas. Example: 56103 (food stall), 47119 (grocery shop).'), value: values.kbli, inputmode: 'numeric', maxlength: 40, error: errors.kbli })}
        <fieldset>
          <legend>${t('Lokasi usaha', 'Business location')}</legend>
          <p class="hint">${t('Diisi dari alamat Anda di Dukcapil; ubah bila usaha berada di tempat lain.', 'Filled from your address at Dukcapil; change it if the business is elsewhere.')}</p>
          ${ADDRESS_PARTS.map((part) => Field({
            name: part, label: fieldLabel(pc, part), value: values[part], error: errors[part],
            ...(part === 'rt' || part === 'rw' ? { inputmode: 'numeric', maxlength: 3 } : part === 'postcode' ? { inputmode: 'numeric', maxlength: 5, autocomplete: 'postal-code' } : { maxlength: part === 'street' ? 200 : 100 }),
          }))}
        </fieldset>
        ${Field({ name: 'capital', label: fieldLabel(pc, 'capital'), hint: t(`Di luar tanah dan bangunan; usaha mikro paling banyak Rp${MICRO_CAPITAL_LIMIT.toLocaleString('id-ID')}.`, `Excluding land and buildings; a micro business has at most Rp${MICRO_CAPITAL_LIMIT.toLocaleString('id-ID')}.`), value: values.capital, inputmode: 'numeric', maxlength: 20, error: errors.capital })}
        ${Field({ name: 'employees', label: fieldLabel(pc, 'employees'), value: values.employees, inputmode: 'numeric', maxlength: 4, error: errors.employees })}
        ${Button({ children: t('Periksa risiko dan lanjutkan', 'Check the risk and continue') })}
        <a class="button secondary" href=${`/permohonan/${view.id}`}>${t('Kembali', 'Back')}</a>
      </form>`, alert ? { notice: { kind: 'alert', text: alert } } : {});
  }

  function formValues(view: ApplicationView): Form {
    if (view.form) {
      const f = view.form;
      return { businessName: f.businessName, kbli: f.kbli.join(', '), ...f.location, capital: f.capital.toLocaleString('id-ID'), employees: String(f.employees) };
    }
    return { ...(view.parts.address ?? {}) };
  }

  async function openView(req: Parameters<typeof requireSession>[0], reply: Parameters<typeof requireSession>[1]) {
    const session = requireSession(req, reply, ['citizen']);
    if (!session) return undefined;
    const view = await apps.view(session.account.id, applicationId(req.params));
    return { session, view };
  }

  app.get('/permohonan/:id/formulir', { schema: { hide: true } }, async (req, reply) => {
    const opened = await openView(req, reply);
    if (!opened) return reply;
    if (opened.view.submittedAt) return reply.redirect(`/permohonan/${opened.view.id}`, 303);
    return sendPage(reply, formPage(pageContext(req, reply), opened.view, formValues(opened.view)));
  });

  app.post('/permohonan/:id/formulir', { schema: { hide: true } }, async (req, reply) => {
    const opened = await openView(req, reply);
    if (!opened) return reply;
    const { session, view } = opened;
    if (view.submittedAt) return reply.redirect(`/permohonan/${view.id}`, 303);
    const pc = pageContext(req, reply);
    const raw = (req.body ?? {}) as Form;
    const parsed = parseNibForm(raw);
    if (!parsed.ok) {
      const errors = Object.fromEntries(Object.entries(parsed.errors).map(([f, e]) => [f, errorText(pc, f as NibFormField, e)]));
      return sendPage(reply, formPage(pc, view, raw, errors), 400);
    }
    // The risk check at OSS, through the gateway: unknown codes are named on the form.
    const exchangeIds: string[] = [];
    const call: ExchangeCall = (request) => {
      const exchangeId = randomUUID() as ExchangeId;
      exchangeIds.push(exchangeId);
      return rt.gateway.call({ ...request, purpose: view.kind.purpose, exchangeId, timeoutMs: FORM_KBLI_TIMEOUT_MS });
    };
    // One code at a time, so that every unknown code is named at once.
    const activities: KbliActivity[] = [];
    const unknown: string[] = [];
    for (const code of parsed.form.kbli) {
      try {
        activities.push(...(await checkKbli(call, [code])).activities);
      } catch (error) {
        const failure = StepFailure.from(error);
        if (failure?.code === 'risk.unknown_kbli') unknown.push(code);
        else if (failure) return sendPage(reply, formPage(pc, view, raw, {}, pc.t('OSS tidak dapat dihubungi untuk memeriksa risiko. Coba lagi sebentar lagi.', 'OSS cannot be reached to check the risk. Try again shortly.')), 503);
        else throw error;
      }
    }
    if (unknown.length) return sendPage(reply, formPage(pc, view, raw, { kbli: errorText(pc, 'kbli', 'unknown_kbli', unknown) }), 400);
    const saved: SavedNibForm = { ...parsed.form, activities, riskLevel: highestRisk(activities.map((a) => a.riskLevel)), riskExchangeIds: exchangeIds };
    await apps.saveForm(session.account.id, view.id, saved);
    return reply.redirect(`/permohonan/${view.id}/tinjau`, 303);
  });

  app.get('/permohonan/:id/tinjau', { schema: { hide: true } }, async (req, reply) => {
    const opened = await openView(req, reply);
    if (!opened) return reply;
    const { view } = opened;
    if (view.submittedAt) return reply.redirect(`/permohonan/${view.id}`, 303);
    if (!view.form) return reply.redirect(`/permohonan/${view.id}/formulir`, 303);
    const pc = pageContext(req, reply);
    const t = pc.t;
    const f = view.form;
    const loc = f.location;
    const missing = view.values.some((v) => v.value === null);
    return sendPage(reply, renderPage(pc, t('Tinjau permohonan', 'Review the application'), html`
      <p>${t('Periksa semuanya sebelum mengajukan. Setelah diajukan, Dukcapil memverifikasi identitas Anda, OSS memeriksa risiko kegiatan usaha, lalu OSS menerbitkan NIB.', 'Check everything before you submit. Once submitted, Dukcapil verifies your identity, OSS checks the activities\' risk, then OSS issues the NIB.')}</p>
      <h2>${t('Data Anda dari instansi sumber', 'Your data from the source agencies')}</h2>
      <dl class="facts" id="review-person">${view.values.map((v) => html`<dt>${pc.lang === 'en' ? v.spec.label.en : v.spec.label.id}</dt><dd>${v.value ?? t('(belum diambil)', '(not fetched)')}${v.disputed ? html` <strong>(${t('sedang disengketakan', 'disputed')})</strong>` : null}</dd>`)}</dl>
      <h2>${t('Data usaha', 'Business details')}</h2>
      <dl class="facts" id="review-business">
        <dt>${t('Nama usaha', 'Business name')}</dt><dd>${f.businessName}</dd>
        <dt>${t('Lokasi usaha', 'Business location')}</dt><dd>${`${loc.street}, RT ${loc.rt}/RW ${loc.rw}, ${loc.village}, ${loc.district}, ${loc.city}, ${loc.province} ${loc.postcode}`}</dd>
        <dt>${t('Modal usaha', 'Business capital')}</dt><dd>${`Rp${f.capital.toLocaleString('id-ID')}`}</dd>
        <dt>${t('Tenaga kerja', 'Workers')}</dt><dd>${f.employees}</dd>
      </dl>
      <div class="table-scroll" tabindex="0" role="region" aria-label=${t('Tabel, dapat digulir', 'Table, scrollable')}><table id="risk">
        <caption>${t('Pemeriksaan risiko oleh OSS', 'Risk check by OSS')}</caption>
        <thead><tr><th scope="col">KBLI</th><th scope="col">${t('Kegiatan', 'Activity')}</th><th scope="col">${t('Risiko', 'Risk')}</th></tr></thead>
        <tbody>${f.activities.map((a) => html`<tr><td>${a.code}</td><td>${a.title}</td><td>${riskLabel(t, a.riskLevel)}</td></tr>`)}</tbody>
      </table></div>
      <p><strong>${t('Tingkat risiko usaha', 'Business risk level')}: ${riskLabel(t, f.riskLevel)}.</strong> ${riskConsequence(t, f.riskLevel)}</p>
      ${missing ? html`<p class="alert" role="alert">${t('Sebagian data belum diambil. Ambil ulang data di halaman permohonan sebelum mengajukan.', 'Some data has not been fetched. Fetch it again on the application page before submitting.')}</p>` : null}
      <form method="post" action=${`/permohonan/${view.id}/ajukan`}>
        ${CsrfField(pc)}
        ${missing ? null : Button({ children: t('Ajukan permohonan', 'Submit the application') })}
        <a class="button secondary" href=${`/permohonan/${view.id}/formulir`}>${t('Ubah data usaha', 'Change the business details')}</a>
      </form>`));
  });

  app.post('/permohonan/:id/ajukan', { schema: { hide: true } }, async (req, reply) => {
    const session = requireSession(req, reply, ['citizen']);
    if (!session) return reply;
    const id = applicationId(req.params);
    await rt.workflow.submit(session.account.id, id);
    return reply.redirect(`/permohonan/${id}?diajukan=1#linimasa`, 303);
  });

  app.post('/permohonan/:id/ulangi', { schema: { hide: true } }, async (req, reply) => {
    const session = requireSession(req, reply, ['citizen']);
    if (!session) return reply;
    const id = applicationId(req.params);
    await rt.workflow.retry(session.account.id, id);
    return reply.redirect(`/permohonan/${id}#linimasa`, 303);
  });

  app.get('/api/permohonan/:id/status', { schema: { hide: true } }, async (req, reply) => {
    const session = requireSession(req, reply, ['citizen']);
    if (!session) return reply;
    const view = await apps.view(session.account.id, applicationId(req.params));
    void reply.header('cache-control', 'no-store');
    return {
      status: view.status, live: isLive(view), version: timelineVersion(view), permit: view.permitNumber,
      steps: view.steps.map((s) => ({ code: s.code, status: s.status, attempts: s.attempts, dueAt: s.dueAt, errorCode: s.errorCode })),
    };
  });

  app.get('/permohonan/:id/izin.pdf', { schema: { hide: true } }, async (req, reply) => {
    const session = requireSession(req, reply, ['citizen']);
    if (!session) return reply;
    const permit = await rt.permits.forApplication(session.account.id, applicationId(req.params));
    const pdf = await renderPermitPdf(permit, { verificationUrl: verificationUrl(rt.rp.origin, permit.number, permit.signature), keyId: rt.permits.keyId });
    return reply.type('application/pdf').header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="NIB-${permit.number}.pdf"`).send(pdf);
  });
}


