import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testBackends } from '../src/core/storage/testing.js';
import type { Nik } from '../src/core/ids.js';
import { totpCode } from '../src/portal/auth/totp.js';
import { seedDemoCitizens, seedDemoStaff } from '../src/portal/seed.js';
import { DEMO_NIK, InjectBrowser, OTHER_NIK, portalFixture, signIn, type PortalFixture } from '../src/portal/testing/portal-fixture.js';

for (const backend of testBackends()) {
  describe(`portal sign-in on ${backend.kind}`, () => {
    let f: PortalFixture;
    let citizen: { password: string; totpSecret: string };
    before(async () => {
      f = await portalFixture(backend);
      const [c] = await seedDemoCitizens(f.portal, [{ nik: DEMO_NIK as Nik, name: 'Siti Rahayu' }]);
      citizen = { password: c!.password, totpSecret: c!.totpSecret! };
    });
    after(() => f.close());

    it('signs in with NIK, password and a TOTP code, and accepts that code once only', async () => {
      const browser = new InjectBrowser(f.portal);
      const home = await signIn(browser, DEMO_NIK, citizen.password, citizen.totpSecret, f.clock.now);
      assert.equal(home.status, 200);
      assert.match(home.body, /Selamat datang, Siti Rahayu/);
      assert.match(home.body, /<html lang="id">/);
      // Same code, second sign-in within the same 30 s step: refused.
      const again = new InjectBrowser(f.portal, '10.0.0.9');
      await again.get('/masuk');
      const step1 = await again.post('/masuk', { nik: DEMO_NIK, password: citizen.password });
      assert.equal(step1.location, '/masuk/kode');
      const replay = await again.post('/masuk/kode', { code: await totpCode(citizen.totpSecret, f.clock.now) });
      assert.equal(replay.status, 401);
      assert.match(replay.body, /sudah dipakai/);
      f.clock.advance(30_000);
      const fresh = await again.post('/masuk/kode', { code: await totpCode(citizen.totpSecret, f.clock.now) });
      assert.equal(fresh.status, 303);
    });

    it('refuses a form without its CSRF token with a stable problem code', async () => {
      const browser = new InjectBrowser(f.portal);
      await browser.get('/masuk');
      const res = await browser.post('/masuk', { nik: DEMO_NIK, password: citizen.password }, false);
      assert.equal(res.status, 403);
      assert.match(res.body, /auth\.csrf_invalid/);
    });

    it('throttles an account after 5 failed passwords, even when the sixth is right', async () => {
      const browser = new InjectBrowser(f.portal, '10.0.0.1');
      await browser.get('/masuk');
      for (let i = 0; i < 5; i++) assert.equal((await browser.post('/masuk', { nik: OTHER_NIK, password: `wrong-${i}-password` })).status, 401);
      await seedDemoCitizens(f.portal, [{ nik: OTHER_NIK as Nik, name: 'Budi Santoso' }]);
      const other = new InjectBrowser(f.portal, '10.0.0.2');
      await other.get('/masuk');
      const throttled = await other.post('/masuk', { nik: OTHER_NIK, password: 'whatever-password' });
      assert.equal(throttled.status, 429);
      assert.ok(Number(throttled.headers['retry-after']) > 0);
      const events = await f.portal.ctx.db.selectFrom('sign_in_event').select(['event', 'outcome']).where('ip_index', 'is not', null).execute();
      assert.ok(events.filter((e) => e.outcome === 'failure').length >= 5);
      assert.ok(events.some((e) => e.outcome === 'refused'));
      f.clock.advance(16 * 60_000);
    });

    it('throttles an IP address that keeps failing across accounts', async () => {
      const policyIp = '10.9.9.9';
      const browser = new InjectBrowser(f.portal, policyIp);
      await browser.get('/masuk');
      for (let i = 0; i < 20; i++) await browser.post('/masuk', { nik: `3201${String(10 + i)}4507900001`, password: 'not-the-password' });
      const res = await browser.post('/masuk', { nik: DEMO_NIK, password: citizen.password });
      assert.equal(res.status, 429);
      f.clock.advance(16 * 60_000);
    });

    it('enrols TOTP at first sign-in with a QR code, then issues single-use recovery codes', async () => {
      const [fresh] = await seedDemoCitizens(f.portal, [{ nik: '3273015203950003' as Nik, name: 'Dewi Lestari', withTotp: false }]);
      assert.equal(fresh!.totpSecret, null);
      const browser = new InjectBrowser(f.portal, '10.0.0.3');
      await browser.get('/masuk');
      const step1 = await browser.post('/masuk', { nik: '3273015203950003', password: fresh!.password });
      assert.equal(step1.location, '/masuk/daftar-otp');
      const page = await browser.get('/masuk/daftar-otp');
      assert.match(page.body, /<svg/);
      const secret = /id="totp-secret">([A-Z2-7]+)</.exec(page.body)![1]!;
      const done = await browser.post('/masuk/daftar-otp', { code: await totpCode(secret, f.clock.now) });
      assert.equal(done.status, 200);
      const codes = [...done.body.matchAll(/<li>([0-9a-z]{5}-[0-9a-z]{5})<\/li>/g)].map((m) => m[1]!);
      assert.equal(codes.length, 10);
      assert.equal((await browser.get('/')).status, 200);
      await browser.post('/keluar', {});
      // A recovery code works once.
      for (const expected of [303, 401]) {
        const b = new InjectBrowser(f.portal, '10.0.0.4');
        await b.get('/masuk');
        await b.post('/masuk', { nik: '3273015203950003', password: fresh!.password });
        assert.equal((await b.post('/masuk/kode', { code: codes[0]! })).status, expected);
      }
    });

    it('ends a session after an hour idle and after 24 hours in all', async () => {
      f.clock.advance(60_000);
      const browser = new InjectBrowser(f.portal, '10.0.0.5');
      await signIn(browser, DEMO_NIK, citizen.password, citizen.totpSecret, f.clock.now);
      f.clock.advance(59 * 60_000);
      assert.equal((await browser.get('/')).status, 200);
      f.clock.advance(61 * 60_000);
      const idle = await browser.get('/');
      assert.equal(idle.status, 303);
      const notice = await browser.get(idle.location!);
      assert.match(notice.body, /tidak aktif selama 1 jam/);

      f.clock.advance(60_000);
      await signIn(browser, DEMO_NIK, citizen.password, citizen.totpSecret, f.clock.now);
      // Active every 55 minutes: never idle, yet ended once 24 hours have passed since sign-in.
      let aliveMinutes = 0;
      for (let i = 0; i < 30; i++) {
        f.clock.advance(55 * 60_000);
        if ((await browser.get('/')).status !== 200) break;
        aliveMinutes += 55;
      }
      assert.ok(aliveMinutes > 23 * 60 && aliveMinutes < 24 * 60, `alive for ${aliveMinutes} min`);
      const ended = await browser.get('/');
      assert.equal(ended.status, 303);
    });

    it('lets a counter officer act for a citizen, recorded as assisted', async () => {
      const [officer] = await seedDemoStaff(f.portal, [{ username: 'loket.bogor', name: 'Andi (loket)', role: 'officer' }]);
      f.clock.advance(60_000);
      const browser = new InjectBrowser(f.portal, '10.0.0.6');
      const counter = await signIn(browser, 'loket.bogor', officer!.password, officer!.totpSecret!, f.clock.now, '/petugas/masuk');
      assert.match(counter.body, /Loket layanan berbantuan/);
      const start = await browser.post('/loket/mulai', { nik: DEMO_NIK, checked: 'yes' });
      const home = await browser.follow(start);
      assert.match(home.body, /Petugas Andi \(loket\) sedang melayani atas nama Siti Rahayu/);
      await browser.get('/pengaduan');
      const filed = await browser.post('/pengaduan', { category: 'kependudukan', title: 'KTP-el belum jadi', body: 'Sudah tiga bulan KTP-el saya belum dicetak di kantor kecamatan.', location: 'Kecamatan Cibinong' });
      assert.equal(filed.status, 303);
      const complaint = await f.portal.ctx.db.selectFrom('complaint').select(['actor_id']).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
      assert.ok(complaint.actor_id);
      const events = await f.portal.ctx.db.selectFrom('sign_in_event').select(['event', 'actor_id']).where('event', '=', 'assisted_start').execute();
      assert.equal(events.length, 1);
      assert.equal(events[0]!.actor_id, complaint.actor_id);
      // Ending the assisted session returns to the counter, still signed in as the officer.
      const end = await browser.post('/keluar', {});
      assert.equal(end.location, '/loket');
      assert.match((await browser.get('/loket')).body, /Mulai melayani/);
    });

    it('stores the NIK and name sealed, never in clear', async () => {
      const rows = await f.portal.ctx.db.selectFrom('account').selectAll().execute();
      const dump = JSON.stringify(rows);
      assert.ok(!dump.includes(DEMO_NIK));
      assert.ok(!dump.includes('Siti Rahayu'));
      assert.ok(rows.every((r) => r.name_sealed.startsWith('v1.')));
    });
  });
}
