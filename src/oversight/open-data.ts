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

/** A DCAT-AP 3 catalogue (JSON-LD) describing the dataset and its two distributions. */
export function dcatCatalogue(base: string, meta: { generatedAt: string; from: string; to: string; publisher: string }): unknown {
  const dataset = `${base}/data/statistik-pertukaran`;
  return {
    '@context': { dcat: 'http://www.w3.org/ns/dcat#', dct: 'http://purl.org/dc/terms/', foaf: 'http://xmlns.com/foaf/0.1/', xsd: 'http://www.w3.org/2001/XMLSchema#' },
    '@id': `${base}/data/katalog.jsonld`,
    '@type': 'dcat:Catalog',
    'dct:title': [{ '@language': 'id', '@value': 'Katalog data terbuka Simpul' }, { '@language': 'en', '@value': 'Simpul open data catalogue' }],
    'dct:publisher': { '@type': 'foaf:Agent', 'foaf:name': meta.publisher },
    'dcat:dataset': [{
      '@id': dataset,
      '@type': 'dcat:Dataset',
      'dct:identifier': 'simpul-statistik-pertukaran',
      'dct:title': [{ '@language': 'id', '@value': 'Statistik harian pertukaran data antarinstansi' }, { '@language': 'en', '@value': 'Daily inter-agency data exchange statistics' }],
      'dct:description': [
        { '@language': 'id', '@value': 'Jumlah pertukaran per hari, instansi peminta, instansi penyedia dan layanan, dengan hasil (berhasil, ditolak, galat) dan latensi p50/p95, dihitung dari log pertukaran gateway yang terverifikasi. Angka kecil disembunyikan.' },
        { '@language': 'en', '@value': 'Exchanges per day, consuming agency, providing agency and service, with outcome (answered, refused, error) and p50/p95 latency, computed from the gateways\' verified exchange logs. Small counts are withheld.' },
      ],
      'dct:publisher': { '@type': 'foaf:Agent', 'foaf:name': meta.publisher },
      'dct:modified': { '@type': 'xsd:dateTime', '@value': meta.generatedAt },
      'dct:temporal': { '@type': 'dct:PeriodOfTime', 'dcat:startDate': { '@type': 'xsd:date', '@value': meta.from }, 'dcat:endDate': { '@type': 'xsd:date', '@value': meta.to } },
      'dct:accrualPeriodicity': { '@id': 'http://publications.europa.eu/resource/authority/frequency/DAILY' },
      'dct:license': { '@id': 'https://creativecommons.org/licenses/by/4.0/' },
      'dcat:keyword': ['pertukaran data', 'interoperabilitas', 'transparansi', 'SPBE'],
      'dcat:distribution': [
        { '@type': 'dcat:Distribution', 'dcat:accessURL': { '@id': `${base}/` }, 'dcat:downloadURL': { '@id': `${base}/data/statistik.csv` }, 'dcat:mediaType': { '@id': 'https://www.iana.org/assignments/media-types/text/csv' }, 'dct:format': 'CSV' },
        { '@type': 'dcat:Distribution', 'dcat:accessURL': { '@id': `${base}/` }, 'dcat:downloadURL': { '@id': `${base}/data/statistik.json` }, 'dcat:mediaType': { '@id': 'https://www.iana.org/assignments/media-types/application/json' }, 'dct:format': 'JSON' },
      ],
    }, {
      '@id': `${base}/data/waktu-layanan`,
      '@type': 'dcat:Dataset',
      'dct:identifier': 'simpul-waktu-layanan',
      'dct:title': [{ '@language': 'id', '@value': 'Waktu penanganan pengaduan dan penerbitan izin' }, { '@language': 'en', '@value': 'Complaint handling and permit issuance times' }],
      'dct:description': [
        { '@language': 'id', '@value': 'Per instansi dan kategori: jumlah pengaduan yang selesai dan yang masih terbuka, dengan median dan persentil ke-90 hari dari pengajuan sampai ditutup; per jenis izin: jumlah izin terbit dengan median dan persentil ke-90 hari dari pengajuan sampai terbit. Angka kecil disembunyikan.' },
        { '@language': 'en', '@value': 'Per agency and category: complaints closed and still open, with median and 90th percentile days from submission to closing; per permit kind: permits issued with median and 90th percentile days from application to issue. Small counts are withheld.' },
      ],
      'dct:publisher': { '@type': 'foaf:Agent', 'foaf:name': meta.publisher },
      'dct:modified': { '@type': 'xsd:dateTime', '@value': meta.generatedAt },
      'dct:temporal': { '@type': 'dct:PeriodOfTime', 'dcat:startDate': { '@type': 'xsd:date', '@value': meta.from }, 'dcat:endDate': { '@type': 'xsd:date', '@value': meta.to } },
      'dct:accrualPeriodicity': { '@id': 'http://publications.europa.eu/resource/authority/frequency/DAILY' },
      'dct:license': { '@id': 'https://creativecommons.org/licenses/by/4.0/' },
      'dcat:keyword': ['pengaduan', 'perizinan', 'pelayanan publik', 'transparansi'],
      'dcat:distribution': [
        { '@type': 'dcat:Distribution', 'dcat:accessURL': { '@id': `${base}/` }, 'dcat:downloadURL': { '@id': `${base}/data/waktu-layanan.csv` }, 'dcat:mediaType': { '@id': 'https://www.iana.org/assignments/media-types/text/csv' }, 'dct:format': 'CSV' },
        { '@type': 'dcat:Distribution', 'dcat:accessURL': { '@id': `${base}/` }, 'dcat:downloadURL': { '@id': `${base}/data/waktu-layanan.json` }, 'dcat:mediaType': { '@id': 'https://www.iana.org/assignments/media-types/application/json' }, 'dct:format': 'JSON' },
      ],
    }],
  };
}
