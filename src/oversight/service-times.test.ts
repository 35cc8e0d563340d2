import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { parseNik } from '../core/ids.js';
import { testBackends } from '../core/storage/testing.js';
import { portalFigures, seedDemoCitizens } from '../portal/index.js';
import { DEMO_NIK, portalFixture, type PortalFixture } from '../portal/testing/portal-fixture.js';
import { oversightFixture, type OversightFixture } from './testing.js';

const DAY = 86_400_000;
const CITIZEN = 'Siti Rahayu';

for (const backend of testBackends()) {
  describe(`complaint and permit times on the transparency page on ${backend.kind}`, () => {
    let portal: PortalFixture;
    let f: OversightFixture;
    const outputs: Record<string, string> = {};
    const tracking: string[] = [];
    const staff = randomUUID();

    before(async () => {
      portal = await portalFixture(backend);
      f = await oversightFixture(backend, { serviceTimes: portalFigures(portal.portal.ctx), now: () => portal.clock.now.getTime() });
      await seedDemoCitizens(portal.portal, [{ nik: parseNik(DEMO_NIK), name: CITIZEN }]);
      const accountId = (await portal.portal.ctx.db.selectFrom('account').select('id').executeTakeFirstOrThrow()).id;
      const desk = portal.portal.complaints;
      const submit = async (category: string) => {
        const c = await desk.submit({ accountId, category, title: `Keluhan ${CITIZEN} nomor ${tracking.length}`, body: `Saya ${CITIZEN}, NIK ${DEMO_NIK}, mengeluhkan layanan.`, location: 'Jl. Merdeka No. 10, Cibinong' });
        tracking.push(c.trackingId);
        return c;
      };
      // Twelve population-administration complaints, all submitted now and closed by the citizen
      // after 1, 2, … 12 days; two health complaints (one closed): too few to publish.
      const population = [];
      for (let i = 0; i < 12; i++) population.push(await submit('kependudukan'));
      const health = [await submit('kesehatan'), await submit('kesehatan')];
      for (const c of [...population, health[0]!]) {
        await desk.verify(c.agency, staff, c.id);
        await desk.respond(c.agency, staff, c.id, 'Sudah kami tindak lanjuti.');
      }
      for (const c of population) {
        portal.clock.advance(DAY);
        await desk.reply(accountId, c.trackingId, 'Terima kasih.', true);
      }
      await desk.reply(accountId, health[0]!.trackingId, '', true);
      for (const path of ['/', '/data/waktu-layanan.csv', '/data/waktu-layanan.json', '/data/katalog.jsonld']) {
        const response = await f.oversight.app.inject(path);
        assert.equal(response.statusCode, 200, path);
        outputs[path] = response.body;
      }
    });
    after(async () => {
      await f?.close();
      await portal?.close();
    });

    it('publishes complaint handling times per agency and category, small groups withheld', () => {
      const rows = parse(outputs['/data/waktu-layanan.csv']!, { columns: true }) as Record<string, string>[];
      const population = rows.find((r) => r.category === 'kependudukan')!;
      assert.equal(population.measure, 'complaint');
      assert.equal(population.agency, 'ID/GOV/DUKCAPIL');
      assert.equal(population.agency_name, 'Direktorat Jenderal Kependudukan dan Pencatatan Sipil');
      assert.equal(population.completed, '12');
      assert.equal(population.median_days, '6.5', 'closed after 1..12 days');
      assert.equal(population.p90_days, '10.9');
      assert.equal(population.open, '', 'none open: a zero is a small count too');
      const health = rows.find((r) => r.category === 'kesehatan')!;
      assert.deepEqual([health.completed, health.open, health.median_days, health.p90_days], ['', '', '', '']);
      const json = JSON.parse(outputs['/data/waktu-layanan.json']!) as { rows: { category: string; median_days: number | null }[]; suppression: { threshold: number } };
      assert.equal(json.suppression.threshold, 10);
      assert.equal(json.rows.find((r) => r.category === 'kependudukan')!.median_days, 6.5);
      assert.equal(json.rows.find((r) => r.category === 'kesehatan')!.median_days, null);
    });

    it('shows the times on the page and describes them in the DCAT catalogue', () => {
      const page = outputs['/']!;
      assert.match(page, /Waktu layanan publik/);
      assert.match(page, /Waktu penanganan pengaduan per instansi dan kategori/);
      assert.match(page, />6,5</, 'Indonesian decimal comma');
      assert.match(page, /href="\/data\/waktu-layanan.csv"/);
      const dcat = JSON.parse(outputs['/data/katalog.jsonld']!) as { 'dcat:dataset': { 'dct:identifier': string; 'dcat:distribution': { 'dcat:downloadURL': { '@id': string } }[] }[] };
      const times = dcat['dcat:dataset'].find((d) => d['dct:identifier'] === 'simpul-waktu-layanan')!;
      assert.deepEqual(times['dcat:distribution'].map((d) => d['dcat:downloadURL']['@id'].replace(/^.*\/data\//, '')), ['waktu-layanan.csv', 'waktu-layanan.json']);
    });

    it('contains no NIK, name, complaint text, address or tracking number', () => {
      assert.equal(tracking.length, 14);
      for (const [path, body] of Object.entries(outputs)) {
        for (const secret of [DEMO_NIK, CITIZEN, 'Keluhan', 'mengeluhkan', 'Jl. Merdeka', 'Sudah kami tindak lanjuti', ...tracking]) {
          assert.ok(!body.includes(secret), `${path} contains ${secret}`);
        }
      }
    });
  });
}
