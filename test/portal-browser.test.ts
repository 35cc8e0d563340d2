/**
 * The portal in a real browser: Debian's chromium driven by playwright-core. Signs in with
 * NIK, password and a TOTP code, files a complaint, and runs axe-core on the main pages.
 * Screenshots are kept in .simpul/artefacts/portal/ (git-ignored) for review.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Nik } from '../src/core/ids.js';
import { testBackends } from '../src/core/storage/testing.js';
import { listen } from '../src/core/http/app.js';
import { totpCode } from '../src/portal/auth/totp.js';
import { seedDemoCitizens } from '../src/portal/seed.js';
import { DEMO_NIK, portalFixture, type PortalFixture } from '../src/portal/testing/portal-fixture.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTEFACTS = '.simpul/artefacts/portal';
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

async function axeViolations(page: Page): Promise<{ id: string; nodes: number; help: string }[]> {
  // Evaluated through the DevTools protocol: the page's CSP (no inline script) stays in force.
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(o: unknown): Promise<{ violations: { id: string; help: string; nodes: unknown[] }[] }> } }).axe;
    const result = await axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } });
    return result.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.length }));
  });
}

describe('portal in chromium', () => {
  let f: PortalFixture;
  let browser: Browser;
  let page: Page;
  let base: string;
  let creds: { password: string; totpSecret: string };

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `Chromium is not installed at ${CHROMIUM}. Install it with: apt-get update && apt-get install -y chromium (.ci/run does this).`);
    mkdirSync(ARTEFACTS, { recursive: true });
    // Real time here: the browser's TOTP codes and cookies follow the wall clock.
    f = await portalFixture(testBackends()[0]!, { now: () => new Date() });
    const [c] = await seedDemoCitizens(f.portal, [{ nik: DEMO_NIK as Nik, name: 'Siti Rahayu' }]);
    creds = { password: c!.password, totpSecret: c!.totpSecret! };
    const bound = await listen(f.portal.app, 0);
    base = `http://localhost:${new URL(bound).port}`;
    f.portal.setPublicUrl(base);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
    page = await browser.newPage({ viewport: { width: 360, height: 740 } });
  });
  after(async () => {
    await browser?.close();
    await f?.close();
  });

  it('signs in with NIK, password and TOTP using the keyboard-reachable form, at 360 px', async () => {
    await page.goto(`${base}/masuk`);
    assert.deepEqual(await axeViolations(page), []);
    await page.screenshot({ path: `${ARTEFACTS}/sign-in.png`, fullPage: true });
    await page.getByLabel('NIK').fill(DEMO_NIK);
    await page.getByLabel('Kata sandi').fill(creds.password);
    await page.getByRole('button', { name: 'Lanjut' }).click();
    await page.waitForURL(/\/masuk\/kode/);
    assert.deepEqual(await axeViolations(page), []);
    await page.getByLabel('Kode').fill(await totpCode(creds.totpSecret));
    await page.getByRole('button', { name: 'Masuk' }).click();
    await page.waitForURL(`${base}/`);
    assert.match(await page.locator('h1').innerText(), /Selamat datang, Siti Rahayu/);
    assert.deepEqual(await axeViolations(page), []);
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'portal_session')!;
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
  });

  it('files a complaint and shows its tracking id, with no axe violations on the way', async () => {
    await page.goto(`${base}/pengaduan`);
    assert.deepEqual(await axeViolations(page), []);
    await page.getByLabel('Kategori').selectOption('kependudukan');
    await page.getByLabel('Judul').fill('KTP-el belum dicetak');
    await page.getByLabel('Uraian').fill('Sudah tiga bulan KTP-el saya belum dicetak di kantor kecamatan.');
    await page.getByLabel('Lokasi').fill('Kecamatan Cibinong, Kabupaten Bogor');
    await page.getByRole('button', { name: 'Kirim pengaduan' }).click();
    await page.waitForURL(/\/pengaduan\/LPR-/);
    const tracking = await page.locator('#tracking-id').innerText();
    assert.match(tracking, /^LPR-[0-9A-Z]{5}-[0-9A-Z]{5}$/);
    assert.deepEqual(await axeViolations(page), []);
    await page.screenshot({ path: `${ARTEFACTS}/complaint.png`, fullPage: true });
  });

  it('passes axe on the consent screen, the preview, the tracker, the account page and in English', async () => {
    for (const path of ['/layanan/nib-umk', '/pelacak', '/akun', '/layanan']) {
      await page.goto(`${base}${path}`);
      assert.deepEqual(await axeViolations(page), [], path);
    }
    await page.goto(`${base}/layanan/nib-umk`);
    await page.getByRole('button', { name: 'Saya setuju, ambil data saya' }).click();
    await page.waitForURL(/\/permohonan\//);
    assert.match(await page.locator('#preview').innerText(), /Siti Rahayu/);
    assert.deepEqual(await axeViolations(page), []);
    await page.screenshot({ path: `${ARTEFACTS}/preview.png`, fullPage: true });
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(/\/permohonan\//);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.deepEqual(await axeViolations(page), []);
  });
});
