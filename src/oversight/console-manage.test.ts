/**
 * Role boundaries of the console's management routes, one test per route: an agency
 * administrator cannot touch another agency, an auditor changes nothing, and the allowed
 * change lands in the registry under the person's own name.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { b64, generateSigningKey } from '../core/crypto.js';
import type { HttpApp } from '../core/http/app.js';
import { createTlsKeyAndCsr } from '../core/pki.js';
import type { Database } from '../core/storage/database.js';
import { testBackends } from '../core/storage/testing.js';
import { RegistryClient } from '../registry/client.js';
import type { RegistryTables } from '../registry/schema.js';
import { registryAuth } from './console-auth.js';
import { oversightFixture, registryWithRoles, type OversightFixture } from './testing.js';

const PERSON = 'ID/GOV/DUKCAPIL/SIAK/person';

for (const backend of testBackends()) {
  describe(`console management role boundaries on ${backend.kind}`, () => {
    let f: OversightFixture;
    let registryApp: HttpApp;
    let registryDb: Database<RegistryTables>;
    let registryUrl: string;
    let tokens: Record<string, string>;
    const sessions: Record<string, { cookies: Record<string, string>; csrf: string }> = {};

    before(async () => {
      registryDb = await backend.open<RegistryTables>('ovm_registry');
      const r = await registryWithRoles(registryDb);
      registryApp = r.app;
      registryUrl = r.url;
      tokens = r.tokens;
      f = await oversightFixture(backend, { auth: registryAuth(r.url), now: () => Date.now() });
      for (const who of Object.keys(tokens)) {
        const page = await f.oversight.app.inject({ url: '/konsol/peringatan', cookies: { oversight_session: tokens[who]! } });
        assert.equal(page.statusCode, 200, page.body);
        const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
        sessions[who] = { cookies: { oversight_session: tokens[who]!, oversight_csrf: page.cookies.find((c) => c.name === 'oversight_csrf')!.value }, csrf };
      }
    });
    after(async () => {
      await f?.close();
      await registryApp?.close();
      await registryDb?.close();
    });

    const submit = (who: string, url: string, fields: Record<string, string> = {}) =>
      f.oversight.app.inject({ method: 'POST', url, cookies: sessions[who]!.cookies, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: sessions[who]!.csrf, ...fields }).toString() });
    const refused = async (who: string, url: string, fields: Record<string, string>, code: string) => {
      const res = await submit(who, url, fields);
      assert.deepEqual([res.statusCode, res.json().code], [403, code], `${who} ${url}`);
    };
    const saved = async (who: string, url: string, fields: Record<string, string> = {}) => {
      const res = await submit(who, url, fields);
      assert.equal(res.statusCode, 303, res.body);
      assert.doesNotMatch(res.headers.location as string, /galat=/, decodeURIComponent(String(res.headers.location)));
    };
    const api = () => new RegistryClient(registryUrl, tokens.root);
    const grant = { client: 'ID/GOV/BPS/SENSUS', service: PERSON, purpose: 'STATISTIK-SENSUS', legalBasis: 'UU 16/1997 Statistik', expiresAt: '' };

    it('pages need a session; a form without its CSRF token is refused', async () => {
      const res = await f.oversight.app.inject('/konsol/hak-akses');
      assert.equal(res.statusCode, 303);
      assert.match(res.headers.location as string, /^\/konsol\/masuk\?next=/);
      const forged = await f.oversight.app.inject({ method: 'POST', url: '/konsol/hak-akses', cookies: sessions['dukcapil.admin']!.cookies, payload: grant });
      assert.deepEqual([forged.statusCode, forged.json().code], [403, 'auth.csrf_invalid']);
    });

    it('POST /konsol/instansi/subsistem: own agency only, not the auditor', async () => {
      await refused('dukcapil.admin', '/konsol/instansi/subsistem', { id: 'ID/GOV/BPS/SUSENAS' }, 'oversight.own_agency_only');
      await refused('auditor', '/konsol/instansi/subsistem', { id: 'ID/GOV/BPS/SUSENAS' }, 'auth.forbidden');
      await saved('bps.admin', '/konsol/instansi/subsistem', { id: 'ID/GOV/BPS/SUSENAS' });
      assert.ok((await api().request<{ id: string }[]>('GET', '/subsystems')).some((s) => s.id === 'ID/GOV/BPS/SUSENAS'));
    });

    it('POST /konsol/instansi/tambah: the registry administrator only', async () => {
      const agency = { id: 'ID/GOV/KEMENDAGRI', name: 'Kementerian Dalam Negeri' };
      await refused('dukcapil.admin', '/konsol/instansi/tambah', agency, 'oversight.own_agency_only');
      await refused('auditor', '/konsol/instansi/tambah', agency, 'auth.forbidden');
      await saved('root', '/konsol/instansi/tambah', agency);
      const members = await api().request<{ id: string; name: string }[]>('GET', '/members');
      assert.equal(members.find((m) => m.id === agency.id)?.name, agency.name);
      const page = await f.oversight.app.inject({ url: '/konsol/instansi', cookies: sessions['dukcapil.admin']!.cookies });
      assert.doesNotMatch(page.body, /action="\/konsol\/instansi\/tambah"/, 'an agency administrator gets no form to add an agency');
      assert.match((await f.oversight.app.inject({ url: '/konsol/instansi', cookies: sessions.root!.cookies })).body, /action="\/konsol\/instansi\/tambah"/);
    });

    it('POST /konsol/instansi/gateway: own agency only, not the auditor; the page shows the issued certificate', async () => {
      const { csrPem } = await createTlsKeyAndCsr('ID/GOV/DUKCAPIL/gw2', ['localhost']);
      const gateway = { id: 'ID/GOV/DUKCAPIL/gw2', address: 'https://gw2.dukcapil.example:8443', signingKey: b64.encode(generateSigningKey().publicKey), logKey: '', csr: csrPem };
      await refused('bps.admin', '/konsol/instansi/gateway', gateway, 'oversight.own_agency_only');
      await refused('auditor', '/konsol/instansi/gateway', gateway, 'auth.forbidden');
      const res = await submit('dukcapil.admin', '/konsol/instansi/gateway', gateway);
      assert.equal(res.statusCode, 201, res.body);
      assert.match(res.body, /-----BEGIN CERTIFICATE-----/);
      const listed = (await api().request<{ id: string; status: string }[]>('GET', '/gateways')).find((g) => g.id === gateway.id);
      assert.equal(listed?.status, 'active');
      // The registry's own refusal (a duplicate) comes back to the page as a message.
      const again = await submit('dukcapil.admin', '/konsol/instansi/gateway', gateway);
      assert.equal(again.statusCode, 303);
      assert.match(decodeURIComponent(String(again.headers.location)), /galat=request\.conflict/);
    });

    it('POST /konsol/instansi/gateway/cabut: own agency only, not the auditor', async () => {
      const id = 'ID/GOV/DUKCAPIL/gw2';
      await refused('bps.admin', '/konsol/instansi/gateway/cabut', { id }, 'oversight.own_agency_only');
      await refused('auditor', '/konsol/instansi/gateway/cabut', { id }, 'auth.forbidden');
      await saved('dukcapil.admin', '/konsol/instansi/gateway/cabut', { id });
      assert.equal((await api().request<{ id: string; status: string }[]>('GET', '/gateways')).find((g) => g.id === id)?.status, 'revoked');
    });

    it('POST /konsol/layanan/tambah: a provider adds services of its own subsystems only', async () => {
      const service = { id: 'ID/GOV/DUKCAPIL/SIAK/family', title: 'Kartu keluarga', personalData: 'true', openapi: '' };
      await refused('bps.admin', '/konsol/layanan/tambah', service, 'oversight.own_agency_only');
      await refused('auditor', '/konsol/layanan/tambah', service, 'auth.forbidden');
      const bad = await submit('dukcapil.admin', '/konsol/layanan/tambah', { ...service, openapi: '{not json' });
      assert.deepEqual([bad.statusCode, bad.json().code], [400, 'request.invalid']);
      await saved('dukcapil.admin', '/konsol/layanan/tambah', service);
      const added = (await api().request<{ id: string; title: string; personalData: boolean }[]>('GET', '/services')).find((s) => s.id === service.id);
      assert.deepEqual([added?.title, added?.personalData], ['Kartu keluarga', true]);
      const page = await f.oversight.app.inject({ url: '/konsol/layanan', cookies: sessions.auditor!.cookies });
      assert.doesNotMatch(page.body, /action="\/konsol\/layanan\/tambah"/, 'the auditor gets no form');
    });

    it('POST /konsol/layanan/status: only the provider disables its service', async () => {
      await refused('bps.admin', '/konsol/layanan/status', { service: PERSON, enabled: 'false' }, 'oversight.own_agency_only');
      await refused('auditor', '/konsol/layanan/status', { service: PERSON, enabled: 'false' }, 'auth.forbidden');
      await saved('dukcapil.admin', '/konsol/layanan/status', { service: PERSON, enabled: 'false' });
      assert.equal((await api().request<{ id: string; enabled: boolean }[]>('GET', '/services')).find((s) => s.id === PERSON)!.enabled, false);
      await saved('dukcapil.admin', '/konsol/layanan/status', { service: PERSON, enabled: 'true' });
    });

    it('POST /konsol/hak-akses: only the provider grants, in its own name, with purpose, legal basis and expiry', async () => {
      await refused('bps.admin', '/konsol/hak-akses', grant, 'oversight.own_agency_only');
      await refused('auditor', '/konsol/hak-akses', grant, 'auth.forbidden');
      await saved('dukcapil.admin', '/konsol/hak-akses', { ...grant, expiresAt: new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10) });
      const rights = await api().request<{ client: string; grantedBy: string; legalBasis: string; expiresAt: string | null }[]>('GET', '/access-rights');
      const right = rights.find((r) => r.client === 'ID/GOV/BPS/SENSUS')!;
      assert.equal(right.grantedBy, 'dukcapil.admin');
      assert.equal(right.legalBasis, 'UU 16/1997 Statistik');
      const page = await f.oversight.app.inject({ url: '/konsol/hak-akses', cookies: sessions.auditor!.cookies });
      assert.match(page.body, /berakhir dalam 30 hari/);
      assert.match(page.body, /\((10|11) hari lagi\)/);
    });

    it('POST /konsol/hak-akses/cabut: only the provider revokes', async () => {
      const right = (await api().request<{ id: string; client: string }[]>('GET', '/access-rights')).find((r) => r.client === 'ID/GOV/BPS/SENSUS')!;
      await refused('bps.admin', '/konsol/hak-akses/cabut', { id: right.id, service: PERSON }, 'oversight.own_agency_only');
      await refused('auditor', '/konsol/hak-akses/cabut', { id: right.id, service: PERSON }, 'auth.forbidden');
      await saved('dukcapil.admin', '/konsol/hak-akses/cabut', { id: right.id, service: PERSON });
      assert.equal((await api().request<{ id: string }[]>('GET', '/access-rights')).some((r) => r.id === right.id), false);
    });

    const request = { client: 'ID/GOV/BPS/SENSUS', service: PERSON, purpose: 'STATISTIK-SUSENAS', legalBasis: 'UU 16/1997 Statistik', justification: 'Survei sosial ekonomi nasional 2026.' };
    const pendingIds = async () => (await f.oversight.db.selectFrom('access_request').select(['id', 'status']).orderBy('purpose', 'desc').execute());

    it('POST /konsol/permintaan: an agency asks for its own subsystems only', async () => {
      await refused('dukcapil.admin', '/konsol/permintaan', request, 'oversight.own_agency_only');
      await refused('auditor', '/konsol/permintaan', request, 'auth.forbidden');
      await saved('bps.admin', '/konsol/permintaan', request);
      await saved('bps.admin', '/konsol/permintaan', { ...request, purpose: 'STATISTIK-LAIN' });
      assert.equal((await pendingIds()).length, 2);
    });

    it('POST /konsol/permintaan/:id/setujui: only the provider approves; approval grants the right in the registry', async () => {
      const [first] = await pendingIds();
      await refused('bps.admin', `/konsol/permintaan/${first!.id}/setujui`, {}, 'oversight.own_agency_only');
      await refused('auditor', `/konsol/permintaan/${first!.id}/setujui`, {}, 'auth.forbidden');
      await saved('dukcapil.admin', `/konsol/permintaan/${first!.id}/setujui`);
      const rights = await api().request<{ purpose: string; grantedBy: string }[]>('GET', '/access-rights');
      assert.ok(rights.some((r) => r.purpose === 'STATISTIK-SUSENAS' && r.grantedBy === 'dukcapil.admin'));
      assert.equal((await pendingIds())[0]!.status, 'approved');
    });

    it('POST /konsol/permintaan/:id/tolak: only the provider rejects, with a reason', async () => {
      const second = (await pendingIds())[1]!;
      await refused('bps.admin', `/konsol/permintaan/${second.id}/tolak`, { note: 'no' }, 'oversight.own_agency_only');
      await refused('auditor', `/konsol/permintaan/${second.id}/tolak`, { note: 'no' }, 'auth.forbidden');
      await saved('dukcapil.admin', `/konsol/permintaan/${second.id}/tolak`, { note: 'Tujuan tidak dijelaskan.' });
      assert.equal((await pendingIds())[1]!.status, 'rejected');
      const page = await f.oversight.app.inject({ url: '/konsol/permintaan', cookies: sessions['bps.admin']!.cookies });
      assert.match(page.body, /Tujuan tidak dijelaskan/);
    });

    it('POST /konsol/sla: only the provider sets its service level', async () => {
      await refused('bps.admin', '/konsol/sla', { service: PERSON, p95: '200', errors: '1' }, 'oversight.own_agency_only');
      await refused('auditor', '/konsol/sla', { service: PERSON, p95: '200', errors: '1' }, 'auth.forbidden');
      await saved('dukcapil.admin', '/konsol/sla', { service: PERSON, p95: '200', errors: '1' });
      assert.deepEqual(await f.oversight.db.selectFrom('service_level').select(['service', 'p95_ms', 'max_error_rate', 'set_by']).execute(), [{ service: PERSON, p95_ms: 200, max_error_rate: 0.01, set_by: 'dukcapil.admin' }]);
    });

    it('GET /konsol/audit and /konsol/instansi: the registry decides who reads the audit trail', async () => {
      for (const who of ['root', 'auditor']) {
        const audit = await f.oversight.app.inject({ url: '/konsol/audit', cookies: sessions[who]!.cookies });
        assert.equal(audit.statusCode, 200);
        assert.match(audit.body, /dukcapil\.admin/);
      }
      const agency = await f.oversight.app.inject({ url: '/konsol/audit', cookies: sessions['bps.admin']!.cookies });
      assert.equal(agency.statusCode, 403);
      assert.match(agency.body, /auth\.forbidden/);
      for (const who of ['root', 'auditor', 'bps.admin']) assert.equal((await f.oversight.app.inject({ url: '/konsol/instansi', cookies: sessions[who]!.cookies })).statusCode, 200);
    });
  });
}
