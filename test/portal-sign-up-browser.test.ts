/**
 * Self-registration in a real browser (Debian chromium via playwright-core, 360 px): refusals
 * for an unknown NIK and a name that does not match DUKCAPIL, sign-up, a wrong and an expired
 * activation code, a fresh code after the first lapsed, activation, TOTP enrolment at the first
 * sign-in, sign-out and a sign-in with TOTP, then the authenticator replaced from the account
 * page after the current code; the per-address sign-up limit. axe-core (WCAG 2.2
 * AA + best practices) on every page kind. Screenshots in .simpul/artefacts/portal/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { listen } from '../src/core/http/app.js';
import { testBackends } from '../src/core/storage/testing.js';
import { FileOutbox } from '../src/portal/auth/activation-channel.js';
import { totpCode } from '../src/portal/auth/totp.js';
import { portalFixture, SIGN_UP_NIK, UNKNOWN_NIK, type PortalFixture } from '../src/portal/testing/portal-fixture.js';
import { assertAccessible, launchChromium } from './support/browser.js';

const ARTEFACTS = '.simpul/artefacts/portal';
const PASSWORD = 'sandi-rahasia-dewi';

describe('portal sign-up in chromium', () => {
  let f: PortalFixture;
  let browser: Browser;
  let base: string;
  let dir: string;
  let outbox: FileOutbox;
  let page: Page;
  // Real time (the browser's cookies follow the wall clock), plus an offset to let a code expire.
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);

  async function fillSignUp(nik: string, name: string): Promise<void> {
    await page.goto(`${base}/daftar`);
    await page.getByLabel('NIK').fill(nik);
    await page.getByLabel('Nama lengkap').fill(name);
    await page.getByLabel('Kata sandi', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Ulangi kata sandi').fill(PASSWORD);
    await page.getByRole('button', { name: 'Daftar' }).click();
  }

  before(async () => {
    mkdirSync(ARTEFACTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'portal-sign-up-browser-'));
    outbox = new FileOutbox(join(dir, 'outbox.jsonl'));
    f = await portalFixture(testBackends()[0]!, { now, activationChannel: outbox, signUp: { signUpsPerIp: 4 } });
    const bound = await listen(f.portal.app, 0);
    base = `http://localhost:${new URL(bound).port}`;
    f.portal.setPublicUrl(base);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
  });
  after(async () => {
    await browser?.close();
    await f?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reaches sign-up from the sign-in page and refuses an unknown NIK and a wrong name in Bahasa Indonesia', async () => {
    await page.goto(`${base}/masuk`);
    await page.getByRole('link', { name: 'Belum punya akun? Daftar' }).click();
    await page.waitForURL(`${base}/daftar`);
    await assertAccessible(page, 'sign-up');
    await page.screenshot({ path: `${ARTEFACTS}/sign-up.png`, fullPage: true });

    await fillSignUp(UNKNOWN_NIK, 'Siapa Saja');
    await page.waitForLoadState();
    assert.match(await page.getByRole('alert').innerText(), /NIK tidak ditemukan dalam data kependudukan Dukcapil/);
    assert.equal(await page.getByLabel('NIK').getAttribute('aria-invalid'), 'true');
    await assertAccessible(page, 'sign-up refused');

    await fillSignUp(SIGN_UP_NIK, 'Dewi Lestary');
    await page.waitForLoadState();
    assert.match(await page.getByRole('alert').innerText(), /Nama tidak sesuai dengan data kependudukan/);
    assert.equal(await page.getByLabel('Nama lengkap').inputValue(), 'Dewi Lestary');
  });

  it('signs up, refuses a wrong and an expired code, activates with a fresh one, enrols TOTP and signs in', async () => {
    await fillSignUp(SIGN_UP_NIK, 'Dewi Lestari');
    await page.waitForURL(/\/daftar\/aktivasi\?dikirim=1/);
    assert.match(await page.locator('div.notice').innerText(), /Kode aktivasi telah dikirim/);
    await assertAccessible(page, 'activation');
    const first = outbox.latestFor(SIGN_UP_NIK)!;
    assert.match(first.text, /Kode aktivasi Portal Simpul: \d{6}/);

    await page.getByLabel('NIK').fill(SIGN_UP_NIK);
    await page.getByLabel('Kode aktivasi').fill(first.code === '999999' ? '000000' : '999999');
    await page.getByRole('button', { name: 'Aktifkan' }).click();
    await page.waitForLoadState();
    assert.match(await page.getByRole('alert').innerText(), /Kode aktivasi salah/);
    await assertAccessible(page, 'activation refused');

    offsetMs = 31 * 60_000;
    await page.getByLabel('NIK').fill(SIGN_UP_NIK);
    await page.getByLabel('Kode aktivasi').fill(first.code);
    await page.getByRole('button', { name: 'Aktifkan' }).click();
    await page.waitForLoadState();
    assert.match(await page.getByRole('alert').innerText(), /sudah kedaluwarsa/);

    await fillSignUp(SIGN_UP_NIK, 'dewi lestari');
    await page.waitForURL(/\/daftar\/aktivasi/);
    const second = outbox.latestFor(SIGN_UP_NIK)!;
    assert.notEqual(second.accountId, first.accountId);
    await page.getByLabel('NIK').fill(SIGN_UP_NIK);
    await page.getByLabel('Kode aktivasi').fill(second.code);
    await page.getByRole('button', { name: 'Aktifkan' }).click();
    await page.waitForURL(/\/masuk\?aktif=1/);
    assert.match(await page.locator('div.notice').innerText(), /Akun Anda sudah aktif/);

    await page.getByLabel('NIK').fill(SIGN_UP_NIK);
    await page.getByLabel('Kata sandi').fill(PASSWORD);
    await page.getByRole('button', { name: 'Lanjut' }).click();
    await page.waitForURL(/\/masuk\/daftar-otp/);
    await assertAccessible(page, 'TOTP enrolment after sign-up');
    const secret = await page.locator('#totp-secret').innerText();
    await page.getByLabel('Kode dari aplikasi').fill(await totpCode(secret, now()));
    await page.getByRole('button', { name: 'Aktifkan' }).click();
    await page.waitForSelector('#recovery-codes');
    assert.equal(await page.locator('#recovery-codes li').count(), 10);
    await page.getByRole('link', { name: 'Saya sudah menyimpannya, lanjutkan' }).click();
    await page.waitForURL(`${base}/`);
    assert.match(await page.locator('h1').innerText(), /Selamat datang, DEWI LESTARI/);
    await page.screenshot({ path: `${ARTEFACTS}/sign-up-done.png`, fullPage: true });

    await page.getByRole('button', { name: 'Keluar' }).click();
    await page.waitForURL(/\/masuk/);
    // The enrolment code's time step is spent: the next sign-in needs the next code.
    offsetMs += 30_000;
    await page.getByLabel('NIK').fill(SIGN_UP_NIK);
    await page.getByLabel('Kata sandi').fill(PASSWORD);
    await page.getByRole('button', { name: 'Lanjut' }).click();
    await page.waitForURL(/\/masuk\/kode/);
    await page.getByLabel('Kode').fill(await totpCode(secret, now()));
    await page.getByRole('button', { name: 'Masuk' }).click();
    await page.waitForURL(`${base}/`);

    // A new phone: the account page replaces the authenticator after the current code.
    await page.getByRole('link', { name: 'Akun' }).click();
    await page.waitForURL(`${base}/akun`);
    await assertAccessible(page, 'account');
    await page.getByRole('link', { name: /Ganti aplikasi autentikator/ }).click();
    await page.waitForURL(`${base}/akun/otp`);
    await assertAccessible(page, 'current factor');
    offsetMs += 30_000;
    await page.getByLabel('Kode saat ini atau kode pemulihan').fill(await totpCode(secret, now()));
    await page.getByRole('button', { name: 'Lanjut' }).click();
    await page.waitForURL(`${base}/akun/otp/baru`);
    await assertAccessible(page, 'new authenticator');
    const newSecret = await page.locator('#totp-secret').innerText();
    assert.notEqual(newSecret, secret);
    await page.getByLabel('Kode dari aplikasi baru').fill(await totpCode(newSecret, now()));
    await page.getByRole('button', { name: 'Aktifkan' }).click();
    await page.waitForSelector('#recovery-codes');
    await assertAccessible(page, 'new recovery codes');
    await page.getByRole('link', { name: 'Saya sudah menyimpannya, lanjutkan' }).click();
    await page.waitForURL(/\/akun\?ok=otp/);
    assert.match(await page.locator('div.notice').innerText(), /Aplikasi autentikator baru sudah aktif/);
  });

  it('limits sign-ups from one address', async () => {
    await page.getByRole('button', { name: 'Keluar' }).click();
    await page.waitForURL(/\/masuk/);
    // The clock moved 31 minutes above: one sign-up (the fresh one) is in the 15-minute window; the limit is 4.
    for (let i = 0; i < 3; i++) {
      await fillSignUp(UNKNOWN_NIK, `Coba ${i}`);
      await page.waitForSelector('[role=alert]');
      assert.match(await page.getByRole('alert').innerText(), /NIK tidak ditemukan/);
    }
    await fillSignUp(UNKNOWN_NIK, 'Siapa Lagi');
    await page.waitForLoadState();
    assert.match(await page.getByRole('alert').innerText(), /Terlalu banyak percobaan dari perangkat ini. Coba lagi dalam \d+ menit/);
    await assertAccessible(page, 'sign-up limited');
  });
});
