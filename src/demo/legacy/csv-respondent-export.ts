/**
 * The statistics office's (BPS) survey system for the demo federation: it cannot be queried,
 * it only exports. Now and then it writes a CSV file of respondents into a folder, the way
 * spreadsheet-era systems do: semicolon-separated with a byte-order mark, Indonesian column
 * names, BPS codes for sex (1 = laki-laki, 2 = perempuan) and dates as DD/MM/YYYY.
 * The CSV adapter serves that folder as the `respondent` service in the common model.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { CsvBackendConfig } from '../../adapters/config.js';
import type { Respondent } from '../../core/model/schemas/respondent.js';

export const RESPONDENT_COLUMNS = [
  'id_responden', 'kode_survei', 'nik', 'nama', 'jk', 'tgl_lahir', 'alamat', 'kode_wilayah',
  'desa', 'kecamatan', 'kabkota', 'provinsi', 'pekerjaan', 'status_kawin', 'tgl_cacah',
] as const;

export interface CsvExportOptions {
  /** Export time, which names and dates the file (`responden-YYYYMMDD-HHMMSS.csv`); default now. */
  at?: Date;
  /** File name instead of the time-based one. */
  fileName?: string;
}

const dmy = (iso: string | null) => (iso ? `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}` : '');

function toLegacyRow(r: Respondent): string[] {
  return [
    r.respondentId, r.survey, r.nik ?? '', r.fullName, r.sex === 'L' ? '1' : '2', dmy(r.birthDate), r.address.street ?? '',
    r.address.regionCode ?? '', r.address.village, r.address.district, r.address.city, r.address.province,
    r.occupation ?? '', r.maritalStatus ?? '', dmy(r.surveyedAt),
  ];
}

/**
 * Writes one export of `rows` into `folder` and returns its path. The file appears whole: it
 * is written under a hidden temporary name and renamed, as a well-behaved exporter does.
 */
export async function writeCsvExport(folder: string, rows: readonly Respondent[], options: CsvExportOptions = {}): Promise<string> {
  await mkdir(folder, { recursive: true });
  const at = options.at ?? new Date();
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const name = options.fileName ?? `responden-${stamp}.csv`;
  const text = stringify([[...RESPONDENT_COLUMNS], ...rows.map(toLegacyRow)], { delimiter: ';', bom: true, record_delimiter: 'windows' });
  const temporary = join(folder, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
  await writeFile(temporary, text);
  // Dated as exported (an export replayed from the past is already settled for the adapter).
  if (options.at) await utimes(temporary, at, at);
  await rename(temporary, join(folder, name));
  return join(folder, name);
}

/** The CSV adapter declaration that serves the export folder as `respondent` in the common model. */
export function respondentCsvBackendConfig(folder: string, options: { pollIntervalMs?: number; settleMs?: number } = {}): CsvBackendConfig {
  const date = (column: string) => `(${column} = "" ? null : $substring(${column}, 6, 4) & "-" & $substring(${column}, 3, 2) & "-" & $substring(${column}, 0, 2))`;
  const respondent = `{
    "respondentId": id_responden,
    "survey": kode_survei,
    "nik": nik = "" ? null : nik,
    "fullName": nama,
    "sex": jk = "1" ? "L" : jk = "2" ? "P" : jk,
    "birthDate": ${date('tgl_lahir')},
    "address": {
      "street": alamat != "" ? alamat,
      "village": desa,
      "district": kecamatan,
      "city": kabkota,
      "province": provinsi,
      "regionCode": kode_wilayah != "" ? kode_wilayah
    },
    "occupation": pekerjaan = "" ? null : pekerjaan,
    "maritalStatus": status_kawin = "" ? null : status_kawin,
    "surveyedAt": ${date('tgl_cacah')}
  }`;
  return {
    type: 'csv',
    folder,
    file: 'responden-*.csv',
    delimiter: ';',
    columns: [...RESPONDENT_COLUMNS],
    pollIntervalMs: options.pollIntervalMs ?? 5000,
    settleMs: options.settleMs ?? 2000,
    operations: [
      { method: 'GET', path: '/{respondentId}', summary: 'Respondent by id', result: 'one', match: { id_responden: 'respondentId' }, response: respondent },
      {
        method: 'GET',
        path: '/by-nik/{nik}',
        summary: 'Respondents recorded with this NIK',
        params: { type: 'object', properties: { nik: { type: 'string', pattern: '^[0-9]{16}$' } }, required: ['nik'] },
        result: 'many',
        match: { nik: 'nik' },
        response: respondent,
      },
      {
        method: 'GET',
        path: '/',
        summary: 'Respondents, filtered by survey or village code, a page at a time',
        params: {
          type: 'object',
          properties: {
            survey: { type: 'string', maxLength: 64 },
            regionCode: { type: 'string', pattern: '^[0-9]{10}$' },
            offset: { type: 'integer', minimum: 0 },
            limit: { type: 'integer', minimum: 1, maximum: 500 },
          },
        },
        result: 'many',
        filters: { kode_survei: 'survey', kode_wilayah: 'regionCode' },
        pageSize: 50,
        maxPageSize: 500,
        response: respondent,
      },
    ],
  };
}
