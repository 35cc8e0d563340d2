/**
 * The citizen's home page and the data tracker: every exchange about the signed-in citizen,
 * from the ExchangeRecordSource the federation injects.
 */
import type { HttpApp } from '../../core/http/app.js';
import { agencyName } from '../consent/catalogue.js';
import { noExchangeRecords } from '../tracker/exchange-record-source.js';
import { html } from './html.js';
import { formatTime, renderPage } from './page.js';
import { pageContext, requireSession, sendPage, type WebRuntime } from './runtime.js';

const PAGE_SIZE = 25;

export function registerCitizenRoutes(app: HttpApp, rt: WebRuntime): void {
  app.get('/', { schema: { hide: true } }, async (req, reply) => {
    const session = requireSession(req, reply, ['citizen']);
    if (!session) return reply;
    const pc = pageContext(req, reply);
    const t = pc.t;
    const [applications, complaints] = await Promise.all([rt.applications.list(session.account.id), rt.complaints.listForAccount(session.account.id)]);
    return sendPage(reply, renderPage(pc, t(`Selamat datang, ${session.account.name}`, `Welcome, ${session.account.name}`), html`
      <div class="card"><h2>${t('Layanan', 'Services')}</h2>
        <p>${t('Ajukan layanan sekali saja: data Anda diambil dari instansi sumber dengan persetujuan Anda.', 'Apply once: your data is fetched from the source agencies with your consent.')}</p>
        <p><a href="/layanan">${t('Lihat layanan', 'See services')}</a> · ${t(`${applications.length} permohonan`, `${applications.length} applications`)}</p></div>
      <div class="card"><h2>${t('Pelacak data', 'Data tracker')}</h2>
        <p>${t('Lihat setiap instansi yang mengakses data Anda, kapan, untuk tujuan apa dan atas dasar hukum apa.', 'See every agency that accessed your data, when, for what purpose and on what legal basis.')}</p>
        <p><a href="/pelacak">${t('Buka pelacak data', 'Open the data tracker')}</a></p></div>
      <div class="card"><h2>${t('Pengaduan', 'Complaints')}</h2>
        <p>${t(`${complaints.filter((c) => c.status !== 'closed').length} pengaduan masih berjalan.`, `${complaints.filter((c) => c.status !== 'closed').length} complaints still open.`)}</p>
        <p><a href="/pengaduan">${t('Sampaikan atau pantau pengaduan', 'File or follow a complaint')}</a></p></div>`));
  });

  app.get('/pelacak', { schema: { hide: true } }, async (req, reply) => {
    const session = requireSession(req, reply, ['citizen']);
    if (!session || !session.account.nik) return reply;
    const pc = pageContext(req, reply);
    const t = pc.t;
    const beforeRaw = Number((req.query as { sebelum?: string }).sebelum);
    const before = Number.isFinite(beforeRaw) && beforeRaw > 0 ? beforeRaw : undefined;
    const rows = await rt.exchanges.listBySubject(session.account.nik, { limit: PAGE_SIZE + 1, ...(before ? { before } : {}) });
    const page = rows.slice(0, PAGE_SIZE);
    const more = rows.length > PAGE_SIZE;
    const outcome = (o: string) => (o === 'ok' ? t('Berhasil', 'Succeeded') : o === 'refused' ? t('Ditolak', 'Refused') : t('Gagal', 'Failed'));
    const memberOf = (id: string) => id.split('/').slice(0, 3).join('/');
    return sendPage(reply, renderPage(pc, t('Pelacak data', 'Data tracker'), html`
      <p>${t('Setiap pertukaran data tentang Anda melalui Simpul, dari semua instansi. Pertukaran muncul di sini dalam hitungan detik.', 'Every exchange of data about you through Simpul, across all agencies. Exchanges appear here within seconds.')}</p>
      ${rt.exchanges === noExchangeRecords ? html`<p class="notice" role="status">${t('Pelacak belum tersambung ke catatan gerbang federasi.', 'The tracker is not yet connected to the federation gateways\' records.')}</p>` : null}
      ${rows.unavailable?.length ? html`<p class="notice" role="status">${t(`Gerbang instansi berikut belum menjawab, daftar ini mungkin belum lengkap: ${rows.unavailable.map(agencyName).join(', ')}.`, `These agencies' gateways did not answer; the list may be incomplete: ${rows.unavailable.map(agencyName).join(', ')}.`)}</p>` : null}
      ${page.length === 0 ? html`<p>${t('Belum ada pertukaran data tentang Anda.', 'No exchange about you yet.')}</p>` : html`
      <div class="table-scroll" tabindex="0" role="region" aria-label=${pc.t('Tabel, dapat digulir', 'Table, scrollable')}><table id="tracker">
        <caption>${t('Akses ke data Anda, terbaru di atas', 'Access to your data, newest first')}</caption>
        <thead><tr>
          <th scope="col">${t('Waktu', 'Time')}</th><th scope="col">${t('Peminta', 'Requested by')}</th><th scope="col">${t('Layanan (sumber)', 'Service (source)')}</th>
          <th scope="col">${t('Tujuan', 'Purpose')}</th><th scope="col">${t('Dasar hukum', 'Legal basis')}</th><th scope="col">${t('Hasil', 'Outcome')}</th><th scope="col">${t('Bukti', 'Receipt')}</th>
        </tr></thead>
        <tbody>${page.map((e) => html`<tr>
          <td>${formatTime(pc.lang, e.time)}</td>
          <td>${agencyName(memberOf(e.client))}<br /><small>${e.client}</small></td>
          <td>${agencyName(memberOf(e.service))}<br /><small>${e.service}</small></td>
          <td>${e.purpose ?? '—'}</td><td>${e.legalBasis ?? '—'}</td><td>${outcome(e.outcome)}</td>
          <td>${e.receiptUrl ? html`<a href=${e.receiptUrl}>${t('Bukti log', 'Log receipt')}</a>` : '—'}</td>
        </tr>`)}</tbody>
      </table></div>`}
      ${more ? html`<p><a href=${`/pelacak?sebelum=${page[page.length - 1]!.time}`}>${t('Lebih lama', 'Older')}</a></p>` : null}`));
  });
}
