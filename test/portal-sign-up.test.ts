/**
 * Self-registration (ADR 0069) over app.inject(): NIK and name checked at DUKCAPIL through the
 * gateway under the sign-up purpose, the activation code only in the out-of-band outbox, TOTP
 * enrolment at the first sign-in; refusals in Bahasa Indonesia (unknown NIK, name mismatch,
 * deceased, existing account, wrong/expired/burnt code, per-IP sign-up limit).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { testBackends } from '../src/core/storage/testing.js';
import { FileOutbox } from '../src/portal/auth/activation-channel.js';
import { totpCode } from '../src/portal/auth/totp.js';
import { DECEASED_NIK, InjectBrowser, OTHER_NIK, portalFixture, SIGN_UP_NIK, UNKNOWN_NIK, type PortalFixture } from '../src/portal/testing/portal-fixture.js';

const PASSWORD = 'kata-sandi-dewi-2026';

for (const backend of testBackends()) {
  describe(`portal sign-up on ${backend.kind}`, () => {
    let f: PortalFixture;
    let dir: string;
    let outbox: FileOutbox;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'portal-sign-up-'));
      outbox = new FileOutbox(join(dir, 'outbox.jsonl'));
      f = await portalFixture(backend, { activationChannel: outbox });
    });
    after(async () => {
      await f.close();
      rmSync(dir, { recursive: true, force: true });
    });

    async function signUp(browser: InjectBrowser, form: Record<string, string>) {
      await browser.get('/daftar');
      return browser.post('/daftar', { password: PASSWORD, password2: PASSWORD, ...form });
    }

    it('refuses an unknown NIK, a wrong name and a deceased person with clear messages, after asking DUKCAPIL under the sign-up purpose', async () => {
      const browser = new InjectBrowser(f.portal, '10.1.0.1');
      const unknown = await signUp(browser, { nik: UNKNOWN_NIK, name: 'Siapa Saja' });
      assert.equal(unknown.status, 422);
      assert.match(unknown.body, /NIK tidak ditemukan dalam data kependudukan Dukcapil/);
      assert.match(unknown.body, /aria-invalid="true"/);
      const asked = f.peer.exchanges.filter((e) => e.subject === UNKNOWN_NIK);
      assert.equal(asked.length, 1);
      assert.equal(asked[0]!.purpose, 'PENDAFTARAN-AKUN-PORTAL');
      assert.equal(asked[0]!.service, 'ID/GOV/DUKCAPIL/SIAK/person');

      const mismatch = await signUp(browser, { nik: SIGN_UP_NIK, name: 'Dewi Lestary' });
      assert.equal(mismatch.status, 422);
      assert.match(mismatch.body, /Nama tidak sesuai dengan data kependudukan untuk NIK ini/);
      assert.match(mismatch.body, /value="Dewi Lestary"/, 'the form keeps what was typed');

      const deceased = await signUp(browser, { nik: DECEASED_NIK, name: 'Slamet Riyadi' });
      assert.equal(deceased.status, 422);
      assert.match(deceased.body, /telah meninggal dunia/);

      const bad = await signUp(browser, { nik: '123', name: '', password2: 'lain' });
      assert.equal(bad.status, 400);
      assert.match(bad.body, /NIK terdiri dari 16 angka/);
      assert.match(bad.body, /Isi nama lengkap Anda/);
      assert.match(bad.body, /Kedua kata sandi tidak sama/);

      const accounts = await f.portal.ctx.db.selectFrom('account').select('id').execute();
      assert.equal(accounts.length, 0, 'no refused sign-up leaves an account');
      assert.equal(outbox.read().length, 0, 'and no code was sent');
    });

    it('signs up, sends the code only through the outbox, refuses wrong and expired codes, then activates and enrols TOTP at first sign-in', async () => {
      const browser = new InjectBrowser(f.portal, '10.1.0.2');
      const done = await signUp(browser, { nik: SIGN_UP_NIK, name: '  dewi   lestari ' });
      assert.equal(done.status, 303);
      assert.equal(done.location, '/daftar/aktivasi?dikirim=1');
      const sent = await browser.get(done.location!);
      assert.match(sent.body, /Kode aktivasi telah dikirim dan berlaku 30 menit/);
      const first = outbox.latestFor(SIGN_UP_NIK)!;
      assert.match(first.code, /^\d{6}$/);
      assert.ok(!sent.body.includes(first.code), 'the browser never sees the code');
      assert.equal(statSync(outbox.path).mode & 0o777, 0o600, 'the outbox is readable by its owner only');

      // The account exists but cannot be used yet, and the NIK cannot be taken again meanwhile.
      await browser.get('/masuk');
      const early = await browser.post('/masuk', { nik: SIGN_UP_NIK, password: PASSWORD });
      assert.equal(early.status, 403);
      assert.match(early.body, /Akun Anda belum diaktifkan/);
      const twice = await signUp(new InjectBrowser(f.portal, '10.1.0.3'), { nik: SIGN_UP_NIK, name: 'Dewi Lestari' });
      assert.equal(twice.status, 409);
      assert.match(twice.body, /menunggu aktivasi/);

      await browser.get('/daftar/aktivasi');
      const wrong = await browser.post('/daftar/aktivasi', { nik: SIGN_UP_NIK, code: first.code === '000000' ? '111111' : '000000' });
      assert.equal(wrong.status, 401);
      assert.match(wrong.body, /Kode aktivasi salah/);

      f.clock.advance(31 * 60_000);
      const expired = await browser.post('/daftar/aktivasi', { nik: SIGN_UP_NIK, code: first.code });
      assert.equal(expired.status, 410);
      assert.match(expired.body, /sudah kedaluwarsa/);

      // A lapsed sign-up no longer holds the NIK: signing up again sends a fresh code.
      const again = await signUp(browser, { nik: SIGN_UP_NIK, name: 'Dewi Lestari' });
      assert.equal(again.status, 303);
      const second = outbox.latestFor(SIGN_UP_NIK)!;
      assert.notEqual(second.accountId, first.accountId);
      await browser.get('/daftar/aktivasi');
      const activated = await browser.post('/daftar/aktivasi', { nik: SIGN_UP_NIK, code: second.code });
      assert.equal(activated.status, 303);
      assert.equal(activated.location, '/masuk?aktif=1');
      const replay = await browser.post('/daftar/aktivasi', { nik: SIGN_UP_NIK, code: second.code });
      assert.equal(replay.location, '/masuk?aktif=1', 'an active account is sent to sign in');

      const signInPage = await browser.get('/masuk?aktif=1');
      assert.match(signInPage.body, /Akun Anda sudah aktif/);
      const step1 = await browser.post('/masuk', { nik: SIGN_UP_NIK, password: PASSWORD });
      assert.equal(step1.location, '/masuk/daftar-otp');
      const enrol = await browser.get('/masuk/daftar-otp');
      const secret = /id="totp-secret">([A-Z2-7]+)</.exec(enrol.body)![1]!;
      const enrolled = await browser.post('/masuk/daftar-otp', { code: await totpCode(secret, f.clock.now) });
      assert.equal(enrolled.status, 200);
      assert.match(enrolled.body, /Simpan kode pemulihan Anda/);
      const home = await browser.get('/');
      assert.match(home.body, /Selamat datang, DEWI LESTARI/, 'the account carries the registry\'s spelling of the name');

      const exists = await signUp(new InjectBrowser(f.portal, '10.1.0.4'), { nik: SIGN_UP_NIK, name: 'Dewi Lestari' });
      assert.equal(exists.status, 409);
      assert.match(exists.body, /Sudah ada akun untuk NIK ini/);

      const events = await f.portal.ctx.db.selectFrom('sign_in_event').select(['event', 'outcome']).where('account_id', '=', second.accountId).execute();
      for (const e of ['sign_up', 'activation_code_issued', 'activation', 'totp_enrolled']) {
        assert.ok(events.some((x) => x.event === e && x.outcome === 'success'), `${e} recorded`);
      }
    });

    it('burns a code after 5 wrong tries: the account is throttled, then the right code is refused as expired', async () => {
      const browser = new InjectBrowser(f.portal, '10.1.0.5');
      assert.equal((await signUp(browser, { nik: OTHER_NIK, name: 'Budi Santoso' })).status, 303);
      const { code } = outbox.latestFor(OTHER_NIK)!;
      await browser.get('/daftar/aktivasi');
      for (let i = 0; i < 5; i++) {
        const wrong = String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0');
        assert.equal((await browser.post('/daftar/aktivasi', { nik: OTHER_NIK, code: wrong })).status, 401);
      }
      const throttled = await browser.post('/daftar/aktivasi', { nik: OTHER_NIK, code });
      assert.equal(throttled.status, 429);
      assert.match(throttled.body, /Terlalu banyak percobaan gagal/);
      f.clock.advance(16 * 60_000);
      const burnt = await browser.post('/daftar/aktivasi', { nik: OTHER_NIK, code });
      assert.equal(burnt.status, 410);
      assert.match(burnt.body, /terlalu sering salah/);
    });

    it('limits sign-ups from one address, each being an exchange about a person at DUKCAPIL', async () => {
      const browser = new InjectBrowser(f.portal, '10.1.0.6');
      for (let i = 0; i < 5; i++) assert.equal((await signUp(browser, { nik: UNKNOWN_NIK, name: `Coba ${i}` })).status, 422);
      const before = f.peer.exchanges.length;
      const limited = await signUp(browser, { nik: UNKNOWN_NIK, name: 'Coba lagi' });
      assert.equal(limited.status, 429);
      assert.match(limited.body, /Terlalu banyak percobaan dari perangkat ini/);
      assert.ok(Number(limited.headers['retry-after']) > 0);
      assert.equal(f.peer.exchanges.length, before, 'a limited sign-up asks DUKCAPIL nothing');
    });
  });
}
