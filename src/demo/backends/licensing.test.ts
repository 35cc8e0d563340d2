import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { validateAgainstModel } from '../../core/model/validate-model.js';
import { testBackends } from '../../core/storage/testing.js';
import { outboxHead, readOutbox } from '../../events/outbox.js';
import type { Business } from '../data/types.js';
import { backendUnderTest, testData, type BackendUnderTest } from './testing.js';

const businesses = testData.licensing.businesses;
const showcase = businesses.find((b) => b.ownerNik === testData.showcaseNik) as Business;
const application = {
  ownerNik: '3273014509990002',
  ownerName: 'Siti Rahmawati',
  businessName: 'Keripik Pedas Bu Siti',
  kbli: ['10794', '47911'],
  address: { street: 'GG. MAWAR NO. 3', rt: '002', rw: '005', village: 'SUKARASA', district: 'SUKASARI', city: 'KOTA BANDUNG', province: 'JAWA BARAT', postcode: '40152' },
  investment: 15_000_000,
  employees: 2,
};

for (const storage of testBackends()) {
  describe(`LICENSING backend on ${storage.kind}`, () => {
    let backend: BackendUnderTest;
    before(async () => {
      backend = await backendUnderTest('LICENSING', storage);
    });
    after(() => backend.close());

    it('serves a business by NIB with activities and permits, and by owner NIK', async () => {
      const res = await backend.app.inject({ method: 'GET', url: `/businesses/${showcase.nib}` });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), showcase);
      const owned = (await backend.app.inject({ method: 'GET', url: `/businesses?ownerNik=${showcase.ownerNik}` })).json();
      assert.deepEqual(owned.businesses.map((b: Business) => b.nib), businesses.filter((b) => b.ownerNik === showcase.ownerNik).map((b) => b.nib));
      const withPermits = businesses.find((b) => b.permits.length > 1);
      if (withPermits) assert.deepEqual((await backend.app.inject({ method: 'GET', url: `/businesses/${withPermits.nib}` })).json().permits.length, withPermits.permits.length);
      assert.equal((await backend.app.inject({ method: 'GET', url: '/businesses/0000000000000' })).statusCode, 404);
      assert.equal((await backend.app.inject({ method: 'GET', url: '/businesses?ownerNik=1' })).json().code, 'request.malformed_subject');
    });

    it('tells the risk level of a KBLI code', async () => {
      const res = (await backend.app.inject({ method: 'GET', url: '/kbli/56101' })).json();
      assert.deepEqual(res, { code: '56101', title: 'Restoran', sector: 'Pariwisata', riskLevel: 'RENDAH' });
      assert.equal((await backend.app.inject({ method: 'GET', url: '/kbli/99999' })).statusCode, 404);
      assert.equal((await backend.app.inject({ method: 'GET', url: '/kbli/5610' })).statusCode, 400);
    });

    it('registers a micro business: 201 with an NIB, then readable and refused a second time', async () => {
      const res = await backend.app.inject({ method: 'POST', url: '/applications', payload: application });
      assert.equal(res.statusCode, 201);
      const created = res.json();
      assert.equal(created.status, 'NIB_TERBIT');
      assert.equal(created.riskLevel, 'RENDAH');
      assert.deepEqual(created.requiredPermits, []);
      assert.match(created.nib, /^92\d{11}$/);
      assert.equal(res.headers.location, `/applications/${created.id}`);
      assert.deepEqual((await backend.app.inject({ method: 'GET', url: `/applications/${created.id}` })).json(), created);
      const business = (await backend.app.inject({ method: 'GET', url: `/businesses/${created.nib}` })).json();
      assert.equal(business.ownerNik, application.ownerNik);
      assert.deepEqual(business.kbli, application.kbli);
      assert.equal(business.scale, 'MIKRO');
      const again = await backend.app.inject({ method: 'POST', url: '/applications', payload: application });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().code, 'request.conflict');
    });

    it('publishes business.registered exactly when a registration commits, with the business in the common model', async () => {
      const before = await outboxHead(backend.database.db);
      const refused = await backend.app.inject({ method: 'POST', url: '/applications', payload: { ...application, businessName: 'Warung Tolak', kbli: ['10794', '12345'] } });
      assert.equal(refused.statusCode, 400);
      assert.equal(await outboxHead(backend.database.db), before, 'a refused registration (rolled back) publishes nothing');
      const created = (await backend.app.inject({ method: 'POST', url: '/applications', payload: { ...application, businessName: 'Warung Kopi Bu Siti' } })).json();
      const { events } = await readOutbox(backend.database.db, before, 10);
      assert.deepEqual(events.map((e) => [e.type, e.subject, e.position]), [['business.registered', created.nib, before + 1]]);
      const { business } = events[0]!.data as { business: { nib: string } };
      const record = (await backend.app.inject({ method: 'GET', url: `/businesses/${created.nib}` })).json() as Business;
      assert.deepEqual(business, { nib: created.nib, name: record.businessName, kbli: application.kbli, ownerNik: application.ownerNik, address: application.address, riskLevel: 'rendah', registeredAt: record.issuedAt });
      assert.deepEqual(validateAgainstModel('https://simpul.go.id/model/business/1', business), { ok: true });
    });

    it('asks for verification when an activity is of high risk', async () => {
      const res = await backend.app.inject({ method: 'POST', url: '/applications', payload: { ...application, businessName: 'Apotek Sehat', kbli: ['47721'] } });
      assert.equal(res.statusCode, 201);
      assert.equal(res.json().status, 'MENUNGGU_VERIFIKASI');
      assert.deepEqual(res.json().requiredPermits, ['IZIN']);
      const permits = (await backend.app.inject({ method: 'GET', url: `/businesses/${res.json().nib}` })).json().permits;
      assert.deepEqual(permits.map((p: { type: string; status: string }) => [p.type, p.status]), [['IZIN', 'MENUNGGU_VERIFIKASI'], ['NIB', 'BERLAKU']]);
    });

    it('answers a retry carrying the same reference with the application made the first time (a lost answer)', async () => {
      const first = { ...application, businessName: 'Bakso Pak Joko', reference: 'simpul-portal:8f0c1b7e-1111-4a5b-9c3d-000000000001' };
      const made = await backend.app.inject({ method: 'POST', url: '/applications', payload: first });
      assert.equal(made.statusCode, 201);
      const retry = await backend.app.inject({ method: 'POST', url: '/applications', payload: first });
      assert.equal(retry.statusCode, 201);
      assert.deepEqual(retry.json(), made.json(), 'the same application and NIB, not a conflict');
      assert.equal(retry.headers.location, made.headers.location);
      const owned = (await backend.app.inject({ method: 'GET', url: `/businesses?ownerNik=${application.ownerNik}` })).json().businesses;
      assert.equal(owned.filter((b: { businessName: string }) => b.businessName === 'BAKSO PAK JOKO').length, 1);
      // Without the reference the same business is a conflict; someone else's reference is refused.
      assert.equal((await backend.app.inject({ method: 'POST', url: '/applications', payload: { ...first, reference: undefined } })).statusCode, 409);
      const other = await backend.app.inject({ method: 'POST', url: '/applications', payload: { ...first, ownerNik: '3201014507900001', ownerName: 'Siti' } });
      assert.equal(other.statusCode, 409);
      assert.match(other.json().detail, /reference belongs to another application/);
    });

    it('refuses applications that are not for a micro business or are malformed', async () => {
      const cases: Array<[object, number, string]> = [
        [{ ...application, investment: 2_000_000_000 }, 400, 'request.invalid'],
        [{ ...application, kbli: ['12345'] }, 400, 'request.invalid'],
        [{ ...application, ownerNik: '123' }, 400, 'request.malformed_subject'],
        [{ ...application, kbli: [] }, 400, 'request.invalid'],
        [{ ...application, extra: true }, 400, 'request.invalid'],
      ];
      for (const [payload, status, code] of cases) {
        const res = await backend.app.inject({ method: 'POST', url: '/applications', payload });
        assert.equal(res.statusCode, status, JSON.stringify(payload));
        assert.equal(res.json().code, code);
      }
      assert.equal((await backend.app.inject({ method: 'GET', url: '/applications/7d9f2a3e-1111-4a5b-9c3d-000000000000' })).statusCode, 404);
      assert.equal((await backend.app.inject({ method: 'GET', url: '/applications/nope' })).statusCode, 400);
    });
  });
}
