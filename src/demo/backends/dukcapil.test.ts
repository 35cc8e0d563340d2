import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dropSchema } from '../../core/storage/database.js';
import { serverUrl, testBackends } from '../../core/storage/testing.js';
import type { Household, Person } from '../data/types.js';
import { buildAgencyBackend, openAgencyDatabase } from './agency-backend.js';
import { backendUnderTest, testData, type BackendUnderTest } from './testing.js';

const showcase = testData.persons.find((p) => p.nik === testData.showcaseNik) as Person;
const deceased = testData.persons.find((p) => p.deathDate !== null);
const household = testData.households.find((h) => h.kk === showcase.kk) as Household;
const NEW_ADDRESS = { street: 'JL. MERDEKA NO. 1', rt: '001', rw: '002', village: 'CITARUM', district: 'BANDUNG WETAN', city: 'KOTA BANDUNG', province: 'JAWA BARAT', postcode: '40115' };

for (const storage of testBackends()) {
  describe(`DUKCAPIL backend on ${storage.kind}`, () => {
    let backend: BackendUnderTest;
    before(async () => {
      backend = await backendUnderTest('DUKCAPIL', storage);
    });
    after(() => backend.close());

    it('serves a person by NIK exactly as the registry holds them', async () => {
      const res = await backend.app.inject({ method: 'GET', url: `/persons/${showcase.nik}` });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), showcase);
      if (deceased) assert.equal((await backend.app.inject({ method: 'GET', url: `/persons/${deceased.nik}` })).json().deathDate, deceased.deathDate);
    });

    it('answers 404 problem+json for an unknown NIK and 400 for a malformed one', async () => {
      const unknown = await backend.app.inject({ method: 'GET', url: '/persons/3273010101900001' });
      assert.equal(unknown.statusCode, 404);
      assert.match(String(unknown.headers['content-type']), /application\/problem\+json/);
      assert.equal(unknown.json().code, 'request.not_found');
      for (const bad of ['123', '32730101019000011', '3273019913900001', 'abcdabcdabcdabcd']) {
        const res = await backend.app.inject({ method: 'GET', url: `/persons/${bad}` });
        assert.equal(res.statusCode, 400, bad);
        assert.equal(res.json().code, 'request.malformed_subject');
      }
    });

    it('serves a family card with its living members, head first', async () => {
      const res = await backend.app.inject({ method: 'GET', url: `/households/${household.kk}` });
      assert.equal(res.statusCode, 200);
      // The family card's wording (KEPALA KELUARGA) is served as the household model's code (kepala_keluarga).
      const members = household.members.map((m) => ({ ...m, relationship: m.relationship.toLowerCase().replace(/ /g, '_') }));
      assert.deepEqual(res.json(), { ...household, members });
      assert.equal(res.json().members[0].relationship, 'kepala_keluarga');
      assert.equal((await backend.app.inject({ method: 'GET', url: '/households/3273010101900001' })).statusCode, 404);
      assert.equal((await backend.app.inject({ method: 'GET', url: '/households/12' })).json().code, 'request.invalid');
    });

    it('searches by part of the name and by birth date, with a limit', async () => {
      const surname = showcase.fullName.split(' ').slice(-1)[0] as string;
      const byName = (await backend.app.inject({ method: 'GET', url: `/persons?name=${encodeURIComponent(surname.toLowerCase())}&limit=50` })).json();
      assert.ok(byName.persons.some((p: Person) => p.nik === showcase.nik));
      assert.ok(byName.persons.every((p: Person) => p.fullName.includes(surname)));
      const both = (await backend.app.inject({ method: 'GET', url: `/persons?name=${encodeURIComponent(surname)}&birthDate=${showcase.birthDate}` })).json();
      assert.ok(both.persons.every((p: Person) => p.birthDate === showcase.birthDate));
      assert.ok(both.persons.some((p: Person) => p.nik === showcase.nik));
      const limited = (await backend.app.inject({ method: 'GET', url: '/persons?name=AAA&limit=1' })).json();
      assert.ok(limited.persons.length <= 1);
      const many = (await backend.app.inject({ method: 'GET', url: '/persons?name=%20&limit=1' }));
      assert.equal(many.statusCode, 400, 'a name shorter than 3 letters is refused');
      const neither = await backend.app.inject({ method: 'GET', url: '/persons' });
      assert.equal(neither.statusCode, 400);
      assert.equal(neither.json().code, 'request.invalid');
    });

    it('changes an address, stamps updatedAt, and keeps the change when the backend restarts', async () => {
      const res = await backend.app.inject({ method: 'PATCH', url: `/persons/${showcase.nik}/address`, payload: NEW_ADDRESS });
      assert.equal(res.statusCode, 200);
      const changed = res.json() as Person;
      assert.deepEqual(changed.address, NEW_ADDRESS);
      assert.ok(changed.updatedAt > showcase.updatedAt);
      const partial = await backend.app.inject({ method: 'PATCH', url: `/persons/${showcase.nik}/address`, payload: { rt: '009' } });
      assert.deepEqual(partial.json().address, { ...NEW_ADDRESS, rt: '009' });
      assert.equal((await backend.app.inject({ method: 'PATCH', url: `/persons/${showcase.nik}/address`, payload: {} })).statusCode, 400);
      assert.equal((await backend.app.inject({ method: 'PATCH', url: `/persons/${showcase.nik}/address`, payload: { planet: 'Mars' } })).statusCode, 400);
      assert.equal((await backend.app.inject({ method: 'PATCH', url: '/persons/3273010101900001/address', payload: { rt: '001' } })).statusCode, 404);
      if (deceased) assert.equal((await backend.app.inject({ method: 'PATCH', url: `/persons/${deceased.nik}/address`, payload: { rt: '001' } })).json().code, 'request.conflict');

      // Restart on the same database: no reseeding, the change survives.
      await backend.app.close();
      const again = await buildAgencyBackend('DUKCAPIL', { database: backend.database, data: testData, logLevel: 'silent' });
      backend.app = again.app;
      assert.equal(again.seeded, false);
      const after = (await again.app.inject({ method: 'GET', url: `/persons/${showcase.nik}` })).json();
      assert.deepEqual(after.address, { ...NEW_ADDRESS, rt: '009' });
    });

    it('describes itself in OpenAPI 3.1', async () => {
      const doc = (await backend.app.inject({ method: 'GET', url: '/openapi.json' })).json();
      assert.equal(doc.openapi, '3.1.0');
      for (const path of ['/persons/{nik}', '/households/{kk}', '/persons', '/persons/{nik}/address']) assert.ok(doc.paths[path], path);
    });
  });
}

describe('DUKCAPIL backend on a persistent database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'simpul-backend-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('seeds only the first time and keeps a changed address across a full restart', async () => {
    const url = serverUrl();
    if (url) {
      // Embedded storage starts from a fresh directory; a server from a dropped schema.
      const stale = await openAgencyDatabase('DUKCAPIL', { url });
      await dropSchema(stale.db as never, stale.schema);
      await stale.close();
    }
    const database = await openAgencyDatabase('DUKCAPIL', { url, dataDir: dir });
    const one = await buildAgencyBackend('DUKCAPIL', { database, data: testData, logLevel: 'silent' });
    assert.equal(one.seeded, true);
    assert.equal((await one.app.inject({ method: 'PATCH', url: `/persons/${showcase.nik}/address`, payload: NEW_ADDRESS })).statusCode, 200);
    await one.app.close();
    await database.close();

    const reopened = await openAgencyDatabase('DUKCAPIL', { url, dataDir: dir });
    try {
      const two = await buildAgencyBackend('DUKCAPIL', { database: reopened, data: testData, logLevel: 'silent' });
      assert.equal(two.seeded, false);
      assert.deepEqual((await two.app.inject({ method: 'GET', url: `/persons/${showcase.nik}` })).json().address, NEW_ADDRESS);
      await two.app.close();
    } finally {
      if (url) await dropSchema(reopened.db as never, reopened.schema);
      await reopened.close();
    }
  });
});
