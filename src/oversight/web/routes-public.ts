/**
 * The public transparency page (no sign-in): exchange statistics per agency and service,
 * data quality per agency, the latest signed checkpoint of every gateway's log with the
 * command that verifies it, and the open-data downloads. Only aggregates are shown; small
 * counts are withheld.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpApp } from '../../core/http/app.js';
import { dcatCatalogue, openDataRows, toCsv, toJson } from '../open-data.js';
import { scoreSeries } from '../quality.js';
import { publishServiceTimes, serviceTimesCsv, serviceTimesJson, type PublishedServiceTime } from '../service-times.js';
import { DAY_MS, dayStart, suppress, type Period, type PublishedFigures } from '../statistics.js';
import { formatNumber, formatTime, html, translator, type Lang, type Translate, type VNode } from './html.js';
import { LineChart, renderPage, type PageContext } from './page.js';
import { publishPairs, TrafficMap, trafficMap } from './traffic-map.js';
import { LANG_COOKIE, langOf, safeNext, sendPage, type OversightRuntime } from './runtime.js';

export const PUBLIC_SITE = 'Transparansi Simpul';

function publicContext(req: FastifyRequest): PageContext {
  const lang = langOf(req);
  const t = translator(lang);
  return { lang, t, path: req.url, site: PUBLIC_SITE, menu: [['/', t('Transparansi', 'Transparency')], ['/#data-terbuka', t('Data terbuka', 'Open data')]] };
}

function period(rt: OversightRuntime): Period {
  const to = dayStart(rt.now()) + DAY_MS;
  return { from: to - rt.publicDays * DAY_MS, to };
}

const isoDay = (ms: number) => new Date(ms + 7 * 3_600_000).toISOString().slice(0, 10);

function Figure(props: { lang: Lang; t: Translate; value: number | null; unit?: string }): VNode {
  if (props.value === null) return html`<span title=${props.t('Disembunyikan: angka kecil', 'Withheld: small count')}>${props.t('<ds>', '<w/h>')}</span>`;
  return html`<span>${formatNumber(props.lang, props.value)}${props.unit ?? ''}</span>`;
}

function figuresCells(lang: Lang, t: Translate, f: PublishedFigures): VNode[] {
  return [
    html`<td class="num"><${Figure} lang=${lang} t=${t} value=${f.total} /></td>`,
    html`<td class="num"><${Figure} lang=${lang} t=${t} value=${f.ok} /></td>`,
    html`<td class="num"><${Figure} lang=${lang} t=${t} value=${f.refused} /></td>`,
    html`<td class="num"><${Figure} lang=${lang} t=${t} value=${f.error} /></td>`,
    html`<td class="num"><${Figure} lang=${lang} t=${t} value=${f.p50} unit=" ms" /></td>`,
    html`<td class="num"><${Figure} lang=${lang} t=${t} value=${f.p95} unit=" ms" /></td>`,
  ];
}

function figuresHead(t: Translate): VNode[] {
  return [
    html`<th scope="col" class="num">${t('Pertukaran', 'Exchanges')}</th>`,
    html`<th scope="col" class="num">${t('Berhasil', 'Answered')}</th>`,
    html`<th scope="col" class="num">${t('Ditolak', 'Refused')}</th>`,
    html`<th scope="col" class="num">${t('Galat', 'Errors')}</th>`,
    html`<th scope="col" class="num">${t('Latensi p50', 'Latency p50')}</th>`,
    html`<th scope="col" class="num">${t('Latensi p95', 'Latency p95')}</th>`,
  ];
}

export function verifyCommand(g: { url: string; logKey: string; witnessKeys: string[] }, quorum: number): string {
  return [`npx simpul log verify --gateway ${g.url}`, `  --key '${g.logKey}'`, ...g.witnessKeys.map((w) => `  --witness '${w}'`), `  --quorum ${quorum}`].join(' \\\n');
}

export async function registerPublicRoutes(app: HttpApp, rt: OversightRuntime): Promise<void> {
  app.get('/bahasa', { schema: { hide: true } }, async (req: FastifyRequest, reply: FastifyReply) => {
    const q = req.query as { l?: string; next?: string };
    void reply.setCookie(LANG_COOKIE, q.l === 'en' ? 'en' : 'id', { path: '/', sameSite: 'lax', httpOnly: true, maxAge: 365 * 86_400 });
    return reply.redirect(safeNext(q.next), 303);
  });

  app.get('/', { schema: { hide: true } }, async (req, reply) => {
    const pc = publicContext(req);
    const { t, lang } = pc;
    const p = period(rt);
    const [services, pairs, logs, quality, times] = await Promise.all([
      rt.statistics.byService(p),
      rt.statistics.byPair(p),
      rt.db.selectFrom('monitored_log').selectAll().orderBy('gateway').execute(),
      rt.quality.snapshots(),
      rt.serviceTimes.serviceTimes(p, rt.threshold),
    ]);
    const serviceTimes = publishServiceTimes(times, rt.directory, rt.threshold);
    const gateways = new Map(rt.gateways().map((g) => [g.id, g]));
    const published = services.map((s) => ({ ...s, pub: suppress(s, rt.threshold) }));
    const pairRows = publishPairs(pairs, rt.threshold);
    const map = trafficMap(rt.directory.members(), pairRows);
    const latestQuality = [...new Map(quality.map((q) => [q.agency, q])).values()];
    const from = isoDay(p.from);
    const to = isoDay(p.to - 1);

    const body = html`
      <p>${t(
        `Halaman ini menunjukkan bagaimana instansi pemerintah bertukar data melalui Simpul selama ${rt.publicDays} hari terakhir (${from} s.d. ${to}). Semua angka dihitung dari log pertukaran setiap gateway, yang ditandatangani dan disaksikan oleh instansi lain. Tidak ada data yang mengidentifikasi orang; angka di bawah ${rt.threshold} disembunyikan (ditandai <ds>).`,
        `This page shows how government agencies exchanged data through Simpul over the last ${rt.publicDays} days (${from} to ${to}). Every figure is computed from each gateway's exchange log, signed and witnessed by other agencies. Nothing identifies a person; figures below ${rt.threshold} are withheld (marked <w/h>).`)}</p>

      <h2 id="layanan">${t('Pertukaran per layanan', 'Exchanges per service')}</h2>
      ${published.length === 0 ? html`<p>${t('Belum ada pertukaran yang teramati pada periode ini.', 'No exchanges observed in this period yet.')}</p>` : html`
      <div class="table-scroll" tabindex="0"><table>
        <caption>${t('Pertukaran per instansi penyedia dan layanan', 'Exchanges per providing agency and service')}</caption>
        <thead><tr><th scope="col">${t('Instansi penyedia', 'Providing agency')}</th><th scope="col">${t('Layanan', 'Service')}</th>${figuresHead(t)}</tr></thead>
        <tbody>${published.map((s) => html`<tr><td>${rt.directory.memberName(s.provider)}</td><th scope="row">${rt.directory.serviceTitle(s.service)}<br /><code>${s.service}</code></th>${figuresCells(lang, t, s.pub)}</tr>`)}</tbody>
      </table></div>`}

      <h2 id="antarinstansi">${t('Siapa bertukar dengan siapa', 'Who exchanges with whom')}</h2>
      ${pairRows.length === 0 ? html`<p>${t('Belum ada pasangan instansi dengan cukup pertukaran untuk ditampilkan.', 'No agency pair has enough exchanges to show yet.')}</p>` : html`
        <${TrafficMap} lang=${lang} t=${t} model=${map} title=${t(`Peta lalu lintas antarinstansi, ${rt.publicDays} hari terakhir (pasangan dengan kurang dari ${rt.threshold} pertukaran tidak digambar)`, `Traffic map between agencies, last ${rt.publicDays} days (pairs with fewer than ${rt.threshold} exchanges are not drawn)`)} />
        <div class="table-scroll" tabindex="0"><table>
          <caption>${t('Pertukaran per pasangan instansi', 'Exchanges per agency pair')}</caption>
          <thead><tr><th scope="col">${t('Peminta → penyedia', 'Consumer → provider')}</th><th scope="col" class="num">${t('Pertukaran', 'Exchanges')}</th><th scope="col" class="num">${t('Berhasil', 'Answered')}</th><th scope="col" class="num">${t('Ditolak', 'Refused')}</th><th scope="col" class="num">${t('Galat', 'Errors')}</th></tr></thead>
          <tbody>${pairRows.map((r) => html`<tr><th scope="row">${rt.directory.memberName(r.consumer)} → ${rt.directory.memberName(r.provider)}</th><td class="num">${formatNumber(lang, r.total)}</td><td class="num"><${Figure} lang=${lang} t=${t} value=${r.ok} /></td><td class="num"><${Figure} lang=${lang} t=${t} value=${r.refused} /></td><td class="num"><${Figure} lang=${lang} t=${t} value=${r.error} /></td></tr>`)}</tbody>
        </table></div>`}

      <h2 id="kualitas-data">${t('Kualitas data per instansi', 'Data quality per agency')}</h2>
      ${latestQuality.length === 0 ? html`<p>${t('Belum ada hasil rekonsiliasi yang diterbitkan.', 'No reconciliation results published yet.')}</p>` : html`
        <div class="table-scroll" tabindex="0"><table>
          <caption>${t('Hasil rekonsiliasi terakhir', 'Latest reconciliation results')}</caption>
          <thead><tr><th scope="col">${t('Instansi', 'Agency')}</th><th scope="col" class="num">${t('Skor (0–100)', 'Score (0–100)')}</th><th scope="col" class="num">${t('Konflik terbuka', 'Open conflicts')}</th><th scope="col" class="num">${t('Permintaan koreksi terbuka', 'Open correction requests')}</th><th scope="col">${t('Diperbarui', 'Updated')}</th></tr></thead>
          <tbody>${latestQuality.map((q) => html`<tr><th scope="row">${rt.directory.memberName(q.agency)}</th><td class="num">${formatNumber(lang, q.score)}</td><td class="num">${formatNumber(lang, q.openConflicts)}</td><td class="num">${formatNumber(lang, q.openCorrections)}</td><td>${formatTime(lang, q.at)}</td></tr>`)}</tbody>
        </table></div>
        <${LineChart} lang=${lang} max=${100} label=${t('Skor kualitas per instansi dari waktu ke waktu (0–100); angkanya ada di tabel riwayat di bawah', 'Quality score per agency over time (0–100); the figures are in the history table below')} series=${scoreSeries(quality).map((s) => ({ name: rt.directory.memberName(s.agency), points: s.points }))} />
        <details>
          <summary>${t('Riwayat skor kualitas (tabel)', 'Quality score history (table)')}</summary>
          <div class="table-scroll" tabindex="0"><table>
            <caption>${t('Skor kualitas per instansi pada setiap rekonsiliasi', 'Quality score per agency at every reconciliation')}</caption>
            <thead><tr><th scope="col">${t('Instansi', 'Agency')}</th><th scope="col">${t('Waktu', 'Time')}</th><th scope="col" class="num">${t('Skor (0–100)', 'Score (0–100)')}</th></tr></thead>
            <tbody>${scoreSeries(quality).flatMap((s) => s.points.map((pt) => html`<tr><th scope="row">${rt.directory.memberName(s.agency)}</th><td>${formatTime(lang, pt.at)}</td><td class="num">${formatNumber(lang, pt.value)}</td></tr>`))}</tbody>
          </table></div>
        </details>`}

      <h2 id="waktu-layanan">${t('Waktu layanan publik', 'Public service times')}</h2>
      <p>${t('Pengaduan: hari dari pengajuan sampai ditutup. Izin: hari dari pengajuan permohonan sampai izin terbit. Dihitung oleh portal warga dari data yang tersimpan; hanya angka gabungan yang keluar dari portal.', 'Complaints: days from submission to closing. Permits: days from application to issue. Computed by the citizens\' portal from its records; only aggregates leave the portal.')}</p>
      <${ServiceTimesTable} lang=${lang} t=${t} caption=${t('Waktu penanganan pengaduan per instansi dan kategori', 'Complaint handling times per agency and category')} rows=${serviceTimes.filter((r) => r.measure === 'complaint')} agency=${true} />
      <${ServiceTimesTable} lang=${lang} t=${t} caption=${t('Waktu penerbitan izin per jenis', 'Permit issuance times per kind')} rows=${serviceTimes.filter((r) => r.measure === 'permit')} agency=${false} />

      <h2 id="log">${t('Checkpoint log yang ditandatangani', 'Signed log checkpoints')}</h2>
      <p>${t(
        'Setiap gateway mencatat setiap pertukaran dalam log Merkle yang hanya dapat ditambah. Checkpoint di bawah ini ditandatangani oleh gateway dan ditandatangani bersama (cosign) oleh gateway instansi lain sebagai saksi. Siapa pun dapat memeriksa bahwa log tidak diubah dengan perintah di bawah setiap checkpoint; kunci diambil dari konfigurasi global yang ditandatangani registry.',
        'Every gateway records every exchange in an append-only Merkle log. The checkpoints below are signed by the gateway and cosigned by other agencies\' gateways acting as witnesses. Anyone can check that a log was not altered with the command under each checkpoint; the keys come from the global configuration the registry signs.')}</p>
      ${logs.length === 0 ? html`<p>${t('Belum ada checkpoint yang terverifikasi.', 'No verified checkpoint yet.')}</p>` : logs.map((l) => {
        const g = gateways.get(l.gateway);
        const quorum = Math.min(2, g?.witnessKeys.length ?? 0);
        return html`<section class="card" aria-labelledby=${`log-${slug(l.gateway)}`}>
          <h3 id=${`log-${slug(l.gateway)}`}>${rt.directory.memberName(l.member)} — <code>${l.gateway}</code></h3>
          <dl class="facts">
            <dt>${t('Jumlah entri', 'Entries')}</dt><dd>${formatNumber(lang, Number(l.size))}</dd>
            <dt>${t('Akar (root)', 'Root')}</dt><dd><code>${l.root.toString('base64')}</code></dd>
            <dt>${t('Saksi', 'Witnesses')}</dt><dd>${l.cosigners || '—'}</dd>
            <dt>${t('Diverifikasi oleh pemantau', 'Verified by the monitor')}</dt><dd>${formatTime(lang, Number(l.verified_at))}</dd>
          </dl>
          <p>${t('Checkpoint bertanda tangan (C2SP signed note):', 'Signed checkpoint (C2SP signed note):')}</p>
          <pre tabindex="0">${l.note}</pre>
          ${g ? html`<p>${t('Verifikasi sendiri:', 'Verify it yourself:')}</p><pre tabindex="0">${verifyCommand(g, quorum)}</pre>` : null}
        </section>`;
      })}

      <h2 id="data-terbuka">${t('Data terbuka', 'Open data')}</h2>
      <p>${t(`Statistik harian ${rt.publicDays} hari terakhir, dengan lisensi CC BY 4.0. Angka kecil disembunyikan (kosong di CSV, null di JSON).`, `Daily statistics for the last ${rt.publicDays} days, licensed CC BY 4.0. Small counts are withheld (empty in CSV, null in JSON).`)}</p>
      <ul>
        <li><a href="/data/statistik.csv" download>${t('Statistik pertukaran (CSV)', 'Exchange statistics (CSV)')}</a></li>
        <li><a href="/data/statistik.json" download>${t('Statistik pertukaran (JSON)', 'Exchange statistics (JSON)')}</a></li>
        <li><a href="/data/waktu-layanan.csv" download>${t('Waktu layanan publik (CSV)', 'Public service times (CSV)')}</a></li>
        <li><a href="/data/waktu-layanan.json" download>${t('Waktu layanan publik (JSON)', 'Public service times (JSON)')}</a></li>
        <li><a href="/data/katalog.jsonld">${t('Metadata DCAT (JSON-LD)', 'DCAT metadata (JSON-LD)')}</a></li>
      </ul>`;
    return sendPage(reply, renderPage(pc, t('Transparansi pertukaran data', 'Data exchange transparency'), body));
  });

  const openData = async () => {
    const p = period(rt);
    const rows = openDataRows(await rt.statistics.daily(p), rt.directory, rt.threshold);
    return { rows, from: isoDay(p.from), to: isoDay(p.to - 1), generatedAt: new Date(rt.now()).toISOString() };
  };

  app.get('/data/statistik.csv', { schema: { summary: 'Daily exchange statistics (CSV), small counts withheld', tags: ['open data'] } }, async (_req, reply) => {
    const d = await openData();
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="simpul-statistik-${d.to}.csv"`).send(toCsv(d.rows));
  });
  app.get('/data/statistik.json', { schema: { summary: 'Daily exchange statistics (JSON), small counts withheld', tags: ['open data'] } }, async (_req, reply) => {
    const d = await openData();
    return reply.type('application/json; charset=utf-8').header('content-disposition', `attachment; filename="simpul-statistik-${d.to}.json"`).send(toJson(d.rows, { generatedAt: d.generatedAt, threshold: rt.threshold, from: d.from, to: d.to }));
  });
  const serviceTimesData = async () => {
    const p = period(rt);
    const rows = publishServiceTimes(await rt.serviceTimes.serviceTimes(p, rt.threshold), rt.directory, rt.threshold);
    return { rows, from: isoDay(p.from), to: isoDay(p.to - 1), generatedAt: new Date(rt.now()).toISOString() };
  };
  app.get('/data/waktu-layanan.csv', { schema: { summary: 'Complaint handling and permit issuance times (CSV), small counts withheld', tags: ['open data'] } }, async (_req, reply) => {
    const d = await serviceTimesData();
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="simpul-waktu-layanan-${d.to}.csv"`).send(serviceTimesCsv(d.rows));
  });
  app.get('/data/waktu-layanan.json', { schema: { summary: 'Complaint handling and permit issuance times (JSON), small counts withheld', tags: ['open data'] } }, async (_req, reply) => {
    const d = await serviceTimesData();
    return reply.type('application/json; charset=utf-8').header('content-disposition', `attachment; filename="simpul-waktu-layanan-${d.to}.json"`).send(serviceTimesJson(d.rows, { generatedAt: d.generatedAt, threshold: rt.threshold, from: d.from, to: d.to }));
  });
  app.get('/data/katalog.jsonld', { schema: { summary: 'DCAT-AP catalogue of the open data (JSON-LD)', tags: ['open data'] } }, async (_req, reply) => {
    const d = await openData();
    return reply.type('application/ld+json; charset=utf-8').send(dcatCatalogue(rt.publicUrl(), { generatedAt: d.generatedAt, from: d.from, to: d.to, publisher: 'Simpul' }));
  });
  app.get('/data/checkpoint.json', { schema: { summary: 'The latest verified checkpoint of every gateway log, with its keys', tags: ['open data'] } }, async () => {
    const logs = await rt.db.selectFrom('monitored_log').selectAll().orderBy('gateway').execute();
    const gateways = new Map(rt.gateways().map((g) => [g.id, g]));
    return logs.map((l) => ({ gateway: l.gateway, member: l.member, origin: l.origin, size: Number(l.size), root: l.root.toString('base64'), note: l.note, verifiedAt: new Date(Number(l.verified_at)).toISOString(), logUrl: gateways.get(l.gateway)?.url ?? null, logKey: gateways.get(l.gateway)?.logKey ?? null, witnessKeys: gateways.get(l.gateway)?.witnessKeys ?? [] }));
  });
}

function ServiceTimesTable(props: { lang: Lang; t: Translate; caption: string; rows: PublishedServiceTime[]; agency: boolean }): VNode {
  const { lang, t } = props;
  if (props.rows.length === 0) return html`<p>${props.caption}: ${t('belum ada data pada periode ini.', 'no data in this period yet.')}</p>`;
  return html`<div class="table-scroll" tabindex="0"><table>
    <caption>${props.caption}</caption>
    <thead><tr>${props.agency ? html`<th scope="col">${t('Instansi', 'Agency')}</th>` : null}<th scope="col">${t('Kategori', 'Category')}</th><th scope="col" class="num">${t('Selesai', 'Completed')}</th><th scope="col" class="num">${t('Masih terbuka', 'Still open')}</th><th scope="col" class="num">${t('Median (hari)', 'Median (days)')}</th><th scope="col" class="num">${t('Persentil ke-90 (hari)', '90th percentile (days)')}</th></tr></thead>
    <tbody>${props.rows.map((r) => html`<tr>${props.agency ? html`<td>${r.agency_name}</td>` : null}<th scope="row"><code>${r.category}</code></th><td class="num"><${Figure} lang=${lang} t=${t} value=${r.completed} /></td><td class="num"><${Figure} lang=${lang} t=${t} value=${r.open} /></td><td class="num"><${Figure} lang=${lang} t=${t} value=${r.median_days} /></td><td class="num"><${Figure} lang=${lang} t=${t} value=${r.p90_days} /></td></tr>`)}</tbody>
  </table></div>`;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}
