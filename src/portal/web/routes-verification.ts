/**
 * Public permit verification, without signing in: the page the permit's QR code opens, a form
 * to type a number, the same check as JSON, and the permit key as a JWK set. An unknown
 * number answers 404; a signature that does not match the permit (an altered document, a
 * number changed in the link) answers 422 `permit.signature_invalid`.
 */
import { SimpulError } from '../../core/errors.js';
import type { HttpApp } from '../../core/http/app.js';
import { agencyName } from '../consent/catalogue.js';
import { PERMIT_NUMBER, type PermitVerification } from '../permits/permits.js';
import { permitTypeLabel, riskLabel } from '../workflow/risk.js';
import { html } from './html.js';
import { Button, Field, formatTime, renderPage, type PageContext } from './page.js';
import { pageContext, sendPage, type WebRuntime } from './runtime.js';

type Query = Record<string, string | undefined>;
const SIGNATURE = /^[A-Za-z0-9_-]{86}$/;

function signatureParam(q: Query): string | undefined {
  const s = q.s?.trim();
  if (s === undefined || s === '') return undefined;
  // A malformed signature is as wrong as a mismatching one: refused the same way.
  if (!SIGNATURE.test(s)) throw new SimpulError('permit.signature_invalid', 'The signature in the link is malformed.');
  return s;
}

function lookupForm(pc: PageContext, number = '', error?: string) {
  const t = pc.t;
  return html`<form method="get" action="/verifikasi">
    ${Field({ name: 'nomor', label: t('Nomor izin (NIB)', 'Permit number (NIB)'), hint: t('13 angka, tertera pada dokumen.', '13 digits, printed on the document.'), value: number, inputmode: 'numeric', maxlength: 40, error })}
    ${Button({ children: t('Periksa', 'Check') })}
  </form>`;
}

function resultPage(pc: PageContext, v: PermitVerification): string {
  const t = pc.t;
  const p = v.permit;
  const revoked = p.status === 'revoked';
  const verdict = revoked
    ? { kind: 'alert' as const, text: t('Izin ini telah dicabut dan tidak berlaku lagi.', 'This permit has been revoked and is no longer valid.') }
    : v.documentChecked
      ? { kind: 'notice' as const, text: t('Dokumen asli: tanda tangan elektronik pada dokumen cocok dengan izin yang diterbitkan portal.', 'Authentic document: its electronic signature matches the permit the portal issued.') }
      : { kind: 'notice' as const, text: t('Nomor ini terdaftar. Tanpa kode dari QR, cocokkan isi dokumen dengan data di bawah.', 'This number is registered. Without the code from the QR, compare the document with the data below.') };
  return renderPage(pc, t(`Verifikasi izin ${p.number}`, `Permit verification ${p.number}`), html`
    <p id="verdict" data-valid=${revoked ? 'false' : 'true'} data-document-checked=${v.documentChecked ? 'true' : 'false'}><strong>${revoked ? t('TIDAK BERLAKU', 'NOT VALID') : v.documentChecked ? t('ASLI', 'AUTHENTIC') : t('TERDAFTAR', 'REGISTERED')}</strong></p>
    <dl class="facts" id="permit-facts">
      <dt>${t('Jenis', 'Type')}</dt><dd>${p.type === 'NIB' ? t('Nomor Induk Berusaha (NIB)', 'Business Identification Number (NIB)') : p.type}</dd>
      <dt>${t('Nomor', 'Number')}</dt><dd>${p.number}</dd>
      <dt>${t('Nama usaha', 'Business name')}</dt><dd>${p.businessName}</dd>
      <dt>${t('Pemilik', 'Owner')}</dt><dd>${p.holderName}</dd>
      <dt>${t('Kegiatan usaha', 'Business activities')}</dt><dd><ul class="plain">${p.activities.map((a) => html`<li>${a.code} — ${a.title} (${riskLabel(t, a.riskLevel)})</li>`)}</ul></dd>
      <dt>${t('Tingkat risiko', 'Risk level')}</dt><dd>${riskLabel(t, p.riskLevel)}</dd>
      <dt>${t('Perizinan lanjutan', 'Further permits')}</dt><dd>${p.requiredPermits.length ? p.requiredPermits.map((r) => permitTypeLabel(t, r)).join(', ') : t('Tidak diperlukan', 'None needed')}</dd>
      <dt>${t('Lokasi', 'Location')}</dt><dd>${[p.location.village, p.location.district, p.location.city, p.location.province].join(', ')}</dd>
      <dt>${t('Diterbitkan', 'Issued')}</dt><dd>${formatTime(pc.lang, new Date(p.issuedAt))}</dd>
      <dt>${t('Penerbit', 'Issuer')}</dt><dd>${agencyName(p.issuer.member)}</dd>
      <dt>${t('Status', 'Status')}</dt><dd>${revoked ? t('Dicabut', 'Revoked') : t('Berlaku', 'Valid')}</dd>
      <dt>${t('Kunci tanda tangan', 'Signing key')}</dt><dd><code>${v.keyId}</code> (Ed25519)</dd>
    </dl>
    <p><small>${t('Demi pelindungan data pribadi, NIK dan alamat lengkap tidak ditampilkan di sini.', 'To protect personal data, the NIK and the full address are not shown here.')}</small></p>
    <p><a href="/api/kunci-izin">${t('Kunci publik penandatangan (JWK)', 'Signer public key (JWK)')}</a></p>
    <h2>${t('Periksa nomor lain', 'Check another number')}</h2>
    ${lookupForm(pc)}`, { notice: verdict });
}

export function registerVerificationRoutes(app: HttpApp, rt: WebRuntime): void {
  app.get('/verifikasi', { schema: { hide: true } }, async (req, reply) => {
    const pc = pageContext(req, reply);
    const t = pc.t;
    const number = ((req.query as Query).nomor ?? '').replace(/\s/g, '').toUpperCase();
    if (number && PERMIT_NUMBER.test(number)) return reply.redirect(`/verifikasi/${encodeURIComponent(number)}`, 303);
    return sendPage(reply, renderPage(pc, t('Verifikasi izin', 'Verify a permit'), html`
      <p>${t('Siapa pun dapat memeriksa keaslian izin yang diterbitkan melalui Portal Simpul, tanpa masuk. Pindai kode QR pada dokumen, atau ketik nomornya.', 'Anyone can check a permit issued through Portal Simpul, without signing in. Scan the QR code on the document, or type its number.')}</p>
      ${lookupForm(pc, number, number ? t('Nomor tidak valid.', 'Not a valid number.') : undefined)}`), number ? 400 : 200);
  });

  app.get('/verifikasi/:number', { schema: { hide: true } }, async (req, reply) => {
    const pc = pageContext(req, reply);
    const t = pc.t;
    const number = (req.params as { number: string }).number;
    try {
      const result = await rt.permits.verify(number, signatureParam(req.query as Query));
      return sendPage(reply, resultPage(pc, result));
    } catch (error) {
      if (!(error instanceof SimpulError)) throw error;
      if (error.code === 'request.not_found') {
        return sendPage(reply, renderPage(pc, t('Izin tidak ditemukan', 'Permit not found'), html`
          <p id="verdict" data-valid="false"><strong>${t('TIDAK TERDAFTAR', 'NOT REGISTERED')}</strong></p>
          <p>${t('Tidak ada izin dengan nomor ini. Dokumen yang memuat nomor ini tidak diterbitkan melalui Portal Simpul.', 'No permit has this number. A document that shows it was not issued through Portal Simpul.')}</p>
          ${lookupForm(pc)}`, { notice: { kind: 'alert', text: t('Nomor izin tidak terdaftar.', 'The permit number is not registered.') } }), 404);
      }
      if (error.code === 'permit.signature_invalid') {
        return sendPage(reply, renderPage(pc, t('Dokumen tidak asli', 'Document not authentic'), html`
          <p id="verdict" data-valid="false"><strong>${t('TIDAK ASLI', 'NOT AUTHENTIC')}</strong></p>
          <p>${t('Tanda tangan elektronik pada tautan ini tidak cocok dengan izin bernomor tersebut: dokumen telah diubah atau bukan yang diterbitkan portal. Jangan menerima dokumen ini.', 'The electronic signature in this link does not match the permit with that number: the document was altered or is not the one the portal issued. Do not accept it.')}</p>
          ${lookupForm(pc)}`, { notice: { kind: 'alert', text: t('Verifikasi gagal: tanda tangan tidak cocok.', 'Verification failed: the signature does not match.') } }), 422);
      }
      throw error;
    }
  });

  app.get('/api/verifikasi/:number', { schema: { hide: true } }, async (req) => {
    const number = (req.params as { number: string }).number;
    const result = await rt.permits.verify(number, signatureParam(req.query as Query));
    return { valid: result.permit.status === 'valid', documentChecked: result.documentChecked, keyId: result.keyId, permit: result.permit };
  });

  app.get('/api/kunci-izin', { schema: { hide: true } }, async (_req, reply) => {
    void reply.header('cache-control', 'public, max-age=3600');
    return rt.permits.publicJwks();
  });
}
