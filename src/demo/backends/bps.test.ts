import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testBackends } from '../../core/storage/testing.js';
import type { BpsRespondent } from '../data/types.js';
import { backendUnderTest, testData, type BackendUnderTest } from './testing.js';

const respondents = testData.bps.respondents;
const showcase = respondents.find((r) => r.nik === testData.showcaseNik) as BpsRespondent;
const duplicated = testData.inconsistencies.records.find((r) => r.agency === 'BPS' && r.kind === 'duplicate');

for (const storage of testBackends()) {
  describe(`BPS backend on ${storage.kind}`, () => {
    let backend: BackendUnderTest;
    before(async () => {
      backend = await backendUnderTest('BPS', storage);
    });
    after(() => backend.close());

    it('serves a respondent by id, in BPS codes and date format', async () => {
      const res = await backend.app.inject({ method: 'GET', url: `/respondents/${showcase.id}` });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), showcase);
      assert.match(res.json().birthDate, /^\d{2}\/\d{2}\/\d{4}$/);
      assert.equal((await backend.app.inject({ method: 'GET', url: '/respondents/32730100010000-01' })).statusCode, 404);
      assert.equal((await backend.app.inject({ method: 'GET', url: '/respondents/abc' })).json().code, 'request.invalid');
    });

    it('finds respondents by NIK, duplicates included', async () => {
      const res = await backend.app.inject({ method: 'GET', url: `/respondents?nik=${showcase.nik}` });
      assert.deepEqual(res.json().respondents, respondents.filter((r) => r.nik === showcase.nik));
      if (duplicated) {
        const all = respondents.filter((r) => r.nik === duplicated.nik);
        const found = (await backend.app.inject({ method: 'GET', url: `/respondents?nik=${duplicated.nik}` })).json().respondents;
        assert.equal(found.length, all.length);
      }
      assert.deepEqual((await backend.app.inject({ method: 'GET', url: '/respondents?nik=3273010101900001' })).json(), { respondents: [] });
      assert.equal((await backend.app.inject({ method: 'GET', url: '/respondents?nik=12' })).json().code, 'request.malformed_subject');
      assert.equal((await backend.app.inject({ method: 'GET', url: '/respondents' })).statusCode, 400);
    });

    it('aggregates the population nationally and per province, by code or by name', async () => {
      const national = (await backend.app.inject({ method: 'GET', url: '/statistics/population' })).json();
      assert.equal(national.respondents, respondents.length);
      assert.equal(national.area, null);
      assert.equal(national.bySex.lakiLaki + national.bySex.perempuan, respondents.length);
      assert.equal(national.byAgeGroup.reduce((a: number, g: { respondents: number }) => a + g.respondents, 0), respondents.length);
      assert.equal(national.byArea.reduce((a: number, g: { respondents: number }) => a + g.respondents, 0), respondents.length);
      const code = showcase.regionCode.slice(0, 2);
      const inProvince = respondents.filter((r) => r.regionCode.startsWith(code));
      const byCode = (await backend.app.inject({ method: 'GET', url: `/statistics/population?province=${code}` })).json();
      assert.equal(byCode.respondents, inProvince.length);
      assert.equal(byCode.households, new Set(inProvince.map((r) => r.householdId)).size);
      assert.deepEqual(byCode.area, { code, name: showcase.address.province });
      assert.ok(byCode.byArea.every((a: { code: string }) => a.code.length === 4 && a.code.startsWith(code)));
      const byName = (await backend.app.inject({ method: 'GET', url: `/statistics/population?province=${encodeURIComponent(showcase.address.province.toLowerCase())}` })).json();
      assert.equal(byName.respondents, byCode.respondents);
      const unknown = await backend.app.inject({ method: 'GET', url: '/statistics/population?province=99' });
      assert.equal(unknown.statusCode, 404);
    });
  });
}
