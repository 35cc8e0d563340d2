/**
 * The account page's factor changes: replacing the TOTP authenticator needs the current second
 * factor (TOTP or recovery code) and a code from the new one, and replaces the recovery codes;
 * a passkey can be removed unless it is the only factor; an officer in an assisted session can
 * do neither; every step is in the sign-in history.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Nik } from '../src/core/ids.js';
import { testBackends } from '../src/core/storage/testing.js';
import { findAccountId } from '../src/portal/auth/accounts.js';
import { totpCode } from '../src/portal/auth/totp.js';
import { seedDemoCitizens, seedDemoStaff, type DemoCredentials } from '../src/portal/seed.js';
import { DEMO_NIK, InjectBrowser, OTHER_NIK, portalFixture, signIn, type PortalFixture } from '../src/portal/testing/portal-fixture.js';

const STEP = 30_000;

for (const backend of testBackends()) {
  describe(`portal account security on ${backend.kind}`, () => {
    let f: PortalFixture;
    let siti: DemoCredentials;
    let budi: DemoCredentials;
    /** Siti's authenticator after the re-enrolment of the first test. */
    let sitiSecret: string;
    before(async () => {
      f = await portalFixture(backend);
      [siti, budi] = await seedDemoCitizens(f.portal, [{ nik: DEMO_NIK as Nik, name: 'Siti Rahayu' }, { nik: OTHER_NIK as Nik, name: 'Budi Santoso' }]) as [DemoCredentials, DemoCredentials];
    });
    after(() => f.close());

    it('replaces the authenticator only after the current code, then the old secret stops working', async () => {
      const browser = new InjectBrowser(f.portal, '10.2.0.1');
      await signIn(browser, DEMO_NIK, siti.password, siti.totpSecret!, f.clock.now);
      const account = await browser.get('/akun');
      assert.match(account.body, /Ganti aplikasi autentikator/);
      await browser.get('/akun/otp');
      const wrong = await browser.post('/akun/otp', { code: '000000' });
      assert.equal(wrong.status, 401);
      assert.match(wrong.body, /Kode salah atau sudah dipakai/);
      const replay = await browser.post('/akun/otp', { code: await totpCode(siti.totpSecret!, f.clock.now) });
      assert.equal(replay.status, 401, 'the code used to sign in is spent');
      assert.equal((await browser.get('/akun/otp/baru')).location, '/akun/otp', 'no new secret without the current factor');

      f.clock.advance(STEP);
      const proved = await browser.post('/akun/otp', { code: await totpCode(siti.totpSecret!, f.clock.now) });
      assert.equal(proved.status, 303);
      assert.equal(proved.location, '/akun/otp/baru');
      const page = await browser.get('/akun/otp/baru');
      const secret = /id="totp-secret">([A-Z2-7]+)</.exec(page.body)![1]!;
      assert.notEqual(secret, siti.totpSecret);
      sitiSecret = secret;
      assert.equal((await browser.post('/akun/otp/baru', { code: await totpCode(siti.totpSecret!, f.clock.now) })).status, 401, 'a code of the old app does not confirm the new one');
      const confirmed = await browser.post('/akun/otp/baru', { code: await totpCode(secret, f.clock.now) });
      assert.equal(confirmed.status, 200);
      assert.match(confirmed.body, /Kode pemulihan lama tidak berlaku lagi/);
      const codes = [...confirmed.body.matchAll(/<li>([0-9a-z]{5}-[0-9a-z]{5})<\/li>/g)].map((m) => m[1]!);
      assert.equal(codes.length, 10);
      assert.match((await browser.get('/akun?ok=otp')).body, /Aplikasi autentikator baru sudah aktif/);

      f.clock.advance(STEP);
      const other = new InjectBrowser(f.portal, '10.2.0.2');
      await other.get('/masuk');
      await other.post('/masuk', { nik: DEMO_NIK, password: siti.password });
      assert.equal((await other.post('/masuk/kode', { code: await totpCode(siti.totpSecret!, f.clock.now) })).status, 401, 'the old app no longer signs in');
      assert.equal((await other.post('/masuk/kode', { code: await totpCode(secret, f.clock.now) })).status, 303, 'the new one does');

      const events = await f.portal.ctx.db.selectFrom('sign_in_event').select(['event', 'outcome', 'detail']).where('event', '=', 'totp_reenrolled').orderBy('id').execute();
      assert.deepEqual(events.map((e) => e.outcome), ['failure', 'failure', 'success', 'failure', 'success']);
      assert.match((await browser.get('/akun')).body, /totp_reenrolled/, 'the account page lists the change');
    });

    it('accepts a recovery code as the current factor when the old phone is lost', async () => {
      const browser = new InjectBrowser(f.portal, '10.2.0.3');
      f.clock.advance(STEP);
      await signIn(browser, OTHER_NIK, budi.password, budi.totpSecret!, f.clock.now);
      // Budi's seeded account has no recovery codes yet: a first re-enrolment gives him some.
      f.clock.advance(STEP);
      await browser.get('/akun/otp');
      await browser.post('/akun/otp', { code: await totpCode(budi.totpSecret!, f.clock.now) });
      const first = await browser.get('/akun/otp/baru');
      const secret = /id="totp-secret">([A-Z2-7]+)</.exec(first.body)![1]!;
      const done = await browser.post('/akun/otp/baru', { code: await totpCode(secret, f.clock.now) });
      const codes = [...done.body.matchAll(/<li>([0-9a-z]{5}-[0-9a-z]{5})<\/li>/g)].map((m) => m[1]!);
      // Phone lost: a recovery code proves the account holder.
      await browser.get('/akun/otp');
      const proved = await browser.post('/akun/otp', { code: codes[0]! });
      assert.equal(proved.location, '/akun/otp/baru');
      assert.equal((await browser.post('/akun/otp', { code: codes[0]! })).status, 401, 'a recovery code works once');
      const next = /id="totp-secret">([A-Z2-7]+)</.exec((await browser.get('/akun/otp/baru')).body)![1]!;
      assert.equal((await browser.post('/akun/otp/baru', { code: await totpCode(next, f.clock.now) })).status, 200);
      await browser.get('/akun/otp');
      assert.equal((await browser.post('/akun/otp', { code: codes[1]! })).status, 401, 'a re-enrolment replaces the recovery codes');
    });

    it('removes a passkey, audited, but never another account\'s nor the last factor', async () => {
      const siteBrowser = new InjectBrowser(f.portal, '10.2.0.5');
      // Passkeys as a browser registration leaves them (the ceremony itself runs in portal-browser.test.ts).
      const sitiAccount = { id: (await findAccountId(f.portal.ctx, { kind: 'nik', nik: DEMO_NIK as Nik }))! };
      const budiAccount = { id: (await findAccountId(f.portal.ctx, { kind: 'nik', nik: OTHER_NIK as Nik }))! };
      const passkey = (id: string, account: string) => ({ id, account_id: account, public_key: 'AA', counter: 0, transports: 'internal', created_at: f.clock.now, last_used_at: null });
      await f.portal.ctx.db.insertInto('passkey').values([passkey('cred-siti-1', sitiAccount.id), passkey('cred-siti-2', sitiAccount.id), passkey('cred-budi-1', budiAccount.id)]).execute();

      f.clock.advance(STEP);
      await signIn(siteBrowser, DEMO_NIK, siti.password, sitiSecret, f.clock.now);
      const page = await siteBrowser.get('/akun');
      assert.match(page.body, /Hapus passkey 1/);
      assert.match(page.body, /Hapus passkey 2/);
      const removed = await siteBrowser.post('/akun/passkey/hapus', { id: 'cred-siti-1' });
      assert.equal(removed.location, '/akun?ok=passkey-dihapus');
      assert.match((await siteBrowser.get(removed.location!)).body, /Passkey sudah dihapus/);
      const foreign = await siteBrowser.post('/akun/passkey/hapus', { id: 'cred-budi-1' });
      assert.equal(foreign.status, 404);
      const left = await f.portal.ctx.db.selectFrom('passkey').select('id').orderBy('id').execute();
      assert.deepEqual(left.map((p) => p.id), ['cred-budi-1', 'cred-siti-2']);

      // Without TOTP the last passkey is the only factor: it stays.
      await f.portal.ctx.db.updateTable('account').set({ totp_secret_sealed: null }).where('id', '=', sitiAccount.id).execute();
      const last = await siteBrowser.post('/akun/passkey/hapus', { id: 'cred-siti-2' });
      assert.equal(last.location, '/akun?galat=passkey-terakhir');
      assert.match((await siteBrowser.get(last.location!)).body, /satu-satunya faktor kedua/);
      const events = await f.portal.ctx.db.selectFrom('sign_in_event').select(['outcome']).where('event', '=', 'passkey_removed').orderBy('id').execute();
      assert.deepEqual(events.map((e) => e.outcome), ['success', 'refused']);
    });

    it('lets no officer change a citizen\'s factors in an assisted session', async () => {
      const [officer] = await seedDemoStaff(f.portal, [{ username: 'loket.akun', name: 'Andi (loket)', role: 'officer' }]);
      const browser = new InjectBrowser(f.portal, '10.2.0.6');
      f.clock.advance(STEP);
      await signIn(browser, 'loket.akun', officer!.password, officer!.totpSecret!, f.clock.now, '/petugas/masuk');
      await browser.get('/loket');
      await browser.post('/loket/mulai', { nik: OTHER_NIK, checked: 'yes' });
      const account = await browser.get('/akun');
      assert.ok(!account.body.includes('Ganti aplikasi autentikator'));
      assert.ok(!account.body.includes('Hapus passkey'));
      assert.equal((await browser.get('/akun/otp')).status, 403);
      assert.equal((await browser.post('/akun/passkey/hapus', { id: 'cred-budi-1' })).status, 403);
      assert.equal((await f.portal.ctx.db.selectFrom('passkey').select('id').where('id', '=', 'cred-budi-1').execute()).length, 1);
    });
  });
}
