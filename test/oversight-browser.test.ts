/**
 * The transparency page and the operators' console in a real browser (Debian's chromium
 * through playwright-core), with axe-core (WCAG 2.2 AA + best practices) on every page kind,
 * in both languages: the public page (with its traffic map), the console sign-in, the alert
 * list and detail, and the breach-notice draft an administrator makes from a harvesting alert.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { listen, type HttpApp } from '../src/core/http/app.js';
import type { Database } from '../src/core/storage/database.js';
import { testBackends } from '../src/core/storage/testing.js';
import { generateFederationData } from '../src/demo/data/index.js';
import { registryAuth } from '../src/oversight/console-auth.js';
import { qualityFromOverview } from '../src/oversight/quality.js';
import { exchange, oversightFixture, registryWithRoles, type OversightFixture } from '../src/oversight/testing.js';
import type { RegistryTables } from '../src/registry/schema.js';
import { assertAccessible, launchChromium } from './support/browser.js';

describe('oversight in chromium', () => {
  let f: OversightFixture;
  let browser: Browser;
  let base: string;
  let registryApp: HttpApp;
  let registryDb: Database<RegistryTables>;
  let passwords: Record<string, string>;
  const persons = generateFederationData({ persons: 150 }).persons;

  before(async () => {
    const backend = testBackends()[0]!;
    registryDb = await backend.open<RegistryTables>('ovb_registry');
    const r = await registryWithRoles(registryDb);
    registryApp = r.app;
    passwords = r.passwords;
    // Two reconciliation runs a week apart, so the pages draw quality as a line over time.
    let run = { reportGeneratedAt: '2026-01-01T00:00:00Z', scores: [96.5, 71.2] };
    const quality = qualityFromOverview(async () => ({
      reportGeneratedAt: run.reportGeneratedAt,
      agencies: ['ID/GOV/DUKCAPIL', 'ID/GOV/BPS'].map((agency, i) => ({ agency, score: run.scores[i]!, conflicts: 3, corrections: { open: 2, oldestOpenAgeSeconds: 86_400 } })),
    }));
    await quality.snapshots();
    run = { reportGeneratedAt: '2026-01-08T00:00:00Z', scores: [97.1, 80.4] };
    await quality.snapshots();
    f = await oversightFixture(backend, { auth: registryAuth(r.url), now: () => Date.now(), quality });
    const bps = f.logs.get('ID/GOV/BPS/gw1')!;
    // Ordinary traffic today, then a harvesting burst: 120 different persons in a few minutes.
    const now = Date.now();
    await bps.append(persons.slice(0, 120).map((p, i) => exchange({ time: now - 240_000 + i * 1000, durationMs: 8 + (i % 30) }, bps.salt, p.nik)));
    await f.oversight.tick();
    base = `http://localhost:${new URL(await listen(f.oversight.app, 0)).port}`;
    f.oversight.setPublicUrl(base);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await f?.close();
    await registryApp?.close();
    await registryDb?.close();
  });

  it('the public page is accessible in both languages and shows no person', async () => {
    const page = await (await browser.newContext({ viewport: { width: 360, height: 740 } })).newPage();
    await page.goto(base);
    assert.match(await page.locator('h1').innerText(), /Transparansi pertukaran data/);
    await assertAccessible(page, 'transparency (id)');
    assert.equal(await page.getByRole('img', { name: /Skor kualitas per instansi dari waktu ke waktu/ }).count(), 1, 'the quality line chart');
    assert.equal(await page.getByRole('img', { name: /Peta lalu lintas antarinstansi/ }).count(), 1, 'the traffic map');
    const text = await page.content();
    for (const p of persons.slice(0, 120)) assert.ok(!text.includes(p.nik) && !text.includes(p.fullName), 'no NIK or name');
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(`${base}/`);
    assert.match(await page.locator('h1').innerText(), /Data exchange transparency/);
    await assertAccessible(page, 'transparency (en)');
    const csv = await page.request.get(`${base}/data/statistik.csv`);
    assert.match(await csv.text(), /^day,consumer,consumer_name/);
  });

  it('an agency administrator signs in, sees the harvesting alert, and drafts the breach notice', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1024, height: 800 } })).newPage();
    await page.goto(`${base}/konsol`);
    await page.waitForURL(/\/konsol\/masuk/);
    await assertAccessible(page, 'console sign-in');
    await page.getByLabel('Nama pengguna').fill('bps.admin');
    await page.getByLabel('Kata sandi').fill('wrong password here');
    await page.getByRole('button', { name: 'Masuk' }).click();
    await page.waitForURL(/gagal=1/);
    assert.match(await page.getByRole('alert').innerText(), /salah/);
    await assertAccessible(page, 'console sign-in failed');
    await page.getByLabel('Nama pengguna').fill('bps.admin');
    await page.getByLabel('Kata sandi').fill(passwords['bps.admin']!);
    await page.getByRole('button', { name: 'Masuk' }).click();
    await page.waitForURL(/\/konsol\/peringatan$/);
    await assertAccessible(page, 'alert list');
    await page.getByRole('link', { name: /Dugaan panen data massal/ }).click();
    await assertAccessible(page, 'alert detail');
    await page.getByRole('button', { name: 'Terima (sedang ditangani)' }).click();
    await page.waitForURL(/ok=1/);
    assert.match(await page.getByRole('status').innerText(), /Tersimpan/);
    await page.getByLabel('Upaya penanganan dan pemulihan').fill('Token klien SENSUS dicabut; log akses diperiksa.');
    await page.getByLabel('Kontak untuk subjek data').fill('ppid@bps.go.id');
    await page.getByRole('button', { name: 'Buat draf pemberitahuan' }).click();
    await page.waitForURL(/\/konsol\/insiden\/INS-[0-9A-F]{8}\/pemberitahuan/);
    assert.match(await page.locator('h1').innerText(), /Pemberitahuan Kegagalan Pelindungan Data Pribadi/);
    assert.match(await page.content(), /terdampak: <strong>120<\/strong>/);
    await assertAccessible(page, 'breach notice');
    const notice = await page.content();
    for (const p of persons.slice(0, 120)) assert.ok(!notice.includes(p.nik), 'the notice lists commitments, not NIKs');
  });

  it('the registry administrator grants a right, sets an SLA, and every console page is accessible in both languages', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1024, height: 800 } })).newPage();
    await page.goto(`${base}/konsol/masuk`);
    await page.getByLabel('Nama pengguna').fill('root');
    await page.getByLabel('Kata sandi').fill(passwords.root!);
    await page.getByRole('button', { name: 'Masuk' }).click();
    await page.waitForURL(/\/konsol\/peringatan$/);
    await page.goto(`${base}/konsol/hak-akses`);
    await page.getByLabel('Subsistem klien').selectOption('ID/GOV/BPS/SENSUS');
    await page.getByLabel('Kode tujuan').fill('STATISTIK-SENSUS');
    await page.getByLabel('Dasar hukum').fill('UU 16/1997 Statistik');
    await page.getByRole('button', { name: 'Berikan hak akses' }).click();
    await page.waitForURL(/ok=1/);
    assert.match(await page.locator('tbody').innerText(), /STATISTIK-SENSUS\s+UU 16\/1997 Statistik\s+root/);
    await page.goto(`${base}/konsol/lalu-lintas`);
    await page.getByLabel('Batas latensi p95 (ms)').fill('250');
    await page.getByLabel('Batas galat (%)').fill('1');
    await page.getByRole('button', { name: 'Simpan SLA' }).click();
    await page.waitForURL(/ok=1/);
    assert.match(await page.locator('main').innerText(), /p95 ≤ 250 ms/);
    for (const path of ['/konsol/peringatan', '/konsol/insiden', '/konsol/lalu-lintas', '/konsol/layanan', '/konsol/hak-akses', '/konsol/permintaan', '/konsol/instansi', '/konsol/kualitas', '/konsol/audit']) {
      await page.goto(`${base}${path}`);
      await assertAccessible(page, path);
    }
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(`${base}/konsol/audit`);
    assert.match(await page.locator('h1').innerText(), /Registry audit trail/);
    await assertAccessible(page, 'audit (en)');
    await page.goto(`${base}/konsol/lalu-lintas`);
    assert.equal(await page.getByRole('img', { name: /Traffic map between agencies/ }).count(), 1, 'the traffic map');
    await assertAccessible(page, 'traffic (en)');
  });

  it('an auditor reads alerts but gets no form to change them', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${base}/konsol/masuk`);
    await page.getByLabel('Nama pengguna').fill('auditor');
    await page.getByLabel('Kata sandi').fill(passwords.auditor!);
    await page.getByRole('button', { name: 'Masuk' }).click();
    await page.waitForURL(/\/konsol\/peringatan$/);
    await page.getByRole('link', { name: /Dugaan panen data massal/ }).click();
    assert.equal(await page.getByRole('button', { name: /Tutup peringatan|Terima/ }).count(), 0);
    assert.match(await page.locator('main').innerText(), /hanya dapat membaca/);
    await assertAccessible(page, 'alert detail (auditor)');
  });
});
