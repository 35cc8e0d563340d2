/**
 * The citizen portal's failed sign-ins feed the sign-in rule (as the demo wires them): a
 * password-guessing run against one NIK raises an alert that names only the portal's keyed
 * index, never the NIK or the address.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseNik } from '../core/ids.js';
import { testBackends } from '../core/storage/testing.js';
import { passwordStep, DEFAULT_THROTTLE } from '../portal/auth/sign-in.js';
import { portalFigures } from '../portal/index.js';
import { DEMO_NIK, portalFixture, type PortalFixture } from '../portal/testing/portal-fixture.js';
import { oversightFixture, type OversightFixture } from './testing.js';

const ADDRESS = '198.51.100.23';

for (const backend of testBackends()) {
  describe(`portal sign-in failures in the sign-in rule on ${backend.kind}`, () => {
    let portal: PortalFixture;
    let f: OversightFixture;

    before(async () => {
      portal = await portalFixture(backend);
      const figures = portalFigures(portal.portal.ctx);
      f = await oversightFixture(backend, { signIns: { failures: (from, to) => figures.signInFailures(from, to) }, now: () => portal.clock.now.getTime() });
    });
    after(async () => {
      await f?.close();
      await portal?.close();
    });

    it('stays quiet on a few mistakes', async () => {
      for (let i = 0; i < 3; i++) await passwordStep(portal.portal.ctx, DEFAULT_THROTTLE, { login: { kind: 'nik', nik: parseNik(DEMO_NIK) }, password: `salah ${i}`, ip: ADDRESS });
      await f.oversight.tick();
      assert.deepEqual(await f.oversight.alerts.list({ rule: 'sign-in' }), []);
    });

    it('raises an alert on a guessing run, naming the keyed login and address only', async () => {
      // Throttled attempts count too: a guesser does not stop when refused.
      for (let i = 0; i < 9; i++) await passwordStep(portal.portal.ctx, DEFAULT_THROTTLE, { login: { kind: 'nik', nik: parseNik(DEMO_NIK) }, password: `tebakan ${i}`, ip: ADDRESS });
      await f.oversight.tick();
      const alerts = await f.oversight.alerts.list({ rule: 'sign-in' });
      assert.deepEqual(alerts.map((a) => a.title.split(':')[0]).sort(), ['Banyak kegagalan masuk', 'Banyak kegagalan masuk']);
      assert.ok(alerts.some((a) => a.title.includes('portal:')), 'per login');
      assert.ok(alerts.some((a) => a.title.includes('portal-ip:')), 'per address');
      for (const a of alerts) {
        const text = JSON.stringify(a);
        assert.ok(!text.includes(DEMO_NIK) && !text.includes(ADDRESS), 'no NIK or address in clear');
        assert.match(a.detail, /^12 kegagalan masuk/);
      }
    });
  });
}
