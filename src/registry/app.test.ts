import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { b64, generateSigningKey } from '../core/crypto.js';
import type { HttpApp } from '../core/http/app.js';
import { createTlsKeyAndCsr } from '../core/pki.js';
import type { Database } from '../core/storage/database.js';
import { testBackends } from '../core/storage/testing.js';
import { buildRegistryApp } from './app.js';
import { verifyConfiguration, type SignedGlobalConfiguration } from './global-conf.js';
import { Registry } from './registry.js';
import type { RegistryTables } from './schema.js';

interface LogLine { msg: string; actor?: string | null; action?: string; allowed?: boolean; owner?: string }

for (const backend of testBackends()) {
  describe(`registry API on ${backend.kind}`, () => {
    let database: Database<RegistryTables>;
    let registry: Registry;
    let app: HttpApp;
    const logs: LogLine[] = [];
    const tokens: Record<string, string> = {};

    async function signIn(username: string, password: string): Promise<string> {
      const res = await app.inject({ method: 'POST', url: '/auth/token', payload: { username, password } });
      assert.equal(res.statusCode, 200, res.body);
      return res.json<{ token: string }>().token;
    }
    const as = (who: string) => ({ authorization: `Bearer ${tokens[who]}` });
    const enc = encodeURIComponent;

    before(async () => {
      database = await backend.open<RegistryTables>('registry_api');
      await sql.raw(`drop schema ${database.schema} cascade`).execute(database.db);
      await sql.raw(`create schema ${database.schema}`).execute(database.db);
      registry = await Registry.open({ db: database, instance: 'ID', keyDir: undefined });
      app = await buildRegistryApp(registry, { logStream: { write: (line) => void logs.push(JSON.parse(line) as LogLine) } });
      const root = await registry.addAdminUser('cli:init', { username: 'root', role: 'registry-admin', password: 'root-password-123' });
      tokens.root = await signIn('root', root.password);
      for (const [id, name] of [['ID/GOV/DUKCAPIL', 'Dukcapil'], ['ID/GOV/BPS', 'BPS']] as const) {
        const res = await app.inject({ method: 'POST', url: '/members', headers: as('root'), payload: { id, name } });
        assert.equal(res.statusCode, 201, res.body);
      }
      const users = [
        { username: 'dukcapil-admin', role: 'agency-admin', member: 'ID/GOV/DUKCAPIL' },
        { username: 'bps-admin', role: 'agency-admin', member: 'ID/GOV/BPS' },
        { username: 'auditor', role: 'auditor' },
      ];
      for (const user of users) {
        const res = await app.inject({ method: 'POST', url: '/users', headers: as('root'), payload: user });
        assert.equal(res.statusCode, 201, res.body);
        tokens[user.username] = await signIn(user.username, res.json<{ password: string }>().password);
      }
    });
    after(async () => {
      await app.close();
      await database.close();
    });

    it('answers unauthenticated calls with 401 problem+json and a Bearer challenge', async () => {
      for (const headers of [{}, { authorization: 'Bearer spl_not-a-token' }, { authorization: 'Basic cm9vdDpyb290' }]) {
        const res = await app.inject({ method: 'GET', url: '/members', headers });
        assert.equal(res.statusCode, 401);
        assert.match(String(res.headers['content-type']), /application\/problem\+json/);
        assert.equal(res.json<{ code: string }>().code, 'auth.unauthenticated');
        assert.match(String(res.headers['www-authenticate']), /^Bearer/);
      }
      const wrong = await app.inject({ method: 'POST', url: '/auth/token', payload: { username: 'root', password: 'not-the-password' } });
      assert.equal(wrong.statusCode, 401);
      assert.equal(wrong.json<{ code: string }>().code, 'auth.unauthenticated');
      const me = await app.inject({ method: 'GET', url: '/me', headers: as('bps-admin') });
      assert.deepEqual(me.json(), { username: 'bps-admin', role: 'agency-admin', member: 'ID/GOV/BPS' });
    });

    it('lets agencies build their own part, records each change with its actor, and publishes it', async () => {
      const own = [
        ['/subsystems', 'dukcapil-admin', { id: 'ID/GOV/DUKCAPIL/SIAK' }],
        ['/subsystems', 'bps-admin', { id: 'ID/GOV/BPS/SENSUS' }],
        ['/services', 'dukcapil-admin', { id: 'ID/GOV/DUKCAPIL/SIAK/person', title: 'Data penduduk', personalData: true, openapi: { openapi: '3.1.0', info: { title: 'p', version: '1' }, paths: {} } }],
      ] as const;
      for (const [url, who, payload] of own) {
        const res = await app.inject({ method: 'POST', url, headers: as(who), payload });
        assert.equal(res.statusCode, 201, res.body);
      }
      const signingKey = b64.encode(generateSigningKey().publicKey);
      const { csrPem } = await createTlsKeyAndCsr('ID/GOV/DUKCAPIL/gw1', ['localhost']);
      const gw = await app.inject({ method: 'POST', url: '/gateways', headers: as('dukcapil-admin'), payload: { id: 'ID/GOV/DUKCAPIL/gw1', address: 'https://gw.dukcapil.go.id:8443', signingKey, csr: csrPem } });
      assert.equal(gw.statusCode, 201, gw.body);
      const issued = gw.json<{ tlsCertificate: string; caCertificate: string; gateway: { status: string } }>();
      assert.equal(issued.gateway.status, 'active');
      assert.equal(new X509Certificate(issued.tlsCertificate).verify(new X509Certificate(issued.caCertificate).publicKey), true);
      assert.equal(new X509Certificate(issued.tlsCertificate).subjectAltName, 'DNS:gw.dukcapil.go.id, DNS:localhost');

      const grant = await app.inject({ method: 'POST', url: '/access-rights', headers: as('dukcapil-admin'), payload: { client: 'ID/GOV/BPS/SENSUS', service: 'ID/GOV/DUKCAPIL/SIAK/person', purpose: 'STATISTIK-SENSUS', legalBasis: 'UU 16/1997 Statistik' } });
      assert.equal(grant.statusCode, 201, grant.body);
      const right = grant.json<{ id: string; grantedBy: string }>();
      assert.equal(right.grantedBy, 'dukcapil-admin');

      const list = await app.inject({ method: 'GET', url: `/access-rights?client=${enc('ID/GOV/BPS/SENSUS')}`, headers: as('bps-admin') });
      assert.deepEqual(list.json<Array<{ purpose: string; legalBasis: string; status: string }>>().map((r) => [r.purpose, r.legalBasis, r.status]), [['STATISTIK-SENSUS', 'UU 16/1997 Statistik', 'active']]);

      const audit = await app.inject({ method: 'GET', url: '/audit?limit=5', headers: as('auditor') });
      assert.equal(audit.statusCode, 200);
      assert.deepEqual(audit.json<Array<{ action: string; actor: string }>>().map((e) => [e.action, e.actor]), [
        ['right.grant', 'dukcapil-admin'],
        ['gateway.register', 'dukcapil-admin'],
        ['service.add', 'dukcapil-admin'],
        ['subsystem.add', 'bps-admin'],
        ['subsystem.add', 'dukcapil-admin'],
      ]);

      const conf = verifyConfiguration((await app.inject({ method: 'GET', url: '/global-conf' })).json<SignedGlobalConfiguration>(), registry.publicKey);
      assert.deepEqual(conf.accessRights.map((r) => r.id), [right.id]);
      assert.deepEqual(conf.gateways.map((g) => g.id), ['ID/GOV/DUKCAPIL/gw1']);

      const revoke = await app.inject({ method: 'POST', url: `/access-rights/${right.id}/revoke`, headers: as('dukcapil-admin') });
      assert.equal(revoke.statusCode, 200, revoke.body);
      assert.equal(revoke.json<{ status: string; revokedBy: string }>().revokedBy, 'dukcapil-admin');
      const after = verifyConfiguration((await app.inject({ method: 'GET', url: '/global-conf' })).json<SignedGlobalConfiguration>(), registry.publicKey);
      assert.deepEqual(after.accessRights, []);
      assert.ok(after.version > conf.version);
    });

    it('keeps an agency-admin to its own member on every mutating route, and logs each decision', async () => {
      const { csrPem } = await createTlsKeyAndCsr('x', ['localhost']);
      const signingKey = b64.encode(generateSigningKey().publicKey);
      const grant = await app.inject({ method: 'POST', url: '/access-rights', headers: as('root'), payload: { client: 'ID/GOV/BPS/SENSUS', service: 'ID/GOV/DUKCAPIL/SIAK/person', purpose: 'VERIFIKASI', legalBasis: 'UU 24/2013 Adminduk' } });
      const rightId = grant.json<{ id: string }>().id;
      const attempts = [
        { method: 'POST', url: '/members', payload: { id: 'ID/GOV/KEMENKES', name: 'x' } },
        { method: 'POST', url: '/users', payload: { username: 'sneaky', role: 'registry-admin' } },
        { method: 'POST', url: '/subsystems', payload: { id: 'ID/GOV/DUKCAPIL/OTHER' } },
        { method: 'POST', url: '/services', payload: { id: 'ID/GOV/DUKCAPIL/SIAK/family', title: 'x', personalData: true } },
        { method: 'PATCH', url: `/services/${enc('ID/GOV/DUKCAPIL/SIAK/person')}`, payload: { enabled: false } },
        { method: 'POST', url: '/gateways', payload: { id: 'ID/GOV/DUKCAPIL/gw9', address: 'https://x.test', signingKey, csr: csrPem } },
        { method: 'POST', url: `/gateways/${enc('ID/GOV/DUKCAPIL/gw1')}/revoke` },
        { method: 'POST', url: '/access-rights', payload: { client: 'ID/GOV/BPS/SENSUS', service: 'ID/GOV/DUKCAPIL/SIAK/person', purpose: 'LAIN', legalBasis: 'none' } },
        { method: 'POST', url: `/access-rights/${rightId}/revoke` },
      ] as const;
      const before = (await registry.auditTrail({ limit: 1 }))[0]!.id;
      for (const attempt of attempts) {
        for (const who of ['bps-admin', 'auditor']) {
          const res = await app.inject({ ...attempt, headers: as(who) });
          assert.equal(res.statusCode, 403, `${who} ${attempt.method} ${attempt.url}: ${res.body}`);
          assert.equal(res.json<{ code: string }>().code, 'auth.forbidden');
        }
      }
      assert.equal((await registry.auditTrail({ limit: 1 }))[0]!.id, before, 'no refused change reached the trail');
      const denied = logs.filter((l) => l.msg === 'authorization' && l.actor === 'bps-admin' && l.allowed === false);
      assert.ok(denied.some((l) => l.action === 'gateway.revoke' && l.owner === 'ID/GOV/DUKCAPIL'));
      assert.ok(logs.some((l) => l.msg === 'authorization' && l.actor === 'dukcapil-admin' && l.action === 'right.grant' && l.allowed === true));

      // Reads are open to every role; the audit trail only to registry-admin and auditor.
      for (const url of ['/members', '/subsystems', '/services', '/gateways', '/access-rights']) {
        assert.equal((await app.inject({ method: 'GET', url, headers: as('bps-admin') })).statusCode, 200, url);
      }
      assert.equal((await app.inject({ method: 'GET', url: '/audit', headers: as('bps-admin') })).statusCode, 403);
      // The right's owner may do what the other agency may not.
      const own = await app.inject({ method: 'PATCH', url: `/services/${enc('ID/GOV/DUKCAPIL/SIAK/person')}`, headers: as('dukcapil-admin'), payload: { enabled: false } });
      assert.equal(own.json<{ enabled: boolean }>().enabled, false);
      await app.inject({ method: 'PATCH', url: `/services/${enc('ID/GOV/DUKCAPIL/SIAK/person')}`, headers: as('dukcapil-admin'), payload: { enabled: true } });
    });

    it('returns problem+json with stable codes for bad input, unknown and duplicate resources', async () => {
      const cases = [
        [{ method: 'POST', url: '/members', payload: { id: 'ID/GOV/BPS', name: 'dup' } }, 409, 'request.conflict'],
        [{ method: 'POST', url: '/members', payload: { id: 'not-an-id', name: 'x' } }, 400, 'request.malformed_identifier'],
        [{ method: 'POST', url: '/members', payload: { id: 'ID/GOV/X' } }, 400, 'request.invalid'],
        [{ method: 'POST', url: '/members', payload: { id: 'ID/GOV/X', name: 'x', extra: 1 } }, 400, 'request.invalid'],
        [{ method: 'POST', url: '/subsystems', payload: { id: 'ID/GOV/NOPE/X' } }, 404, 'request.not_found'],
        [{ method: 'POST', url: '/access-rights', payload: { client: 'ID/GOV/BPS/SENSUS', service: 'ID/GOV/DUKCAPIL/SIAK/person', purpose: 'bad purpose', legalBasis: 'x' } }, 400, 'request.malformed_purpose'],
        [{ method: 'POST', url: '/access-rights/00000000-0000-4000-8000-000000000000/revoke' }, 404, 'request.not_found'],
        [{ method: 'GET', url: '/audit?limit=0' }, 400, 'request.invalid'],
        [{ method: 'GET', url: '/nowhere' }, 404, 'request.not_found'],
        [{ method: 'POST', url: '/services', payload: { id: 'ID/GOV/BPS/SENSUS/kendaraan', title: 'x', personalData: false, dataModel: 'https://simpul.go.id/model/vehicle/1' } }, 400, 'request.invalid'],
      ] as const;
      for (const [request, status, code] of cases) {
        const res = await app.inject({ ...request, headers: as('root') });
        assert.equal(res.statusCode, status, `${request.method} ${request.url}: ${res.body}`);
        assert.match(String(res.headers['content-type']), /application\/problem\+json/);
        assert.equal(res.json<{ code: string }>().code, code);
      }
    });

    it('publishes the common data model that services declare, without a token', async () => {
      const list = await app.inject({ method: 'GET', url: '/model' });
      assert.equal(list.statusCode, 200);
      const ids = list.json<{ models: { id: string }[] }>().models.map((m) => m.id);
      for (const name of ['person', 'household', 'business', 'permit', 'student', 'patient']) assert.ok(ids.includes(`https://simpul.go.id/model/${name}/1`), name);
      const person = await app.inject({ method: 'GET', url: '/model/person/1' });
      assert.equal(person.statusCode, 200);
      assert.match(String(person.headers['content-type']), /application\/schema\+json/);
      assert.equal(person.json<{ $id: string }>().$id, 'https://simpul.go.id/model/person/1');
      const declared = await app.inject({ method: 'POST', url: '/services', headers: as('root'), payload: { id: 'ID/GOV/BPS/SENSUS/penduduk', title: 'Salinan penduduk', personalData: true, dataModel: 'person/1' } });
      assert.equal(declared.statusCode, 201, declared.body);
      const unknown = await app.inject({ method: 'POST', url: '/services', headers: as('root'), payload: { id: 'ID/GOV/BPS/SENSUS/kendaraan', title: 'Kendaraan', personalData: false, dataModel: 'https://simpul.go.id/model/vehicle/1' } });
      assert.match(unknown.json<{ detail: string }>().detail, /No data model .*vehicle\/1; the registry publishes .*person\/1/);
    });

    it('serves the signed configuration publicly with its version as ETag, and 304 when unchanged', async () => {
      const first = await app.inject({ method: 'GET', url: '/global-conf' });
      assert.equal(first.statusCode, 200);
      const etag = String(first.headers.etag);
      const signed = first.json<SignedGlobalConfiguration>();
      const anchor = (await app.inject({ method: 'GET', url: '/global-conf/anchor' })).json<{ publicKey: string; algorithm: string; instance: string }>();
      assert.deepEqual([anchor.algorithm, anchor.instance], ['Ed25519', 'ID']);
      const conf = verifyConfiguration(signed, b64.decode(anchor.publicKey));
      assert.equal(etag, `"${conf.version}"`);

      const again = await app.inject({ method: 'GET', url: '/global-conf', headers: { 'if-none-match': etag } });
      assert.equal(again.statusCode, 304);
      assert.equal(again.body, '');
      assert.equal(again.headers.etag, etag);
      assert.equal((await app.inject({ method: 'GET', url: '/global-conf', headers: { 'if-none-match': `"0", W/${etag}` } })).statusCode, 304);

      await app.inject({ method: 'POST', url: '/subsystems', headers: as('bps-admin'), payload: { id: 'ID/GOV/BPS/SURVEI' } });
      const changed = await app.inject({ method: 'GET', url: '/global-conf', headers: { 'if-none-match': etag } });
      assert.equal(changed.statusCode, 200);
      assert.notEqual(changed.headers.etag, etag);
      assert.ok(verifyConfiguration(changed.json<SignedGlobalConfiguration>(), registry.publicKey).version > conf.version);
    });

    it('describes every route in OpenAPI 3.1 with bearer security on management routes', async () => {
      const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{ openapi: string; paths: Record<string, Record<string, { security?: unknown[] }>> }>();
      assert.equal(doc.openapi, '3.1.0');
      for (const path of ['/members', '/subsystems', '/services', '/gateways', '/access-rights', '/audit', '/users']) {
        assert.deepEqual(doc.paths[path]?.get?.security, [{ bearer: [] }], path);
      }
      assert.equal(doc.paths['/global-conf']?.get?.security, undefined);
      assert.ok(doc.paths['/access-rights/{id}/revoke']?.post);
    });
  });
}
