import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { parseNik } from '../core/ids.js';
import { testBackends } from '../core/storage/testing.js';
import { passwordStep, DEFAULT_THROTTLE } from './auth/sign-in.js';
import { portalFigures } from './public-figures.js';
import { seedDemoCitizens } from './seed.js';
import { DEMO_NIK, portalFixture, type PortalFixture } from './testing/portal-fixture.js';

const DAY = 86_400_000;

for (const backend of testBackends()) {
  describe(`portal figures for oversight on ${backend.kind}`, () => {
    let f: PortalFixture;
    let accountId: string;

    before(async () => {
      f = await portalFixture(backend);
      await seedDemoCitizens(f.portal, [{ nik: parseNik(DEMO_NIK), name: 'Siti Rahayu' }]);
      accountId = (await f.portal.ctx.db.selectFrom('account').select('id').executeTakeFirstOrThrow()).id;
    });
    after(async () => f?.close());

    it('gives permit issuance times per kind, withholding the times of a group below the minimum', async () => {
      const start = f.clock.now.getTime();
      // Three issued NIB permits after 2, 4 and 9 days; one more application still in progress.
      for (const [i, days] of [2, 4, 9].entries()) {
        const id = randomUUID();
        await f.portal.ctx.db.insertInto('application').values({ id, account_id: accountId, kind: 'nib', status: 'issued', created_at: new Date(start - 20 * DAY), updated_at: new Date(start), submitted_at: new Date(start - days * DAY) }).execute();
        await f.portal.ctx.db.insertInto('permit').values({ number: `NIB-TEST-${i}`, kind: 'nib', application_id: id, account_id: accountId, jws_sealed: 'sealed', issued_at: new Date(start), status: 'valid' }).execute();
      }
      await f.portal.ctx.db.insertInto('application').values({ id: randomUUID(), account_id: accountId, kind: 'nib', status: 'in_progress', created_at: new Date(start - DAY), updated_at: new Date(start), submitted_at: new Date(start - DAY) }).execute();
      const period = { from: start - 30 * DAY, to: start + DAY };
      const figures = portalFigures(f.portal.ctx);
      const [nib] = (await figures.serviceTimes(period, 3)).filter((g) => g.measure === 'permit');
      assert.deepEqual(nib, { measure: 'permit', agency: null, category: 'nib', count: 3, open: 1, medianDays: 4, p90Days: 8 });
      const [withheld] = (await figures.serviceTimes(period, 4)).filter((g) => g.measure === 'permit');
      assert.equal(withheld!.count, 3);
      assert.equal(withheld!.medianDays, null);
      assert.equal(withheld!.p90Days, null);
    });

    it('counts failed sign-ins per keyed login and address, never the login or address itself', async () => {
      const t0 = f.clock.now.getTime();
      for (let i = 0; i < 3; i++) await passwordStep(f.portal.ctx, DEFAULT_THROTTLE, { login: { kind: 'nik', nik: parseNik(DEMO_NIK) }, password: 'wrong password', ip: '203.0.113.9' });
      const failures = await portalFigures(f.portal.ctx).signInFailures(t0 - 1000, t0 + 1000);
      const logins = failures.filter((r) => r.key.startsWith('portal:'));
      const addresses = failures.filter((r) => r.key.startsWith('portal-ip:'));
      assert.deepEqual(logins.map((r) => r.count), [3]);
      assert.deepEqual(addresses.map((r) => r.count), [3]);
      for (const r of failures) {
        assert.ok(!r.key.includes(DEMO_NIK) && !r.key.includes('203.0.113.9'), 'keyed, not in clear');
      }
    });
  });
}
