/**
 * The demo federation as a newcomer meets it: it starts on embedded storage (or on the real
 * server when DATABASE_URL is set), every ready-made example in demo.json works through two
 * gateways, and a restart keeps the instance, the tokens and the data.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startDemo, type DemoManifest } from '../src/demo/federation.js';
import { witnessName } from '../src/gateway/exchange-log.js';
import { SIG_COSIGNATURE_V1, formatVerifierKey, verifyReceipt } from '../src/log/index.js';
import { serverUrl } from '../src/core/storage/testing.js';
import type { Nik, SubsystemId } from '../src/core/ids.js';
import { FederationExchangeRecords, FileOutbox, HttpGatewayClient, PORTAL_SUBSYSTEM, SIGN_UP_PURPOSE } from '../src/portal/index.js';
import { InjectBrowser, signIn } from '../src/portal/testing/portal-fixture.js';
import { trackerService } from '../src/demo/portal.js';
import { DEMO_AGENCIES } from '../src/demo/plan.js';

/** The data tracker's source as the portal uses it, with the portal's own token at its own gateway. */
function trackerOf(manifest: DemoManifest): FederationExchangeRecords {
  const client = manifest.clients[PORTAL_SUBSYSTEM]!;
  return new FederationExchangeRecords({ gateway: new HttpGatewayClient({ baseUrl: client.gateway, token: client.token, client: PORTAL_SUBSYSTEM as SubsystemId }), services: DEMO_AGENCIES.map((a) => trackerService(a.member)) });
}

import { freshDatabase } from './demo-fresh-database.js';

for (const kind of serverUrl() ? ['pglite', 'postgres'] : ['pglite']) describe(`demo federation on ${kind}`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'simpul-demo-'));
  // Below the ephemeral port range (32768+), where outgoing connections would collide.
  const portBase = 12000 + 100 * Math.floor(Math.random() * 190);
  let databaseUrl: string | undefined;
  let drop: (() => Promise<void>) | undefined;
  after(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await drop?.();
  });

  it('starts, answers every example through two gateways, and keeps everything across a restart', async () => {
    if (kind === 'postgres') ({ url: databaseUrl, drop } = await freshDatabase(serverUrl()!));
    const first = await startDemo({ dataDir, portBase, persons: 300, logLevel: 'silent', databaseUrl });
    let manifest: DemoManifest;
    try {
      assert.equal(first.firstStart, true);
      manifest = JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8')) as DemoManifest;
      assert.deepEqual(Object.keys(manifest.gateways).sort(), ['ID/GOV/BPS', 'ID/GOV/DUKCAPIL', 'ID/GOV/KEMENDIKBUD', 'ID/GOV/KEMENKES', 'ID/GOV/KOMINFO', 'ID/GOV/LICENSING']);
      assert.ok(manifest.admin.password.length >= 12);
      assert.ok(manifest.examples.length >= 8, 'one example per demo service');
      for (const example of manifest.examples) {
        assert.ok(example.path.startsWith('/r1/'));
        const response = await fetch(example.gateway + example.path, { method: example.method, headers: example.headers });
        assert.equal(response.status, example.expect_status, `${example.description}: ${await response.clone().text()}`);
        assert.ok(response.headers.get('simpul-request-hash'), 'answered through the exchange');
      }
      // The first example's exchange is in the provider's log, under a checkpoint cosigned by two
      // other agencies' gateways; the receipt verifies offline.
      const first0 = manifest.examples[0]!;
      const exchangeId = (await fetch(first0.gateway + first0.path, { headers: first0.headers })).headers.get('simpul-id')!;
      const provider = manifest.gateways['ID/GOV/DUKCAPIL']!;
      const deadline = Date.now() + 60_000;
      let receipt: Response;
      do {
        receipt = await fetch(`${provider.url}/log/receipt/${exchangeId}`);
        if (receipt.status !== 200) await new Promise((r) => setTimeout(r, 250));
      } while (receipt.status !== 200 && Date.now() < deadline);
      assert.equal(receipt.status, 200, 'a receipt once a cosigned checkpoint covers the exchange');
      const logKey = (await (await fetch(`${provider.url}/log/key`)).text()).trim();
      const witnesses = [...first.gateways.values()].filter((g) => g.identity.member !== 'ID/GOV/DUKCAPIL').map((g) => formatVerifierKey(witnessName(g.identity.id), SIG_COSIGNATURE_V1, g.identity.logKey!.publicKey));
      const verified = verifyReceipt(await receipt.text(), { log: logKey, witnesses, quorum: 2 });
      assert.equal(verified.record.id, exchangeId);
      // The registry's OpenAPI and each gateway's health answer.
      assert.equal((await fetch(`${manifest.registry.url}/openapi.json`)).status, 200);
      for (const g of Object.values(manifest.gateways)) assert.equal((await fetch(`${g.url}/readyz`)).status, 200);
      // The discrepancy report across the agencies is built at start and served (test/reconcile-demo.test.ts covers its content).
      assert.equal((await first.reconcile.ready).state, 'ready');
      const overview = await fetch(manifest.reconcile.overview, { headers: { authorization: `Bearer ${manifest.reconcile.tokens.operator}` } });
      assert.deepEqual(((await overview.json()) as { agencies: { agency: string }[] }).agencies.map((a) => a.agency), ['DUKCAPIL', 'BPS', 'KEMENKES', 'KEMENDIKBUD', 'LICENSING']);
      // Oversight verifies the provider's log and publishes its checkpoint; the console asks for sign-in.
      let published: { gateway: string; size: number }[] = [];
      for (const until = Date.now() + 30_000; !published.some((c) => c.gateway === provider.id && c.size > 0) && Date.now() < until;) {
        published = (await (await fetch(`${manifest.transparency.url}data/checkpoint.json`)).json()) as typeof published;
        await new Promise((r) => setTimeout(r, 500));
      }
      assert.ok(published.some((c) => c.gateway === provider.id && c.size > 0), 'the transparency page shows the provider\'s verified checkpoint');
      const transparency = await (await fetch(manifest.transparency.url)).text();
      assert.match(transparency, /Data penduduk/);
      assert.doesNotMatch(transparency, /Belum ada hasil rekonsiliasi/, 'the reconciliation\'s quality scores are published');
      assert.match((await fetch(manifest.console.url)).url, /\/konsol\/masuk/);
      // A change at the population registry, to be found after the restart.
      const nik = manifest.examples[0]!.path.split('/').at(-1)!;
      const patch = await fetch(`${manifest.agencies.DUKCAPIL!.backend}/persons/${nik}/address`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ street: 'JL. MERDEKA NO. 1', rt: '001', rw: '002', village: 'GAMBIR', district: 'GAMBIR', city: 'KOTA JAKARTA PUSAT', province: 'DKI JAKARTA', postcode: '10110' }),
      });
      assert.equal(patch.status, 200, await patch.clone().text());

      // The citizen portal: a demo citizen of the population registry signs in with password and
      // TOTP and prefills an application through the portal's gateway and DUKCAPIL's.
      const portal = manifest.portal!;
      assert.equal((await fetch(`${portal.url}/masuk`)).status, 200, 'the printed portal URL answers');
      const citizen = portal.citizens[0]!;
      assert.equal(citizen.login, nik, 'the showcase person of the population registry is a demo citizen');
      assert.equal(citizen.name, first.data.persons.find((p) => p.nik === nik)!.fullName);
      assert.ok(citizen.password.length >= 10 && citizen.totpSecret);
      assert.ok(portal.staff.some((s) => s.role === 'officer') && portal.staff.some((s) => s.agency === 'ID/GOV/DUKCAPIL'));
      const browser = new InjectBrowser(first.portal.portal);
      const home = await signIn(browser, citizen.login, citizen.password, citizen.totpSecret!, new Date());
      assert.equal(home.status, 200);
      const preview = await browser.follow(await browser.post('/layanan/nib-umk', {}));
      assert.equal(preview.status, 200);
      assert.ok(preview.body.includes(citizen.name), 'the preview shows the name DUKCAPIL holds');
      assert.match(preview.body, /JL\. MERDEKA NO\. 1/, 'and the address as just changed at DUKCAPIL');
      // A disputed value reaches DUKCAPIL's correction queue; its decision shows on the application page.
      const applicationId = /\/permohonan\/([0-9a-f-]{36})\/sengketa/.exec(preview.body)![1]!;
      assert.equal((await browser.post(`/permohonan/${applicationId}/sengketa`, { item: 'birthPlace', claimed: 'CIBINONG', reason: 'Lahir di Cibinong' })).status, 303);
      const dukcapil = { authorization: `Bearer ${manifest.reconcile.tokens.DUKCAPIL}` };
      const queue = (await (await fetch(`${manifest.reconcile.corrections}?status=open&limit=1000`, { headers: dukcapil })).json()) as { id: string; reason: string; proposedValue: string; evidence: { application?: string } }[];
      const filed = queue.find((c) => c.reason === 'citizen_dispute' && c.evidence.application === applicationId);
      assert.ok(filed, "the dispute is in DUKCAPIL's queue");
      assert.equal(filed.proposedValue, 'CIBINONG');
      const decision = await fetch(`${manifest.reconcile.corrections}/${filed.id}/decision`, { method: 'POST', headers: { ...dukcapil, 'content-type': 'application/json' }, body: JSON.stringify({ status: 'accepted' }) });
      assert.equal(decision.status, 200);
      assert.match((await browser.get(`/permohonan/${applicationId}`)).body, /Diterima oleh/);

      // The tracker lists what every gateway recorded about the citizen: BPS's read through two
      // gateways (with its purpose and legal basis) as well as the portal's own.
      const tracked = await trackerOf(manifest).listBySubject(nik as Nik, { limit: 50 });
      assert.deepEqual(tracked.unavailable, []);
      const bpsRead = tracked.find((e) => e.exchangeId === exchangeId);
      assert.ok(bpsRead, 'the BPS lookup appears in the tracker');
      assert.equal(bpsRead.client, 'ID/GOV/BPS/SENSUS');
      assert.equal(bpsRead.service, 'ID/GOV/DUKCAPIL/SIAK/person');
      assert.equal(bpsRead.purpose, 'STATISTIK');
      assert.match(bpsRead.legalBasis!, /UU 16\/1997 Statistik/);
      assert.ok(Math.abs(bpsRead.time - Date.now()) < 5 * 60_000);
      assert.ok(tracked.some((e) => e.client === PORTAL_SUBSYSTEM && e.purpose === 'PERIZINAN-BERUSAHA-NIB' && e.outcome === 'ok'));
      assert.equal(new Set(tracked.map((e) => e.exchangeId)).size, tracked.length, 'one line per exchange, not one per gateway');
      const page = await browser.get('/pelacak');
      assert.equal(page.status, 200);
      for (const text of ['Badan Pusat Statistik', 'ID/GOV/BPS/SENSUS', 'STATISTIK', 'UU 16/1997 Statistik', 'PERIZINAN-BERUSAHA-NIB', `${provider.url}/log/receipt/${exchangeId}`]) assert.ok(page.body.includes(text), `the tracker page shows ${text}`);
      assert.doesNotMatch(page.body, /subject-exchanges/, 'the tracker\'s own reads are recorded but not listed');

      // Sign-up (ADR 0069): a person of the register without an account is checked at DUKCAPIL
      // through both gateways under the sign-up purpose; the code arrives in the demo outbox only.
      const newcomer = first.data.persons.find((p) => !p.deathDate && !portal.citizens.some((c) => c.login === p.nik))!;
      const nobody = `${newcomer.nik.slice(0, 12)}9999`;
      assert.ok(!first.data.persons.some((p) => p.nik === nobody));
      const visitor = new InjectBrowser(first.portal.portal, '10.9.0.1');
      await visitor.get('/daftar');
      const form = { password: 'sandi-pendaftar-baru', password2: 'sandi-pendaftar-baru' };
      assert.equal((await visitor.post('/daftar', { ...form, nik: nobody, name: newcomer.fullName })).status, 422, 'an unknown NIK is refused by DUKCAPIL\'s answer');
      assert.equal((await visitor.post('/daftar', { ...form, nik: newcomer.nik, name: `${newcomer.fullName} Palsu` })).status, 422);
      assert.equal((await visitor.post('/daftar', { ...form, nik: newcomer.nik, name: newcomer.fullName.toLowerCase() })).location, '/daftar/aktivasi?dikirim=1');
      const message = new FileOutbox(portal.outbox!).latestFor(newcomer.nik)!;
      await visitor.get('/daftar/aktivasi');
      assert.equal((await visitor.post('/daftar/aktivasi', { nik: newcomer.nik, code: message.code })).location, '/masuk?aktif=1');
      const signUpReads = (await trackerOf(manifest).listBySubject(newcomer.nik as Nik, { limit: 20 })).filter((e) => e.purpose === SIGN_UP_PURPOSE);
      assert.ok(signUpReads.some((e) => e.client === PORTAL_SUBSYSTEM && e.service === 'ID/GOV/DUKCAPIL/SIAK/person' && e.outcome === 'ok'), 'the sign-up check is in the newcomer\'s tracker');
    } finally {
      await first.close();
    }

    const second = await startDemo({ dataDir, portBase, persons: 300, logLevel: 'silent', databaseUrl });
    try {
      assert.equal(second.firstStart, false);
      const again = JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8')) as DemoManifest;
      assert.deepEqual(again.clients, manifest.clients, 'tokens survive a restart');
      assert.deepEqual(again.reconcile.tokens, manifest.reconcile.tokens);
      assert.ok(second.reconcile.service.report(), "the last run's report is served until the new run's is ready");
      assert.deepEqual(again.admin, manifest.admin);
      const example = again.examples[0]!;
      const response = await fetch(example.gateway + example.path, { headers: example.headers });
      assert.equal(response.status, 200);
      const person = (await response.json()) as { address: { street: string } };
      assert.equal(person.address.street, 'JL. MERDEKA NO. 1', 'the changed address was kept');
      // The portal keeps its accounts and the gateways their records.
      assert.deepEqual(again.portal, manifest.portal, 'demo sign-ins survive a restart');
      const other = again.portal!.citizens[1]!;
      const browser = new InjectBrowser(second.portal.portal);
      assert.equal((await signIn(browser, other.login, other.password, other.totpSecret!, new Date())).status, 200);
      const tracked = await trackerOf(again).listBySubject(again.portal!.citizens[0]!.login as Nik, { limit: 50 });
      assert.ok(tracked.some((e) => e.client === 'ID/GOV/BPS/SENSUS' && e.purpose === 'STATISTIK'), 'the tracker still lists the BPS read');
    } finally {
      await second.close();
    }
  });
});
