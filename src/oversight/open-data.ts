/**
 * The open-data exports of the transparency page: daily exchange statistics per consuming
 * agency, providing agency and service, as CSV and JSON, described by a DCAT-AP catalogue
 * (JSON-LD) so portals such as data.go.id can harvest them; the service times (complaints,
 * permits: src/oversight/service-times.ts) are a second dataset of the same catalogue. Small counts are withheld
 * (`suppress`); nothing in them identifies a person.
 */
import { stringify } from 'csv-stringify/sync';
import type { Directory } from './directory.js';
import { suppress, type DailyFigures, type PublishedFigures } from './statistics.js';

export interface OpenDataRow extends PublishedFigures {
  day: string;
  consumer: string;
  consumer_name: string;
  provider: string;
  provider_name: string;
  service: string;
  service_title: string;
}

export const OPEN_DATA_COLUMNS = ['day', 'consumer', 'consumer_name', 'provider', 'provider_name', 'service', 'service_title', 'total', 'ok', 'refused', 'error', 'p50', 'p95'] as const;

export function openDataRows(daily: DailyFigures[], directory: Directory, threshold: number): OpenDataRow[] {
  return daily
    .map((d) => ({
      day: d.day,
      consumer: d.consumer,
      consumer_name: directory.memberName(d.consumer),
      provider: d.provider,
      provider_name: directory.memberName(d.provider),
      service: d.service,
      service_title: directory.serviceTitle(d.service),
      ...suppress(d, threshold),
    }));
}

/** CSV (RFC 4180) with a header row; a withheld figure is an empty field. */
export function toCsv(rows: OpenDataRow[]): string {
  return stringify(rows.map((r) => OPEN_DATA_COLUMNS.map((c) => r[c] ?? '')), { header: true, columns: [...OPEN_DATA_COLUMNS], record_delimiter: '\r\n' });
}

export function toJson(rows: OpenDataRow[], meta: { generatedAt: string; threshold: number; from: string; to: string }): unknown {
  return {
    title: 'Statistik pertukaran data Simpul / Simpul data exchange statistics',
    generatedAt: meta.generatedAt,
    period: { from: meta.from, to: meta.to },
    suppression: { threshold: meta.threshold, note: `Counts below ${meta.threshold} are withheld (null), and one more figure of the same row when only one would be.` },
    fields: OPEN_DATA_COLUMNS,
    rows,
  };
}

type DcatMeta = { generatedAt: string; from: string; to: string; publisher: string };
type Texts = { id: string; en: string };

/** One dataset of the catalogue, published as `<base>/data/<file>.csv` and `.json`. */
function dcatDataset(base: string, meta: DcatMeta, d: { id: string; identifier: string; file: string; title: Texts; description: Texts; keywords: string[] }): unknown {
  const texts = (t: Texts) => [{ '@language': 'id', '@value': t.id }, { '@language': 'en', '@value': t.en }];
  const distribution = (extension: string, mediaType: string, format: string) => ({
    '@type': 'dcat:Distribution', 'dcat:accessURL': { '@id': `${base}/` }, 'dcat:downloadURL': { '@id': `${base}/data/${d.file}.${extension}` },
    'dcat:mediaType': { '@id': `https://www.iana.org/assignments/media-types/${mediaType}` }, 'dct:format': format,
  });
  return {
    '@id': d.id,
    '@type': 'dcat:Dataset',
    'dct:identifier': d.identifier,
    'dct:title': texts(d.title),
    'dct:description': texts(d.description),
    'dct:publisher': { '@type': 'foaf:Agent', 'foaf:name': meta.publisher },
    'dct:modified': { '@type': 'xsd:dateTime', '@value': meta.generatedAt },
    'dct:temporal': { '@type': 'dct:PeriodOfTime', 'dcat:startDate': { '@type': 'xsd:date', '@value': meta.from }, 'dcat:endDate': { '@type': 'xsd:date', '@value': meta.to } },
    'dct:accrualPeriodicity': { '@id': 'http://publications.europa.eu/resource/authority/frequency/DAILY' },
    'dct:license': { '@id': 'https://creativecommons.org/licenses/by/4.0/' },
    'dcat:keyword': d.keywords,
    'dcat:distribution': [distribution('csv', 'text/csv', 'CSV'), distribution('json', 'application/json', 'JSON')],
  };
}

/** A DCAT-AP 3 catalogue (JSON-LD) describing the datasets and their distributions. */
export function dcatCatalogue(base: string, meta: DcatMeta): unknown {
  return {
    '@context': { dcat: 'http://www.w3.org/ns/dcat#', dct: 'http://purl.org/dc/terms/', foaf: 'http://xmlns.com/foaf/0.1/', xsd: 'http://www.w3.org/2001/XMLSchema#' },
    '@id': `${base}/data/katalog.jsonld`,
    '@type': 'dcat:Catalog',
    'dct:title': [{ '@language': 'id', '@value': 'Katalog data terbuka Simpul' }, { '@language': 'en', '@value': 'Simpul open data catalogue' }],
    'dct:publisher': { '@type': 'foaf:Agent', 'foaf:name': meta.publisher },
    'dcat:dataset': [
      dcatDataset(base, meta, {
        id: `${base}/data/statistik-pertukaran`,
        identifier: 'simpul-statistik-pertukaran',
        file: 'statistik',
        title: { id: 'Statistik harian pertukaran data antarinstansi', en: 'Daily inter-agency data exchange statistics' },
        description: {
          id: 'Jumlah pertukaran per hari, instansi peminta, instansi penyedia dan layanan, dengan hasil (berhasil, ditolak, galat) dan latensi p50/p95, dihitung dari log pertukaran gateway yang terverifikasi. Angka kecil disembunyikan.',
          en: 'Exchanges per day, consuming agency, providing agency and service, with outcome (answered, refused, error) and p50/p95 latency, computed from the gateways\' verified exchange logs. Small counts are withheld.',
        },
        keywords: ['pertukaran data', 'interoperabilitas', 'transparansi', 'SPBE'],
      }),
      dcatDataset(base, meta, {
        id: `${base}/data/waktu-layanan`,
        identifier: 'simpul-waktu-layanan',
        file: 'waktu-layanan',
        title: { id: 'Waktu penanganan pengaduan dan penerbitan izin', en: 'Complaint handling and permit issuance times' },
        description: {
          id: 'Per instansi dan kategori: jumlah pengaduan yang selesai dan yang masih terbuka, dengan median dan persentil ke-90 hari dari pengajuan sampai ditutup; per jenis izin: jumlah izin terbit dengan median dan persentil ke-90 hari dari pengajuan sampai terbit. Angka kecil disembunyikan.',
          en: 'Per agency and category: complaints closed and still open, with median and 90th percentile days from submission to closing; per permit kind: permits issued with median and 90th percentile days from application to issue. Small counts are withheld.',
        },
        keywords: ['pengaduan', 'perizinan', 'pelayanan publik', 'transparansi'],
      }),
    ],
  };
}
