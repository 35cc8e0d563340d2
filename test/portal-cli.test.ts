/**
 * `simpul portal` as an operator uses it, on a portal's real database and key file: list
 * accounts (masked NIK, awaiting activation, throttled), unlock one after an identity check,
 * re-issue an activation code through the outbox (the old code stops working, the new one
 * activates), and list the applications and complaints waiting on an agency.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Nik } from '../src/core/ids.js';
import { dropSchema, openDatabase } from '../src/core/storage/database.js';
import { testBackends, type TestBackend } from '../src/core/storage/testing.js';
import { FileOutbox } from '../src/portal/auth/activation-channel.js';
import { findAccountId } from '../src/portal/auth/accounts.js';
import { loadOrCreatePortalKeys } from '../src/portal/keys.js';
import { seedDemoCitizens, seedDemoStaff } from '../src/portal/seed.js';
import { DEMO_NIK, InjectBrowser, portalFixture, SIGN_UP_NIK, signIn, type PortalFixture } from '../src/portal/testing/portal-fixture.js';

const exec = promisify(execFile);
const PASSWORD = 'kata-sandi-dewi-2026';
const FORM = {
  businessName: 'Warung Siti', kbli: '56103',
  street: 'Jl. Pasar Baru No. 3', rt: '4', rw: '2', village: 'Cibinong', district: 'Cibinong', city: 'Kabupaten Bogor', province: 'Jawa Barat', postcode: '16911',
  capital: 'Rp 50.000.000', employees: '2',
};

for (const base of testBackends()) {
  describe(`simpul portal CLI on ${base.kind}`, () => {
    let dir: string;
    let outbox: FileOutbox;
    // On PostgreSQL, one schema for the whole file (the portal is closed and reopened around the CLI).
    const schema = base.url ? `portal_cli_${randomBytes(4).toString('hex')}` : 'portal';
    let backend: TestBackend;
    const keysFile = () => join(dir, 'portal', 'keys.json');
    const open = (): Promise<PortalFixture> => portalFixture(backend, { keys: loadOrCreatePortalKeys(keysFile()), activationChannel: outbox, now: () => new Date() });

    async function simpul(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
      const where = base.url ? ['--database-url', base.url, '--schema', schema, ...(args.includes('--keys') ? [] : ['--keys', keysFile()])] : [];
      try {
        const { stdout, stderr } = await exec('npx', ['tsx', 'src/cli/main.ts', 'portal', ...args, '--data-dir', dir, ...where], { env: { ...process.env, NODE_NO_WARNINGS: '1', SIMPUL_OPERATOR: 'operator.uji' } });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    }

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'portal-cli-'));
      outbox = new FileOutbox(join(dir, 'portal', 'outbox.jsonl'));
      // The demo's layout: PGlite under <dir>/portal/db, or a PostgreSQL schema the CLI is told about.
      backend = { kind: base.kind, url: base.url, open: <DB>() => openDatabase<DB>(base.url ? { url: base.url, schema, poolSize: 4 } : { dataDir: join(dir, 'portal', 'db'), schema }) };
      const f = await open();
      const [siti] = await seedDemoCitizens(f.portal, [{ nik: DEMO_NIK as Nik, name: 'Siti Rahayu' }]);
      await seedDemoStaff(f.portal, [{ username: 'dukcapil.staf', name: 'Rina (Dukcapil)', role: 'agency_staff', agency: 'ID/GOV/DUKCAPIL' as never }]);
      // An application whose identity step failed at DUKCAPIL, and a complaint for DUKCAPIL.
      const citizen = new InjectBrowser(f.portal, '10.3.0.1');
      await signIn(citizen, DEMO_NIK, siti!.password, siti!.totpSecret!, new Date());
      await citizen.get('/layanan/nib-umk');
      const id = /\/permohonan\/([0-9a-f-]{36})/.exec((await citizen.post('/layanan/nib-umk', {})).location!)![1]!;
      await citizen.get(`/permohonan/${id}/formulir`);
      await citizen.post(`/permohonan/${id}/formulir`, FORM);
      await citizen.get(`/permohonan/${id}/tinjau`);
      f.peer.fault('ID/GOV/DUKCAPIL/SIAK/person', { status: 503, times: 1 });
      await citizen.post(`/permohonan/${id}/ajukan`, {});
      await f.portal.workflow.idle();
      const sitiId = (await findAccountId(f.portal.ctx, { kind: 'nik', nik: DEMO_NIK as Nik }))!;
      await f.portal.complaints.submit({ accountId: sitiId, category: 'kependudukan', title: 'KTP-el belum jadi', body: 'Sudah dua bulan KTP-el saya belum dicetak oleh kecamatan.', location: 'Cibinong' });
      // Siti then mistypes her password five times: throttled.
      const guesser = new InjectBrowser(f.portal, '10.3.0.2');
      await guesser.get('/masuk');
      for (let i = 0; i < 5; i++) await guesser.post('/masuk', { nik: DEMO_NIK, password: `salah-${i}-sandi` });
      // Dewi signs up and has not activated yet.
      const dewi = new InjectBrowser(f.portal, '10.3.0.3');
      await dewi.get('/daftar');
      assert.equal((await dewi.post('/daftar', { nik: SIGN_UP_NIK, name: 'Dewi Lestari', password: PASSWORD, password2: PASSWORD })).status, 303);
      await f.close();
    });
    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      if (base.url) {
        const database = await openDatabase({ url: base.url, schema, poolSize: 1 });
        await dropSchema(database.db as never, schema);
        await database.close();
      }
    });

    it('lists accounts with masked NIKs, who awaits activation and who is throttled', async () => {
      const res = await simpul('accounts', '--json');
      assert.equal(res.code, 0, res.stderr);
      const rows = JSON.parse(res.stdout) as { name: string; kind: string; nikMasked: string | null; activated: boolean; totp: boolean; lockedForSeconds: number }[];
      assert.deepEqual(rows.map((r) => r.name).sort(), ['DEWI LESTARI', 'Rina (Dukcapil)', 'Siti Rahayu']);
      const siti = rows.find((r) => r.name === 'Siti Rahayu')!;
      assert.equal(siti.nikMasked, '320101******0001');
      assert.ok(siti.lockedForSeconds > 0);
      assert.equal(rows.find((r) => r.name === 'DEWI LESTARI')!.activated, false);
      assert.ok(!res.stdout.includes(DEMO_NIK) && !res.stdout.includes(SIGN_UP_NIK), 'no full NIK printed');
      const human = await simpul('accounts', '--inactive');
      assert.match(human.stdout, /DEWI LESTARI\s+\[MENUNGGU AKTIVASI/);
      assert.ok(!human.stdout.includes('Siti'));
    });

    it('unlocks a throttled account, recorded with the operator\'s name', async () => {
      const res = await simpul('unlock', DEMO_NIK);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /Akun dibuka \/ account unlocked: .* operator\.uji/);
      assert.equal(JSON.parse((await simpul('accounts', '--locked', '--json')).stdout).length, 0);
      const unknown = await simpul('unlock', '3201012002990009');
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /Tidak ada akun/);
    });

    it('lists the application and the complaint waiting on DUKCAPIL, and nothing for another agency', async () => {
      const all = JSON.parse((await simpul('pending', '--json')).stdout) as { applications: { step: { code: string; agency: string; status: string; errorCode: string } }[]; complaints: { agency: string; status: string; dueAt: string; trackingId: string }[] };
      assert.equal(all.applications.length, 1);
      assert.deepEqual({ ...all.applications[0]!.step, dueAt: undefined, overdue: undefined, attempts: undefined }, { code: 'identity', agency: 'ID/GOV/DUKCAPIL', status: 'failed', errorCode: 'service.disabled', dueAt: undefined, overdue: undefined, attempts: undefined });
      assert.equal(all.complaints.length, 1);
      assert.equal(all.complaints[0]!.agency, 'ID/GOV/DUKCAPIL');
      assert.ok(all.complaints[0]!.dueAt);
      const human = await simpul('pending', '--agency', 'ID/GOV/DUKCAPIL');
      assert.match(human.stdout, /identity @ ID\/GOV\/DUKCAPIL: failed \(service\.disabled\)/);
      assert.match(human.stdout, new RegExp(all.complaints[0]!.trackingId));
      const other = JSON.parse((await simpul('pending', '--agency', 'ID/GOV/LICENSING', '--json')).stdout);
      assert.deepEqual(other, { applications: [], complaints: [] });
    });

    it('re-issues an activation code through the outbox: the old code is refused, the new one activates', async () => {
      const old = outbox.latestFor(SIGN_UP_NIK)!;
      const res = await simpul('activation-code', SIGN_UP_NIK);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /Kode baru dikirim \/ new code sent through demo outbox/);
      assert.ok(!res.stdout.includes(outbox.latestFor(SIGN_UP_NIK)!.code), 'the code goes to the channel, not the terminal');
      const fresh = outbox.latestFor(SIGN_UP_NIK)!;
      assert.equal(fresh.reason, 'reissue');
      assert.equal((await simpul('activation-code', DEMO_NIK)).code, 1, 'an active account gets no code');

      const f = await open();
      try {
        const dewi = new InjectBrowser(f.portal, '10.3.0.4');
        await dewi.get('/daftar/aktivasi');
        if (old.code !== fresh.code) assert.equal((await dewi.post('/daftar/aktivasi', { nik: SIGN_UP_NIK, code: old.code })).status, 401);
        const ok = await dewi.post('/daftar/aktivasi', { nik: SIGN_UP_NIK, code: fresh.code });
        assert.equal(ok.location, '/masuk?aktif=1');
        const issued = await f.portal.ctx.db.selectFrom('sign_in_event').select('detail').where('event', '=', 'activation_code_issued').orderBy('id', 'desc').executeTakeFirstOrThrow();
        assert.equal(issued.detail, 'by operator.uji');
      } finally {
        await f.close();
      }
    });

    it('refuses to run without the portal\'s key file rather than make new keys', async () => {
      const res = await simpul('accounts', '--keys', join(dir, 'nope.json'));
      assert.equal(res.code, 2);
      assert.match(res.stderr, /No portal key file/);
    });
  });
}
