/**
 * The production transport: outbox → relay → JetStream → feed → subscriber. The relay's
 * bookkeeping needs only a broker: the shared one at NATS_URL when set (in a namespace of its
 * own, its stream deleted at the end), a private nats-server otherwise. For the crash test the
 * broker is a private nats-server, killed and restarted while changes keep committing: no
 * acknowledged event is lost, none is duplicated, and the stream's sequence stays equal to the
 * outbox position.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../src/core/storage/database.js';
import { testBackends } from '../src/core/storage/testing.js';
import { addressChanged, type ChangeEvent } from '../src/events/event.js';
import { connectNats, streamName } from '../src/events/jetstream.js';
import { JetStreamFeed } from '../src/events/jetstream-feed.js';
import { JetStreamRelay } from '../src/events/jetstream-relay.js';
import { LocalFeedSource } from '../src/events/local-feed-source.js';
import { appendToOutbox, migrateOutbox } from '../src/events/outbox.js';
import { startPrivateNatsServer, type PrivateNatsServer } from '../src/events/private-nats-server.js';
import { Subscription } from '../src/events/subscription.js';
import { testNatsBroker, type TestNatsBroker } from '../src/events/testing.js';

const PUBLISHER = 'ID/GOV/DUKCAPIL/SIAK';
const SERVICE = `${PUBLISHER}/events`;
const BASE = { street: 'JL. MERDEKA 1', rt: '001', rw: '002', village: 'CIBEUNYING', district: 'CIMENYAN', city: 'KAB. BANDUNG', province: 'JAWA BARAT', postcode: '40191' };
const nik = (i: number) => `32730141019${String(10000 + (i % 50)).slice(1)}`.padEnd(16, '1').slice(0, 16);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

async function produce(db: Db, from: number, transactions: number, perTransaction: number): Promise<ChangeEvent[]> {
  const out: ChangeEvent[] = [];
  for (let t = 0; t < transactions; t++) {
    const events = await db.transaction().execute((trx) =>
      appendToOutbox(trx, Array.from({ length: perTransaction }, (_, k) => {
        const n = from + t * perTransaction + k;
        return addressChanged(nik(n), { ...BASE, street: `JL. MERDEKA ${n}` }, { ...BASE, street: `JL. MERDEKA ${n + 1}` });
      })),
    );
    out.push(...events);
  }
  return out;
}

for (const storage of testBackends()) {
  describe(`events over JetStream (${process.env.NATS_URL ? 'the shared broker' : 'a private broker'}) on ${storage.kind}`, () => {
    let broker: TestNatsBroker;
    let nats: NatsConnection;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let database: Database<any>;
    let db: Db;

    before(async () => {
      broker = await testNatsBroker();
      nats = await connectNats(broker.url);
      database = await storage.open('ev_nats_relay');
      db = database.db;
      await migrateOutbox(db, database.schema);
    });
    after(async () => {
      await nats?.close();
      await broker?.dispose();
      await database?.close();
    });

    it('relays each event once with the stream sequence equal to its position, even after the relay lost its mark', async () => {
      const { stream } = broker;
      const written = await produce(db, 0, 5, 20);
      const relay = await JetStreamRelay.start({ db, nats, publisher: PUBLISHER, stream });
      assert.equal(relay.stream, streamName(PUBLISHER, stream.namespace), 'the stream is in the test\'s own namespace');
      await relay.waitForRelayed(100);
      await relay.close();
      // A relay that crashed after the broker's acknowledgement but before marking the outbox.
      await sql`update event_relay set position = 40`.execute(db);
      const again = await JetStreamRelay.start({ db, nats, publisher: PUBLISHER, stream });
      assert.equal(again.relayed, 100, 'it learned from the stream how far it got');
      await again.close();
      const info = await (await jetstreamManager(nats)).streams.info(relay.stream);
      assert.equal(info.state.messages, 100, 'nothing published twice');
      assert.equal(info.state.last_seq, 100);
      const feed = await JetStreamFeed.open({ nats, publisher: PUBLISHER, stream, window: 30 });
      try {
        const older = await feed.read({ after: 0, limit: 50, waitMs: 0 });
        assert.deepEqual(older.events.map((e) => e.id), written.slice(0, older.events.length).map((e) => e.id), 'positions before the window come from a one-off consumer');
        const recent = await feed.read({ after: 80, limit: 50, waitMs: 0 });
        assert.deepEqual(recent.events.map((e) => e.position), Array.from({ length: 20 }, (_, i) => 81 + i));
        assert.equal(recent.head, 100);
        assert.deepEqual(recent.events[0], written[80]);
      } finally {
        await feed.close();
      }
    });
  });

  describe(`events over a private JetStream broker killed under load on ${storage.kind}`, () => {
    let broker: PrivateNatsServer;
    let nats: NatsConnection;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let database: Database<any>;
    let db: Db;

    before(async () => {
      broker = await startPrivateNatsServer();
      nats = await connectNats(broker.url);
      database = await storage.open('ev_nats');
      db = database.db;
      await migrateOutbox(db, database.schema);
      await sql`create table copy (nik text primary key, position bigint not null, effects integer not null)`.execute(db);
    });
    after(async () => {
      await nats?.close();
      await broker?.dispose();
      await database?.close();
    });

    it('loses no acknowledged event when the broker is killed and restarted under load', async () => {
      const relay = await JetStreamRelay.start({ db, nats, publisher: PUBLISHER, onError: () => undefined });
      const feed = await JetStreamFeed.open({ nats, publisher: PUBLISHER, onError: () => undefined });
      const subscription = await Subscription.open({
        name: 'nats-copy',
        database,
        source: new LocalFeedSource(feed, SERVICE),
        waitMs: 500,
        backoffMs: 20,
        maxBackoffMs: 200,
        handler: {
          async apply(e, trx) {
            await sql`insert into copy (nik, position, effects) values (${e.subject}, ${e.position}, 1)
              on conflict (nik) do update set position = excluded.position, effects = copy.effects + 1`.execute(trx);
          },
        },
      });
      subscription.start();
      try {
        const start = relay.relayed;
        let producing = true;
        const written: ChangeEvent[] = [];
        const producer = (async () => {
          for (let round = 0; producing || round < 10; round++) {
            written.push(...(await produce(db, 1000 + round * 40, 2, 20)));
            relay.notify();
            await new Promise((r) => setTimeout(r, 10));
          }
        })();
        await relay.waitForRelayed(start + 200, 20_000);
        const acknowledgedBeforeKill = relay.relayed;
        await broker.stop('SIGKILL');
        await new Promise((r) => setTimeout(r, 400));
        await broker.start();
        producing = false;
        await producer;
        const last = written.at(-1)!.position;
        await relay.waitForRelayed(last, 30_000);
        await subscription.waitForPosition(last, 30_000);

        const info = await (await jetstreamManager(nats)).streams.info(relay.stream);
        assert.equal(info.state.last_seq, last, 'the stream ends at the outbox head');
        assert.equal(info.state.messages, last, 'one message per position: nothing lost, nothing twice');
        assert.ok(acknowledgedBeforeKill > start);
        const page = await feed.read({ after: start, limit: 100_000, waitMs: 0 });
        assert.deepEqual(page.events.map((e) => e.id), written.map((e) => e.id).filter((_, i) => written[i]!.position > start), 'every event, in order, with its id');
        const { rows } = await sql<{ effects: number }>`select sum(effects)::int as effects from copy`.execute(db);
        assert.equal(rows[0]!.effects, last, 'the subscriber applied every event once');
      } finally {
        await subscription.stop();
        await feed.close();
        await relay.close();
      }
    });
  });
}
