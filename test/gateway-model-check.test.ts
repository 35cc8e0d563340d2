/**
 * The provider gateway checks agency answers against the common data model their service
 * declares: per service it refuses a malformed record (model.violation, problem+json, recorded
 * on both sides), passes it on with a warning header (recorded with the code), or does not
 * check; well-formed records, lists, FHIR Bundles and problems pass untouched.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createHttpBackend } from '../src/adapters/http.js';
import type { SubsystemId } from '../src/core/ids.js';
import { testBackends } from '../src/core/storage/testing.js';
import { Gateway } from '../src/gateway/gateway.js';
import { MODEL_WARNING_HEADER } from '../src/gateway/model-check.js';
import { H } from '../src/gateway/protocol.js';
import type { GatewayTables } from '../src/gateway/store.js';
import { TestFederation } from '../src/gateway/testing.js';

const CLIENT = 'ID/GOV/KEMENKES/SATUSEHAT';
const PURPOSE = 'IMUNISASI-SEKOLAH';
const NIK = '3171055708900001';
const STUDENT = { nisn: '0012345678', nik: NIK, fullName: 'SITI RAHAYU', sex: 'P', birthDate: '1990-08-17', school: { npsn: '20100001', name: 'SMA NEGERI 1' }, grade: 12, status: 'aktif' };
/** What a legacy system sends when a column changed meaning: grade as text, status in capitals. */
const BROKEN = { ...STUDENT, grade: 'XII', status: 'AKTIF' };
const service = (code: string) => `ID/GOV/KEMENDIKBUD/DAPODIK/${code}`;

function agencySystem(): Promise<{ url: string; close: () => Promise<void> }> {
  const answers: Record<string, [number, string, unknown]> = {
    '/good': [200, 'application/json', STUDENT],
    '/list': [200, 'application/json', { items: [STUDENT, BROKEN] }],
    '/broken': [200, 'application/json; charset=utf-8', BROKEN],
    '/not-json': [200, 'application/json', '{"nisn": '],
    '/missing': [404, 'application/problem+json', { type: 'about:blank', title: 'Not found', status: 404 }],
  };
  const server = http.createServer((req, res) => {
    const [status, type, body] = answers[req.url ?? ''] ?? [404, 'text/plain', 'no'];
    res.writeHead(status, { 'content-type': type }).end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) })));
}

for (const storage of testBackends()) {
  describe(`data-model check at the provider gateway on ${storage.kind}`, () => {
    let consumer: Gateway;
    let provider: Gateway;
    let token: string;
    const closers: (() => Promise<void>)[] = [];

    before(async () => {
      const fed = await TestFederation.create();
      const kemenkes = await fed.identity('ID/GOV/KEMENKES');
      const kemendikbud = await fed.identity('ID/GOV/KEMENDIKBUD');
      const agency = await agencySystem();
      const backends = new Map<string, ReturnType<typeof createHttpBackend>>();
      for (const [code, model] of [['strict', 'simpul:student/1'], ['lenient', 'simpul:student/1'], ['unchecked', 'simpul:student/1'], ['plain', undefined], ['misdeclared', 'simpul:unicorn/1']] as const) {
        fed.service(service(code), true, model);
        fed.grant(CLIENT, service(code), PURPOSE, 'UU 17/2023 Kesehatan');
        backends.set(service(code), createHttpBackend({ type: 'http', url: agency.url }));
      }
      provider = await Gateway.start({
        identity: kemendikbud, database: await storage.open<GatewayTables>('mc_provider'), configuration: fed.source(), backends,
        modelChecks: { [service('lenient')]: 'warn', [service('unchecked')]: 'off' }, consumer: { port: 0 }, peer: { port: 0 }, logLevel: 'silent',
      });
      consumer = await Gateway.start({ identity: kemenkes, database: await storage.open<GatewayTables>('mc_consumer'), configuration: fed.source(), consumer: { port: 0 }, peer: { port: 0 }, logLevel: 'silent' });
      fed.setAddress(kemendikbud.id, provider.peerUrl);
      fed.setAddress(kemenkes.id, consumer.peerUrl);
      fed.publish();
      token = await consumer.issueClientToken(CLIENT as SubsystemId);
      closers.push(() => consumer.close(), () => provider.close(), () => agency.close());
    });
    after(async () => {
      for (const close of closers) await close();
    });

    const call = (code: string, path: string) =>
      fetch(`${consumer.consumerUrl}/r1/${service(code)}${path}`, { headers: { authorization: `Bearer ${token}`, [H.client]: CLIENT, [H.purpose]: PURPOSE, [H.subject]: NIK } });
    const records = async (id: string) => ({
      consumer: (await consumer.db.selectFrom('exchange_record').selectAll().where('id', '=', id).executeTakeFirst())!,
      provider: (await provider.db.selectFrom('exchange_record').selectAll().where('id', '=', id).executeTakeFirst())!,
    });

    it('passes well-formed records, lists of them and problems untouched', async () => {
      const good = await call('strict', '/good');
      assert.equal(good.status, 200);
      assert.deepEqual(await good.json(), STUDENT);
      assert.equal(good.headers.get(MODEL_WARNING_HEADER), null);
      const missing = await call('strict', '/missing');
      assert.equal(missing.status, 404, 'an error answer is not a record');
      const { provider: record } = await records(good.headers.get(H.id)!);
      assert.deepEqual([record.outcome, record.code], ['ok', null]);
    });

    it('refuses a malformed record in reject mode (the default) with model.violation, naming each violation, recorded on both sides', async () => {
      for (const path of ['/broken', '/list']) {
        const response = await call('strict', path);
        assert.equal(response.status, 502);
        assert.match(response.headers.get('content-type') ?? '', /application\/problem\+json/);
        const problem = (await response.json()) as { code: string; model: string; errors: { path: string; message: string }[]; detail: string };
        assert.equal(problem.code, 'model.violation');
        assert.equal(problem.model, 'simpul:student/1');
        const prefix = path === '/list' ? '/items/1' : '';
        assert.deepEqual(problem.errors.map((e) => e.path).sort(), [`${prefix}/grade`, `${prefix}/status`]);
        assert.doesNotMatch(JSON.stringify(problem), /XII/, 'the refusal names where the record is wrong, not the personal data');
        const { consumer: c, provider: p } = await records(response.headers.get(H.id)!);
        assert.deepEqual([p.outcome, p.code, p.status], ['refused', 'model.violation', 502]);
        assert.deepEqual([c.code, c.status], ['model.violation', 502]);
      }
      const notJson = await call('strict', '/not-json');
      assert.equal(notJson.status, 502);
      assert.equal(((await notJson.json()) as { code: string }).code, 'model.violation');
    });

    it('passes a malformed record on in warn mode, with a warning header and the code in both records', async () => {
      const response = await call('lenient', '/broken');
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), BROKEN);
      const warning = decodeURIComponent(response.headers.get(MODEL_WARNING_HEADER) ?? '');
      assert.match(warning, /^model\.violation simpul:student\/1: .*\/grade/);
      const { consumer: c, provider: p } = await records(response.headers.get(H.id)!);
      assert.deepEqual([p.outcome, p.code, p.status], ['ok', 'model.violation', 200]);
      assert.deepEqual([c.outcome, c.code], ['ok', 'model.violation']);
    });

    it('does not check a service set to off, nor one that declares no model', async () => {
      for (const code of ['unchecked', 'plain']) {
        const response = await call(code, '/broken');
        assert.equal(response.status, 200, code);
        assert.equal(response.headers.get(MODEL_WARNING_HEADER), null);
      }
    });

    it('answers model.unknown when the service declares a schema the model does not have', async () => {
      const response = await call('misdeclared', '/good');
      assert.equal(response.status, 500);
      assert.equal(((await response.json()) as { code: string }).code, 'model.unknown');
    });
  });
}
