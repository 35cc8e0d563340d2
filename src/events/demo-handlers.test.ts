import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Database } from '../core/storage/database.js';
import { validateAgainstModel } from '../core/model/validate-model.js';
import { PATIENT_ID, NIK_SYSTEM } from '../core/model/schemas/patient.js';
import { testBackends } from '../core/storage/testing.js';
import { buildAgencyBackend } from '../demo/backends/agency-backend.js';
import { testData } from '../demo/backends/testing.js';
import type { HttpApp } from '../core/http/app.js';
import { businessFromDemo } from '../demo/legacy/demo-records.js';
import { bpsBusinessHandler, kemendikbudStudentHandler, kemenkesPatientHandler } from './demo-handlers.js';
import { addressChanged, businessRegistered, nameChanged, personDied } from './event.js';
import { LocalFeedSource } from './local-feed-source.js';
import { OutboxFeed } from './outbox-feed.js';
import { appendToOutbox, migrateOutbox } from './outbox.js';
import { Subscription, type EventHandler } from './subscription.js';

const SERVICE = 'ID/GOV/DUKCAPIL/SIAK/events';
const MOVED = { street: 'JL. PEMUDA NO. 9', rt: '003', rw: '007', village: 'KEBON PISANG', district: 'SUMUR BANDUNG', city: 'KOTA BANDUNG', province: 'JAWA BARAT', postcode: '40112' };
const MOVED_AGAIN = { ...MOVED, street: 'JL. PEMUDA NO. 11' };

/** Runs the events through a subscription on the agency's own database and stops once applied. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function deliver(database: Database<any>, handler: EventHandler, name: string, events: Parameters<typeof appendToOutbox>[1][]): Promise<void> {
  let last = 0;
  for (const batch of events) {
    const written = await database.db.transaction().execute((trx) => appendToOutbox(trx, batch));
    last = written.at(-1)!.position;
  }
  const feed = new OutboxFeed({ db: database.db });
  const subscription = await Subscription.open({ name, database, source: new LocalFeedSource(feed, SERVICE), handler, waitMs: 100 });
  subscription.start();
  await subscription.waitForPosition(last);
  await subscription.stop();
  await feed.close();
  assert.equal((await subscription.status()).openDeadLetters, 0);
}

for (const storage of testBackends()) {
  describe(`demo copies follow DUKCAPIL's events on ${storage.kind}`, () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const dbs: Database<any>[] = [];
    const apps: HttpApp[] = [];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let kemenkes: Database<any>;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let kemendikbud: Database<any>;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let bps: Database<any>;
    let kemenkesApp: HttpApp;
    let kemendikbudApp: HttpApp;
    let bpsApp: HttpApp;

    before(async () => {
      kemenkes = await storage.open('ev_kemenkes');
      kemendikbud = await storage.open('ev_kemendikbud');
      bps = await storage.open('ev_bps_register');
      dbs.push(kemenkes, kemendikbud, bps);
      kemenkesApp = (await buildAgencyBackend('KEMENKES', { database: kemenkes, data: testData, logLevel: 'silent' })).app;
      kemendikbudApp = (await buildAgencyBackend('KEMENDIKBUD', { database: kemendikbud, data: testData, logLevel: 'silent' })).app;
      bpsApp = (await buildAgencyBackend('BPS', { database: bps, data: testData, logLevel: 'silent' })).app;
      apps.push(kemenkesApp, kemendikbudApp, bpsApp);
      // In these tests the publisher's outbox shares the subscriber's database; the handlers never touch it.
      for (const d of dbs) await migrateOutbox(d.db, d.schema);
    });
    after(async () => {
      for (const a of apps) await a.close();
      for (const d of dbs) await d.close();
    });

    it('KEMENKES: a move, a second move, a new name and a death become a valid FHIR Patient', async () => {
      const patient = testData.kemenkes.patients.find((p) => !p.deceasedBoolean && !p.deceasedDateTime && p.identifier.some((i) => i.system === NIK_SYSTEM))!;
      const nik = patient.identifier.find((i) => i.system === NIK_SYSTEM)!.value;
      // The first page holds two moves (the batch path keeps the last); the next mixes types (one by one).
      await deliver(kemenkes, kemenkesPatientHandler, 'kemenkes', [
        [addressChanged(nik, MOVED, MOVED), addressChanged(nik, MOVED, MOVED_AGAIN)],
        [nameChanged(nik, 'X', 'SITI RAHAYU PUTRI'), personDied(nik, '2024-03-01')],
      ]);
      const res = await kemenkesApp.inject({ method: 'GET', url: `/Patient/${patient.id}` });
      assert.equal(res.statusCode, 200);
      const updated = res.json();
      assert.deepEqual(updated.address[0].line, ['Jl. Pemuda No. 11']);
      assert.equal(updated.address[0].postalCode, '40112');
      assert.equal(updated.address[0].district, 'Sumur Bandung');
      assert.deepEqual(updated.name, [{ use: 'official', text: 'Siti Rahayu Putri' }]);
      assert.equal(updated.deceasedDateTime, '2024-03-01T00:00:00+07:00');
      assert.equal(updated.deceasedBoolean, undefined);
      assert.ok(updated.meta.lastUpdated > patient.meta.lastUpdated, 'a new version of the resource');
      const valid = validateAgainstModel(PATIENT_ID, updated);
      assert.ok(valid.ok, JSON.stringify(valid));
    });

    it('KEMENDIKBUD: every student record with the NIK takes the new address and name', async () => {
      const student = testData.kemendikbud.students.find((s) => s.nik)!;
      await deliver(kemendikbud, kemendikbudStudentHandler, 'kemendikbud', [[addressChanged(student.nik!, MOVED, MOVED_AGAIN), nameChanged(student.nik!, student.fullName, 'BUDI SANTOSO')]]);
      const res = await kemendikbudApp.inject({ method: 'GET', url: `/students/${student.nisn}` });
      assert.equal(res.statusCode, 200);
      const updated = res.json();
      assert.deepEqual(updated.address, MOVED_AGAIN);
      assert.equal(updated.fullName, 'BUDI SANTOSO');
      assert.ok(updated.updatedAt > student.updatedAt);
    });

    it('BPS: a registered business enters its business register in BPS\'s shape, with one row however often it is applied', async () => {
      const seeded = testData.licensing.businesses[0]!;
      const before = await bpsApp.inject({ method: 'GET', url: `/business-register/${seeded.nib}` });
      assert.equal(before.statusCode, 200, 'the copy starts from the licensing agency\'s businesses');
      const registered = { nib: '9225000000042', name: 'Warung Kopi Bu Siti', kbli: ['56303', '47911'], ownerNik: seeded.ownerNik, address: MOVED, riskLevel: 'rendah' as const, registeredAt: '2025-02-01' };
      assert.equal((await bpsApp.inject({ method: 'GET', url: `/business-register/${registered.nib}` })).statusCode, 404);
      const event = businessRegistered(registered);
      await deliver(bps, bpsBusinessHandler, 'bps-business', [[event]]);
      const res = await bpsApp.inject({ method: 'GET', url: `/business-register/${registered.nib}` });
      assert.equal(res.statusCode, 200);
      const copy = res.json();
      assert.deepEqual({ ...copy, updatedAt: undefined }, {
        nib: registered.nib, name: 'WARUNG KOPI BU SITI', mainKbli: '56303', kbli: ['56303', '47911'], ownerNik: seeded.ownerNik,
        address: MOVED, riskLevel: 'rendah', registeredAt: '2025-02-01', updatedAt: undefined,
      });
      // Applied again (a replay that forgets the inbox): the same single row.
      await bps.db.transaction().execute((trx) => bpsBusinessHandler.apply({ ...event, position: 1, time: new Date().toISOString() } as Parameters<typeof bpsBusinessHandler.apply>[0], trx));
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from business_register where nib = ${registered.nib}`.execute(bps.db);
      assert.equal(rows[0]!.n, 1);
      assert.equal((await bpsApp.inject({ method: 'GET', url: `/business-register/${registered.nib}` })).json().name, 'WARUNG KOPI BU SITI');
      // The seeded entries are in the same shape as those that arrive by event.
      assert.deepEqual(before.json().name, businessFromDemo(seeded).name.toUpperCase());
    });
  });
}
