/**
 * The SQL adapter end to end against the demo licensing database, on every storage backend
 * (PGlite always; PostgreSQL when DATABASE_URL is set, reached through its URL as an agency
 * would): declared parameterised queries only, read-only transactions, row limits.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { createBackendApp } from '../src/adapters/backend-app.js';
import { reportsStatus, type Backend } from '../src/adapters/backend.js';
import type { SqlBackendConfig, SqlOperation } from '../src/adapters/config.js';
import { createBackend } from '../src/adapters/create-backend.js';
import { modelId } from '../src/core/model/model-id.js';
import type { Business } from '../src/core/model/schemas/business.js';
import type { Permit } from '../src/core/model/schemas/permit.js';
import { validateAgainstModel, validateRecordsAgainstModel } from '../src/core/model/validate-model.js';
import type { Database } from '../src/core/storage/database.js';
import { testBackends } from '../src/core/storage/testing.js';
import { createLicensingSqlSource, licensingSqlBackendConfig } from '../src/demo/legacy/licensing-sql-source.js';

const address = { street: 'Jl. Sudirman 1', rt: '001', rw: '003', village: 'Karet', district: 'Setiabudi', city: 'Jakarta Selatan', province: 'DKI Jakarta', postcode: '12920' };
const businesses: Business[] = Array.from({ length: 12 }, (_, i) => ({
  nib: `91200012345${String(i).padStart(2, '0')}`,
  name: i === 0 ? "Warung Bu Tini's" : `CV Usaha ${i}`,
  kbli: i % 2 === 0 ? ['56101'] : ['47111', '56101'],
  ownerNik: i < 3 ? '3174015708800001' : `31740157088000${String(i).padStart(2, '0')}`,
  address: i % 3 === 0 ? { ...address, province: 'Jawa Barat', city: 'Bandung' } : address,
  riskLevel: (['rendah', 'menengah_rendah', 'menengah_tinggi', 'tinggi'] as const)[i % 4]!,
  registeredAt: `2021-0${(i % 9) + 1}-15`,
}));
const permits: Permit[] = [
  { permitNumber: 'IZ-2022-0001', nib: businesses[0]!.nib, kind: 'sertifikat_standar', kbli: '56101', issuer: 'ID/GOV/KEMENKES', status: 'aktif', issuedAt: '2022-01-10', validUntil: null },
  { permitNumber: 'IZ-2023-0002', nib: businesses[0]!.nib, kind: 'izin', kbli: '56101', issuer: 'ID/GOV/PEMDA-DKI', status: 'diajukan', issuedAt: null, validUntil: null },
];

for (const storage of testBackends()) {
  describe(`SQL adapter on ${storage.kind}`, () => {
    let database: Database<unknown>;
    let connection: { database: string } | { url: string };
    const options = () => ({ databases: { oss: database.db as Kysely<unknown> } });
    const config = (extra: Partial<SqlBackendConfig> = {}): SqlBackendConfig => ({ ...licensingSqlBackendConfig(connection, database.schema), ...extra });
    const withOperations = (operations: SqlOperation[], extra: Partial<SqlBackendConfig> = {}) => config({ ...extra, operations });

    async function serve(backend: Backend) {
      const app = await createBackendApp(backend);
      return {
        get: (path: string) => app.inject({ method: 'GET', url: `/service${path}` }),
        post: (path: string, payload: string) => app.inject({ method: 'POST', url: `/service${path}`, headers: { 'content-type': 'application/json' }, payload }),
        close: async () => {
          await app.close();
          await backend.close();
        },
      };
    }
    const rowCount = async () => Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM perusahaan`.execute(database.db as Kysely<unknown>)).rows[0]?.n);

    before(async () => {
      database = await storage.open<unknown>('adapters_sql');
      connection = storage.url ? { url: storage.url } : { database: 'oss' };
      assert.deepEqual(await createLicensingSqlSource(database, businesses, permits), { businesses: 12, permits: 2 });
      await sql`CREATE SEQUENCE IF NOT EXISTS nomor_antrian`.execute(database.db as Kysely<unknown>);
    });
    after(async () => {
      await database.close();
    });

    it('looks businesses and permits up in the common model', async () => {
      const http = await serve(await createBackend(config(), options()));
      try {
        const one = await http.get(`/${businesses[1]!.nib}`);
        assert.equal(one.statusCode, 200);
        assert.deepEqual(one.json(), businesses[1]);
        assert.deepEqual(validateAgainstModel(modelId('business', 1), one.json()), { ok: true });

        const owned = (await http.get('/by-owner/3174015708800001')).json();
        assert.deepEqual(owned.items.map((b: Business) => b.nib), businesses.slice(0, 3).map((b) => b.nib));
        assert.equal(owned.truncated, false);

        const issued = (await http.get(`/${businesses[0]!.nib}/permits`)).json();
        assert.deepEqual(issued.items, permits);
        assert.deepEqual(validateRecordsAgainstModel(modelId('permit', 1), issued), { ok: true });

        const found = (await http.get('/?kbli=47111&province=DKI%20Jakarta&limit=2&offset=1')).json();
        const expected = businesses.filter((b) => b.kbli.includes('47111') && b.address.province === 'DKI Jakarta').slice(1, 3);
        assert.deepEqual(found.items.map((b: Business) => b.nib), expected.map((b) => b.nib));

        const missing = await http.get('/9999999999999');
        assert.equal(missing.statusCode, 404);
        assert.equal(missing.json().code, 'request.not_found');
        const malformed = await http.get('/12345');
        assert.equal(malformed.statusCode, 400);
        assert.equal(malformed.json().code, 'request.invalid');
      } finally {
        await http.close();
      }
    });

    it('binds request values as parameters: injection attempts are just text', async () => {
      const http = await serve(
        await createBackend(
          withOperations([
            { path: '/{nib}', result: 'one', sql: 'SELECT nib, nama_usaha FROM perusahaan WHERE nib = $1', bind: ['nib'] },
            { path: '/', result: 'many', sql: "SELECT nib, nama_usaha FROM perusahaan WHERE nama_usaha ILIKE '%' || $1 || '%' ORDER BY nib", bind: ['name'] },
          ]),
          options(),
        ),
      );
      try {
        const before = await rowCount();
        for (const attack of ["' OR '1'='1", "x'; DROP TABLE perusahaan; --", "%' UNION SELECT usename, passwd FROM pg_shadow --", '$1', '\\'] as const) {
          const page = await http.get(`/?name=${encodeURIComponent(attack)}`);
          assert.equal(page.statusCode, 200, attack);
          assert.deepEqual(page.json().items, [], attack);
          const one = await http.get(`/${encodeURIComponent(attack)}`);
          assert.equal(one.statusCode, 404, attack);
        }
        // Text that matches as text still matches: the quote is data, not syntax.
        assert.deepEqual((await http.get(`/?name=${encodeURIComponent("Bu Tini's")}`)).json().items, [{ nib: businesses[0]!.nib, nama_usaha: "Warung Bu Tini's" }]);
        assert.equal(await rowCount(), before);
      } finally {
        await http.close();
      }
    });

    it('caps an answer at maxRows and says it was truncated', async () => {
      const http = await serve(await createBackend(config({ maxRows: 5 }), options()));
      try {
        const page = (await http.get('/?limit=100')).json();
        assert.equal(page.items.length, 5);
        assert.equal(page.truncated, true);
        assert.equal(page.maxRows, 5);
        const small = (await http.get('/?limit=4')).json();
        assert.equal(small.items.length, 4);
        assert.equal(small.truncated, false);
      } finally {
        await http.close();
      }
    });

    it('runs declared queries read-only: a query that writes is refused', async () => {
      const http = await serve(await createBackend(withOperations([{ path: '/next', result: 'one', sql: "SELECT nextval('nomor_antrian') AS n" }]), options()));
      try {
        const answer = await http.get('/next');
        assert.equal(answer.statusCode, 502);
        assert.equal(answer.json().code, 'provider.error');
        assert.equal(answer.json().sqlstate, '25006');
      } finally {
        await http.close();
      }
      const before = await rowCount();
      // Neither a data-modifying CTE nor a second statement can be declared: both fail at creation.
      for (const statement of ['WITH gone AS (DELETE FROM perusahaan RETURNING nib) SELECT * FROM gone', 'SELECT 1; DELETE FROM perusahaan', 'DELETE FROM perusahaan RETURNING nib']) {
        await assert.rejects(createBackend(withOperations([{ path: '/x', result: 'many', sql: statement }]), options()), { code: 'request.invalid' }, statement);
      }
      assert.equal(await rowCount(), before);
    });

    it('refuses a declaration whose query cannot run, naming it, at creation', async () => {
      await assert.rejects(
        createBackend(withOperations([{ path: '/{nib}', result: 'one', sql: 'SELECT * FROM v_pelaku_usah WHERE nib = $1', bind: ['nib'] }]), options()),
        (e: Error & { code?: string }) => e.code === 'request.invalid' && /operations\[0\]\.sql/.test(e.message) && /v_pelaku_usah/.test(e.message),
      );
      await assert.rejects(createBackend(withOperations([{ path: '/{nib}', result: 'one', sql: 'SELECT * FROM perusahaan WHERE nib = $1 AND rt = $2', bind: ['nib'] }]), options()), /uses \$2 but bind names only 1/);
    });

    it('refuses an oversized body and fails a broken mapping cleanly', async () => {
      const http = await serve(
        await createBackend(
          withOperations(
            [
              { method: 'POST', path: '/search', result: 'many', sql: 'SELECT nib FROM perusahaan WHERE nib = $1', bind: ['nib'] },
              { path: '/{nib}', result: 'one', sql: 'SELECT * FROM perusahaan WHERE nib = $1', bind: ['nib'], response: '{ "year": $number(nama_usaha) }' },
            ],
            { maxRequestBytes: 256 },
          ),
          options(),
        ),
      );
      try {
        const large = await http.post('/search', JSON.stringify({ padding: 'x'.repeat(1000) }));
        assert.equal(large.statusCode, 413);
        assert.equal(large.json().code, 'request.body_too_large');
        const broken = await http.get(`/${businesses[1]!.nib}`);
        assert.equal(broken.statusCode, 502);
        assert.equal(broken.json().code, 'adapter.mapping_failed');
      } finally {
        await http.close();
      }
    });

    if (storage.kind === 'postgres') {
      // PGlite runs a query on the JavaScript thread and cannot interrupt it; statement_timeout
      // is a server feature, so this holds for the production backend only.
      it('cancels a query that runs past statementTimeoutMs with 504 provider.timeout', async () => {
        const http = await serve(await createBackend(withOperations([{ path: '/slow', result: 'one', sql: 'SELECT pg_sleep(5) AS slept' }], { statementTimeoutMs: 300 }), options()));
        try {
          const started = Date.now();
          const answer = await http.get('/slow');
          assert.equal(answer.statusCode, 504);
          assert.equal(answer.json().code, 'provider.timeout');
          assert.ok(Date.now() - started < 3000);
        } finally {
          await http.close();
        }
      });
    }
  });
}

describe('SQL adapter with its database down', () => {
  it('starts, reports the database unreachable, and answers provider.unreachable', async () => {
    const backend = await createBackend(licensingSqlBackendConfig({ url: 'postgres://simpul@127.0.0.1:1/none' }, 'oss'));
    try {
      assert.ok(reportsStatus(backend));
      assert.equal(backend.status().state, 'unavailable');
      const app = await createBackendApp(backend);
      const answer = await app.inject({ method: 'GET', url: '/service/9120001234500' });
      assert.equal(answer.statusCode, 502);
      assert.equal(answer.json().code, 'provider.unreachable');
      await app.close();
    } finally {
      await backend.close();
    }
  });

  it('refuses a declaration with both or neither of url and database', async () => {
    await assert.rejects(createBackend({ ...licensingSqlBackendConfig({ database: 'oss' }, 'oss'), url: 'postgres://x@127.0.0.1/y' }), { code: 'request.invalid' });
    const { database: _drop, ...neither } = licensingSqlBackendConfig({ database: 'oss' }, 'oss') as SqlBackendConfig & { database: string };
    await assert.rejects(createBackend(neither as SqlBackendConfig), { code: 'request.invalid' });
    await assert.rejects(createBackend(licensingSqlBackendConfig({ database: 'nowhere' }, 'oss')), /did not open/);
  });
});
