/**
 * `npm run bench:adapters [-- --json]`: what an adapter costs per request on this machine.
 * Each figure runs against the real counterpart (the demo's SOAP service, an export folder,
 * PGlite) on 127.0.0.1, bounded in count, and stops by itself.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import type { ExchangeId, PurposeCode, ServiceId, SubsystemId } from '../core/ids.js';
import type { Business } from '../core/model/schemas/business.js';
import type { Respondent } from '../core/model/schemas/respondent.js';
import type { Student } from '../core/model/schemas/student.js';
import { openDatabase } from '../core/storage/database.js';
import { respondentCsvBackendConfig, writeCsvExport } from '../demo/legacy/csv-respondent-export.js';
import { createLicensingSqlSource, licensingSqlBackendConfig } from '../demo/legacy/licensing-sql-source.js';
import { startSoapStudentService, studentSoapBackendConfig } from '../demo/legacy/soap-student-service.js';
import type { Backend, BackendRequest } from './backend.js';
import { createBackend } from './create-backend.js';
import { compileMapping } from './mapping.js';

const json = process.argv.includes('--json');
const log = (line: string) => {
  if (!json) console.log(line);
};

const request = (path: string, query = ''): BackendRequest => ({
  method: 'GET', path, query, headers: {}, body: undefined,
  service: 'ID/GOV/BENCH/SYS/svc' as ServiceId, client: 'ID/GOV/BENCH/CLIENT' as SubsystemId, purpose: 'BENCH' as PurposeCode, subject: undefined, exchangeId: 'bench' as ExchangeId,
});

interface Measured {
  requests: number;
  per_s: number;
  p50_ms: number;
  p99_ms: number;
}

/** `count` calls, `concurrency` at a time; every answer must be 200. */
async function measure(backend: Backend, paths: (i: number) => [string, string?], count: number, concurrency: number): Promise<Measured> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const [path, query] = paths(i);
        const t = performance.now();
        const response = await backend.call(request(path, query));
        latencies.push(performance.now() - t);
        if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Number((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(2));
  return { requests: count, per_s: Math.round(count / seconds), p50_ms: at(0.5), p99_ms: at(0.99) };
}

const address = { street: 'Jl. Sudirman 1', rt: '001', rw: '003', village: 'Karet', district: 'Setiabudi', city: 'Jakarta Selatan', province: 'DKI Jakarta', postcode: '12920' };
const respondent = (n: number): Respondent => ({
  respondentId: `R${n}`, survey: n % 2 ? 'SUSENAS-2025' : 'SAKERNAS-2025', nik: `3171055708${String(n).padStart(6, '0')}`, fullName: `Responden ${n}`, sex: n % 2 ? 'P' : 'L',
  birthDate: '1990-08-17', address: { street: `Jl. Kenari ${n}`, village: 'Menteng', district: 'Menteng', city: 'Jakarta Pusat', province: 'DKI Jakarta', regionCode: `317105${String(n % 100).padStart(4, '0')}` },
  occupation: 'Pedagang', maritalStatus: 'KAWIN', surveyedAt: '2025-03-01',
});
const student = (n: number): Student => ({ nisn: String(n).padStart(10, '0'), nik: `3171051708${String(n).padStart(6, '0')}`, fullName: `Siswa ${n}`, sex: 'L', birthDate: '2012-08-17', school: { npsn: '20100001', name: 'SD Negeri 1' }, grade: 6, status: 'aktif' });
const business = (n: number): Business => ({ nib: `9120000${String(n).padStart(6, '0')}`, name: `CV Usaha ${n}`, kbli: ['47111'], ownerNik: `3174015708${String(n).padStart(6, '0')}`, address, riskLevel: 'rendah', registeredAt: '2021-06-15' });

const results: Record<string, unknown> = {
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadavg_1m_at_start: Number(loadavg()[0]?.toFixed(2)) },
};

// 1. One JSONata mapping of a CSV row to a Respondent, evaluated alone.
{
  const mapping = compileMapping(respondentCsvBackendConfig('/unused').operations[0]?.response as string, 'bench');
  const row = { id_responden: 'R1', kode_survei: 'S', nik: '3171055708900001', nama: 'A', jk: '1', tgl_lahir: '17/08/1990', alamat: 'x', kode_wilayah: '3171050001', desa: 'a', kecamatan: 'b', kabkota: 'c', provinsi: 'd', pekerjaan: 'e', status_kawin: 'f', tgl_cacah: '01/03/2025' };
  for (let i = 0; i < 200; i++) await mapping.evaluate(row);
  const n = 2000;
  const t = performance.now();
  for (let i = 0; i < n; i++) await mapping.evaluate(row);
  const perRecordMs = (performance.now() - t) / n;
  results.mapping = { records: n, ms_per_record: Number(perRecordMs.toFixed(3)) };
  log(`JSONata respondent mapping: ${perRecordMs.toFixed(3)} ms per record (${n} records)`);
}

// 2. CSV: load an export of 20,000 rows, then lookups by key and pages of 100.
{
  const folder = await mkdtemp(join(tmpdir(), 'simpul-bench-csv-'));
  try {
    const rows = Array.from({ length: 20_000 }, (_, i) => respondent(i + 1));
    await writeCsvExport(folder, rows, { at: new Date(Date.now() - 60_000) });
    const t = performance.now();
    const backend = await createBackend({ ...respondentCsvBackendConfig(folder), settleMs: 0 });
    const loadMs = performance.now() - t;
    const lookups = await measure(backend, (i) => [`/R${(i % 20_000) + 1}`], 5000, 8);
    const pages = await measure(backend, (i) => ['/', `limit=100&offset=${(i % 200) * 100}`], 200, 4);
    await backend.close();
    results.csv = { rows: rows.length, load_ms: Math.round(loadMs), lookup: lookups, page_of_100_first_read: pages };
    log(`CSV: load 20,000 rows ${Math.round(loadMs)} ms; lookup by id ${lookups.per_s}/s (p50 ${lookups.p50_ms} ms, p99 ${lookups.p99_ms} ms); first read of a page of 100: p50 ${pages.p50_ms} ms`);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

// 3. SOAP: the demo student service on 127.0.0.1, lookups by NISN.
{
  const service = await startSoapStudentService({ students: Array.from({ length: 5000 }, (_, i) => student(i + 1)), port: 0 });
  const backend = await createBackend(studentSoapBackendConfig(service.wsdlUrl));
  try {
    await measure(backend, (i) => [`/${String((i % 5000) + 1).padStart(10, '0')}`], 100, 4);
    const soap = await measure(backend, (i) => [`/${String((i % 5000) + 1).padStart(10, '0')}`], 2000, 8);
    results.soap = { lookup: soap };
    log(`SOAP: lookup by NISN ${soap.per_s}/s (p50 ${soap.p50_ms} ms, p99 ${soap.p99_ms} ms), client and service on the same 2 cores`);
  } finally {
    await backend.close();
    await service.close();
  }
}

// 4. SQL on PGlite: the demo licensing view, lookups by NIB.
{
  const database = await openDatabase<unknown>({ schema: 'bench_oss' });
  try {
    await createLicensingSqlSource(database, Array.from({ length: 2000 }, (_, i) => business(i + 1)));
    const backend = await createBackend(licensingSqlBackendConfig({ database: 'oss' }, database.schema), { databases: { oss: database.db as Kysely<unknown> } });
    await measure(backend, (i) => [`/9120000${String((i % 2000) + 1).padStart(6, '0')}`], 100, 4);
    const sqlLookups = await measure(backend, (i) => [`/9120000${String((i % 2000) + 1).padStart(6, '0')}`], 1000, 4);
    await backend.close();
    results.sql_pglite = { lookup: sqlLookups };
    log(`SQL (PGlite): lookup by NIB ${sqlLookups.per_s}/s (p50 ${sqlLookups.p50_ms} ms, p99 ${sqlLookups.p99_ms} ms), read-only transaction per request`);
  } finally {
    await database.close();
  }
}

(results.machine as Record<string, unknown>).loadavg_1m_at_end = Number(loadavg()[0]?.toFixed(2));
if (json) console.log(JSON.stringify(results));
else log(`load average (1 min) at start/end: ${(results.machine as { loadavg_1m_at_start: number }).loadavg_1m_at_start} / ${(results.machine as { loadavg_1m_at_end: number }).loadavg_1m_at_end}`);
