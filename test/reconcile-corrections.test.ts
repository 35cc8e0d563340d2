/**
 * Correction requests: conflicts routed to the agency that must change its record (or to the
 * registry when its own NIK contradicts it), stored, listed and decided once, with who and when;
 * and the HTTP API that shows them, each agency seeing its own. Runs on every storage backend.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DataKeyring } from '../src/core/crypto.js';
import { SimpulError } from '../src/core/errors.js';
import { createHttpApp, type HttpApp } from '../src/core/http/app.js';
import type { Database } from '../src/core/storage/database.js';
import { testBackends } from '../src/core/storage/testing.js';
import { CorrectionStore, routeConflict, type CorrectionTables } from '../src/reconcile/corrections.js';
import { registerReconcileRoutes, type ReconcilePrincipal } from '../src/reconcile/http.js';
import type { DiscrepancyReport, FieldConflict } from '../src/reconcile/report.js';

const conflict = (over: Partial<FieldConflict>): FieldConflict => ({
  agency: 'BPS',
  recordId: 'ART-1',
  baseRecordId: '3273014501900001',
  field: 'birth_date',
  agencyValue: '05/01/1991',
  baseValue: '1990-01-05',
  matchProbability: 0.998,
  ...over,
});

const report: DiscrepancyReport = {
  generatedAt: '2025-07-01T00:00:00.000Z',
  base: 'DUKCAPIL',
  threshold: 0.9,
  agencies: [],
  conflicts: [
    conflict({}),
    conflict({ recordId: 'ART-2', baseRecordId: '3273012012850003', field: 'sex', agencyValue: '2', baseValue: 'LAKI-LAKI', nikSupports: 'agency' }),
    conflict({ agency: 'KEMENKES', recordId: 'P-9', field: 'full_name', agencyValue: 'M. Rizki', baseValue: 'Muhamad Rizky' }),
    conflict({ agency: 'KEMENKES', recordId: 'P-9', field: 'phone', agencyValue: '0812', baseValue: '0813' }),
  ],
  unmatched: [{ agency: 'BPS', recordId: 'ART-7', nearestBaseId: null, nearestProbability: null }],
  duplicates: [{ agency: 'KEMENKES', clusterId: 'P-9', recordIds: ['P-10', 'P-9'] }],
};

describe('routing a conflict', () => {
  it('asks the agency to take the registry value, unless the registry NIK sides with the agency', () => {
    const toAgency = routeConflict(conflict({}), { base: 'DUKCAPIL' }, 'engine');
    assert.deepEqual([toAgency?.addressedTo, toAgency?.recordId, toAgency?.proposedValue, toAgency?.reason], ['BPS', 'ART-1', '1990-01-05', 'conflict_with_base']);
    const toRegistry = routeConflict(conflict({ field: 'sex', agencyValue: '2', baseValue: 'L', nikSupports: 'agency' }), { base: 'DUKCAPIL' }, 'engine');
    assert.deepEqual([toRegistry?.addressedTo, toRegistry?.recordId, toRegistry?.proposedValue, toRegistry?.reason], ['DUKCAPIL', '3273014501900001', '2', 'nik_supports_agency']);
    assert.equal(routeConflict(conflict({ field: 'phone' }), { base: 'DUKCAPIL' }, 'engine'), undefined, 'phone numbers have no authority');
  });
});

for (const backend of testBackends()) {
  describe(`correction requests on ${backend.kind}`, () => {
    let database: Database<CorrectionTables>;
    let store: CorrectionStore;
    let app: HttpApp;
    const principals: Record<string, ReconcilePrincipal> = {
      'token-bps': { user: 'rina', agency: 'BPS', role: 'agency' },
      'token-dukcapil': { user: 'agus', agency: 'DUKCAPIL', role: 'agency' },
      'token-ops': { user: 'ops', agency: 'SIMPUL', role: 'operator' },
    };
    before(async () => {
      database = await backend.open<CorrectionTables>('reconcile_corrections');
      store = await CorrectionStore.open(database);
      app = await createHttpApp({ title: 'reconcile', logLevel: 'silent' });
      registerReconcileRoutes(app, {
        store,
        report: () => report,
        authenticate: (request) => principals[(request.headers.authorization ?? '').replace(/^Bearer /, '')],
      });
      await app.ready();
    });
    after(async () => {
      await app.close();
      await database.close();
    });

    it('raises one request per routed conflict, and none twice', async () => {
      const first = await store.proposeFromReport(report, 'engine');
      assert.equal(first.created.length, 3, 'the phone conflict raises nothing');
      assert.equal(first.skipped, 0);
      const again = await store.proposeFromReport(report, 'engine');
      assert.deepEqual([again.created.length, again.skipped], [0, 3]);
      const toRegistry = await store.list({ addressedTo: 'DUKCAPIL' });
      assert.deepEqual(toRegistry.map((c) => [c.recordId, c.field, c.proposedValue, c.reason]), [['3273012012850003', 'sex', '2', 'nik_supports_agency']]);
      assert.equal(toRegistry[0]?.evidence.reportGeneratedAt, '2025-07-01T00:00:00.000Z');
    });

    it('records who decided and when, and refuses a second decision', async () => {
      const [open] = await store.list({ addressedTo: 'BPS', status: 'open' });
      assert.ok(open);
      const decided = await store.decide(open.id, { status: 'accepted', by: 'rina (BPS)', note: 'KTP checked' });
      assert.equal(decided.status, 'accepted');
      assert.equal(decided.decidedBy, 'rina (BPS)');
      assert.ok(decided.decidedAt && Date.now() - Date.parse(decided.decidedAt) < 60_000);
      await assert.rejects(store.decide(open.id, { status: 'rejected', by: 'someone' }), (e: unknown) => e instanceof SimpulError && e.code === 'reconcile.correction_decided');
      await assert.rejects(store.get('no-such-id'), (e: unknown) => e instanceof SimpulError && e.code === 'request.not_found');
      assert.deepEqual((await store.list({ addressedTo: 'BPS', status: 'accepted' })).map((c) => c.id), [open.id]);
    });

    it('keeps the disputed values encrypted at rest when the store has a keyring', async () => {
      const sealedDb = await backend.open<CorrectionTables>('reconcile_sealed');
      try {
        const keyring = DataKeyring.generate();
        const sealed = await CorrectionStore.open(sealedDb, { keyring });
        const { created } = await sealed.proposeFromReport(report, 'engine');
        const raw = await sealedDb.db.selectFrom('correction_request').selectAll().execute();
        assert.equal(raw.length, 3);
        for (const row of raw) for (const text of [row.current_value, row.proposed_value, row.evidence]) assert.doesNotMatch(text ?? '', /1990|1991|Rizk|LAKI|matchProbability/);
        const read = await sealed.get(created[0]!.id);
        assert.deepEqual([read.currentValue, read.proposedValue, read.evidence], [created[0]!.currentValue, created[0]!.proposedValue, created[0]!.evidence]);
        assert.equal(read.currentValue, '05/01/1991');
        // A decision stands for its values: the rejected request is not raised again.
        await sealed.decide(read.id, { status: 'rejected', by: 'rina (BPS)' });
        assert.deepEqual((await sealed.proposeFromReport(report, 'engine')).created, []);
        await assert.rejects(CorrectionStore.open(sealedDb, { keyring: DataKeyring.generate() }).then((other) => other.get(read.id)), 'another key cannot read them');
      } finally {
        await sealedDb.close();
      }
    });

    it('shows each agency its own requests and report, and lets only the addressee decide', async () => {
      const unauthenticated = await app.inject({ method: 'GET', url: '/reconcile/corrections' });
      assert.equal(unauthenticated.statusCode, 401);
      assert.equal(unauthenticated.json().code, 'auth.unauthenticated');

      const bps = await app.inject({ method: 'GET', url: '/reconcile/corrections', headers: { authorization: 'Bearer token-bps' } });
      assert.equal(bps.statusCode, 200);
      assert.ok(bps.json().every((c: { addressedTo: string }) => c.addressedTo === 'BPS'));
      const peek = await app.inject({ method: 'GET', url: '/reconcile/corrections?addressedTo=KEMENKES', headers: { authorization: 'Bearer token-bps' } });
      assert.equal(peek.statusCode, 403);

      const all = await app.inject({ method: 'GET', url: '/reconcile/corrections', headers: { authorization: 'Bearer token-ops' } });
      assert.equal(all.json().length, 3);

      const [registryRequest] = await store.list({ addressedTo: 'DUKCAPIL' });
      const byOperator = await app.inject({ method: 'POST', url: `/reconcile/corrections/${registryRequest?.id}/decision`, headers: { authorization: 'Bearer token-ops' }, payload: { status: 'accepted' } });
      assert.equal(byOperator.statusCode, 403, 'an operator does not decide for an agency');
      const byBps = await app.inject({ method: 'POST', url: `/reconcile/corrections/${registryRequest?.id}/decision`, headers: { authorization: 'Bearer token-bps' }, payload: { status: 'accepted' } });
      assert.equal(byBps.statusCode, 404, "another agency's request is not even shown");
      const byRegistry = await app.inject({ method: 'POST', url: `/reconcile/corrections/${registryRequest?.id}/decision`, headers: { authorization: 'Bearer token-dukcapil' }, payload: { status: 'rejected', note: 'Akta kelahiran says L' } });
      assert.equal(byRegistry.statusCode, 200);
      assert.deepEqual([byRegistry.json().status, byRegistry.json().decidedBy], ['rejected', 'agus (DUKCAPIL)']);
      const twice = await app.inject({ method: 'POST', url: `/reconcile/corrections/${registryRequest?.id}/decision`, headers: { authorization: 'Bearer token-dukcapil' }, payload: { status: 'accepted' } });
      assert.equal(twice.statusCode, 409);
      assert.equal(twice.json().code, 'reconcile.correction_decided');

      const badBody = await app.inject({ method: 'POST', url: `/reconcile/corrections/${registryRequest?.id}/decision`, headers: { authorization: 'Bearer token-dukcapil' }, payload: { status: 'maybe' } });
      assert.equal(badBody.statusCode, 400);
      assert.equal(badBody.json().code, 'request.invalid');

      const bpsReport = await app.inject({ method: 'GET', url: '/reconcile/report', headers: { authorization: 'Bearer token-bps' } });
      assert.deepEqual(bpsReport.json().conflicts.map((c: FieldConflict) => c.agency), ['BPS', 'BPS']);
      assert.deepEqual(bpsReport.json().duplicates, []);
      const page = await app.inject({ method: 'GET', url: '/reconcile/report.html', headers: { authorization: 'Bearer token-ops' } });
      assert.equal(page.statusCode, 200);
      assert.match(page.headers['content-type'] as string, /text\/html/);
      assert.match(page.body, /Laporan ketidaksesuaian data penduduk/);
      assert.match(page.body, /<svg role="img"/);
    });
  });
}
