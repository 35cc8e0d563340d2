/**
 * The issued permit as a PDF (pdfkit), Bahasa Indonesia first with English beneath, and a QR
 * code of the verification URL drawn as vector squares from the `qrcode` library's matrix (sharp
 * at any print size, no image encoding). The signed JWS travels in the document's metadata, so a
 * holder of the file can check it offline against the portal's published permit key.
 */
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import type { IssuedPermit } from './permits.js';

const BLUE = '#0b4f9c';
const GREY = '#4a4a4a';

const RISK: Record<string, [string, string]> = {
  RENDAH: ['Rendah', 'Low'],
  MENENGAH_RENDAH: ['Menengah rendah', 'Medium-low'],
  MENENGAH_TINGGI: ['Menengah tinggi', 'Medium-high'],
  TINGGI: ['Tinggi', 'High'],
};
const PERMIT: Record<string, [string, string]> = { SERTIFIKAT_STANDAR: ['Sertifikat Standar', 'Standard Certificate'], IZIN: ['Izin', 'Licence'] };

function rupiah(value: number): string {
  return `Rp${new Intl.NumberFormat('id-ID').format(value)}`;
}

function dateTime(iso: string): string {
  return `${new Intl.DateTimeFormat('id-ID', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Asia/Jakarta' }).format(new Date(iso))} WIB`;
}

export interface PermitPdfOptions {
  verificationUrl: string;
  keyId: string;
}

export async function renderPermitPdf(permit: IssuedPermit, options: PermitPdfOptions): Promise<Buffer> {
  const c = permit.content;
  const b = c.business;
  const doc = new PDFDocument({
    size: 'A4', margin: 56, lang: 'id-ID', displayTitle: true, pdfVersion: '1.7',
    info: {
      Title: `NIB ${c.number} — ${b.name}`, Author: 'Portal Simpul', Subject: 'Nomor Induk Berusaha / Business Identification Number',
      // Custom entries: the signed permit and where to check it.
      ...({ SimpulPermit: permit.jws, SimpulVerification: options.verificationUrl } as object),
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });

  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;

  doc.rect(0, 0, doc.page.width, 70).fill(BLUE);
  doc.fillColor('#ffffff').font('Helvetica-Bold').fontSize(16).text('PORTAL SIMPUL', left, 22);
  doc.font('Helvetica').fontSize(9).text('Dokumen elektronik · Electronic document', left, 44);

  doc.fillColor('#1b1b1b').font('Helvetica-Bold').fontSize(20).text('NOMOR INDUK BERUSAHA', left, 100);
  doc.fillColor(GREY).font('Helvetica-Oblique').fontSize(11).text('Business Identification Number (NIB)');
  doc.moveDown(0.6);
  doc.fillColor('#1b1b1b').font('Helvetica-Bold').fontSize(26).text(c.number, { characterSpacing: 2 });
  doc.moveDown(0.8);

  const labelWidth = 170;
  const row = (id: string, en: string, value: string) => {
    const y = doc.y;
    doc.fillColor('#1b1b1b').font('Helvetica-Bold').fontSize(10).text(id, left, y, { width: labelWidth });
    doc.fillColor(GREY).font('Helvetica-Oblique').fontSize(8).text(en, left, doc.y, { width: labelWidth });
    const labelBottom = doc.y;
    doc.fillColor('#1b1b1b').font('Helvetica').fontSize(10).text(value, left + labelWidth + 10, y, { width: width - labelWidth - 10 });
    doc.y = Math.max(labelBottom, doc.y) + 8;
    doc.x = left;
  };
  const loc = b.location;
  row('Nama usaha', 'Business name', b.name);
  row('Pemilik', 'Owner', `${c.holder.name} (NIK ${c.holder.nikMasked})`);
  row('Skala usaha', 'Business scale', 'Usaha mikro / Micro business');
  row('Kegiatan usaha (KBLI)', 'Business activities (KBLI)', b.activities.map((a) => `${a.code} — ${a.title} (${(RISK[a.riskLevel] ?? [a.riskLevel, a.riskLevel]).join(' / ')})`).join('\n'));
  row('Tingkat risiko', 'Risk level', (RISK[b.riskLevel] ?? [b.riskLevel, b.riskLevel]).join(' / '));
  row('Perizinan lanjutan', 'Further permits', b.requiredPermits.length ? b.requiredPermits.map((p) => `${(PERMIT[p] ?? [p, p]).join(' / ')} — menunggu verifikasi / awaiting verification`).join('\n') : 'Tidak diperlukan / None needed');
  row('Lokasi usaha', 'Business location', `${loc.street}, RT ${loc.rt}/RW ${loc.rw}, ${loc.village}, ${loc.district}, ${loc.city}, ${loc.province} ${loc.postcode}`);
  row('Modal usaha', 'Business capital', `${rupiah(b.capital)} (di luar tanah dan bangunan / excluding land and buildings)`);
  row('Tenaga kerja', 'Workers', String(b.employees));
  row('Diterbitkan', 'Issued', dateTime(c.issuedAt));
  row('Penerbit', 'Issuer', `${c.issuer.name} (${c.issuer.member}), melalui / through Portal Simpul`);

  // The QR block at the foot of the page.
  const qr = QRCode.create(options.verificationUrl, { errorCorrectionLevel: 'M' });
  const size = 120;
  const quiet = 4;
  const cell = size / (qr.modules.size + 2 * quiet);
  const qrTop = doc.page.height - doc.page.margins.bottom - size - 40;
  doc.rect(left, qrTop, size, size).fill('#ffffff');
  doc.fillColor('#000000');
  for (let r = 0; r < qr.modules.size; r++) {
    for (let col = 0; col < qr.modules.size; col++) {
      if (qr.modules.get(r, col)) doc.rect(left + (col + quiet) * cell, qrTop + (r + quiet) * cell, cell + 0.05, cell + 0.05);
    }
  }
  doc.fill('#000000');
  const textLeft = left + size + 16;
  const textWidth = width - size - 16;
  doc.fillColor('#1b1b1b').font('Helvetica-Bold').fontSize(10).text('Periksa keaslian dokumen ini', textLeft, qrTop + 4, { width: textWidth });
  doc.fillColor(GREY).font('Helvetica-Oblique').fontSize(8).text('Check this document\'s authenticity', { width: textWidth });
  doc.moveDown(0.4);
  doc.fillColor('#1b1b1b').font('Helvetica').fontSize(9)
    .text('Pindai kode QR atau buka alamat di bawah ini. Siapa pun dapat memeriksanya tanpa masuk.', { width: textWidth });
  doc.fillColor(GREY).font('Helvetica-Oblique').fontSize(8).text('Scan the QR code or open the address below. Anyone can check it without signing in.', { width: textWidth });
  doc.moveDown(0.4);
  doc.fillColor(BLUE).font('Helvetica').fontSize(7).text(options.verificationUrl, { width: textWidth, link: options.verificationUrl, underline: true });

  doc.fillColor(GREY).font('Helvetica').fontSize(7).text(
    `Ditandatangani secara elektronik oleh ${c.signer} (Ed25519, kunci ${options.keyId}). Electronically signed by ${c.signer} (Ed25519, key ${options.keyId}).`,
    left, doc.page.height - doc.page.margins.bottom - 22, { width, lineBreak: true },
  );
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}
