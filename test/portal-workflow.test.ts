/**
 * The NIB application end to end over the portal's HTTP interface: the business form with the
 * KBLI risk check through the gateway, review and submission, the multi-agency workflow with
 * working-day deadlines, a failing step made visible and retried, a step over its time limit,
 * revoked consent stopping the workflow, the permit PDF and its public verification, and the
 * maintenance timer.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { compactVerify, importJWK } from 'jose';
import type { MemberId, Nik } from '../src/core/ids.js';
import { testBackends } from '../src/core/storage/testing.js';
import { WorkingCalendar } from '../src/portal/complaints/working-days.js';
import { seedDemoCitizens } from '../src/portal/seed.js';
import { DEMO_NIK, InjectBrowser, portalFixture, signIn, type PortalFixture } from '../src/portal/testing/portal-fixture.js';

const PERSON = 'ID/GOV/DUKCAPIL/SIAK/person';
const KBLI = 'ID/GOV/LICENSING/OSS/kbli';
const APPLICATIONS = 'ID/GOV/LICENSING/OSS/applications';

const FORM = {
  businessName: 'Warung Makan Bu Siti', kbli: '56103, 10710',
  street: 'Jl. Pasar Baru No. 3', rt: '4', rw: '2', village: 'Cibinong', district: 'Cibinong', city: 'Kabupaten Bogor', province: 'Jawa Barat', postcode: '16911',
  capital: 'Rp 50.000.000', employees: '2',
};

for (const backend of testBackends()) {
  describe(`portal NIB workflow on ${backend.kind}`, () => {
    let f: PortalFixture;
    let citizen: InjectBrowser;
    let applicationId: string;
    let nib: string;
    let signature: string;

    // Consent, then prefill through the gateway; returns the new application's id.
    async function startApplication(): Promise<string> {
      await citizen.get('/layanan/nib-umk');
      const started = await citizen.post('/layanan/nib-umk', {});
      assert.equal(started.status, 303);
      return /\/permohonan\/([0-9a-f-]{36})/.exec(started.location!)![1]!;
    }

    before(async () => {
      f = await portalFixture(backend, { stepTimeoutMs: 1500 });
      const [c] = await seedDemoCitizens(f.portal, [{ nik: DEMO_NIK as Nik, name: 'Siti Rahayu' }]);
      citizen = new InjectBrowser(f.portal, '10.2.0.1');
      await signIn(citizen, DEMO_NIK, c!.password, c!.totpSecret!, f.clock.now);
    });
    after(async () => {
      await f.close();
      assert.equal(f.portal.maintenance.running, false, 'closing the portal stops its timer');
    });

    it('fills the business location from Dukcapil and checks the form with field errors', async () => {
      applicationId = await startApplication();
      const preview = await citizen.get(`/permohonan/${applicationId}`);
      assert.match(preview.body, new RegExp(`href="/permohonan/${applicationId}/formulir"`));
      const form = await citizen.get(`/permohonan/${applicationId}/formulir`);
      assert.match(form.body, /name="street"[^>]*value="Jl\. Merdeka No\. 10"|value="Jl\. Merdeka No\. 10"[^>]*name="street"/);
      assert.match(form.body, /<legend>Lokasi usaha<\/legend>/);

      const kbliCalls = () => f.peer.exchanges.filter((e) => e.service === KBLI).length;
      const invalid = await citizen.post(`/permohonan/${applicationId}/formulir`, { ...FORM, businessName: '', kbli: '123', capital: '2.000.000.000', postcode: '169' });
      assert.equal(invalid.status, 400);
      assert.match(invalid.body, /id="error-summary"/);
      assert.match(invalid.body, /href="#f-businessName"/);
      assert.match(invalid.body, /Kode KBLI terdiri dari 5 angka/);
      assert.match(invalid.body, /usaha mikro: modal usaha paling banyak Rp1\.000\.000\.000/);
      assert.match(invalid.body, /Kode pos terdiri dari 5 angka/);
      assert.equal(kbliCalls(), 0, 'a form with errors reaches no agency');

      const unknown = await citizen.post(`/permohonan/${applicationId}/formulir`, { ...FORM, kbli: '99999, 56103, 99998' });
      assert.equal(unknown.status, 400);
      assert.match(unknown.body, /Kode KBLI 99999, 99998 tidak dikenal OSS/);
      const checks = f.peer.exchanges.filter((e) => e.service === KBLI);
      assert.equal(checks.length, 3);
      assert.ok(checks.every((e) => e.purpose === 'PERIZINAN-BERUSAHA-NIB' && e.subject === null), 'the risk check carries the purpose and no personal data');
    });

    it('runs the OSS risk check through the gateway and shows the review', async () => {
      const saved = await citizen.post(`/permohonan/${applicationId}/formulir`, FORM);
      assert.equal(saved.status, 303);
      assert.equal(saved.location, `/permohonan/${applicationId}/tinjau`);
      const review = await citizen.get(saved.location!);
      assert.match(review.body, /Warung Makan Bu Siti/);
      assert.match(review.body, /Jl\. Pasar Baru No\. 3, RT 004\/RW 002/);
      assert.match(review.body, /Rp50\.000\.000/);
      assert.match(review.body, /<td>10710<\/td><td>Industri Produk Roti dan Kue<\/td><td>Menengah rendah<\/td>/);
      assert.match(review.body, /Tingkat risiko usaha: Menengah rendah\..*Sertifikat Standar/s);
      assert.match(review.body, /Siti Rahayu/);
    });

    it('shows a failing agency step on the timeline with its working-day deadline, and retries it', async () => {
      const before = f.peer.exchanges.length;
      f.peer.fault(APPLICATIONS, { status: 503, code: 'service.disabled', times: 1 });
      await citizen.get(`/permohonan/${applicationId}/tinjau`);
      const submitted = await citizen.post(`/permohonan/${applicationId}/ajukan`, {});
      assert.equal(submitted.status, 303);
      await f.portal.workflow.idle();

      const steps = await f.portal.ctx.db.selectFrom('application_step').selectAll().where('application_id', '=', applicationId).orderBy('seq').execute();
      assert.deepEqual(steps.map((s) => s.status), ['done', 'done', 'failed']);
      assert.equal(steps[2]!.error_code, 'service.disabled');
      // Submitted Monday 2 March 2026 (WIB): identity by Tuesday, risk by Wednesday, issuance 3 working days later.
      assert.deepEqual(steps.map((s) => WorkingCalendar.wibDate(s.due_at!)), ['2026-03-03', '2026-03-04', '2026-03-09']);
      const made = f.peer.exchanges.slice(before);
      assert.deepEqual(made.map((e) => e.service), [PERSON, KBLI, KBLI, APPLICATIONS]);
      assert.ok(made.every((e) => e.purpose === 'PERIZINAN-BERUSAHA-NIB'));
      assert.equal(made[0]!.subject, DEMO_NIK);
      assert.equal(made[3]!.subject, DEMO_NIK);
      assert.equal(steps[0]!.exchange_id, made[0]!.id, 'the timeline names the exchange each step made');

      const page = await citizen.get(`/permohonan/${applicationId}`);
      assert.match(page.body, /id="timeline"/);
      assert.match(page.body, /data-step="issuance"[\s\S]*Gagal[\s\S]*Layanan instansi sedang tidak dapat dihubungi[\s\S]*Coba lagi/);
      assert.match(page.body, /Selasa|3 Mar 2026/);
      const status = JSON.parse((await citizen.download(`/api/permohonan/${applicationId}/status`)).body.toString()) as { live: boolean; steps: { status: string }[] };
      assert.equal(status.live, false, 'a failed step waits for the citizen');

      const retried = await citizen.post(`/permohonan/${applicationId}/ulangi`, {});
      assert.equal(retried.status, 303);
      await f.portal.workflow.idle();
      const view = await f.portal.applications.view((await f.portal.ctx.db.selectFrom('application').select('account_id').where('id', '=', applicationId).executeTakeFirstOrThrow()).account_id, applicationId);
      assert.equal(view.status, 'issued');
      assert.equal(view.steps[2]!.attempts, 2);
      nib = view.permitNumber!;
      assert.match(nib, /^9226\d{9}$/);
      const sent = f.peer.applications.at(-1)!.body;
      assert.equal(sent.ownerName, 'Siti Rahayu', 'the owner name comes from Dukcapil, not retyped');
      assert.equal(sent.investment, 50_000_000);
      assert.deepEqual(sent.kbli, ['56103', '10710']);
      assert.deepEqual(sent.address, { street: 'Jl. Pasar Baru No. 3', rt: '004', rw: '002', village: 'Cibinong', district: 'Cibinong', city: 'Kabupaten Bogor', province: 'Jawa Barat', postcode: '16911' });
      const issued = await citizen.get(`/permohonan/${applicationId}`);
      assert.match(issued.body, /Izin Anda sudah terbit/);
      assert.match(issued.body, new RegExp(`id="permit-number"><strong>${nib}`));
      assert.equal(await citizen.post(`/permohonan/${applicationId}/ulangi`, {}).then((r) => r.status), 409);
    });

    it('issues the permit as a PDF with the verification URL and the signed permit inside', async () => {
      const pdf = await citizen.download(`/permohonan/${applicationId}/izin.pdf`);
      assert.equal(pdf.status, 200);
      assert.equal(pdf.headers['content-type'], 'application/pdf');
      assert.match(String(pdf.headers['content-disposition']), new RegExp(`NIB-${nib}\\.pdf`));
      const text = pdf.body.toString('latin1');
      assert.ok(text.startsWith('%PDF-1.7'));
      const url = /\/URI \((http:\/\/[^)]+)\)/.exec(text)![1]!;
      const match = new RegExp(`^http://localhost:8080/verifikasi/${nib}\\?s=([A-Za-z0-9_-]{86})$`).exec(url);
      assert.ok(match, url);
      signature = match[1]!;
      // The JWS in the metadata verifies offline with the published key.
      const jwsRef = /\/SimpulPermit (\d+) 0 R/.exec(text)![1]!;
      const jws = new RegExp(`\\n${jwsRef} 0 obj\\n\\(([^)]+)\\)`).exec(text)![1]!;
      const anonymous = new InjectBrowser(f.portal, '10.2.0.9');
      const jwks = JSON.parse((await anonymous.download('/api/kunci-izin')).body.toString()) as { keys: Record<string, string>[] };
      const verified = await compactVerify(jws, await importJWK(jwks.keys[0]!, 'EdDSA'));
      assert.equal(verified.protectedHeader.typ, 'simpul-permit+jwt');
      const content = JSON.parse(new TextDecoder().decode(verified.payload));
      assert.equal(content.number, nib);
      assert.equal(content.holder.nikMasked, '320101******0001');
      assert.equal(jws.split('.')[2], signature);
      // Another citizen cannot download it.
      assert.equal((await anonymous.download(`/permohonan/${applicationId}/izin.pdf`)).status, 303);
    });

    it('lets anyone verify the permit without signing in, and refuses unknown numbers and altered signatures', async () => {
      const anonymous = new InjectBrowser(f.portal, '10.2.0.10');
      const ok = await anonymous.download(`/api/verifikasi/${nib}?s=${signature}`);
      assert.equal(ok.status, 200);
      const body = JSON.parse(ok.body.toString());
      assert.equal(body.valid, true);
      assert.equal(body.documentChecked, true);
      assert.equal(body.permit.businessName, 'Warung Makan Bu Siti');
      assert.equal(body.permit.holderName, 'Siti R.');
      assert.ok(!ok.body.toString().includes(DEMO_NIK) && !ok.body.toString().includes('Pasar Baru'), 'no NIK, no street address');
      const page = await anonymous.get(`/verifikasi/${nib}?s=${signature}`);
      assert.equal(page.status, 200);
      assert.match(page.body, /data-document-checked="true"><strong>ASLI/);

      const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
      const tampered = await anonymous.download(`/api/verifikasi/${nib}?s=${flipped}`);
      assert.equal(tampered.status, 422);
      assert.equal(JSON.parse(tampered.body.toString()).code, 'permit.signature_invalid');
      assert.match((await anonymous.get(`/verifikasi/${nib}?s=${flipped}`)).body, /TIDAK ASLI/);
      const unknown = await anonymous.download(`/api/verifikasi/9226999999999?s=${signature}`);
      assert.equal(unknown.status, 404);
      assert.equal(JSON.parse(unknown.body.toString()).code, 'request.not_found');
      assert.equal((await anonymous.get('/verifikasi/9226999999999')).status, 404);
      assert.equal((await anonymous.download('/api/verifikasi/9226000000001?s=short')).status, 422);
    });

    it('refuses a real signature presented with another permit number', async () => {
      const second = await startApplication();
      await citizen.get(`/permohonan/${second}/formulir`);
      await citizen.post(`/permohonan/${second}/formulir`, { ...FORM, businessName: 'Roti Bu Siti', kbli: '10710' });
      await citizen.get(`/permohonan/${second}/tinjau`);
      await citizen.post(`/permohonan/${second}/ajukan`, {});
      await f.portal.workflow.idle();
      const secondNib = (await f.portal.ctx.db.selectFrom('permit').select('number').where('application_id', '=', second).executeTakeFirstOrThrow()).number;
      assert.notEqual(secondNib, nib);
      const swapped = await new InjectBrowser(f.portal, '10.2.0.11').download(`/api/verifikasi/${secondNib}?s=${signature}`);
      assert.equal(swapped.status, 422);
    });

    it('fails a step that outlives its time limit with provider.timeout', async () => {
      const id = await startApplication();
      await citizen.get(`/permohonan/${id}/formulir`);
      await citizen.post(`/permohonan/${id}/formulir`, { ...FORM, businessName: 'Katering Siti' });
      await citizen.get(`/permohonan/${id}/tinjau`);
      f.peer.fault(PERSON, { delayMs: 2500 });
      await citizen.post(`/permohonan/${id}/ajukan`, {});
      await f.portal.workflow.idle();
      const step = await f.portal.ctx.db.selectFrom('application_step').selectAll().where('application_id', '=', id).where('seq', '=', 1).executeTakeFirstOrThrow();
      assert.equal(step.status, 'failed');
      assert.equal(step.error_code, 'provider.timeout');
      assert.match((await citizen.get(`/permohonan/${id}`)).body, /Instansi tidak menjawab dalam batas waktu/);
      // The late answer still arrives at the peer, under the exchange id the timeline shows.
      const deadline = Date.now() + 10_000;
      while (!f.peer.exchanges.some((e) => e.id === step.exchange_id)) {
        assert.ok(Date.now() < deadline, 'the peer answered the late exchange');
        await new Promise((r) => setTimeout(r, 50));
      }
    });

    it('gets the NIB already issued back when OSS\'s answer was lost and the issuance step is retried', async () => {
      const id = await startApplication();
      await citizen.get(`/permohonan/${id}/formulir`);
      await citizen.post(`/permohonan/${id}/formulir`, { ...FORM, businessName: 'Es Teh Siti', kbli: '56103' });
      await citizen.get(`/permohonan/${id}/tinjau`);
      // OSS makes the application but its answer comes after the step's time limit: lost to the portal.
      f.peer.fault(APPLICATIONS, { delayMs: 2500 });
      await citizen.post(`/permohonan/${id}/ajukan`, {});
      await f.portal.workflow.idle();
      const failed = await f.portal.ctx.db.selectFrom('application_step').select(['status', 'error_code']).where('application_id', '=', id).where('code', '=', 'issuance').executeTakeFirstOrThrow();
      assert.deepEqual(failed, { status: 'failed', error_code: 'provider.timeout' });
      const reference = `simpul-portal:${id}`;
      const deadline = Date.now() + 10_000;
      while (!f.peer.applications.some((a) => a.body.reference === reference)) {
        assert.ok(Date.now() < deadline, 'OSS made the application the portal did not hear about');
        await new Promise((r) => setTimeout(r, 50));
      }
      const atOss = f.peer.applications.find((a) => a.body.reference === reference)!;

      await citizen.get(`/permohonan/${id}`);
      await citizen.post(`/permohonan/${id}/ulangi`, {});
      await f.portal.workflow.idle();
      const view = await f.portal.applications.view((await f.portal.ctx.db.selectFrom('application').select('account_id').where('id', '=', id).executeTakeFirstOrThrow()).account_id, id);
      assert.equal(view.status, 'issued', 'no 409: the retry is answered with the first application');
      assert.equal(view.permitNumber, atOss.nib);
      assert.equal(f.peer.applications.filter((a) => a.body.businessName === 'Es Teh Siti').length, 1, 'OSS holds one business, not two');
      const posts = f.peer.exchanges.filter((e) => e.service === APPLICATIONS && e.method === 'POST' && e.status === 201).slice(-2);
      assert.equal(posts.length, 2, 'both attempts were answered 201 with the same application');
    });

    it('stops the workflow before any exchange about the citizen once the consent is revoked', async () => {
      const id = await startApplication();
      await citizen.get(`/permohonan/${id}/formulir`);
      await citizen.post(`/permohonan/${id}/formulir`, { ...FORM, businessName: 'Jahit Siti' });
      const consentId = (await f.portal.ctx.db.selectFrom('application').select('consent_id').where('id', '=', id).executeTakeFirstOrThrow()).consent_id!;
      await citizen.get(`/permohonan/${id}`);
      await citizen.post(`/persetujuan/${consentId}/cabut`, { next: `/permohonan/${id}` });
      const personCalls = f.peer.exchanges.filter((e) => e.service === PERSON).length;
      await citizen.get(`/permohonan/${id}/tinjau`);
      await citizen.post(`/permohonan/${id}/ajukan`, {});
      await f.portal.workflow.idle();
      const step = await f.portal.ctx.db.selectFrom('application_step').selectAll().where('application_id', '=', id).where('seq', '=', 1).executeTakeFirstOrThrow();
      assert.equal(step.error_code, 'consent.revoked');
      assert.equal(f.peer.exchanges.filter((e) => e.service === PERSON).length, personCalls);
      assert.match((await citizen.get(`/permohonan/${id}`)).body, /Persetujuan sudah Anda cabut/);
    });

    it('marks a step left running by a stopped portal as interrupted, and retrying finishes the workflow', async () => {
      const id = await startApplication();
      await citizen.get(`/permohonan/${id}/formulir`);
      await citizen.post(`/permohonan/${id}/formulir`, { ...FORM, businessName: 'Cuci Siti', kbli: '56103' });
      await citizen.get(`/permohonan/${id}/tinjau`);
      f.peer.fault(PERSON, { status: 503, times: 1 });
      await citizen.post(`/permohonan/${id}/ajukan`, {});
      await f.portal.workflow.idle();
      // As if the portal had stopped in the middle of the step.
      await f.portal.ctx.db.updateTable('application_step').set({ status: 'running', started_at: new Date(f.clock.now.getTime() - 3_600_000) })
        .where('application_id', '=', id).where('seq', '=', 1).execute();
      const round = await f.portal.maintenance.runOnce();
      assert.equal(round.interruptedSteps, 1);
      const step = await f.portal.ctx.db.selectFrom('application_step').select(['status', 'error_code']).where('application_id', '=', id).where('seq', '=', 1).executeTakeFirstOrThrow();
      assert.deepEqual(step, { status: 'failed', error_code: 'workflow.interrupted' });
      await citizen.get(`/permohonan/${id}`);
      await citizen.post(`/permohonan/${id}/ulangi`, {});
      await f.portal.workflow.idle();
      assert.equal((await f.portal.ctx.db.selectFrom('application').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status, 'issued');
    });

    it('closes stale complaints on the maintenance timer, without anyone opening the back office', async () => {
      const desk = f.portal.complaints;
      const account = (await f.portal.ctx.db.selectFrom('account').select('id').where('kind', '=', 'citizen').executeTakeFirstOrThrow()).id;
      const filed = await desk.submit({ accountId: account, category: 'kependudukan', title: 'KTP-el belum jadi', body: 'Sudah dua bulan KTP-el saya belum dicetak oleh kecamatan.', location: 'Cibinong' });
      const staff = randomUUID();
      await desk.verify('ID/GOV/DUKCAPIL' as MemberId, staff, filed.id);
      await desk.respond('ID/GOV/DUKCAPIL' as MemberId, staff, filed.id, 'Silakan ambil di kantor kecamatan.');
      f.clock.advance(20 * 24 * 3600_000);
      assert.equal(f.portal.maintenance.running, false, 'the test fixture starts without the timer');
      const rounds = f.portal.maintenance.rounds;
      f.portal.maintenance.start(25);
      assert.equal(f.portal.maintenance.running, true);
      const deadline = Date.now() + 10_000;
      // A round closes complaints first and counts itself once it has also recovered workflows.
      while ((await desk.publicStatus(filed.trackingId))!.status !== 'closed' || f.portal.maintenance.rounds === rounds) {
        assert.ok(Date.now() < deadline, 'the timer closed the complaint');
        await new Promise((r) => setTimeout(r, 25));
      }
      await f.portal.maintenance.stop();
      const stopped = f.portal.maintenance.rounds;
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(f.portal.maintenance.rounds, stopped, 'no round after stop');
      // Left running: closing the portal must stop it (checked after all tests).
      f.portal.maintenance.start(25);
    });
  });
}
