import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { testBackends } from '../core/storage/testing.js';
import { generateFederationData } from '../demo/data/index.js';
import { generateSigningKey } from '../core/crypto.js';
import { createHttpApp, listen } from '../core/http/app.js';
import { witnessName } from '../gateway/exchange-log.js';
import { Witness, logOrigin, migrateLog, registerWitnessRefusalRoutes, type AnyDb } from '../log/index.js';
import { formatAddCheckpoint } from '../log/witness.js';
import { exchange, oversightFixture, T0, type OversightFixture } from './testing.js';

const DUKCAPIL_GW = 'ID/GOV/DUKCAPIL/gw1';
const BPS_GW = 'ID/GOV/BPS/gw1';

for (const backend of testBackends()) {
  describe(`transparency page and log monitor on ${backend.kind}`, () => {
    let f: OversightFixture;
    const persons = generateFederationData({ persons: 200 }).persons;
    const outputs: Record<string, string> = {};

    before(async () => {
      f = await oversightFixture(backend);
      const bps = f.logs.get(BPS_GW)!;
      const dukcapil = f.logs.get(DUKCAPIL_GW)!;
      // 60 lookups by BPS of DUKCAPIL's person service, logged by both gateways (one exchange each).
      const consumer = persons.slice(0, 60).map((p, i) => exchange({ time: T0 - 3_600_000 + i * 1000, durationMs: 10 + i }, bps.salt, p.nik));
      await bps.append(consumer);
      await dukcapil.append(consumer.map((r) => ({ ...r, side: 'provider' as const, subjectCommitment: exchange({ time: r.time }, dukcapil.salt, persons[consumer.indexOf(r)]!.nik).subjectCommitment, durationMs: 5 })));
      // Three refusals of KEMENKES: too few to publish.
      await dukcapil.append(persons.slice(60, 63).map((p, i) => exchange({ time: T0 - 1_800_000 + i, client: 'ID/GOV/KEMENKES/SATUSEHAT', side: 'provider', outcome: 'refused', status: 403, code: 'client.access_denied', legalBasis: null }, dukcapil.salt, p.nik)));
      await f.oversight.tick();
      for (const path of ['/', '/data/statistik.csv', '/data/statistik.json', '/data/katalog.jsonld', '/data/checkpoint.json']) {
        const response = await f.oversight.app.inject(path);
        assert.equal(response.statusCode, 200, path);
        outputs[path] = response.body;
      }
      outputs['/ (en)'] = (await f.oversight.app.inject({ url: '/', cookies: { oversight_lang: 'en' } })).body;
    });
    after(async () => f?.close());

    it('verifies every gateway log and keeps each leaf once', async () => {
      const logs = await f.oversight.db.selectFrom('monitored_log').selectAll().orderBy('gateway').execute();
      assert.deepEqual(logs.map((l) => [l.gateway, Number(l.size)]), [[BPS_GW, 60], [DUKCAPIL_GW, 63]]);
      const again = await f.oversight.monitor.pollAll();
      assert.deepEqual(again.map((r) => r.added), [0, 0]);
      assert.equal((await f.oversight.db.selectFrom('log_event').selectAll().execute()).length, 0);
    });

    it('counts an exchange logged by both gateways once, from the consumer side', async () => {
      const services = await f.oversight.statistics.byService({ from: T0 - 86_400_000, to: T0 + 1 });
      assert.equal(services.length, 1);
      assert.equal(services[0]!.total, 63);
      assert.equal(services[0]!.ok, 60);
      assert.equal(services[0]!.refused, 3);
      assert.equal(services[0]!.p50, 39.5, 'the consumer side durations, 10..69 ms');
    });

    it('shows statistics per agency and service with small counts withheld, in both languages', () => {
      const page = outputs['/']!;
      assert.match(page, /<html lang="id">/);
      assert.match(page, /Pertukaran per layanan/);
      assert.match(page, /Data penduduk/);
      assert.match(page, />63</);
      assert.match(page, />60</);
      assert.match(page, /&lt;ds>/, 'the 3 refusals are withheld');
      assert.match(page, /Badan Pusat Statistik → Direktorat Jenderal Kependudukan/);
      assert.doesNotMatch(page, /Kementerian Kesehatan →/, 'a pair below the threshold is not shown');
      assert.match(outputs['/ (en)']!, /Exchanges per service/);
      assert.match(outputs['/ (en)']!, /<html lang="en">/);
    });

    it('publishes the latest signed checkpoint of every log with the command that verifies it', async () => {
      const page = outputs['/']!;
      for (const [id, log] of f.logs) {
        const note = (await (await fetch(`${log.url}/log/checkpoint`)).text());
        assert.ok(page.includes(note.split('\n')[2]!), `root of ${id}`);
        assert.ok(page.includes(`simpul.go.id/log/${id}`));
        assert.ok(page.includes(`npx simpul log verify --gateway ${log.url}`));
        assert.ok(page.includes(log.checkpointer.verifierKey), 'the key from the registry configuration');
      }
      const checkpoints = JSON.parse(outputs['/data/checkpoint.json']!) as { gateway: string; size: number; logKey: string }[];
      assert.deepEqual(checkpoints.map((c) => [c.gateway, c.size]), [[BPS_GW, 60], [DUKCAPIL_GW, 63]]);
    });

    it('exports open data as CSV and JSON with DCAT metadata, small counts withheld', () => {
      const rows = parse(outputs['/data/statistik.csv']!, { columns: true }) as Record<string, string>[];
      const bps = rows.find((r) => r.consumer === 'ID/GOV/BPS')!;
      assert.equal(bps.total, '60');
      assert.equal(bps.provider_name, 'Direktorat Jenderal Kependudukan dan Pencatatan Sipil');
      assert.equal(bps.day, '2026-01-05');
      const kemenkes = rows.find((r) => r.consumer === 'ID/GOV/KEMENKES')!;
      assert.equal(kemenkes.total, '', 'withheld');
      const json = JSON.parse(outputs['/data/statistik.json']!) as { rows: { consumer: string; total: number | null }[]; suppression: { threshold: number } };
      assert.equal(json.suppression.threshold, 10);
      assert.equal(json.rows.find((r) => r.consumer === 'ID/GOV/KEMENKES')!.total, null);
      const dcat = JSON.parse(outputs['/data/katalog.jsonld']!) as Record<string, unknown> & { 'dcat:dataset': { 'dcat:distribution': { 'dcat:downloadURL': { '@id': string } }[] }[] };
      assert.equal(dcat['@type'], 'dcat:Catalog');
      assert.deepEqual(dcat['dcat:dataset'][0]!['dcat:distribution'].map((d) => d['dcat:downloadURL']['@id'].replace(/^.*\/data\//, '')), ['statistik.csv', 'statistik.json']);
    });

    it('contains no NIK, name or subject commitment of the persons whose data was exchanged', async () => {
      const commitments = (await f.oversight.db.selectFrom('observed_exchange').select('subject').execute()).map((r) => r.subject!);
      assert.equal(commitments.length, 123);
      for (const [path, body] of Object.entries(outputs)) {
        for (const p of persons.slice(0, 63)) {
          assert.ok(!body.includes(p.nik), `${path} contains a NIK`);
          assert.ok(!body.includes(p.fullName), `${path} contains the name ${p.fullName}`);
        }
        for (const c of commitments) {
          assert.ok(!body.includes(c.toString('hex')) && !body.includes(c.toString('base64')), `${path} contains a subject commitment`);
        }
      }
    });

    it('raises a checkpoint alert when a gateway shows another history', async () => {
      const dukcapil = f.logs.get(DUKCAPIL_GW)!;
      // Same log key, same origin, different leaves: a forked log.
      const fork = await f.openLog(DUKCAPIL_GW, dukcapil.key, 'ovl_fork');
      await fork.append(persons.slice(0, 64).map((p, i) => exchange({ time: T0 + i, side: 'provider' }, dukcapil.salt, p.nik)));
      f.serve(DUKCAPIL_GW, fork.url);
      f.clock.now = T0 + 60_000;
      await f.oversight.tick();
      const events = await f.oversight.db.selectFrom('log_event').selectAll().execute();
      assert.deepEqual(events.map((e) => [e.gateway, e.kind]), [[DUKCAPIL_GW, 'fork']]);
      const alerts = await f.oversight.alerts.list({ rule: 'checkpoint' });
      assert.equal(alerts.length, 1);
      assert.equal(alerts[0]!.member, 'ID/GOV/DUKCAPIL');
      assert.equal(alerts[0]!.severity, 'high');
      // The monitor keeps the history it verified, and the same evidence is one event.
      await f.oversight.tick();
      assert.equal((await f.oversight.db.selectFrom('log_event').selectAll().execute()).length, 1);
      assert.equal(Number((await f.oversight.db.selectFrom('monitored_log').select('size').where('gateway', '=', DUKCAPIL_GW).executeTakeFirstOrThrow()).size), 63);
      f.serve(DUKCAPIL_GW, dukcapil.url);
    });

    it('raises a checkpoint alert when another gateway\'s witness refused a checkpoint, once per evidence', async () => {
      const dukcapil = f.logs.get(DUKCAPIL_GW)!;
      // BPS's gateway witnesses DUKCAPIL's log: it cosigns the honest checkpoint, then refuses
      // a forked one whose consistency proof cannot hold.
      const database = await backend.open<unknown>('ovl_witness');
      await migrateLog(database.db as never, database.schema);
      const witness = new Witness({ db: database.db as AnyDb, name: witnessName(BPS_GW), key: generateSigningKey(), logKeys: (origin) => (origin === logOrigin(DUKCAPIL_GW) ? [dukcapil.checkpointer.verifierKey] : undefined) });
      const app = await createHttpApp({ title: 'BPS gateway', logLevel: 'silent' });
      await registerWitnessRefusalRoutes(app, witness);
      const url = await listen(app, 0);
      try {
        const honest = await (await fetch(`${dukcapil.url}/log/checkpoint`)).text();
        assert.equal((await witness.addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], note: honest }))).status, 200);
        const fork = await f.openLog(DUKCAPIL_GW, dukcapil.key, 'ovl_fork2');
        await fork.append(persons.slice(0, 64).map((p, i) => exchange({ time: T0 + i, side: 'provider' }, dukcapil.salt, p.nik)));
        const forked = await (await fetch(`${fork.url}/log/checkpoint`)).text();
        const refused = await witness.addCheckpoint(formatAddCheckpoint({ oldSize: 63, proof: [Buffer.alloc(32, 7)], note: forked }));
        assert.equal(refused.status, 422);

        const bpsUrl = f.logs.get(BPS_GW)!.url;
        // The witness's refusals are public; the BPS gateway of this fixture serves them.
        const before = (await f.oversight.db.selectFrom('log_event').selectAll().execute()).length;
        f.serve(BPS_GW, url);
        await f.oversight.tick();
        await f.oversight.tick();
        f.serve(BPS_GW, bpsUrl);
        const events = (await f.oversight.db.selectFrom('log_event').selectAll().execute()).slice(before);
        assert.deepEqual(events.map((e) => [e.gateway, e.kind]), [[DUKCAPIL_GW, 'witness_refusal']]);
        assert.match(events[0]!.detail, /ID\/GOV\/BPS\/gw1 refused a checkpoint of ID\/GOV\/DUKCAPIL\/gw1 \(consistency proof does not verify\)/);
        assert.ok(events[0]!.evidence!.includes(forked.split('\n')[0]!));
      } finally {
        await app.close();
        await database.close();
      }
    });
  });
}
