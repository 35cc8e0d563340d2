/**
 * A citizen's dispute reaches the owning agency (ADR 0092): the portal files it through its
 * correction channel with the reconciliation API, the agency finds it in its queue and decides
 * it, and the citizen sees the decision on the application page. Runs on every storage backend,
 * the portal and the correction store each in their own database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DataKeyring } from '../src/core/crypto.js';
import { createHttpApp, listen, type HttpApp } from '../src/core/http/app.js';
import type { Nik } from '../src/core/ids.js';
import type { Database } from '../src/core/storage/database.js';
import { testBackends } from '../src/core/storage/testing.js';
import { HttpCorrectionChannel } from '../src/portal/index.js';
import { seedDemoCitizens } from '../src/portal/seed.js';
import { DEMO_NIK, InjectBrowser, portalFixture, signIn, type PortalFixture } from '../src/portal/testing/portal-fixture.js';
import { CorrectionStore, registerReconcileRoutes, type CorrectionRequest, type CorrectionTables, type ReconcilePrincipal } from '../src/reconcile/index.js';

const principals: Record<string, ReconcilePrincipal> = {
  'portal-token': { user: 'portal', agency: 'KOMINFO', role: 'portal' },
  'dukcapil-token': { user: 'petugas-dukcapil', agency: 'DUKCAPIL', role: 'agency' },
  'bps-token': { user: 'petugas-bps', agency: 'BPS', role: 'agency' },
};

for (const backend of testBackends()) {
  describe(`citizen disputes reach the owning agency on ${backend.kind}`, () => {
    let store: CorrectionStore;
    let storeDb: Database<CorrectionTables>;
    let app: HttpApp;
    let url: string;
    let f: PortalFixture;
    let browser: InjectBrowser;
    let applicationId: string;

    const api = async <T>(token: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> => {
      const response = await fetch(`${url}/reconcile${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) } });
      return { status: response.status, body: (await response.json()) as T };
    };

    before(async () => {
      storeDb = await backend.open<CorrectionTables>('disputes_test');
      store = await CorrectionStore.open(storeDb, { keyring: DataKeyring.generate() });
      app = await createHttpApp({ title: 'reconcile', logLevel: 'silent' });
      registerReconcileRoutes(app, { store, report: () => undefined, authenticate: (request) => principals[(request.headers.authorization ?? '').replace(/^Bearer /, '')] });
      url = await listen(app, 0);
      f = await portalFixture(backend, { corrections: new HttpCorrectionChannel({ url, token: 'portal-token' }) });
      const [c] = await seedDemoCitizens(f.portal, [{ nik: DEMO_NIK as Nik, name: 'Siti Rahayu' }]);
      browser = new InjectBrowser(f.portal, '10.2.0.1');
      await signIn(browser, DEMO_NIK, c!.password, c!.totpSecret!, f.clock.now);
      const preview = await browser.follow(await browser.post('/layanan/nib-umk', {}));
      applicationId = /\/permohonan\/([0-9a-f-]{36})\/sengketa/.exec(preview.body)![1]!;
    });
    after(async () => {
      await f?.close();
      await app?.close();
      await storeDb?.close();
    });

    it('files the dispute with DUKCAPIL, which alone sees it in its queue, with the values encrypted at rest', async () => {
      const disputed = await browser.post(`/permohonan/${applicationId}/sengketa`, { item: 'birthPlace', claimed: 'Cibinong', reason: 'Lahir di Cibinong, bukan Kota Bogor' });
      assert.equal(disputed.status, 303);

      const queue = await api<CorrectionRequest[]>('dukcapil-token', '/corrections?status=open');
      assert.equal(queue.status, 200);
      assert.equal(queue.body.length, 1);
      const request = queue.body[0]!;
      assert.equal(request.addressedTo, 'DUKCAPIL');
      assert.equal(request.reason, 'citizen_dispute');
      assert.equal(request.field, 'birth_place');
      assert.equal(request.currentValue, 'Bogor');
      assert.equal(request.proposedValue, 'Cibinong');
      assert.equal(request.evidence.application, applicationId);
      assert.equal(request.evidence.subject, DEMO_NIK);
      assert.equal(request.evidence.explanation, 'Lahir di Cibinong, bukan Kota Bogor');
      const local = await f.portal.ctx.db.selectFrom('correction_request').selectAll().where('application_id', '=', applicationId).executeTakeFirstOrThrow();
      assert.equal(request.evidence.reference, local.id);
      assert.equal(local.filed_id, request.id);

      assert.deepEqual((await api<CorrectionRequest[]>('bps-token', '/corrections')).body, [], 'another agency sees nothing of it');
      assert.equal((await api('portal-token', '/corrections')).status, 403, 'the portal does not list queues');

      const raw = await storeDb.db.selectFrom('correction_request').selectAll().where('id', '=', request.id).executeTakeFirstOrThrow();
      for (const column of [raw.current_value, raw.proposed_value, raw.evidence, raw.record_id]) {
        assert.doesNotMatch(String(column), /Cibinong|Bogor|3201014507900001/);
      }

      const page = await browser.get(`/permohonan/${applicationId}`);
      assert.match(page.body, /Diajukan ke [^<]*, menunggu keputusan/);
    });

    it('shows the citizen the agency decision, with its note, once DUKCAPIL rejects it', async () => {
      const [request] = (await api<CorrectionRequest[]>('dukcapil-token', '/corrections?status=open')).body;
      assert.equal((await api('bps-token', `/corrections/${request!.id}/decision`, { method: 'POST', body: JSON.stringify({ status: 'rejected' }) })).status, 404);
      const decided = await api<CorrectionRequest>('dukcapil-token', `/corrections/${request!.id}/decision`, { method: 'POST', body: JSON.stringify({ status: 'rejected', note: 'Akta kelahiran menyebut Kota Bogor' }) });
      assert.equal(decided.status, 200);

      const page = await browser.get(`/permohonan/${applicationId}`);
      assert.match(page.body, /Ditolak oleh [^<]*/);
      assert.match(page.body, /Akta kelahiran menyebut Kota Bogor/);
      assert.match(page.body, /Sengketakan lagi/);
      const local = await f.portal.ctx.db.selectFrom('correction_request').selectAll().where('application_id', '=', applicationId).executeTakeFirstOrThrow();
      assert.equal(local.status, 'rejected');
      assert.doesNotMatch(String(local.decision_note_sealed), /Akta/, 'the note is sealed in the portal too');

      // The decision is kept: the page shows it even when the agency's service is gone.
      await app.close();
      assert.match((await browser.get(`/permohonan/${applicationId}`)).body, /Akta kelahiran menyebut Kota Bogor/);
    });

    it('refuses a dispute the agency service cannot take, keeping nothing, so the citizen can retry', async () => {
      const before = await f.portal.ctx.db.selectFrom('correction_request').select('id').execute();
      const failed = await browser.post(`/permohonan/${applicationId}/sengketa`, { item: 'address', claimed: 'Jl. Mawar 1', reason: '' });
      assert.equal(failed.status, 503);
      const after = await f.portal.ctx.db.selectFrom('correction_request').select('id').execute();
      assert.equal(after.length, before.length);
    });
  });
}
