/**
 * The CSV adapter end to end against real files in a temporary folder: lookups, filters and
 * paging in the common model; atomic reloads; the last good export kept (and the refusal
 * reported) when a new one is malformed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createBackendApp } from '../src/adapters/backend-app.js';
import type { CsvBackend } from '../src/adapters/csv.js';
import { createCsvBackend } from '../src/adapters/csv.js';
import { createBackend } from '../src/adapters/create-backend.js';
import { reportsStatus } from '../src/adapters/backend.js';
import { modelId } from '../src/core/model/model-id.js';
import type { Respondent } from '../src/core/model/schemas/respondent.js';
import { validateRecordsAgainstModel } from '../src/core/model/validate-model.js';
import { respondentCsvBackendConfig, writeCsvExport } from '../src/demo/legacy/csv-respondent-export.js';

function respondent(n: number, survey = 'SUSENAS-2025', overrides: Partial<Respondent> = {}): Respondent {
  const serial = String(n).padStart(4, '0');
  return {
    respondentId: `R${serial}`,
    survey,
    nik: `317105570890${serial}`,
    fullName: `Responden ${n}`,
    sex: n % 2 === 0 ? 'L' : 'P',
    birthDate: '1990-08-17',
    address: { street: `Jl. Kenari ${n}`, village: 'Menteng', district: 'Menteng', city: 'Jakarta Pusat', province: 'DKI Jakarta', regionCode: n % 3 === 0 ? '3171050001' : '3171050002' },
    occupation: n % 5 === 0 ? null : 'Pedagang',
    maritalStatus: 'KAWIN',
    surveyedAt: '2025-03-01',
    ...overrides,
  };
}

const past = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000);

/** Writes an export and dates it `secondsAgo` in the past, so it is settled and ordered. */
async function exportAt(folder: string, rows: Respondent[], secondsAgo: number, name?: string) {
  const path = await writeCsvExport(folder, rows, { at: past(secondsAgo), ...(name ? { fileName: name } : {}) });
  await utimes(path, past(secondsAgo), past(secondsAgo));
  return path;
}
async function rawFileAt(folder: string, name: string, text: string, secondsAgo: number) {
  const path = join(folder, name);
  await writeFile(path, text);
  await utimes(path, past(secondsAgo), past(secondsAgo));
  return path;
}

async function open(folder: string, extra: { settleMs?: number; pollIntervalMs?: number; maxFileBytes?: number } = {}) {
  const backend = (await createCsvBackend({ ...respondentCsvBackendConfig(folder, { pollIntervalMs: extra.pollIntervalMs ?? 600_000, settleMs: extra.settleMs ?? 1000 }), ...(extra.maxFileBytes ? { maxFileBytes: extra.maxFileBytes } : {}) })) as CsvBackend;
  const app = await createBackendApp(backend);
  return {
    backend,
    get: (path: string) => app.inject({ method: 'GET', url: `/service${path}` }),
    close: async () => {
      await app.close();
      await backend.close();
    },
  };
}

describe('CSV adapter against a real export folder', () => {
  let folder: string;
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'simpul-csv-'));
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('serves lookups, filters and pages in the common Respondent model', async () => {
    const dir = await mkdtemp(join(folder, 'serve-'));
    const rows = Array.from({ length: 120 }, (_, i) => respondent(i + 1));
    // A duplicate NIK under another respondent id: the export says so, the service shows both.
    rows.push(respondent(121, 'SUSENAS-2025', { nik: rows[0]!.nik, fullName: 'RESPONDEN SATU' }));
    rows.push(respondent(122, 'SAKERNAS-2025', { nik: null, birthDate: null, address: { village: 'Gondangdia', district: 'Menteng', city: 'Jakarta Pusat', province: 'DKI Jakarta' } }));
    await exportAt(dir, rows, 60);
    const csv = await open(dir);
    try {
      const one = await csv.get('/R0001');
      assert.equal(one.statusCode, 200);
      assert.deepEqual(one.json(), rows[0]);

      const byNik = (await csv.get(`/by-nik/${rows[0]!.nik}`)).json();
      assert.deepEqual(byNik.items.map((r: Respondent) => r.respondentId), ['R0001', 'R0121']);
      assert.equal(byNik.total, 2);

      const page = (await csv.get('/?survey=SUSENAS-2025&regionCode=3171050001&offset=10&limit=5')).json();
      const expected = rows.filter((r) => r.survey === 'SUSENAS-2025' && r.address.regionCode === '3171050001');
      assert.equal(page.total, expected.length);
      assert.deepEqual(page.items.map((r: Respondent) => r.respondentId), expected.slice(10, 15).map((r) => r.respondentId));
      assert.deepEqual([page.offset, page.limit], [10, 5]);

      const sparse = (await csv.get('/R0122')).json();
      assert.deepEqual(sparse, rows[121]);

      const all = (await csv.get('/?limit=500')).json();
      assert.equal(all.items.length, 122);
      assert.deepEqual(validateRecordsAgainstModel(modelId('respondent', 1), all), { ok: true });

      assert.equal((await csv.get('/R9999')).json().code, 'request.not_found');
      const tooMany = await csv.get('/?limit=501');
      assert.equal(tooMany.statusCode, 400);
      assert.equal(tooMany.json().code, 'request.invalid');
      assert.equal((await csv.get('/by-nik/12')).json().code, 'request.invalid');
    } finally {
      await csv.close();
    }
  });

  it('swaps to a new export atomically: every answer comes wholly from one file', async () => {
    const dir = await mkdtemp(join(folder, 'swap-'));
    const oldFile = basename(await exportAt(dir, Array.from({ length: 300 }, (_, i) => respondent(i + 1, 'OLD')), 120));
    const csv = await open(dir);
    try {
      assert.equal(csv.backend.status().state, 'ok');
      const newFile = basename(await exportAt(dir, Array.from({ length: 300 }, (_, i) => respondent(i + 1, 'NEW')), 60));
      // Requests race the reload; each page must be all OLD or all NEW and name that file.
      const requests = Array.from({ length: 30 }, (_, i) => csv.get(`/?limit=100&offset=${(i % 3) * 100}`));
      const reloaded = csv.backend.reload();
      const answers = await Promise.all([...requests, ...Array.from({ length: 10 }, () => csv.get('/?limit=100'))]);
      await reloaded;
      const seen = new Set<string>();
      for (const answer of answers) {
        const page = answer.json();
        const surveys = new Set(page.items.map((r: Respondent) => r.survey));
        assert.equal(surveys.size, 1);
        assert.equal(page.items.length, 100);
        assert.equal(page.source.file, surveys.has('OLD') ? oldFile : newFile);
        seen.add(page.source.file);
      }
      assert.ok(seen.has(oldFile), 'requests answered before the swap saw the old export');
      const now = (await csv.get('/?limit=1')).json();
      assert.equal(now.items[0].survey, 'NEW');
      assert.equal(csv.backend.status().state, 'ok');
    } finally {
      await csv.close();
    }
  });

  it('keeps serving the last good export when a newer one is malformed, and reports it', async () => {
    const dir = await mkdtemp(join(folder, 'malformed-'));
    await exportAt(dir, [respondent(1, 'GOOD')], 300, 'responden-20250101-000000.csv');
    const csv = await open(dir);
    try {
      const header = 'id_responden;kode_survei;nik;nama;jk;tgl_lahir;alamat;kode_wilayah;desa;kecamatan;kabkota;provinsi;pekerjaan;status_kawin;tgl_cacah\r\n';
      const broken = [
        ['unclosed quote', `${header}R1;BAD;;"Budi;1;;;;Menteng;Menteng;Jakarta;DKI;;;01/03/2025\r\n`, /quote|close/i],
        ['a row with too few fields', `${header}R1;BAD;;Budi;1\r\n`, /fields|column/i],
        ['a missing column', 'id_responden;kode_survei;nama\r\nR1;BAD;Budi\r\n', /lacks the column/],
        ['an empty file', '', /empty/],
      ] as const;
      let age = 250;
      for (const [what, text, reason] of broken) {
        const name = `responden-2025010${age}-bad.csv`;
        await rawFileAt(dir, name, text, age--);
        const status = await csv.backend.reload();
        assert.equal(status.state, 'degraded', what);
        assert.match(status.message, new RegExp(`Serving responden-20250101-000000\\.csv; the newer export ${name.replace('.', '\\.')} was refused`), what);
        assert.match(String(status.details?.refusedReason), reason, what);
        const answer = await csv.get('/R0001');
        assert.equal(answer.statusCode, 200, what);
        assert.equal(answer.json().survey, 'GOOD', what);
      }
      // The refused file is not read again and again; a good newer export clears the warning.
      await exportAt(dir, [respondent(1, 'FIXED')], 10);
      const status = await csv.backend.reload();
      assert.equal(status.state, 'ok');
      assert.equal(status.details?.refusedFile, undefined);
      assert.equal((await csv.get('/R0001')).json().survey, 'FIXED');
    } finally {
      await csv.close();
    }
  });

  it('answers 503 adapter.unavailable while no good export exists', async () => {
    const dir = await mkdtemp(join(folder, 'none-'));
    const empty = await open(dir);
    try {
      assert.equal(empty.backend.status().state, 'unavailable');
      const answer = await empty.get('/R0001');
      assert.equal(answer.statusCode, 503);
      assert.equal(answer.json().code, 'adapter.unavailable');
      await rawFileAt(dir, 'responden-1.csv', 'id_responden;nama\r\n"R1;Budi\r\n', 60);
      const status = await empty.backend.reload();
      assert.equal(status.state, 'unavailable');
      assert.match(status.message, /responden-1\.csv was refused/);
      assert.equal((await empty.get('/R0001')).statusCode, 503);
    } finally {
      await empty.close();
    }
  });

  it('leaves a file that is still being written until it has settled', async () => {
    const dir = await mkdtemp(join(folder, 'settle-'));
    await exportAt(dir, [respondent(1, 'OLD')], 300);
    const csv = await open(dir, { settleMs: 30_000 });
    try {
      const fresh = await writeCsvExport(dir, [respondent(1, 'NEW')], { at: new Date() });
      await csv.backend.reload();
      assert.equal((await csv.get('/R0001')).json().survey, 'OLD');
      await utimes(fresh, past(60), past(60));
      await csv.backend.reload();
      assert.equal((await csv.get('/R0001')).json().survey, 'NEW');
    } finally {
      await csv.close();
    }
  });

  it('refuses an export larger than maxFileBytes', async () => {
    const dir = await mkdtemp(join(folder, 'large-'));
    await exportAt(dir, [respondent(1, 'SMALL')], 300);
    const csv = await open(dir, { maxFileBytes: 4096 });
    try {
      await exportAt(dir, Array.from({ length: 200 }, (_, i) => respondent(i + 1, 'LARGE')), 60);
      const status = await csv.backend.reload();
      assert.equal(status.state, 'degraded');
      assert.match(String(status.details?.refusedReason), /at most 4096/);
      assert.equal((await csv.get('/R0001')).json().survey, 'SMALL');
    } finally {
      await csv.close();
    }
  });

  it('notices a new export by itself every pollIntervalMs', async () => {
    const dir = await mkdtemp(join(folder, 'poll-'));
    await exportAt(dir, [respondent(1, 'OLD')], 300);
    const backend = await createBackend(respondentCsvBackendConfig(dir, { pollIntervalMs: 50, settleMs: 0 }));
    try {
      await exportAt(dir, [respondent(1, 'NEW')], 60);
      const app = await createBackendApp(backend);
      let survey = '';
      for (let i = 0; i < 100 && survey !== 'NEW'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        survey = (await app.inject({ method: 'GET', url: '/service/R0001' })).json().survey;
      }
      assert.equal(survey, 'NEW');
      assert.ok(reportsStatus(backend) && backend.status().state === 'ok');
      await app.close();
    } finally {
      await backend.close();
    }
  });

  it('reads RFC 4180 quoting (delimiters, quotes and line breaks inside fields) and Latin-1 exports', async () => {
    const dir = await mkdtemp(join(folder, 'rfc4180-'));
    const text = 'id,nama,alamat\r\n1,"Jos\u00e9 ""Budi"" Santoso","Jl. Kenari, No. 5\r\nBlok A"\r\n2,Siti,\r\n';
    const path = join(dir, 'warga.csv');
    await writeFile(path, Buffer.from(text, 'latin1'));
    await utimes(path, past(60), past(60));
    const backend = await createBackend({ type: 'csv', folder: dir, encoding: 'latin1', operations: [{ path: '/{id}', result: 'one', match: { id: 'id' } }] });
    const app = await createBackendApp(backend);
    try {
      assert.deepEqual((await app.inject({ method: 'GET', url: '/service/1' })).json(), { id: '1', nama: 'Jos\u00e9 "Budi" Santoso', alamat: 'Jl. Kenari, No. 5\r\nBlok A' });
      assert.deepEqual((await app.inject({ method: 'GET', url: '/service/2' })).json(), { id: '2', nama: 'Siti', alamat: '' });
    } finally {
      await app.close();
      await backend.close();
    }
  });

  it('fails a mapping that breaks on a row with adapter.mapping_failed', async () => {
    const dir = await mkdtemp(join(folder, 'mapping-'));
    await exportAt(dir, [respondent(1)], 60);
    const config = respondentCsvBackendConfig(dir);
    config.operations[0] = { ...config.operations[0]!, response: '{ "age": $number(nama) }' };
    const backend = await createBackend(config);
    const app = await createBackendApp(backend);
    try {
      const answer = await app.inject({ method: 'GET', url: '/service/R0001' });
      assert.equal(answer.statusCode, 502);
      assert.equal(answer.json().code, 'adapter.mapping_failed');
    } finally {
      await app.close();
      await backend.close();
    }
  });
});
