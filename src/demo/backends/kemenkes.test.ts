import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testBackends } from '../../core/storage/testing.js';
import { NIK_SYSTEM } from '../data/kemenkes.js';
import type { FhirPatient } from '../data/types.js';
import { backendUnderTest, testData, type BackendUnderTest } from './testing.js';

const patients = testData.kemenkes.patients;
const showcase = patients.find((p) => p.identifier.some((i) => i.system === NIK_SYSTEM && i.value === testData.showcaseNik)) as FhirPatient;
const mistyped = testData.inconsistencies.records.find((r) => r.agency === 'KEMENKES' && r.kind === 'nik_mistyped');

for (const storage of testBackends()) {
  describe(`KEMENKES backend on ${storage.kind}`, () => {
    let backend: BackendUnderTest;
    before(async () => {
      backend = await backendUnderTest('KEMENKES', storage);
    });
    after(() => backend.close());

    it('reads a Patient by id as application/fhir+json', async () => {
      const res = await backend.app.inject({ method: 'GET', url: `/Patient/${showcase.id}` });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^application\/fhir\+json/);
      assert.deepEqual(res.json(), showcase);
      const missing = await backend.app.inject({ method: 'GET', url: '/Patient/P00000000000' });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().code, 'request.not_found');
    });

    it('searches by NIK identifier and answers a searchset Bundle', async () => {
      const token = encodeURIComponent(`${NIK_SYSTEM}|${testData.showcaseNik}`);
      const res = await backend.app.inject({ method: 'GET', url: `/Patient?identifier=${token}` });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^application\/fhir\+json/);
      const bundle = res.json();
      assert.equal(bundle.resourceType, 'Bundle');
      assert.equal(bundle.type, 'searchset');
      assert.equal(bundle.total, 1);
      assert.deepEqual(bundle.entry[0].resource, showcase);
      assert.match(bundle.entry[0].fullUrl, new RegExp(`/Patient/${showcase.id}$`));
      assert.equal(bundle.entry[0].search.mode, 'match');
      // The raw '|' works too, and so do the "|value" and bare-value forms.
      const raw = (await backend.app.inject({ method: 'GET', url: `/Patient?identifier=${NIK_SYSTEM}|${testData.showcaseNik}` })).json();
      assert.equal(raw.total, 1);
      assert.equal((await backend.app.inject({ method: 'GET', url: `/Patient?identifier=${testData.showcaseNik}` })).json().total, 1);
      assert.equal((await backend.app.inject({ method: 'GET', url: `/Patient?identifier=%7C${testData.showcaseNik}` })).json().total, 1);
      // Another system with the same value does not match.
      assert.equal((await backend.app.inject({ method: 'GET', url: `/Patient?identifier=${encodeURIComponent(`https://example.org/other|${testData.showcaseNik}`)}` })).json().total, 0);
    });

    it('finds the patient by IHS number and misses a mistyped NIK under the true one', async () => {
      const ihs = (await backend.app.inject({ method: 'GET', url: `/Patient?identifier=${encodeURIComponent(`https://fhir.kemkes.go.id/id/ihs-number|${showcase.id}`)}` })).json();
      assert.equal(ihs.entry[0].resource.id, showcase.id);
      if (mistyped) {
        const byTrue = (await backend.app.inject({ method: 'GET', url: `/Patient?identifier=${encodeURIComponent(`${NIK_SYSTEM}|${mistyped.nik}`)}` })).json();
        assert.ok(byTrue.entry.every((e: { resource: FhirPatient }) => e.resource.id !== mistyped.recordId));
        const byWrong = (await backend.app.inject({ method: 'GET', url: `/Patient?identifier=${encodeURIComponent(`${NIK_SYSTEM}|${mistyped.actual}`)}` })).json();
        assert.equal(byWrong.entry[0].resource.id, mistyped.recordId);
      }
    });

    it('refuses a search without an identifier or with an empty value', async () => {
      assert.equal((await backend.app.inject({ method: 'GET', url: '/Patient' })).statusCode, 400);
      const empty = await backend.app.inject({ method: 'GET', url: `/Patient?identifier=${encodeURIComponent(`${NIK_SYSTEM}|`)}` });
      assert.equal(empty.statusCode, 400);
      assert.equal(empty.json().code, 'request.invalid');
    });
  });
}
