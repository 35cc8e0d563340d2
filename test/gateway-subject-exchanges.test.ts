/**
 * The data tracker across a federation (ADR 0068): each gateway answers, through the exchange,
 * for the exchanges it recorded about one data subject; the portal's tracker source merges the
 * answers. Real gateways (mutual TLS, signatures, durable records) on every storage backend.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createHttpBackend } from '../src/adapters/http.js';
import { commitment } from '../src/core/crypto.js';
import type { Nik, ServiceId, SubsystemId } from '../src/core/ids.js';
import { testBackends } from '../src/core/storage/testing.js';
import type { GatewayIdentity } from '../src/gateway/context.js';
import { Gateway } from '../src/gateway/gateway.js';
import { H } from '../src/gateway/protocol.js';
import type { GatewayTables } from '../src/gateway/store.js';
import { TestFederation } from '../src/gateway/testing.js';
import { FederationExchangeRecords, HttpGatewayClient, TRACKER_LEGAL_BASIS, TRACKER_PURPOSE } from '../src/portal/index.js';

const PERSON = 'ID/GOV/DUKCAPIL/SIAK/person';
const BPS = 'ID/GOV/BPS/SENSUS';
const PORTAL = 'ID/GOV/KOMINFO/PORTAL';
const RECORDS_DUKCAPIL = 'ID/GOV/DUKCAPIL/SIMPUL/subject-exchanges' as ServiceId;
const RECORDS_BPS = 'ID/GOV/BPS/SIMPUL/subject-exchanges' as ServiceId;
const NIK_A = '3201014101900001' as Nik;
const NIK_B = '3201015203850002' as Nik;

function startAgencySystem(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ nik: req.url?.split('/')[1] }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) })));
}

for (const storage of testBackends()) {
  describe(`data tracker over every gateway's records on ${storage.kind}`, () => {
    let dukcapil: Gateway;
    let bps: Gateway;
    let kominfo: Gateway;
    let dukcapilIdentity: GatewayIdentity;
    let bpsToken: string;
    let portalClient: HttpGatewayClient;
    let tracker: FederationExchangeRecords;
    const closers: (() => Promise<void>)[] = [];

    before(async () => {
      const fed = await TestFederation.create();
      dukcapilIdentity = await fed.identity('ID/GOV/DUKCAPIL');
      const bpsIdentity = await fed.identity('ID/GOV/BPS');
      const kominfoIdentity = await fed.identity('ID/GOV/KOMINFO');
      fed.service(PERSON, true);
      fed.service(RECORDS_DUKCAPIL, true);
      fed.service(RECORDS_BPS, true);
      fed.grant(BPS, PERSON, 'STATISTIK', 'UU 16/1997 Statistik');
      fed.grant(PORTAL, RECORDS_DUKCAPIL, TRACKER_PURPOSE, TRACKER_LEGAL_BASIS);
      fed.grant(PORTAL, RECORDS_BPS, TRACKER_PURPOSE, TRACKER_LEGAL_BASIS);
      const agency = await startAgencySystem();
      closers.push(() => agency.close());
      const open = (name: string) => storage.open<GatewayTables>(name);
      dukcapil = await Gateway.start({ identity: dukcapilIdentity, database: await open('gw_se_dukcapil'), configuration: fed.source(), backends: new Map([[PERSON, createHttpBackend({ type: 'http', url: agency.url })]]), subjectExchanges: { service: RECORDS_DUKCAPIL }, consumer: { port: 0 }, peer: { port: 0 }, logLevel: 'silent' });
      bps = await Gateway.start({ identity: bpsIdentity, database: await open('gw_se_bps'), configuration: fed.source(), subjectExchanges: { service: RECORDS_BPS }, consumer: { port: 0 }, peer: { port: 0 }, logLevel: 'silent' });
      kominfo = await Gateway.start({ identity: kominfoIdentity, database: await open('gw_se_kominfo'), configuration: fed.source(), consumer: { port: 0 }, peer: { port: 0 }, logLevel: 'silent' });
      closers.push(() => kominfo.close(), () => bps.close(), () => dukcapil.close());
      fed.setAddress(dukcapilIdentity.id, dukcapil.peerUrl);
      fed.setAddress(bpsIdentity.id, bps.peerUrl);
      fed.setAddress(kominfoIdentity.id, kominfo.peerUrl);
      fed.publish();
      bpsToken = await bps.issueClientToken(BPS as SubsystemId);
      portalClient = new HttpGatewayClient({ baseUrl: kominfo.consumerUrl, token: await kominfo.issueClientToken(PORTAL as SubsystemId), client: PORTAL as SubsystemId });
      tracker = new FederationExchangeRecords({ gateway: portalClient, services: [RECORDS_DUKCAPIL, RECORDS_BPS], receiptUrl: (gw, id) => `https://log.example/${gw}/${id}` });
    });
    after(async () => {
      for (const close of closers.reverse()) await close();
    });

    function bpsReads(nik: string, purpose = 'STATISTIK') {
      return fetch(`${bps.consumerUrl}/r1/${PERSON}/${nik}`, { headers: { authorization: `Bearer ${bpsToken}`, [H.client]: BPS, [H.purpose]: purpose, [H.subject]: nik } });
    }

    it('lists every exchange about the citizen once, with agency, purpose, legal basis, time and outcome, and nobody else\'s', async () => {
      const started = Date.now();
      const first = await bpsReads(NIK_A);
      assert.equal(first.status, 200);
      await bpsReads(NIK_B);
      const refused = await bpsReads(NIK_A, 'PENEGAKAN-HUKUM');
      assert.equal(refused.status, 403);
      const list = await tracker.listBySubject(NIK_A, { limit: 10 });
      assert.deepEqual(list.unavailable, []);
      assert.equal(list.length, 2, 'the read and the refusal about A; B\'s read is not listed');
      const [newest, older] = list;
      assert.equal(older!.exchangeId, first.headers.get(H.id));
      assert.equal(older!.client, BPS);
      assert.equal(older!.service, PERSON);
      assert.equal(older!.purpose, 'STATISTIK');
      assert.equal(older!.legalBasis, 'UU 16/1997 Statistik');
      assert.equal(older!.outcome, 'ok');
      assert.ok(older!.time >= started && older!.time <= Date.now());
      assert.equal(older!.receiptUrl, `https://log.example/${dukcapilIdentity.id}/${older!.exchangeId}`, 'the provider\'s record is kept, with its log\'s receipt');
      assert.equal(newest!.purpose, 'PENEGAKAN-HUKUM');
      assert.equal(newest!.outcome, 'refused', 'refused attempts are shown too');
    });

    it('records each tracker read at the answering gateway and the portal\'s, without listing it back', async () => {
      await tracker.listBySubject(NIK_A, { limit: 10 });
      const rows = await dukcapil.db.selectFrom('exchange_record').selectAll().where('service', '=', RECORDS_DUKCAPIL).execute();
      assert.ok(rows.length >= 2);
      for (const r of rows) {
        assert.equal(r.client, PORTAL);
        assert.equal(r.purpose, TRACKER_PURPOSE);
        assert.equal(r.legal_basis, TRACKER_LEGAL_BASIS);
        assert.deepEqual(r.subject_commitment, commitment(dukcapilIdentity.subjectSalt, NIK_A), 'recorded under the citizen it was about');
      }
      const atPortal = await kominfo.db.selectFrom('exchange_record').select('service').where('service', 'in', [RECORDS_DUKCAPIL, RECORDS_BPS]).execute();
      assert.ok(atPortal.length >= 4, 'and at the portal\'s own gateway');
      const list = await tracker.listBySubject(NIK_A, { limit: 10 });
      assert.ok(list.every((e) => !e.service.endsWith('/subject-exchanges')));
    });

    it('pages back in time', async () => {
      const [newest] = await tracker.listBySubject(NIK_A, { limit: 1 });
      const older = await tracker.listBySubject(NIK_A, { limit: 10, before: newest!.time });
      assert.equal(older.length, 1);
      assert.ok(older[0]!.time < newest!.time);
    });

    it('answers only a client with a right, about the exchange\'s own subject, with clear problems', async () => {
      const ask = (headers: Record<string, string>, path = '', init: RequestInit = {}) =>
        fetch(`${bps.consumerUrl}/r1/${RECORDS_DUKCAPIL}${path}`, { ...init, headers: { authorization: `Bearer ${bpsToken}`, [H.client]: BPS, [H.purpose]: TRACKER_PURPOSE, ...headers } });
      const noRight = await ask({ [H.subject]: NIK_A });
      assert.equal(noRight.status, 403);
      assert.equal(((await noRight.json()) as { code: string }).code, 'client.access_denied');
      const problem = async (query: Record<string, string>, subject: Nik | undefined, method: 'GET' | 'POST' = 'GET', path = '') => {
        try {
          await portalClient.call({ service: RECORDS_DUKCAPIL, purpose: TRACKER_PURPOSE, query, method, path, ...(subject ? { subject } : {}) });
          return 'answered';
        } catch (error) {
          return `${(error as { status: number }).status} ${(error as { code: string }).code}`;
        }
      };
      assert.equal(await problem({}, undefined), '400 request.subject_required');
      assert.equal(await problem({ limit: 'many' }, NIK_A), '400 request.invalid');
      assert.equal(await problem({ limit: '0' }, NIK_A), '400 request.invalid');
      assert.equal(await problem({}, NIK_A, 'POST'), '400 request.invalid');
      assert.equal(await problem({}, NIK_A, 'GET', '/all'), '404 request.not_found');
    });

    it('names a gateway that does not answer, and still lists the others', async () => {
      const partial = new FederationExchangeRecords({ gateway: portalClient, services: [RECORDS_DUKCAPIL, 'ID/GOV/KEMENKES/SIMPUL/subject-exchanges' as ServiceId] });
      const list = await partial.listBySubject(NIK_A, { limit: 10 });
      assert.deepEqual(list.unavailable, ['ID/GOV/KEMENKES']);
      assert.ok(list.some((e) => e.purpose === 'STATISTIK'));
    });
  });
}
