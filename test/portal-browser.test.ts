/**
 * The portal in a real browser: Debian's chromium driven by playwright-core, one launch for
 * the whole file, one browser context per person. A citizen signs in with TOTP, files a
 * complaint, disputes a prefilled value, applies for an NIB through to the permit PDF, and an
 * anonymous visitor verifies it from the PDF's link; the tracker lists the exchanges; a
 * passkey is added and used through a CDP virtual authenticator; a second citizen enrols TOTP
 * and signs in with a recovery code; agency staff work the back office; an officer serves a
 * citizen at the counter. axe-core (WCAG 2.2 AA + best practices) runs on every page kind, in
 * both languages. Screenshots are kept in .simpul/artefacts/portal/ (git-ignored).
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { MemberId, Nik } from '../src/core/ids.js';
import { testBackends } from '../src/core/storage/testing.js';
import { listen } from '../src/core/http/app.js';
import { totpCode } from '../src/portal/auth/totp.js';
import { seedDemoCitizens, seedDemoStaff, type DemoCredentials } from '../src/portal/seed.js';
import { DEMO_NIK, OTHER_NIK, portalFixture, type PortalFixture } from '../src/portal/testing/portal-fixture.js';
import { assertAccessible, launchChromium } from './support/browser.js';

const ARTEFACTS = '.simpul/artefacts/portal';

describe('portal in chromium', () => {
  let f: PortalFixture;
  let browser: Browser;
  let base: string;
  let siti: DemoCredentials;
  let budi: DemoCredentials;
  let staff: DemoCredentials;
  let officer: DemoCredentials;
  let citizen: Page;
  let tracking: string;
  let verificationUrl: string;

  async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, acceptDownloads: true });
    context.setDefaultTimeout(15_000);
    return { context, page: await context.newPage() };
  }

  async function signInWithTotp(page: Page, login: DemoCredentials, staffSignIn = false): Promise<void> {
    await page.goto(`${base}${staffSignIn ? '/petugas/masuk' : '/masuk'}`);
    await page.getByLabel(staffSignIn ? 'Nama pengguna petugas' : 'NIK').fill(login.login);
    await page.getByLabel('Kata sandi').fill(login.password);
    await page.getByRole('button', { name: 'Lanjut' }).click();
    await page.waitForURL(/\/masuk\/kode/);
    await page.getByLabel('Kode').fill(await totpCode(login.totpSecret!));
    await page.getByRole('button', { name: 'Masuk' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/masuk'));
  }

  before(async () => {
    mkdirSync(ARTEFACTS, { recursive: true });
    // Real time here: the browser's TOTP codes and cookies follow the wall clock.
    f = await portalFixture(testBackends()[0]!, { now: () => new Date() });
    [siti] = await seedDemoCitizens(f.portal, [{ nik: DEMO_NIK as Nik, name: 'Siti Rahayu' }]) as [DemoCredentials];
    [budi] = await seedDemoCitizens(f.portal, [{ nik: OTHER_NIK as Nik, name: 'Budi Santoso', withTotp: false }]) as [DemoCredentials];
    [staff, officer] = await seedDemoStaff(f.portal, [
      { username: 'dukcapil.staf', name: 'Rina (Dukcapil)', role: 'agency_staff', agency: 'ID/GOV/DUKCAPIL' as MemberId },
      { username: 'loket.bogor', name: 'Agus (Loket)', role: 'officer' },
    ]) as [DemoCredentials, DemoCredentials];
    const bound = await listen(f.portal.app, 0);
    base = `http://localhost:${new URL(bound).port}`;
    f.portal.setPublicUrl(base);
    browser = await launchChromium();
    citizen = (await newPage()).page;
  });
  after(async () => {
    await browser?.close();
    await f?.close();
  });

  it('signs in with NIK, password and TOTP using the keyboard-reachable form, at 360 px', async () => {
    await citizen.goto(`${base}/masuk`);
    await assertAccessible(citizen, 'sign-in');
    await citizen.screenshot({ path: `${ARTEFACTS}/sign-in.png`, fullPage: true });
    await citizen.getByLabel('NIK').fill(DEMO_NIK);
    await citizen.getByLabel('Kata sandi').fill(siti.password);
    await citizen.getByRole('button', { name: 'Lanjut' }).click();
    await citizen.waitForURL(/\/masuk\/kode/);
    await assertAccessible(citizen, 'second factor');
    await citizen.getByLabel('Kode').fill(await totpCode(siti.totpSecret!));
    await citizen.getByRole('button', { name: 'Masuk' }).click();
    await citizen.waitForURL(`${base}/`);
    assert.match(await citizen.locator('h1').innerText(), /Selamat datang, Siti Rahayu/);
    await assertAccessible(citizen, 'home');
    const session = (await citizen.context().cookies()).find((c) => c.name === 'portal_session')!;
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
  });

  it('files a complaint and follows it publicly on /lacak, in both languages', async () => {
    await citizen.goto(`${base}/pengaduan`);
    await assertAccessible(citizen, 'complaints');
    await citizen.getByLabel('Kategori').selectOption('kependudukan');
    await citizen.getByLabel('Judul').fill('KTP-el belum dicetak');
    await citizen.getByLabel('Uraian').fill('Sudah tiga bulan KTP-el saya belum dicetak di kantor kecamatan.');
    await citizen.getByLabel('Lokasi').fill('Kecamatan Cibinong, Kabupaten Bogor');
    await citizen.getByRole('button', { name: 'Kirim pengaduan' }).click();
    await citizen.waitForURL(/\/pengaduan\/LPR-/);
    tracking = await citizen.locator('#tracking-id').innerText();
    assert.match(tracking, /^LPR-[0-9A-Z]{5}-[0-9A-Z]{5}$/);
    await assertAccessible(citizen, 'complaint detail');

    const { context, page } = await newPage();
    await page.goto(`${base}/lacak`);
    await page.getByLabel('Nomor pelacakan').fill(tracking);
    await page.getByRole('button', { name: 'Lacak' }).click();
    await page.waitForURL(/\/lacak\?id=/);
    assert.match(await page.locator('main').innerText(), /Diterima, menunggu verifikasi/);
    assert.ok(!(await page.locator('main').innerText()).includes('belum dicetak di kantor'), 'public tracking shows no content');
    await assertAccessible(page, 'public tracking');
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(/\/lacak\?id=/);
    assert.match(await page.locator('main').innerText(), /Received, awaiting verification/);
    await assertAccessible(page, 'public tracking (en)');
    await context.close();
  });

  it('asks consent, previews the prefilled data and files a dispute with the owning agency', async () => {
    await citizen.goto(`${base}/layanan/nib-umk`);
    await assertAccessible(citizen, 'consent screen');
    assert.match(await citizen.locator('#consent-uses').innerText(), /OSS/);
    await citizen.getByRole('button', { name: 'Saya setuju, ambil data saya' }).click();
    await citizen.waitForURL(/\/permohonan\/[0-9a-f-]{36}$/);
    assert.match(await citizen.locator('#preview').innerText(), /Siti Rahayu/);
    await assertAccessible(citizen, 'preview');
    await citizen.screenshot({ path: `${ARTEFACTS}/preview.png`, fullPage: true });

    await citizen.getByRole('link', { name: 'Sengketakan Tempat lahir' }).click();
    await citizen.waitForURL(/\/sengketa\?item=birthPlace/);
    await assertAccessible(citizen, 'dispute form');
    await citizen.getByRole('button', { name: 'Kirim permintaan koreksi' }).click();
    await citizen.waitForURL(/\/sengketa$/);
    assert.equal(await citizen.getByLabel('Nilai yang benar').getAttribute('aria-invalid'), 'true');
    await assertAccessible(citizen, 'dispute form with an error');
    await citizen.getByLabel('Nilai yang benar').fill('Cibinong');
    await citizen.getByLabel('Penjelasan (opsional)').fill('Lahir di Cibinong, bukan Kota Bogor.');
    await citizen.getByRole('button', { name: 'Kirim permintaan koreksi' }).click();
    await citizen.waitForURL(/\?sengketa=1/);
    assert.match(await citizen.getByRole('status').first().innerText(), /Permintaan koreksi telah dikirim/);
    assert.match(await citizen.locator('#preview').innerText(), /Sedang disengketakan/);
  });

  it('applies for an NIB, watches the multi-agency timeline finish and downloads the permit PDF', async () => {
    await citizen.getByRole('link', { name: 'Lengkapi data usaha' }).click();
    await citizen.waitForURL(/\/formulir$/);
    assert.equal(await citizen.getByLabel('Jalan dan nomor').inputValue(), 'Jl. Merdeka No. 10', 'the location starts from the Dukcapil address');
    await citizen.getByLabel('Nama usaha').fill('Warung Makan Bu Siti');
    await citizen.getByLabel('Kode KBLI kegiatan usaha').fill('56103, 99999');
    await citizen.getByLabel('Modal usaha (rupiah)').fill('50.000.000');
    await citizen.getByLabel('Jumlah tenaga kerja').fill('2');
    await citizen.getByRole('button', { name: 'Periksa risiko dan lanjutkan' }).click();
    await citizen.waitForURL(/\/formulir$/);
    assert.match(await citizen.locator('#error-summary').innerText(), /99999 tidak dikenal OSS/);
    await assertAccessible(citizen, 'business form with errors');
    await citizen.screenshot({ path: `${ARTEFACTS}/business-form.png`, fullPage: true });
    await citizen.getByLabel('Kode KBLI kegiatan usaha').fill('56103, 10710');
    await citizen.getByRole('button', { name: 'Periksa risiko dan lanjutkan' }).click();
    await citizen.waitForURL(/\/tinjau$/);
    assert.match(await citizen.locator('#risk').innerText(), /Industri Produk Roti dan Kue\s+Menengah rendah/);
    await assertAccessible(citizen, 'review');

    // OSS holds its answer: the timeline shows the step in progress, then updates by itself.
    let release!: () => void;
    f.peer.fault('ID/GOV/LICENSING/OSS/applications', { until: new Promise<void>((resolve) => (release = resolve)) });
    await citizen.getByRole('button', { name: 'Ajukan permohonan' }).click();
    await citizen.waitForURL(/diajukan=1/);
    await citizen.locator('[data-step="issuance"] .badge', { hasText: 'Sedang diproses' }).waitFor();
    assert.equal(await citizen.locator('#permit').count(), 0);
    await assertAccessible(citizen, 'timeline in progress');
    await citizen.screenshot({ path: `${ARTEFACTS}/timeline-running.png`, fullPage: true });
    release();
    await citizen.locator('#permit').waitFor({ timeout: 30_000 });
    assert.deepEqual(await citizen.locator('#timeline .badge').allInnerTexts(), ['Selesai', 'Selesai', 'Selesai']);
    assert.match(await citizen.locator('#application-status').innerText(), /Izin terbit/);
    await assertAccessible(citizen, 'timeline with the permit');
    await citizen.screenshot({ path: `${ARTEFACTS}/timeline.png`, fullPage: true });

    const [download] = await Promise.all([citizen.waitForEvent('download'), citizen.getByRole('link', { name: 'Unduh izin (PDF)' }).click()]);
    const pdf = readFileSync(await download.path());
    assert.ok(pdf.subarray(0, 5).toString() === '%PDF-');
    verificationUrl = /\/URI \((http:\/\/[^)]+)\)/.exec(pdf.toString('latin1'))![1]!;
    assert.ok(verificationUrl.startsWith(`${base}/verifikasi/9226`), verificationUrl);

    await citizen.getByRole('link', { name: 'English' }).click();
    await citizen.waitForURL(/\/permohonan\//);
    assert.match(await citizen.locator('#timeline').innerText(), /Identity check \(Dukcapil\)/);
    await assertAccessible(citizen, 'timeline (en)');
    await citizen.goto(`${base}/bahasa?l=id&next=/pelacak`);
  });

  it('verifies the permit from its PDF link without signing in, and refuses a tampered link', async () => {
    const { context, page } = await newPage();
    await page.goto(verificationUrl);
    assert.equal(await page.locator('#verdict').innerText(), 'ASLI');
    assert.match(await page.locator('#permit-facts').innerText(), /Warung Makan Bu Siti/);
    assert.ok(!(await page.content()).includes(DEMO_NIK));
    await assertAccessible(page, 'permit verification');
    await page.screenshot({ path: `${ARTEFACTS}/verification.png`, fullPage: true });
    const tampered = verificationUrl.replace(/s=(.)/, (_m, c: string) => `s=${c === 'A' ? 'B' : 'A'}`);
    const response = await page.goto(tampered);
    assert.equal(response!.status(), 422);
    assert.equal(await page.locator('#verdict').innerText(), 'TIDAK ASLI');
    await assertAccessible(page, 'tampered permit');
    await page.goto(`${base}/bahasa?l=en&next=/verifikasi`);
    await page.getByLabel('Permit number (NIB)').fill('9226999999999');
    await page.getByRole('button', { name: 'Check' }).click();
    await page.waitForURL(/\/verifikasi\/9226999999999/);
    assert.equal(await page.locator('#verdict').innerText(), 'NOT REGISTERED');
    await assertAccessible(page, 'unknown permit (en)');
    await context.close();
  });

  it('lists every agency that read the citizen\'s data in the tracker', async () => {
    await citizen.goto(`${base}/pelacak`);
    const text = await citizen.locator('#tracker').innerText();
    assert.match(text, /ID\/GOV\/DUKCAPIL\/SIAK\/person/);
    assert.match(text, /ID\/GOV\/LICENSING\/OSS\/applications/);
    assert.match(text, /PERIZINAN-BERUSAHA-NIB/);
    await assertAccessible(citizen, 'tracker');
  });

  it('adds a passkey and signs in with it through a virtual authenticator', async () => {
    const cdp = await citizen.context().newCDPSession(citizen);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    await citizen.goto(`${base}/akun`);
    await assertAccessible(citizen, 'account');
    await citizen.getByRole('button', { name: 'Tambah passkey' }).click();
    await citizen.waitForURL(`${base}/akun`);
    await citizen.waitForFunction(() => !document.body.innerText.includes('Belum ada passkey'));
    assert.equal(await f.portal.ctx.db.selectFrom('passkey').select('id').execute().then((r) => r.length), 1);
    await citizen.getByRole('button', { name: 'Keluar' }).click();
    await citizen.waitForURL(/\/masuk/);
    await citizen.getByRole('button', { name: 'Masuk dengan passkey' }).click();
    await citizen.waitForURL(`${base}/`);
    assert.match(await citizen.locator('h1').innerText(), /Selamat datang, Siti Rahayu/);
    const events = await f.portal.ctx.db.selectFrom('sign_in_event').select(['event', 'outcome']).where('event', 'in', ['passkey', 'passkey_registered']).execute();
    assert.deepEqual(events.map((e) => `${e.event}:${e.outcome}`).sort(), ['passkey:success', 'passkey_registered:success']);
  });

  it('enrols TOTP with a QR code, shows recovery codes once, and accepts a recovery code later', async () => {
    const { context, page } = await newPage();
    await page.goto(`${base}/masuk`);
    await page.getByLabel('NIK').fill(OTHER_NIK);
    await page.getByLabel('Kata sandi').fill(budi.password);
    await page.getByRole('button', { name: 'Lanjut' }).click();
    await page.waitForURL(/\/masuk\/daftar-otp/);
    assert.equal(await page.locator('.qr svg').count(), 1);
    await assertAccessible(page, 'TOTP enrolment');
    const secret = await page.locator('#totp-secret').innerText();
    await page.getByLabel('Kode dari aplikasi').fill(await totpCode(secret));
    await page.getByRole('button', { name: 'Aktifkan' }).click();
    await page.locator('#recovery-codes').waitFor();
    const codes = await page.locator('#recovery-codes li').allInnerTexts();
    assert.equal(codes.length, 10);
    await assertAccessible(page, 'recovery codes');
    await page.getByRole('link', { name: 'Saya sudah menyimpannya, lanjutkan' }).click();
    await page.waitForURL(`${base}/`);
    await page.getByRole('button', { name: 'Keluar' }).click();
    await page.waitForURL(/\/masuk/);
    await page.getByLabel('NIK').fill(OTHER_NIK);
    await page.getByLabel('Kata sandi').fill(budi.password);
    await page.getByRole('button', { name: 'Lanjut' }).click();
    await page.waitForURL(/\/masuk\/kode/);
    await page.getByLabel('Kode').fill(codes[0]!);
    await page.getByRole('button', { name: 'Masuk' }).click();
    await page.waitForURL(`${base}/`);
    assert.match(await page.locator('h1').innerText(), /Budi Santoso/);
    await context.close();
  });

  it('lets agency staff see the complaint and the correction request in the back office, in both languages', async () => {
    const { context, page } = await newPage();
    await signInWithTotp(page, staff, true);
    await page.waitForURL(`${base}/kantor`);
    assert.match(await page.locator('#complaints').innerText(), new RegExp(tracking));
    assert.match(await page.locator('#corrections').innerText(), /birthPlace.*Cibinong/);
    await assertAccessible(page, 'back office');
    await page.getByRole('link', { name: tracking }).click();
    await page.waitForURL(/\/kantor\/pengaduan\//);
    await assertAccessible(page, 'back office complaint');
    await page.getByLabel('Catatan verifikasi (opsional)').fill('Data diperiksa di SIAK.');
    await page.getByRole('button', { name: 'Verifikasi' }).click();
    await page.waitForURL(/\/kantor\/pengaduan\//);
    assert.match(await page.locator('#history').innerText(), /Diverifikasi, menunggu tindak lanjut/);
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(/\/kantor\/pengaduan\//);
    assert.match(await page.locator('#history').innerText(), /Verified, awaiting follow-up/);
    await assertAccessible(page, 'back office complaint (en)');
    await context.close();
  });

  it('lets a counter officer act for a citizen, with the assisted banner on every page', async () => {
    const { context, page } = await newPage();
    await signInWithTotp(page, officer, true);
    await page.waitForURL(`${base}/loket`);
    await assertAccessible(page, 'counter');
    await page.getByLabel('NIK warga').fill(OTHER_NIK);
    await page.getByLabel(/Saya telah memeriksa KTP-el warga ini/).check();
    await page.getByRole('button', { name: 'Mulai melayani' }).click();
    await page.waitForURL(`${base}/`);
    assert.match(await page.locator('.assisted').innerText(), /Petugas Agus \(Loket\) sedang melayani atas nama Budi Santoso/);
    await assertAccessible(page, 'assisted home');
    await page.getByRole('button', { name: 'Keluar' }).click();
    await page.waitForURL(`${base}/loket`);
    assert.equal(await page.locator('.assisted').count(), 0);
    await context.close();
  });
});
