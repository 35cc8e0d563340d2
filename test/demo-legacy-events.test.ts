/**
 * The running demo federation as issue 6 describes it: KEMENDIKBUD's pupils come from a real
 * SOAP service, BPS's respondents from a CSV export, the licensing agency's businesses from a
 * read-only SQL view, each through the gateways in the common data model; births, deaths,
 * name and address changes registered at DUKCAPIL reach BPS, KEMENKES and KEMENDIKBUD, and a
 * business registered at the licensing agency reaches BPS's business register, whose copies
 * update, with `simpul events status` showing each subscription's position and lag.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { modelId } from '../src/core/model/model-id.js';
import { validateRecordsAgainstModel } from '../src/core/model/validate-model.js';
import { serverUrl } from '../src/core/storage/testing.js';
import { DEMO_BUSINESS_EVENTS_SERVICE, DEMO_EVENTS_PURPOSE, DEMO_EVENTS_SERVICE } from '../src/events/demo.js';
import { startDemo, type RunningDemo } from '../src/demo/federation.js';
import { freshDatabase } from './demo-fresh-database.js';

const run = promisify(execFile);
const M = (code: string) => `ID/GOV/${code}`;
const NEW_ADDRESS = { street: 'JL. MERDEKA NO. 17', rt: '004', rw: '009', village: 'GAMBIR', district: 'GAMBIR', city: 'KOTA JAKARTA PUSAT', province: 'DKI JAKARTA', postcode: '10110' };

for (const kind of serverUrl() ? ['pglite', 'postgres'] : ['pglite']) describe(`demo legacy systems and events on ${kind}`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'simpul-demo-le-'));
  const portBase = 12000 + 100 * Math.floor(Math.random() * 190);
  let drop: (() => Promise<void>) | undefined;
  let demo: RunningDemo;

  before(async () => {
    let databaseUrl: string | undefined;
    if (kind === 'postgres') ({ url: databaseUrl, drop } = await freshDatabase(serverUrl()!));
    demo = await startDemo({ dataDir, portBase, persons: 300, logLevel: 'silent', databaseUrl, exportIntervalMs: 0 });
  });
  after(async () => {
    await demo?.close();
    rmSync(dataDir, { recursive: true, force: true });
    await drop?.();
  });

  /** Calls a service through the client's own gateway and the provider's, as the demo's examples do. */
  async function call(client: string, purpose: string, path: string, subject?: string | null): Promise<Response> {
    const member = client.split('/').slice(0, 3).join('/');
    const headers: Record<string, string> = { authorization: `Bearer ${demo.manifest.clients[client]!.token}`, 'simpul-client': client, 'simpul-purpose': purpose, ...(subject ? { 'simpul-subject': subject } : {}) };
    return fetch(`${demo.manifest.gateways[member]!.url}/r1/${path}`, { headers });
  }
  async function json<T>(response: Response): Promise<T> {
    assert.equal(response.status, 200, await response.clone().text());
    return (await response.json()) as T;
  }
  const backend = (agency: string) => demo.manifest.agencies[agency]!.backend;
  async function change(method: string, path: string, body: unknown, status = 200) {
    const response = await fetch(`${backend('DUKCAPIL')}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(response.status, status, await response.clone().text());
    return response.json() as Promise<{ nik: string; fullName: string }>;
  }
  /** Until every subscription to `service` has applied everything its publisher published, at least `head` events. */
  async function settled(head: number, service = DEMO_EVENTS_SERVICE, count = 3) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const all = (await (await fetch(`${demo.manifest.events!.url}/subscriptions`)).json()) as { subscriptions: { owner: string; service: string; position: number; head: number; behind: number }[] };
      const subscriptions = all.subscriptions.filter((s) => s.service === service);
      if (subscriptions.length === count && subscriptions.every((s) => s.head >= head && s.behind === 0 && s.position === s.head)) return subscriptions;
      if (Date.now() > deadline) assert.fail(`subscriptions did not catch up: ${JSON.stringify(subscriptions)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('serves SOAP, CSV and SQL legacy systems through the gateways in the common data model', async () => {
    const { data } = demo;
    const nik = data.showcaseNik;
    const wsdl = await fetch(demo.manifest.legacy!.soap + '?wsdl');
    assert.match(await wsdl.text(), /<definitions name="LayananSiswa"/, 'KEMENDIKBUD really speaks SOAP');

    const pupil = data.kemendikbud.students.find((s) => s.nik === nik)!;
    const student = await json<{ nisn: string; fullName: string; school: { npsn: string } }>(await call(`${M('KEMENKES')}/SATUSEHAT`, 'IMUNISASI-SEKOLAH', `${M('KEMENDIKBUD')}/DAPODIK/student/${pupil.nisn}`, nik));
    assert.deepEqual(validateRecordsAgainstModel(modelId('student', 1), student), { ok: true });
    assert.deepEqual([student.nisn, student.fullName, student.school.npsn], [pupil.nisn, pupil.fullName.toUpperCase(), pupil.npsn]);
    const unknown = await call(`${M('KEMENKES')}/SATUSEHAT`, 'IMUNISASI-SEKOLAH', `${M('KEMENDIKBUD')}/DAPODIK/student/0000000000`, nik);
    assert.equal(unknown.status, 404, 'the SOAP fault "tidak ditemukan" becomes not found');

    const surveyed = await json<{ items: { respondentId: string; nik: string }[] }>(await call(`${M('DUKCAPIL')}/SIAK`, 'PEMADANAN-DATA', `${M('BPS')}/SENSUS/respondent/by-nik/${nik}`, nik));
    assert.deepEqual(validateRecordsAgainstModel(modelId('respondent', 1), surveyed), { ok: true });
    assert.deepEqual(surveyed.items.map((r) => r.respondentId).sort(), data.bps.respondents.filter((r) => r.nik === nik).map((r) => r.id).sort());

    const firm = data.licensing.businesses[0]!;
    const business = await json<{ nib: string; name: string; riskLevel: string }>(await call(`${M('BPS')}/SENSUS`, 'STATISTIK', `${M('LICENSING')}/OSS/business/${firm.nib}`, firm.ownerNik));
    assert.deepEqual(validateRecordsAgainstModel(modelId('business', 1), business), { ok: true });
    assert.deepEqual([business.nib, business.name, business.riskLevel], [firm.nib, firm.businessName, firm.riskLevel.toLowerCase()]);
  });

  it('carries an address change, a name change and a death from DUKCAPIL to the subscribed agencies\' copies', async () => {
    const { data } = demo;
    const nik = data.showcaseNik;
    await change('PATCH', `/persons/${nik}/address`, NEW_ADDRESS);
    const renamed = await change('PATCH', `/persons/${nik}/name`, { fullName: 'Siti Rahmawati Putri' });
    assert.equal(renamed.fullName, 'SITI RAHMAWATI PUTRI');
    const patientNiks = new Set(data.kemenkes.patients.flatMap((p) => p.identifier.map((i) => i.value)));
    const dying = data.persons.find((p) => p.nik !== nik && p.deathDate === null && patientNiks.has(p.nik))!;
    await change('POST', `/persons/${dying.nik}/death`, { deathDate: '2025-01-15' });
    await change('POST', `/persons/${dying.nik}/death`, { deathDate: '2025-01-16' }, 409);
    const subscriptions = await settled(3);
    assert.deepEqual(subscriptions.map((s) => s.owner).sort(), ['BPS', 'KEMENDIKBUD', 'KEMENKES']);

    // KEMENKES: the FHIR Patient has the new address and, for the deceased, the date of death.
    const patients = await json<{ entry: { resource: { address: { line: string[] }[]; name: { text: string }[] } }[] }>(
      await call(`${M('KEMENDIKBUD')}/DAPODIK`, 'IMUNISASI-SEKOLAH', `${M('KEMENKES')}/SATUSEHAT/patient?identifier=${encodeURIComponent(`https://fhir.kemkes.go.id/id/nik|${nik}`)}`, nik),
    );
    assert.ok(patients.entry.length > 0);
    for (const e of patients.entry) {
      assert.deepEqual(e.resource.address[0]!.line, ['Jl. Merdeka No. 17']);
      assert.equal(e.resource.name[0]!.text, 'Siti Rahmawati Putri');
    }
    const deceased = await json<{ entry: { resource: { deceasedDateTime?: string } }[] }>(
      await call(`${M('KEMENDIKBUD')}/DAPODIK`, 'IMUNISASI-SEKOLAH', `${M('KEMENKES')}/SATUSEHAT/patient?identifier=${encodeURIComponent(`https://fhir.kemkes.go.id/id/nik|${dying.nik}`)}`, dying.nik),
    );
    assert.ok(deceased.entry.every((e) => e.resource.deceasedDateTime === '2025-01-15T00:00:00+07:00'));

    // KEMENDIKBUD: its SOAP service reads the updated table, so the new name shows through the gateway.
    const pupil = data.kemendikbud.students.find((s) => s.nik === nik)!;
    const student = await json<{ fullName: string }>(await call(`${M('KEMENKES')}/SATUSEHAT`, 'IMUNISASI-SEKOLAH', `${M('KEMENDIKBUD')}/DAPODIK/student/${pupil.nisn}`, nik));
    assert.equal(student.fullName, 'SITI RAHMAWATI PUTRI');
    const own = await json<{ address: { street: string } }>(await fetch(`${backend('KEMENDIKBUD')}/students/${pupil.nisn}`));
    assert.equal(own.address.street, NEW_ADDRESS.street);

    // BPS: the copy changed at once; its CSV service shows it from the next export.
    const path = `${M('BPS')}/SENSUS/respondent/by-nik/${nik}`;
    await demo.legacy.exportRespondents();
    const surveyed = await json<{ items: { fullName: string; address: { street: string; village: string } }[] }>(await call(`${M('DUKCAPIL')}/SIAK`, 'PEMADANAN-DATA', path, nik));
    assert.ok(surveyed.items.length > 0);
    for (const r of surveyed.items) assert.deepEqual([r.fullName, r.address.street, r.address.village], ['SITI RAHMAWATI PUTRI', NEW_ADDRESS.street, NEW_ADDRESS.village]);
  });

  it('carries a business registered at the licensing agency to BPS\'s business register, once, through the gateways', async () => {
    const owner = demo.data.persons.find((p) => p.nik === demo.data.showcaseNik)!;
    const kbli = demo.data.licensing.kbli.find((k) => k.riskLevel === 'RENDAH')!;
    const address = { street: 'Jl. Pasar Baru No. 5', rt: '002', rw: '004', village: 'Pasar Baru', district: 'Sawah Besar', city: 'Kota Jakarta Pusat', province: 'DKI Jakarta', postcode: '10710' };
    const applied = await fetch(`${backend('LICENSING')}/applications`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ownerNik: owner.nik, ownerName: owner.fullName, businessName: 'Warung Sembako Rahmawati', kbli: [kbli.code], address, investment: 25_000_000, employees: 2 }),
    });
    assert.equal(applied.status, 201, await applied.clone().text());
    const { nib } = (await applied.json()) as { nib: string };
    const [bps] = await settled(1, DEMO_BUSINESS_EVENTS_SERVICE, 1);
    assert.equal(bps!.owner, 'BPS');

    // BPS's copy, in its own shape: upper case, the main activity apart.
    const copy = await json<{ nib: string; name: string; mainKbli: string; kbli: string[]; ownerNik: string; address: { street: string; city: string; rt: string }; riskLevel: string }>(await fetch(`${backend('BPS')}/business-register/${nib}`));
    assert.deepEqual(
      [copy.nib, copy.name, copy.mainKbli, copy.kbli, copy.ownerNik, copy.address.street, copy.address.city, copy.address.rt, copy.riskLevel],
      [nib, 'WARUNG SEMBAKO RAHMAWATI', kbli.code, [kbli.code], owner.nik, 'JL. PASAR BARU NO. 5', 'KOTA JAKARTA PUSAT', '002', 'rendah'],
    );

    // The delivery was an exchange under BPS's subscription right, recorded by both gateways.
    const gateways = demo.gateways;
    const consumerRecords = await gateways.get('BPS')!.db.selectFrom('exchange_record').selectAll().where('service', '=', DEMO_BUSINESS_EVENTS_SERVICE).where('outcome', '=', 'ok').execute();
    const rights = await demo.registry.listRights({ client: `${M('BPS')}/SENSUS`, service: DEMO_BUSINESS_EVENTS_SERVICE });
    assert.deepEqual(rights.map((r) => r.purpose), [DEMO_EVENTS_PURPOSE], 'the subscription is an access right');
    assert.match(rights[0]!.legalBasis, /UU 16\/1997 Statistik/);
    const { rows: inbox } = await sql<{ exchange_id: string; subject: string }>`select exchange_id, subject from event_inbox where subscription = ${DEMO_BUSINESS_EVENTS_SERVICE}`.execute(demo.databases.get('BPS')!.db);
    assert.deepEqual(inbox.map((i) => i.subject), [nib], 'applied once');
    const provider = await gateways.get('LICENSING')!.db.selectFrom('exchange_record').selectAll().where('id', '=', inbox[0]!.exchange_id).executeTakeFirst();
    assert.equal(provider?.client, `${M('BPS')}/SENSUS`);
    assert.equal(provider?.purpose, DEMO_EVENTS_PURPOSE);
    assert.ok(consumerRecords.some((r) => r.id === inbox[0]!.exchange_id), 'the BPS gateway recorded the same exchange');

    // Reapplying the whole feed has the same single effect.
    const replay = await fetch(`${demo.manifest.events!.url}/subscriptions/BPS/replay?name=${encodeURIComponent(DEMO_BUSINESS_EVENTS_SERVICE)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: 1, reapply: true }) });
    assert.equal(replay.status, 200, await replay.clone().text());
    await settled(1, DEMO_BUSINESS_EVENTS_SERVICE, 1);
    const again = await json<typeof copy>(await fetch(`${backend('BPS')}/business-register/${nib}`));
    assert.deepEqual({ ...again, updatedAt: undefined }, { ...copy, updatedAt: undefined });
    const { rows: count } = await sql<{ n: number }>`select count(*)::int as n from business_register where nib = ${nib}`.execute(demo.databases.get('BPS')!.db);
    assert.equal(count[0]!.n, 1);
  });

  it('registers a birth with a new NIK on the family card, and shows each subscription\'s position and lag in the CLI', async () => {
    const parent = demo.data.persons.find((p) => p.nik === demo.data.showcaseNik)!;
    const born = await change('POST', '/births', { kk: parent.kk, fullName: 'Bayi Rahmawati', sex: 'P', birthPlace: 'Surabaya', birthDate: '2025-02-03', religion: parent.religion }, 201);
    assert.match(born.nik, new RegExp(`^${parent.kk.slice(0, 6)}430225\\d{4}$`), 'region, day + 40 for a girl, month, year, sequence');
    const person = await json<{ nik: string; kk: string }>(await call(`${M('BPS')}/SENSUS`, 'STATISTIK', `${M('DUKCAPIL')}/SIAK/person/${born.nik}`, born.nik));
    assert.deepEqual([person.nik, person.kk], [born.nik, parent.kk]);
    await settled(4);

    const { stdout } = await run('npx', ['tsx', 'src/cli/main.ts', 'events', 'status', '--data-dir', dataDir, '--json'], { env: { ...process.env, NODE_NO_WARNINGS: '1' } });
    const rows = JSON.parse(stdout) as { owner: string; name: string; position: number; head: number; behind: number; lastLagMs: number | null; running: boolean }[];
    assert.deepEqual(rows.map((r) => `${r.owner} ${r.name}`).sort(), [`BPS ${DEMO_EVENTS_SERVICE}`, `BPS ${DEMO_BUSINESS_EVENTS_SERVICE}`, `KEMENDIKBUD ${DEMO_EVENTS_SERVICE}`, `KEMENKES ${DEMO_EVENTS_SERVICE}`].sort());
    for (const r of rows) {
      assert.deepEqual([r.position, r.head, r.behind, r.running], r.name === DEMO_BUSINESS_EVENTS_SERVICE ? [1, 1, 0, true] : [4, 4, 0, true], r.owner);
      assert.equal(typeof r.lastLagMs, 'number', `${r.owner} measured the lag of what it applied`);
    }
    const text = await run('npx', ['tsx', 'src/cli/main.ts', 'events', 'status', '--data-dir', dataDir, '--owner', 'KEMENKES'], { env: { ...process.env, NODE_NO_WARNINGS: '1' } });
    assert.match(text.stdout, /posisi \/ position\s+4/);
    assert.match(text.stdout, /jeda terakhir \/ last lag\s+\d+ ms/);
  });
});
