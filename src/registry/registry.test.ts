import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { b64, DataKeyring, generateSigningKey } from '../core/crypto.js';
import { SimpulError, type ProblemCode } from '../core/errors.js';
import { createTlsKeyAndCsr } from '../core/pki.js';
import type { Database } from '../core/storage/database.js';
import { testBackends } from '../core/storage/testing.js';
import { isExpired, verifyConfiguration, type GlobalConfiguration } from './global-conf.js';
import { KEYRING_FILE } from './keyring-file.js';
import { Registry } from './registry.js';
import type { RegistryTables } from './schema.js';
import { populateSample } from './testing.js';

async function rejectsWith(promise: Promise<unknown>, code: ProblemCode): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof SimpulError, `expected a SimpulError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

/** A clock the test moves: TTLs and expiries are checked without sleeping. */
function clock(start = Date.parse('2026-01-05T08:00:00Z')) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

for (const backend of testBackends()) {
  describe(`registry on ${backend.kind}`, () => {
    // One database per backend (starting PGlite costs seconds); each test empties the schema.
    let shared: Database<RegistryTables>;
    before(async () => {
      shared = await backend.open<RegistryTables>('registry_test');
    });
    after(() => shared.close());

    async function open(opts: { ttl?: number; keyDir?: string } = {}) {
      await sql.raw(`drop schema ${shared.schema} cascade`).execute(shared.db);
      await sql.raw(`create schema ${shared.schema}`).execute(shared.db);
      const time = clock();
      const registry = await Registry.open({ db: shared, instance: 'ID', keyDir: opts.keyDir, configTtlSeconds: opts.ttl ?? 600, now: time.now });
      return { database: { db: shared.db, close: async () => {} }, registry, time };
    }
    async function conf(registry: Registry): Promise<GlobalConfiguration> {
      return verifyConfiguration(await registry.currentConfiguration(), registry.publicKey);
    }

    it('publishes a signed configuration of members, services, gateways and rights in force', async () => {
      const { database, registry, time } = await open();
      try {
        const sample = await populateSample(registry);
        const c = await conf(registry);
        assert.equal(c.instance, 'ID');
        assert.equal(c.caCertificate, registry.caCertificate);
        assert.deepEqual(c.members.map((m) => [m.id, m.subsystems]), [['ID/GOV/BPS', ['ID/GOV/BPS/SENSUS']], ['ID/GOV/DUKCAPIL', ['ID/GOV/DUKCAPIL/SIAK']]]);
        assert.deepEqual(c.services, [{
          id: 'ID/GOV/DUKCAPIL/SIAK/person', title: 'Data kependudukan per NIK', personalData: true,
          openapi: { openapi: '3.1.0', info: { title: 'person', version: '1' }, paths: {} }, dataModel: 'simpul:person/1', enabled: true,
        }]);
        assert.deepEqual(c.accessRights, [{
          id: sample.rightId, client: 'ID/GOV/BPS/SENSUS', service: 'ID/GOV/DUKCAPIL/SIAK/person', purpose: 'STATISTIK-SENSUS',
          legalBasis: 'UU 16/1997 Statistik', grantedAt: new Date(time.now()).toISOString(), grantedBy: 'tester', expiresAt: null,
        }]);
        const gw = c.gateways.find((g) => g.id === 'ID/GOV/DUKCAPIL/gw1');
        assert.equal(gw?.address, 'https://127.0.0.1:8443');
        assert.equal(gw?.signingKey, b64.encode(sample.provider.gateway.signingKey.publicKey));
        assert.equal(gw?.status, 'active');
        assert.equal(Date.parse(c.expiresAt) - Date.parse(c.generatedAt), 600_000);
        // The gateway's certificate chains to the published CA and names its address host.
        const cert = new X509Certificate(gw!.tlsCertificate);
        assert.equal(cert.verify(new X509Certificate(c.caCertificate).publicKey), true);
        assert.match(cert.subject, /CN=ID\/GOV\/DUKCAPIL\/gw1/);
        assert.equal(cert.subjectAltName, 'IP Address:127.0.0.1, DNS:localhost');
        // Another key does not verify it.
        await rejectsWith(Promise.resolve().then(async () => verifyConfiguration(await registry.currentConfiguration(), generateSigningKey().publicKey)), 'config.signature_invalid');
      } finally {
        await database.close();
      }
    });

    it('refuses duplicates, unknown references and malformed input with stable codes', async () => {
      const { database, registry } = await open();
      try {
        await populateSample(registry);
        await rejectsWith(registry.addMember('a', { id: 'ID/GOV/BPS', name: 'again' }), 'request.conflict');
        await rejectsWith(registry.addSubsystem('a', { id: 'ID/GOV/BPS/SENSUS' }), 'request.conflict');
        await rejectsWith(registry.addSubsystem('a', { id: 'ID/GOV/NOPE/X' }), 'request.not_found');
        await rejectsWith(registry.addService('a', { id: 'ID/GOV/BPS/NOPE/x', title: 't', personalData: false }), 'request.not_found');
        await rejectsWith(registry.addService('a', { id: 'ID/GOV/DUKCAPIL/SIAK/person', title: 't', personalData: false }), 'request.conflict');
        await rejectsWith(registry.addMember('a', { id: 'ID/GOV', name: 'x' }), 'request.malformed_identifier');
        await rejectsWith(registry.addMember('a', { id: 'MY/GOV/JPN', name: 'other instance' }), 'request.malformed_identifier');
        await rejectsWith(registry.addMember('a', { id: 'ID/GOV/KEMENKES', name: '  ' }), 'request.invalid');
        const right = { client: 'ID/GOV/BPS/SENSUS', service: 'ID/GOV/DUKCAPIL/SIAK/person', purpose: 'STATISTIK-SENSUS', legalBasis: 'UU 16/1997' };
        await rejectsWith(registry.grantRight('a', right), 'request.conflict');
        await rejectsWith(registry.grantRight('a', { ...right, client: 'ID/GOV/BPS/NOPE' }), 'request.not_found');
        await rejectsWith(registry.grantRight('a', { ...right, service: 'ID/GOV/BPS/SENSUS/nope' }), 'request.not_found');
        await rejectsWith(registry.grantRight('a', { ...right, purpose: 'lower case' }), 'request.malformed_purpose');
        await rejectsWith(registry.grantRight('a', { ...right, purpose: 'OTHER', expiresAt: '2020-01-01T00:00:00Z' }), 'request.invalid');
        await rejectsWith(registry.grantRight('a', { ...right, purpose: 'OTHER', legalBasis: '' }), 'request.invalid');
        const { csrPem } = await createTlsKeyAndCsr('x', ['localhost']);
        const key = b64.encode(generateSigningKey().publicKey);
        await rejectsWith(registry.registerGateway('a', { id: 'ID/GOV/BPS/gw1', address: 'https://x.test', signingKey: key, tlsCsr: csrPem }), 'request.conflict');
        await rejectsWith(registry.registerGateway('a', { id: 'ID/GOV/NOPE/gw1', address: 'https://x.test', signingKey: key, tlsCsr: csrPem }), 'request.not_found');
        await rejectsWith(registry.registerGateway('a', { id: 'ID/GOV/BPS/gw2', address: 'http://x.test', signingKey: key, tlsCsr: csrPem }), 'request.invalid');
        await rejectsWith(registry.registerGateway('a', { id: 'ID/GOV/BPS/gw2', address: 'https://x.test', signingKey: 'AAAA', tlsCsr: csrPem }), 'request.invalid');
        await rejectsWith(registry.registerGateway('a', { id: 'ID/GOV/BPS/gw2', address: 'https://x.test', signingKey: key, tlsCsr: 'garbage' }), 'request.invalid');
        await rejectsWith(registry.registerGateway('a', { id: 'ID/GOV/BPS/gw2', member: 'ID/GOV/DUKCAPIL', address: 'https://x.test', signingKey: key, tlsCsr: csrPem }), 'request.invalid');
        await rejectsWith(registry.registerGateway('a', { id: 'gw2', address: 'https://x.test', signingKey: key, tlsCsr: csrPem }), 'request.malformed_identifier');
        await rejectsWith(registry.revokeGateway('a', 'ID/GOV/BPS/gw9'), 'request.not_found');
        await rejectsWith(registry.revokeRight('a', 'no-such-right'), 'request.not_found');
      } finally {
        await database.close();
      }
    });

    it('records every change with its actor, and a refused change leaves neither trail nor new version', async () => {
      const { database, registry } = await open();
      try {
        const sample = await populateSample(registry, 'siti@registry');
        await registry.revokeRight('budi@registry', sample.rightId);
        const trail = await registry.auditTrail();
        assert.deepEqual(trail.map((e) => [e.action, e.target, e.actor]).reverse(), [
          ['member.add', 'ID/GOV/DUKCAPIL', 'siti@registry'],
          ['member.add', 'ID/GOV/BPS', 'siti@registry'],
          ['subsystem.add', 'ID/GOV/DUKCAPIL/SIAK', 'siti@registry'],
          ['subsystem.add', 'ID/GOV/BPS/SENSUS', 'siti@registry'],
          ['service.add', 'ID/GOV/DUKCAPIL/SIAK/person', 'siti@registry'],
          ['gateway.register', 'ID/GOV/DUKCAPIL/gw1', 'siti@registry'],
          ['gateway.register', 'ID/GOV/BPS/gw1', 'siti@registry'],
          ['right.grant', sample.rightId, 'siti@registry'],
          ['right.revoke', sample.rightId, 'budi@registry'],
        ]);
        const revoke = trail[0]!;
        assert.deepEqual([revoke.before, revoke.after], [{ status: 'active' }, { status: 'revoked' }]);
        assert.deepEqual((await registry.auditTrail({ target: sample.rightId })).map((e) => e.action), ['right.revoke', 'right.grant']);
        assert.equal((await registry.auditTrail({ limit: 2, before: revoke.id })).length, 2);

        const version = (await registry.publishedConfiguration()).version;
        await rejectsWith(registry.addMember('mallory', { id: 'ID/GOV/BPS', name: 'dup' }), 'request.conflict');
        assert.equal((await registry.auditTrail())[0]!.actor, 'budi@registry');
        assert.equal((await registry.publishedConfiguration()).version, version);
      } finally {
        await database.close();
      }
    });

    it('raises the version on every change and re-signs after half the lifetime', async () => {
      const { database, registry, time } = await open({ ttl: 60 });
      try {
        const first = await registry.publishedConfiguration();
        time.advance(29_000);
        assert.deepEqual(await registry.publishedConfiguration(), first, 'unchanged within half the TTL');
        await registry.addMember('a', { id: 'ID/GOV/BPS', name: 'BPS' });
        const second = await registry.publishedConfiguration();
        assert.ok(second.version > first.version);
        assert.equal((await conf(registry)).members.length, 1);
        time.advance(30_000);
        const third = await registry.publishedConfiguration();
        assert.ok(third.version > second.version, 're-signed under a new version after half the TTL');
        assert.equal(Date.parse(third.expiresAt), time.now() + 60_000);
        const c = await conf(registry);
        assert.equal(c.version, third.version);
        assert.equal(isExpired(c, time.now()), false);
        assert.equal(isExpired(c, time.now() + 60_000), true);
      } finally {
        await database.close();
      }
    });

    it('omits revoked and expired rights, re-signing when a listed right expires', async () => {
      const { database, registry, time } = await open();
      try {
        const sample = await populateSample(registry);
        const expiring = await registry.grantRight('a', {
          client: 'ID/GOV/BPS/SENSUS', service: 'ID/GOV/DUKCAPIL/SIAK/person', purpose: 'VERIFIKASI', legalBasis: 'PP 40/2019', expiresAt: new Date(time.now() + 60_000).toISOString(),
        });
        assert.deepEqual((await conf(registry)).accessRights.map((r) => r.id).sort(), [sample.rightId, expiring.id].sort());
        const before = await registry.publishedConfiguration();
        time.advance(60_000);
        const after = await registry.publishedConfiguration();
        assert.ok(after.version > before.version, 'an expired right forces a new version');
        assert.deepEqual((await conf(registry)).accessRights.map((r) => r.id), [sample.rightId]);
        assert.equal((await registry.getRight(expiring.id)).status, 'expired');

        await registry.revokeRight('a', sample.rightId);
        assert.deepEqual((await conf(registry)).accessRights, []);
        assert.deepEqual(await registry.listRights(), []);
        assert.deepEqual((await registry.listRights({ all: true })).map((r) => r.status).sort(), ['expired', 'revoked']);
        await rejectsWith(registry.revokeRight('a', sample.rightId), 'request.conflict');
        // Once revoked, the same client, service and purpose may be granted anew.
        const again = await registry.grantRight('a', { client: 'ID/GOV/BPS/SENSUS', service: 'ID/GOV/DUKCAPIL/SIAK/person', purpose: 'STATISTIK-SENSUS', legalBasis: 'UU 16/1997' });
        assert.deepEqual((await conf(registry)).accessRights.map((r) => r.id), [again.id]);
      } finally {
        await database.close();
      }
    });

    it('publishes a revoked gateway as revoked and a disabled service as disabled', async () => {
      const { database, registry } = await open();
      try {
        await populateSample(registry);
        await registry.revokeGateway('a', 'ID/GOV/BPS/gw1');
        await registry.setServiceEnabled('a', 'ID/GOV/DUKCAPIL/SIAK/person', false);
        const c = await conf(registry);
        assert.equal(c.gateways.find((g) => g.id === 'ID/GOV/BPS/gw1')?.status, 'revoked');
        assert.equal(c.services[0]?.enabled, false);
        await rejectsWith(registry.revokeGateway('a', 'ID/GOV/BPS/gw1'), 'request.conflict');
      } finally {
        await database.close();
      }
    });

    it('signs in admin users with argon2id and expiring opaque tokens', async () => {
      const { database, registry, time } = await open();
      try {
        await registry.addMember('root', { id: 'ID/GOV/BPS', name: 'BPS' });
        const admin = await registry.addAdminUser('root', { username: 'budi', role: 'agency-admin', member: 'ID/GOV/BPS' });
        assert.equal(admin.password.length, 24);
        const { password_hash } = await database.db.selectFrom('admin_user').select('password_hash').where('username', '=', 'budi').executeTakeFirstOrThrow();
        assert.match(password_hash, /^\$argon2id\$/);
        const issued = await registry.users.signIn('budi', admin.password);
        assert.deepEqual(await registry.users.principal(issued.token), { username: 'budi', role: 'agency-admin', member: 'ID/GOV/BPS' });
        const stored = await database.db.selectFrom('api_token').select('token_hash').execute();
        assert.ok(stored.every((r) => r.token_hash !== issued.token), 'tokens are stored hashed');
        await rejectsWith(registry.users.signIn('budi', 'wrong-password-123'), 'auth.unauthenticated');
        await rejectsWith(registry.users.signIn('nobody', admin.password), 'auth.unauthenticated');
        await rejectsWith(registry.addAdminUser('root', { username: 'budi', role: 'auditor' }), 'request.conflict');
        await rejectsWith(registry.addAdminUser('root', { username: 'ani', role: 'agency-admin' }), 'request.invalid');
        await rejectsWith(registry.addAdminUser('root', { username: 'ani', role: 'auditor', password: 'short' }), 'request.invalid');
        assert.equal((await registry.auditTrail())[0]?.action, 'user.add');
        assert.doesNotMatch(JSON.stringify(await registry.auditTrail()), new RegExp(admin.password));
        time.advance(12 * 3600 * 1000);
        assert.equal(await registry.users.principal(issued.token), undefined, 'expired');
      } finally {
        await database.close();
      }
    });

    it('keeps its keys across restarts, sealed by a key file private to its owner', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'simpul-registry-'));
      try {
        const first = await open({ keyDir: dir });
        const anchor = first.registry.publicKey;
        const ca = first.registry.caCertificate;
        const { sealed } = await shared.db.selectFrom('key_material').select('sealed_private as sealed').where('name', '=', 'ca').executeTakeFirstOrThrow();
        assert.doesNotMatch(sealed, /PRIVATE KEY/);
        assert.equal(statSync(join(dir, KEYRING_FILE)).mode & 0o777, 0o600);

        const second = await Registry.open({ db: shared, instance: 'ID', keyDir: dir });
        assert.deepEqual(second.publicKey, anchor);
        assert.equal(second.caCertificate, ca);

        // Another key file cannot open the sealed keys: the registry says so instead of making new ones.
        const elsewhere = join(dir, 'other');
        mkdirSync(elsewhere);
        writeFileSync(join(elsewhere, KEYRING_FILE), JSON.stringify(DataKeyring.generate().export()));
        await assert.rejects(Registry.open({ db: shared, instance: 'ID', keyDir: elsewhere }), /key file does not open/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
