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
import pg from 'pg';
import { startDemo, type DemoManifest } from '../src/demo/federation.js';
import { witnessName } from '../src/gateway/exchange-log.js';
import { SIG_COSIGNATURE_V1, formatVerifierKey, verifyReceipt } from '../src/log/index.js';
import { serverUrl } from '../src/core/storage/testing.js';

/** The demo's schemas have fixed names, so on the real server it gets a database of its own. */
async function freshDatabase(url: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `simpul_demo_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const target = new URL(url);
  target.pathname = `/${name}`;
  return {
    url: target.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

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
      assert.deepEqual(Object.keys(manifest.gateways).sort(), ['ID/GOV/BPS', 'ID/GOV/DUKCAPIL', 'ID/GOV/KEMENDIKBUD', 'ID/GOV/KEMENKES', 'ID/GOV/LICENSING']);
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
      // A change at the population registry, to be found after the restart.
      const nik = manifest.examples[0]!.path.split('/').at(-1)!;
      const patch = await fetch(`${manifest.agencies.DUKCAPIL!.backend}/persons/${nik}/address`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ street: 'JL. MERDEKA NO. 1', rt: '001', rw: '002', village: 'GAMBIR', district: 'GAMBIR', city: 'KOTA JAKARTA PUSAT', province: 'DKI JAKARTA', postcode: '10110' }),
      });
      assert.equal(patch.status, 200, await patch.clone().text());
    } finally {
      await first.close();
    }

    const second = await startDemo({ dataDir, portBase, persons: 300, logLevel: 'silent', databaseUrl });
    try {
      assert.equal(second.firstStart, false);
      const again = JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8')) as DemoManifest;
      assert.deepEqual(again.clients, manifest.clients, 'tokens survive a restart');
      assert.deepEqual(again.admin, manifest.admin);
      const example = again.examples[0]!;
      const response = await fetch(example.gateway + example.path, { headers: example.headers });
      assert.equal(response.status, 200);
      const person = (await response.json()) as { address: { street: string } };
      assert.equal(person.address.street, 'JL. MERDEKA NO. 1', 'the changed address was kept');
    } finally {
      await second.close();
    }
  });
});
