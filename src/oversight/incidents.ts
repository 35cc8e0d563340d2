/**
 * Incidents and the breach notice UU 27/2022 Pasal 46 requires: within 3×24 hours of a
 * failure of personal-data protection, the controller tells the data subjects and the
 * supervisory institution, in writing, at least (a) which personal data was exposed, (b) when
 * and how, and (c) what the controller did to handle it and recover.
 *
 * Oversight knows subjects only as keyed commitments; the notice lists their number and an
 * annex of commitments that only the controlling agency (holder of its gateway's key) can
 * turn back into the people to notify. The notice is a draft for that agency to complete.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import { SimpulError } from '../core/errors.js';
import type { Alert } from './alerts.js';
import type { Directory } from './directory.js';
import type { OversightTables } from './schema.js';
import { exchanges } from './statistics.js';
import { html, renderDocument, type VNode } from './web/html.js';
import { CSS_PATH } from './web/styles.js';

export type Incident = Selectable<OversightTables['incident']>;

/** Pasal 46 ayat (1): 3 × 24 hours from detection. */
export const NOTICE_DEADLINE_MS = 3 * 24 * 3_600_000;

export interface IncidentInput {
  measures: string;
  contact: string;
  /** Overrides the data categories derived from the services involved. */
  dataCategories?: string;
  how?: string;
}

export class Incidents {
  readonly #db: Kysely<OversightTables>;
  readonly #directory: Directory;
  readonly #now: () => number;

  constructor(options: { db: Kysely<OversightTables>; directory: Directory; now?: () => number }) {
    this.#db = options.db;
    this.#directory = options.directory;
    this.#now = options.now ?? Date.now;
  }

  /** Opens an incident from an alert: the subjects and services come from the observed exchanges in its window. */
  async fromAlert(alert: Alert, input: IncidentInput, by: string): Promise<Incident> {
    if (input.measures.trim().length < 3) throw new SimpulError('request.invalid', 'Say what was done to handle the incident and recover (Pasal 46 ayat (2) huruf c).');
    if (input.contact.trim().length < 3) throw new SimpulError('request.invalid', 'Give a contact the data subjects can reach.');
    const evidence = JSON.parse(alert.evidence) as { client?: string; gateway?: string };
    const client = evidence.client ?? null;
    // One record per exchange, and commitments from one gateway only: they are keyed per gateway.
    const { rows } = client
      ? await sql<{ service: string; subject: Buffer | null; provider_member: string }>`SELECT DISTINCT service, subject, provider_member FROM ${exchanges({ from: Number(alert.window_start), to: Number(alert.window_end) + 1 })} e
          WHERE client = ${client} AND outcome = 'ok' ${evidence.gateway ? sql`AND gateway = ${evidence.gateway}` : sql``}`.execute(this.#db)
      : { rows: [] };
    const services = [...new Set(rows.map((r) => r.service))];
    const subjects = [...new Set(rows.filter((r) => r.subject).map((r) => r.subject!.toString('hex')))].sort();
    // The agency where the data went wrong: the client's, whose system read it; else the provider.
    const member = alert.member ?? rows[0]?.provider_member ?? 'unknown';
    const categories = input.dataCategories?.trim() || services.map((s) => `${this.#directory.serviceTitle(s)} (${s})`).join('; ') || 'belum diketahui / not yet known';
    const how = input.how?.trim() || `${alert.title}. ${alert.detail}`;
    return this.#db.insertInto('incident').values({
      id: `INS-${randomUUID().slice(0, 8).toUpperCase()}`, alert_id: alert.id, member, title: alert.title, data_categories: categories,
      occurred_from: Number(alert.window_start), occurred_to: Number(alert.window_end), detected_at: Number(alert.raised_at), how, subjects_count: subjects.length,
      subject_commitments: JSON.stringify(subjects), measures: input.measures.trim(), contact: input.contact.trim(), created_by: by, created_at: this.#now(),
    }).returningAll().executeTakeFirstOrThrow();
  }

  async get(id: string): Promise<Incident> {
    const incident = await this.#db.selectFrom('incident').selectAll().where('id', '=', id).executeTakeFirst();
    if (!incident) throw new SimpulError('request.not_found', `No incident ${id}.`);
    return incident;
  }

  async list(member?: string): Promise<Incident[]> {
    let q = this.#db.selectFrom('incident').selectAll();
    if (member) q = q.where('member', '=', member);
    return q.orderBy('created_at', 'desc').execute();
  }
}

const wib = (ms: number) => `${new Intl.DateTimeFormat('id-ID', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Asia/Jakarta' }).format(ms)} WIB`;

/** The breach notice as a printable HTML document, in Bahasa Indonesia (the language of the law). */
export function breachNotice(incident: Incident, directory: Directory): string {
  const controller = directory.memberName(incident.member);
  const deadline = Number(incident.detected_at) + NOTICE_DEADLINE_MS;
  const commitments = JSON.parse(incident.subject_commitments) as string[];
  const section = (title: string, body: VNode | VNode[]) => html`<section><h2>${title}</h2>${body}</section>`;
  return renderDocument(html`<html lang="id">
  <head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" /><title>Pemberitahuan kegagalan pelindungan data pribadi ${incident.id}</title><link rel="stylesheet" href=${CSS_PATH} /></head>
  <body><main id="konten"><div class="wrap">
    <p><strong>DRAF</strong> — disiapkan oleh layanan pengawasan Simpul untuk dilengkapi dan dikirim oleh Pengendali Data Pribadi.</p>
    <h1>Pemberitahuan Kegagalan Pelindungan Data Pribadi</h1>
    <dl class="facts">
      <dt>Nomor</dt><dd>${incident.id}</dd>
      <dt>Dasar hukum</dt><dd>Undang-Undang Nomor 27 Tahun 2022 tentang Pelindungan Data Pribadi, Pasal 46</dd>
      <dt>Pengendali Data Pribadi</dt><dd>${controller} (${incident.member})</dd>
      <dt>Kepada</dt><dd>1. Subjek Data Pribadi yang terdampak; 2. Lembaga penyelenggara pelindungan data pribadi</dd>
      <dt>Batas waktu pengiriman</dt><dd>${wib(deadline)} (3 × 24 jam sejak terdeteksi pada ${wib(Number(incident.detected_at))})</dd>
    </dl>
    ${section('a. Data Pribadi yang terungkap', html`<p>${incident.data_categories}</p><p>Jumlah Subjek Data Pribadi yang terdampak: <strong>${incident.subjects_count}</strong>.</p>`)}
    ${section('b. Kapan dan bagaimana Data Pribadi terungkap', html`<p>Antara ${wib(Number(incident.occurred_from))} dan ${wib(Number(incident.occurred_to))}.</p><p>${incident.how}</p>`)}
    ${section('c. Upaya penanganan dan pemulihan', html`<p>${incident.measures}</p>`)}
    ${section('Kontak', html`<p>${incident.contact}</p>`)}
    ${section('Lampiran: subjek terdampak (komitmen)', html`<p>Layanan pengawasan hanya mengenal subjek sebagai komitmen berkunci dari log pertukaran, bukan NIK atau nama. Pengendali mencocokkan komitmen berikut dengan kunci gateway-nya untuk mengetahui siapa yang harus diberi tahu. Lampiran ini tidak untuk dipublikasikan.</p>
      <pre tabindex="0">${commitments.length ? commitments.join('\n') : '—'}</pre>`)}
    <p>Disiapkan oleh ${incident.created_by} pada ${wib(Number(incident.created_at))}.</p>
  </div></main></body></html>`);
}
