import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sha256 } from '../core/crypto.js';
import type { HttpApp } from '../core/http/app.js';
import type { Database } from '../core/storage/database.js';
import { testBackends } from '../core/storage/testing.js';
import type { RegistryTables } from '../registry/schema.js';
import { registryAuth } from './console-auth.js';
import { observe } from './rollups.js';
import { oversightFixture, registryWithRoles, T0, type OversightFixture } from './testing.js';

for (const backend of testBackends()) {
  describe(`console API role boundaries on ${backend.kind}`, () => {
    let f: OversightFixture;
    let registryApp: HttpApp;
    let registryDb: Database<RegistryTables>;
    let tokens: Record<string, string>;
    let alertId: string;
    const as = (who: string) => ({ authorization: `Bearer ${tokens[who]}` });

    before(async () => {
      registryDb = await backend.open<RegistryTables>('ovr_registry');
      const r = await registryWithRoles(registryDb);
      registryApp = r.app;
      tokens = r.tokens;
      f = await oversightFixture(backend, { auth: registryAuth(r.url) });
      // A harvesting burst by BPS's census system.
      const rows = Array.from({ length: 120 }, (_, i) => ({
        gateway: 'ID/GOV/BPS/gw1', idx: i, exchange_id: randomUUID(), side: 'consumer', time: T0 - 300_000 + i * 1000, client: 'ID/GOV/BPS/SENSUS', client_member: 'ID/GOV/BPS',
        service: 'ID/GOV/DUKCAPIL/SIAK/person', provider_member: 'ID/GOV/DUKCAPIL', purpose: 'STATISTIK-SENSUS', legal_basis: 'UU 16/1997 Statistik', subject: sha256(`s${i}`), outcome: 'ok', status: 200, code: null, duration_ms: 9,
      }));
      await observe(f.oversight.db, rows);
      await f.oversight.rules.evaluate();
      alertId = (await f.oversight.alerts.list())[0]!.id;
    });
    after(async () => {
      await f?.close();
      await registryApp?.close();
      await registryDb?.close();
    });
    const call = (method: 'GET' | 'POST', url: string, who?: string, payload?: object) =>
      f.oversight.app.inject({ method, url, ...(who ? { headers: as(who) } : {}), ...(payload ? { payload } : {}) });

    it('GET /api/v1/alerts: each role sees what it may, nobody without a token', async () => {
      assert.equal((await call('GET', '/api/v1/alerts')).json().code, 'auth.unauthenticated');
      assert.equal((await call('GET', '/api/v1/alerts', 'root')).json().length, 1);
      assert.equal((await call('GET', '/api/v1/alerts', 'auditor')).json().length, 1);
      assert.equal((await call('GET', '/api/v1/alerts', 'bps.admin')).json().length, 1);
      assert.equal((await call('GET', '/api/v1/alerts', 'dukcapil.admin')).json().length, 0, 'another agency\'s alerts are not listed');
    });

    it('POST /api/v1/alerts/:id/acknowledge: not by another agency, not by an auditor', async () => {
      const other = await call('POST', `/api/v1/alerts/${alertId}/acknowledge`, 'dukcapil.admin');
      assert.deepEqual([other.statusCode, other.json().code], [403, 'oversight.own_agency_only']);
      const auditor = await call('POST', `/api/v1/alerts/${alertId}/acknowledge`, 'auditor');
      assert.deepEqual([auditor.statusCode, auditor.json().code], [403, 'auth.forbidden']);
      const own = await call('POST', `/api/v1/alerts/${alertId}/acknowledge`, 'bps.admin');
      assert.deepEqual([own.statusCode, own.json().status, own.json().acknowledgedBy], [200, 'acknowledged', 'bps.admin']);
    });

    it('POST /api/v1/alerts/:id/incident: not by another agency, not by an auditor; the notice is readable by the auditor', async () => {
      const body = { measures: 'Token dicabut.', contact: 'ppid@bps.go.id' };
      assert.equal((await call('POST', `/api/v1/alerts/${alertId}/incident`, 'dukcapil.admin', body)).json().code, 'oversight.own_agency_only');
      assert.equal((await call('POST', `/api/v1/alerts/${alertId}/incident`, 'auditor', body)).json().code, 'auth.forbidden');
      const created = await call('POST', `/api/v1/alerts/${alertId}/incident`, 'bps.admin', body);
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(created.json().subjects, 120);
      const notice = created.json().notice as string;
      assert.equal((await call('GET', notice, 'dukcapil.admin')).json().code, 'oversight.own_agency_only');
      const read = await call('GET', notice, 'auditor');
      assert.equal(read.statusCode, 200);
      assert.match(read.body, /Pemberitahuan Kegagalan Pelindungan Data Pribadi/);
    });

    it('POST /api/v1/alerts/:id/close: not by another agency, not by an auditor; a note is required', async () => {
      assert.equal((await call('POST', `/api/v1/alerts/${alertId}/close`, 'dukcapil.admin', { note: 'not mine' })).json().code, 'oversight.own_agency_only');
      assert.equal((await call('POST', `/api/v1/alerts/${alertId}/close`, 'auditor', { note: 'read only' })).json().code, 'auth.forbidden');
      assert.equal((await call('POST', `/api/v1/alerts/${alertId}/close`, 'root', { note: '' })).json().code, 'request.invalid');
      const closed = await call('POST', `/api/v1/alerts/${alertId}/close`, 'root', { note: 'Census batch job, approved by BPS; token rotated anyway.' });
      assert.deepEqual([closed.statusCode, closed.json().status, closed.json().closedBy], [200, 'closed', 'root']);
    });

    it('failed console sign-ins raise a sign-in alert, per username and per address', async () => {
      const form = await f.oversight.app.inject('/konsol/masuk');
      const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
      const cookies = { oversight_csrf: form.cookies.find((c) => c.name === 'oversight_csrf')!.value };
      for (let i = 0; i < 10; i++) {
        const res = await f.oversight.app.inject({ method: 'POST', url: '/konsol/masuk', cookies, payload: { _csrf: csrf, username: 'root', password: `guess ${i}` } });
        assert.match(res.headers.location as string, /gagal=1/);
      }
      const good = await f.oversight.app.inject({ method: 'POST', url: '/konsol/masuk', cookies, payload: { _csrf: csrf, username: 'auditor', password: 'auditor-password-123' } });
      assert.equal(good.headers.location, '/konsol/peringatan');
      const raised = (await f.oversight.rules.evaluate()).filter((a) => a.rule === 'sign-in').map((a) => a.subjectKey).sort();
      assert.deepEqual(raised, ['konsol-ip:127.0.0.1', 'konsol:root']);
    });

    it('GET /api/v1/statistics: an agency administrator sees only figures involving their agency', async () => {
      const all = await call('GET', `/api/v1/statistics?from=${T0 - 3_600_000}&to=${T0}`, 'auditor');
      assert.equal(all.json().rows[0].total, 120);
      const own = await call('GET', `/api/v1/statistics?from=${T0 - 3_600_000}&to=${T0}`, 'dukcapil.admin');
      assert.equal(own.json().rows.length, 1, 'DUKCAPIL provides the service');
      const bad = await call('GET', `/api/v1/statistics?from=${T0}&to=${T0 - 1}`, 'auditor');
      assert.deepEqual([bad.statusCode, bad.json().code], [400, 'request.invalid']);
    });
  });
}
