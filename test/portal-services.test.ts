import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { publicKeyObject } from '../src/core/crypto.js';
import type { MemberId, Nik } from '../src/core/ids.js';
import { testBackends } from '../src/core/storage/testing.js';
import { WorkingCalendar } from '../src/portal/complaints/working-days.js';
import { compactVerify } from 'jose';
import { seedDemoCitizens, seedDemoStaff } from '../src/portal/seed.js';
import { DEMO_NIK, InjectBrowser, portalFixture, signIn, type PortalFixture } from '../src/portal/testing/portal-fixture.js';

const PAGE_JS_BUDGET = 200 * 1024;
// Documents stay small too: 30 KB compressed loads in about 2 s on a 2G-class 128 kbit/s link.
const PAGE_DOCUMENT_BUDGET = 30 * 1024;

describe('working days', () => {
  const calendar = new WorkingCalendar();
  it('skips weekends: filed on Friday, 3 working days are due at the end of Wednesday (WIB)', () => {
    const due = calendar.addWorkingDays(new Date('2026-03-06T09:00:00+07:00'), 3);
    assert.equal(due.toISOString(), '2026-03-11T16:59:59.999Z');
  });
  it('skips national holidays: Nyepi and Idul Fitri 2026 (19-21 March)', () => {
    const due = calendar.addWorkingDays(new Date('2026-03-18T10:00:00+07:00'), 1);
    assert.equal(WorkingCalendar.wibDate(due), '2026-03-23');
  });
  it('counts the WIB date, not the UTC one, for a report filed at 06:30 WIB on Monday', () => {
    assert.equal(WorkingCalendar.wibDate(new Date('2026-03-08T23:30:00Z')), '2026-03-09');
  });
});

for (const backend of testBackends()) {
  describe(`portal services on ${backend.kind}`, () => {
    let f: PortalFixture;
    let browser: InjectBrowser;
    let staff: InjectBrowser;
    let otherStaff: InjectBrowser;
    before(async () => {
      f = await portalFixture(backend);
      const [c] = await seedDemoCitizens(f.portal, [{ nik: DEMO_NIK as Nik, name: 'Siti Rahayu' }]);
      const [s, o] = await seedDemoStaff(f.portal, [
        { username: 'dukcapil.bogor', name: 'Rina (Dukcapil)', role: 'agency_staff', agency: 'ID/GOV/DUKCAPIL' as MemberId },
        { username: 'kemenkes.pusat', name: 'Agus (Kemenkes)', role: 'agency_staff', agency: 'ID/GOV/KEMENKES' as MemberId },
      ]);
      browser = new InjectBrowser(f.portal, '10.1.0.1');
      await signIn(browser, DEMO_NIK, c!.password, c!.totpSecret!, f.clock.now);
      f.clock.advance(30_000);
      staff = new InjectBrowser(f.portal, '10.1.0.2');
      await signIn(staff, 'dukcapil.bogor', s!.password, s!.totpSecret!, f.clock.now, '/petugas/masuk');
      otherStaff = new InjectBrowser(f.portal, '10.1.0.3');
      await signIn(otherStaff, 'kemenkes.pusat', o!.password, o!.totpSecret!, f.clock.now, '/petugas/masuk');
    });
    after(() => f.close());

    it('asks consent, fetches through the gateway with purpose and subject, previews, and files a dispute', async () => {
      const consentPage = await browser.get('/layanan/nib-umk');
      assert.match(consentPage.body, /Nama lengkap/);
      assert.match(consentPage.body, /PERIZINAN-BERUSAHA-NIB/);
      assert.match(consentPage.body, /Permendagri 102\/2019/);
      assert.equal(f.peer.exchanges.length, 0, 'nothing is fetched before consent');
      const started = await browser.post('/layanan/nib-umk', {});
      assert.equal(started.status, 303);
      const preview = await browser.follow(started);
      assert.match(preview.body, /Siti Rahayu/);
      assert.match(preview.body, /Jl\. Merdeka No\. 10, RT 001\/RW 002/);
      assert.equal(f.peer.exchanges.length, 1);
      const exchange = f.peer.exchanges[0]!;
      assert.equal(exchange.subject, DEMO_NIK);
      assert.equal(exchange.purpose, 'PERIZINAN-BERUSAHA-NIB');
      assert.equal(exchange.service, 'ID/GOV/DUKCAPIL/SIAK/person');

      const applicationId = /\/permohonan\/([0-9a-f-]{36})\/sengketa/.exec(preview.body)![1]!;
      await browser.get(`/permohonan/${applicationId}/sengketa?item=birthPlace`);
      const disputed = await browser.post(`/permohonan/${applicationId}/sengketa`, { item: 'birthPlace', claimed: 'Cibinong', reason: 'Lahir di Cibinong, bukan Kota Bogor' });
      assert.equal(disputed.status, 303);
      assert.match((await staff.get('/kantor')).body, /birthPlace.*Bogor.*Cibinong/s);

      // The consent artefact is an EdDSA JWS naming subject, purpose, legal basis, items.
      const [consent] = await f.portal.applications.consents((await f.portal.ctx.db.selectFrom('application').select('account_id').where('id', '=', applicationId).executeTakeFirstOrThrow()).account_id);
      const verified = await compactVerify(consent!.jws, publicKeyObject(f.portal.ctx.keys.consent.publicKey));
      assert.equal(verified.protectedHeader.alg, 'EdDSA');
      const claims = JSON.parse(new TextDecoder().decode(verified.payload));
      assert.equal(claims.sub, DEMO_NIK);
      assert.equal(claims.purpose, 'PERIZINAN-BERUSAHA-NIB');
      assert.ok(claims.items.some((i: { item: string; agency: string }) => i.item === 'fullName' && i.agency === 'ID/GOV/DUKCAPIL'));
      assert.ok(claims.exp > claims.iat);

      // Revoking stops further access: a new fetch makes no gateway call.
      await browser.get(`/permohonan/${applicationId}`);
      assert.equal((await browser.post(`/persetujuan/${consent!.id}/cabut`, { next: `/permohonan/${applicationId}` })).status, 303);
      const refetch = await browser.post(`/permohonan/${applicationId}/ambil`, {});
      assert.match(refetch.location!, /galat=consent\.revoked/);
      assert.equal(f.peer.exchanges.length, 1);
      assert.match((await browser.get(refetch.location!)).body, /Persetujuan sudah Anda cabut/);
    });

    it('shows the citizen every exchange about them in the data tracker', async () => {
      const page = await browser.get('/pelacak');
      assert.equal(page.status, 200);
      assert.match(page.body, /id="tracker"/);
      assert.match(page.body, /ID\/GOV\/DUKCAPIL\/SIAK\/person/);
      assert.match(page.body, /Permendagri 102\/2019/);
      assert.match(page.body, /Berhasil/);
    });

    it('keeps each main page within the page-weight budget (JS <= 200 KB compressed)', async () => {
      const weights: string[] = [];
      const applicationPage = /href="(\/permohonan\/[0-9a-f-]{36})"/.exec((await browser.get('/layanan')).body)?.[1];
      assert.ok(applicationPage, 'an application exists from the consent test');
      for (const path of ['/masuk', '/', '/layanan', '/layanan/nib-umk', applicationPage, '/pelacak', '/pengaduan', '/akun', '/lacak', '/verifikasi']) {
        const client = path === '/masuk' || path === '/lacak' || path === '/verifikasi' ? new InjectBrowser(f.portal, '10.1.0.8') : browser;
        const page = await client.get(path);
        assert.equal(page.status, 200, path);
        const scripts = [...page.body.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]!);
        const styles = [...page.body.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((m) => m[1]!);
        let js = 0;
        let css = 0;
        for (const src of scripts) js += gzipSync((await f.portal.app.inject({ url: src })).rawPayload).length;
        for (const href of styles) css += gzipSync((await f.portal.app.inject({ url: href })).rawPayload).length;
        const htmlBytes = gzipSync(page.body).length;
        weights.push(`${path}: html ${htmlBytes} B, css ${css} B, js ${js} B (gzip)`);
        assert.ok(js <= PAGE_JS_BUDGET, `${path} ships ${js} B of compressed JavaScript`);
        assert.ok(htmlBytes + css <= PAGE_DOCUMENT_BUDGET, `${path} HTML+CSS is ${htmlBytes + css} B compressed`);
      }
      console.log(weights.join('\n'));
    });

    it('switches the interface to English', async () => {
      const res = await browser.get('/bahasa?l=en&next=/pengaduan');
      assert.equal(res.location, '/pengaduan');
      const page = await browser.get('/pengaduan');
      assert.match(page.body, /<html lang="en">/);
      assert.match(page.body, /File a complaint/);
      await browser.get('/bahasa?l=id&next=/');
    });
    it('routes a complaint to the responsible agency with a public tracking id and deadlines', async () => {
      await browser.get('/pengaduan');
      const invalid = await browser.post('/pengaduan', { category: 'kependudukan', title: 'KK', body: 'pendek', location: 'Bogor' });
      assert.equal(invalid.status, 400);
      assert.match(invalid.body, /aria-invalid="true"/);
      const res = await browser.post('/pengaduan', { category: 'kependudukan', title: 'Kartu Keluarga salah nama', body: 'Nama anak saya tertulis salah di Kartu Keluarga sejak pembaruan bulan lalu.', location: 'Kelurahan Cibinong, Kabupaten Bogor' });
      assert.equal(res.status, 303);
      const page = await browser.follow(res);
      const tracking = /id="tracking-id">(LPR-[0-9A-Z]{5}-[0-9A-Z]{5})</.exec(page.body)![1]!;
      assert.match(page.body, /Dukcapil/);
      // Filed Monday 2 March 2026 10:00 WIB: verification due at the end of Thursday 5 March.
      const row = await f.portal.ctx.db.selectFrom('complaint').selectAll().where('tracking_id', '=', tracking).executeTakeFirstOrThrow();
      assert.equal(WorkingCalendar.wibDate(row.verify_due), '2026-03-05');
      assert.equal(row.agency, 'ID/GOV/DUKCAPIL');
      assert.ok(!JSON.stringify(row).includes('Kartu Keluarga salah nama'));
      // Anyone with the tracking id sees the status, not the content.
      const anonymous = new InjectBrowser(f.portal, '10.1.0.9');
      const tracked = await anonymous.get(`/lacak?id=${tracking}`);
      assert.equal(tracked.status, 200);
      assert.match(tracked.body, /menunggu verifikasi/);
      assert.ok(!tracked.body.includes('Kartu Keluarga salah nama'));

      // Only the agency it was routed to sees it in the back office.
      assert.match((await staff.get('/kantor')).body, new RegExp(tracking));
      assert.ok(!(await otherStaff.get('/kantor')).body.includes(tracking));
      assert.equal((await otherStaff.get(`/kantor/pengaduan/${row.id}`)).status, 404);
      assert.equal((await browser.get('/kantor')).status, 403);

      await staff.get(`/kantor/pengaduan/${row.id}`);
      assert.equal((await staff.post(`/kantor/pengaduan/${row.id}/verifikasi`, { note: 'Data diperiksa' })).status, 303);
      await staff.get(`/kantor/pengaduan/${row.id}`);
      assert.equal((await staff.post(`/kantor/pengaduan/${row.id}/tanggapi`, { answer: 'Silakan datang ke kantor kecamatan membawa akta kelahiran.' })).status, 303);
      const answered = await browser.get(`/pengaduan/${tracking}`);
      assert.match(answered.body, /Ditanggapi instansi/);
      assert.match(answered.body, /membawa akta kelahiran/);

      // Ten working days without a reply (two weeks) close it by itself.
      f.clock.advance(9 * 24 * 3600_000);
      assert.equal(await f.portal.complaints.closeStale(), 0);
      f.clock.advance(6 * 24 * 3600_000);
      assert.equal(await f.portal.complaints.closeStale(), 1);
      const closed = await f.portal.complaints.publicStatus(tracking);
      assert.equal(closed!.status, 'closed');
      assert.deepEqual(closed!.history.map((h) => h.status), ['submitted', 'verified', 'responded', 'closed']);
    });

  });
}
