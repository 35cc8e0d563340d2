/**
 * Events as exchanges, end to end through real gateways (HTTP/2, mutual TLS, signatures,
 * records): an address change at the DUKCAPIL sample backend commits with its outbox row, the
 * DUKCAPIL gateway serves the feed, BPS reads it through its own gateway under its
 * subscription (an access right with purpose and legal basis), and the BPS respondents update.
 * On PGlite the feed is the outbox itself; on PostgreSQL it is JetStream: the shared broker at
 * NATS_URL when set (in a namespace of this run's own, its stream deleted at the end), a private
 * nats-server otherwise.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { SubsystemId } from '../src/core/ids.js';
import type { Database } from '../src/core/storage/database.js';
import { testBackends } from '../src/core/storage/testing.js';
import { buildAgencyBackend } from '../src/demo/backends/agency-backend.js';
import { testData } from '../src/demo/backends/testing.js';
import type { HttpApp } from '../src/core/http/app.js';
import { DEMO_EVENTS_PURPOSE, DEMO_EVENTS_SERVICE, DEMO_EVENT_RIGHTS, demoAllowedTypes, startDemoEvents } from '../src/events/demo.js';
import { bpsRespondentHandler } from '../src/events/demo-handlers.js';
import { FeedError, GatewayFeedSource } from '../src/events/gateway-feed-source.js';
import { outboxHead } from '../src/events/outbox.js';
import { startEventPublisher, type EventPublisher } from '../src/events/publisher.js';
import { Subscription } from '../src/events/subscription.js';
import { testNatsBroker, type TestNatsBroker } from '../src/events/testing.js';
import { Gateway } from '../src/gateway/gateway.js';
import type { GatewayTables } from '../src/gateway/store.js';
import { TestFederation } from '../src/gateway/testing.js';

const BPS_CLIENT = 'ID/GOV/BPS/SENSUS';
const NO_RIGHT_CLIENT = 'ID/GOV/BPS/SAKERNAS';
const movers = testData.bps.respondents.filter((r) => r.nik && testData.persons.some((p) => p.nik === r.nik && p.deathDate === null)).map((r) => r.nik!);
const NIKS = [...new Set(movers)].slice(0, 6);
const address = (n: number) => ({ street: `JL. PEMUDA NO. ${n}`, rt: '003', rw: '007', village: 'KEBON PISANG', district: 'SUMUR BANDUNG', city: 'KOTA BANDUNG', province: 'JAWA BARAT', postcode: '40112' });

for (const storage of testBackends()) {
  const transport = storage.kind === 'pglite' ? 'outbox' : 'jetstream';
  describe(`events between agencies through their gateways on ${storage.kind} (${transport})`, () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const databases: Database<any>[] = [];
    const closers: (() => Promise<void>)[] = [];
    let dukcapilApp: HttpApp;
    let publisher: EventPublisher;
    let dukcapilGw: Gateway;
    let bpsGw: Gateway;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let bpsDb: Database<any>;
    let source: GatewayFeedSource;
    let broker: TestNatsBroker | undefined;

    before(async () => {
      const fed = await TestFederation.create();
      const dukcapil = await fed.identity('ID/GOV/DUKCAPIL');
      const bps = await fed.identity('ID/GOV/BPS');
      fed.service(DEMO_EVENTS_SERVICE, false);
      for (const r of DEMO_EVENT_RIGHTS) fed.grant(r.client, r.service, r.purpose, r.legalBasis);

      const dukcapilDb = await storage.open('ev_dukcapil');
      bpsDb = await storage.open('ev_bps');
      databases.push(dukcapilDb, bpsDb);
      dukcapilApp = (await buildAgencyBackend('DUKCAPIL', { database: dukcapilDb, data: testData, logLevel: 'silent' })).app;
      await buildAgencyBackend('BPS', { database: bpsDb, data: testData, logLevel: 'silent' }).then(({ app }) => app.close());
      if (transport === 'jetstream') broker = await testNatsBroker();
      publisher = await startEventPublisher({ database: dukcapilDb, publisher: 'ID/GOV/DUKCAPIL/SIAK', natsUrl: broker?.url, stream: broker?.stream, allowedTypes: (client) => demoAllowedTypes(client) });

      dukcapilGw = await Gateway.start({ identity: dukcapil, database: await storage.open<GatewayTables>('ev_gw_dukcapil'), configuration: fed.source(), backends: new Map([[DEMO_EVENTS_SERVICE, publisher.backend]]), consumer: { port: 0 }, peer: { port: 0 }, logLevel: 'silent' });
      bpsGw = await Gateway.start({ identity: bps, database: await storage.open<GatewayTables>('ev_gw_bps'), configuration: fed.source(), consumer: { port: 0 }, peer: { port: 0 }, logLevel: 'silent' });
      fed.setAddress(dukcapil.id, dukcapilGw.peerUrl);
      fed.setAddress(bps.id, bpsGw.peerUrl);
      fed.publish();
      const token = await bpsGw.issueClientToken(BPS_CLIENT as SubsystemId);
      source = new GatewayFeedSource({ gatewayUrl: bpsGw.consumerUrl, token, client: BPS_CLIENT, purpose: DEMO_EVENTS_PURPOSE, service: DEMO_EVENTS_SERVICE });
      closers.push(() => bpsGw.close(), () => dukcapilGw.close(), () => publisher.close(), () => dukcapilApp.close());
    });
    after(async () => {
      for (const close of closers) await close();
      for (const d of databases) await d.close();
      await broker?.dispose();
    });

    async function move(nik: string, n: number) {
      const res = await dukcapilApp.inject({ method: 'PATCH', url: `/persons/${nik}/address`, payload: address(n) });
      assert.equal(res.statusCode, 200, res.body);
      publisher.notify();
    }

    async function respondentStreets(nik: string) {
      const { rows } = await sql<{ street: string }>`select street from respondent where nik = ${nik}`.execute(bpsDb.db);
      return rows.map((r) => r.street);
    }

    it('propagates address changes to the BPS copy, each event once, across a subscriber restart', async () => {
      const open = () => Subscription.open({ name: DEMO_EVENTS_SERVICE, database: bpsDb, source, handler: bpsRespondentHandler, batchSize: 4, waitMs: 2000 });
      const first = await open();
      first.start();
      for (const [i, nik] of NIKS.entries()) await move(nik, i);
      await first.waitForPosition(3, 20_000);
      await first.stop();
      for (const [i, nik] of NIKS.entries()) await move(nik, 100 + i);
      const second = await open();
      second.start();
      await second.waitForPosition(NIKS.length * 2, 20_000);
      const status = await second.status();
      await second.stop();

      for (const [i, nik] of NIKS.entries()) {
        const streets = await respondentStreets(nik);
        assert.ok(streets.length > 0);
        assert.deepEqual(new Set(streets), new Set([address(100 + i).street]), `every BPS respondent with NIK ${nik} has the last address`);
      }
      const { rows } = await sql<{ n: number; distinct_ids: number }>`select count(*)::int as n, count(distinct event_id)::int as distinct_ids from event_inbox`.execute(bpsDb.db);
      assert.equal(rows[0]!.n, NIKS.length * 2, 'one inbox row per event');
      assert.equal(rows[0]!.distinct_ids, NIKS.length * 2);
      assert.equal(status.position, NIKS.length * 2);
      assert.equal(status.behind, 0);
      assert.equal(status.openDeadLetters, 0);
    });

    it('publishes nothing for a change the registry refuses (its transaction rolled back)', async () => {
      const deceased = testData.persons.find((p) => p.deathDate !== null)!;
      const before = await outboxHead(databases[0]!.db);
      const res = await dukcapilApp.inject({ method: 'PATCH', url: `/persons/${deceased.nik}/address`, payload: address(900) });
      assert.equal(res.statusCode, 409);
      assert.equal(await outboxHead(databases[0]!.db), before);
    });

    it('records every delivery as a signed exchange on both gateways, and keeps the per-subject trail', async () => {
      const { rows: inbox } = await sql<{ exchange_id: string }>`select distinct exchange_id from event_inbox`.execute(bpsDb.db);
      assert.ok(inbox.length >= 2, 'the events came in several exchanges');
      for (const { exchange_id } of inbox) {
        const [consumer] = await bpsGw.db.selectFrom('exchange_record').selectAll().where('id', '=', exchange_id).execute();
        const [provider] = await dukcapilGw.db.selectFrom('exchange_record').selectAll().where('id', '=', exchange_id).execute();
        assert.equal(consumer?.outcome, 'ok');
        assert.equal(provider?.outcome, 'ok');
        assert.equal(provider?.service, DEMO_EVENTS_SERVICE);
        assert.equal(provider?.client, BPS_CLIENT);
        assert.equal(provider?.purpose, DEMO_EVENTS_PURPOSE);
        assert.match(provider?.legal_basis ?? '', /UU 16\/1997 Statistik/);
        assert.deepEqual(consumer?.response_hash, provider?.response_hash, 'both sides hold the digest of the same signed page');
      }
      const trail = await publisher.deliveries.listBySubject(NIKS[0]!, { limit: 10 });
      assert.ok(trail.length >= 2, 'both address changes of the subject were delivered');
      assert.ok(trail.every((t) => t.client === BPS_CLIENT && t.purpose === DEMO_EVENTS_PURPOSE && t.eventType === 'person.address_changed'));
      assert.ok(trail.every((t) => inbox.some((i) => i.exchange_id === t.exchangeId)), 'the trail names the exchanges the subscriber recorded');
    });

    it('runs the demo subscription as the federation will (startDemoEvents), with its admin API', async () => {
      const token = await bpsGw.issueClientToken(BPS_CLIENT as SubsystemId);
      const events = await startDemoEvents({ subscribers: [{ agency: 'BPS', gatewayUrl: bpsGw.consumerUrl, token, database: bpsDb }], admin: { port: 0 }, logLevel: 'silent' });
      try {
        await move(NIKS[2]!, 500);
        await events.subscription('BPS').waitForPosition(NIKS.length * 2 + 1, 20_000);
        assert.deepEqual(new Set(await respondentStreets(NIKS[2]!)), new Set([address(500).street]));
        const listed = (await (await fetch(`${events.adminUrl}/subscriptions`)).json()) as { subscriptions: { owner: string; position: number; behind: number; running: boolean }[] };
        assert.deepEqual(listed.subscriptions.map((s) => [s.owner, s.position, s.running]), [['BPS', NIKS.length * 2 + 1, true]]);
      } finally {
        await events.close();
      }
    });

    it('refuses a subscriber without a subscription, or asking for another purpose or for types it may not receive', async () => {
      const otherToken = await bpsGw.issueClientToken(NO_RIGHT_CLIENT as SubsystemId);
      const refused = async (s: GatewayFeedSource, types?: ('person.died' | 'person.address_changed')[]) => {
        const error = await s.fetch({ after: 0, limit: 10, waitMs: 0, types }).then(() => undefined, (e: unknown) => e);
        assert.ok(error instanceof FeedError, String(error));
        return error;
      };
      const noRight = await refused(new GatewayFeedSource({ gatewayUrl: bpsGw.consumerUrl, token: otherToken, client: NO_RIGHT_CLIENT, purpose: DEMO_EVENTS_PURPOSE, service: DEMO_EVENTS_SERVICE }));
      assert.equal(noRight.code, 'client.access_denied');
      const token = await bpsGw.issueClientToken(BPS_CLIENT as SubsystemId);
      const wrongPurpose = await refused(new GatewayFeedSource({ gatewayUrl: bpsGw.consumerUrl, token, client: BPS_CLIENT, purpose: 'STATISTIK', service: DEMO_EVENTS_SERVICE }));
      assert.equal(wrongPurpose.code, 'client.purpose_not_allowed');
      const good = new GatewayFeedSource({ gatewayUrl: bpsGw.consumerUrl, token, client: BPS_CLIENT, purpose: DEMO_EVENTS_PURPOSE, service: DEMO_EVENTS_SERVICE });
      const notAllowedType = await refused(good, ['person.died']);
      assert.equal(notAllowedType.code, 'client.purpose_not_allowed', 'BPS does not receive deaths in the demo');
      const page = await good.fetch({ after: 0, limit: 3, waitMs: 0 });
      assert.deepEqual(page.page.events.map((e) => e.position), [1, 2, 3]);
      assert.equal(page.page.next, 3);
      assert.ok(page.exchangeId);
      const bad = await fetch(`${bpsGw.consumerUrl}/r1/${DEMO_EVENTS_SERVICE}?after=-1`, { headers: { authorization: `Bearer ${token}`, 'simpul-client': BPS_CLIENT, 'simpul-purpose': DEMO_EVENTS_PURPOSE } });
      assert.equal(bad.status, 400);
      assert.equal(((await bad.json()) as { code: string }).code, 'request.invalid');
    });
  });
}
