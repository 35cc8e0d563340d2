import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../core/storage/database.js';
import { testBackends } from '../core/storage/testing.js';
import { addressChanged, type ChangeEvent } from './event.js';
import { LocalFeedSource } from './local-feed-source.js';
import { OutboxFeed } from './outbox-feed.js';
import { appendToOutbox, migrateOutbox } from './outbox.js';
import { Subscription, type EventHandler } from './subscription.js';

const SERVICE = 'ID/GOV/DUKCAPIL/SIAK/events';
const BASE = { street: 'JL. MERDEKA 1', rt: '001', rw: '002', village: 'CIBEUNYING', district: 'CIMENYAN', city: 'KAB. BANDUNG', province: 'JAWA BARAT', postcode: '40191' };
const at = (n: number) => ({ ...BASE, street: `JL. MERDEKA ${n}` });
const NIKS = ['3273014101900001', '3273014101900002', '3273014101900003', '3273014101900004'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

/** A subscriber's copy: the last street per NIK, how many effects it took, and the order applied. */
function copyHandler(poison: Set<string>): EventHandler {
  return {
    types: ['person.address_changed'],
    async apply(event: ChangeEvent, trx: Db) {
      if (poison.has(event.id)) throw new Error(`the copy refuses event ${event.id}`);
      const data = event.data as { nik: string; address: { street: string } };
      const { rows } = await sql<{ position: number }>`select position from copy where nik = ${data.nik}`.execute(trx);
      if (rows[0] && Number(rows[0].position) >= event.position) throw new Error(`out of order for ${data.nik}: ${event.position} after ${rows[0].position}`);
      await sql`insert into copy (nik, street, position, effects) values (${data.nik}, ${data.address.street}, ${event.position}, 1)
        on conflict (nik) do update set street = excluded.street, position = excluded.position, effects = copy.effects + 1`.execute(trx);
    },
  };
}

async function change(db: Db, count: number, offset = 0): Promise<ChangeEvent[]> {
  const events: ChangeEvent[] = [];
  for (let i = 0; i < count; i += 10) {
    const chunk = await db.transaction().execute((trx) =>
      appendToOutbox(trx, Array.from({ length: Math.min(10, count - i) }, (_, k) => addressChanged(NIKS[(offset + i + k) % NIKS.length]!, at(offset + i + k), at(offset + i + k + 1)))),
    );
    events.push(...chunk);
  }
  return events;
}

async function copyOf(db: Db) {
  const { rows } = await sql<{ nik: string; street: string; position: number; effects: number }>`select nik, street, position, effects from copy order by nik`.execute(db);
  return rows.map((r) => ({ ...r, position: Number(r.position) }));
}

for (const storage of testBackends()) {
  describe(`subscription on ${storage.kind}`, () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let database: Database<any>;
    let db: Db;
    let feed: OutboxFeed;

    before(async () => {
      database = await storage.open('ev_sub');
      db = database.db;
      await migrateOutbox(db, database.schema);
      await sql`create table copy (nik text primary key, street text not null, position bigint not null, effects integer not null)`.execute(db);
      feed = new OutboxFeed({ db, pollMs: 10 });
    });
    after(async () => {
      await feed.close();
      await database.close();
    });

    it('applies every event once in effect across a restart mid-stream, in order per subject', async () => {
      const poison = new Set<string>();
      const open = () => Subscription.open({ name: 'copy', database, source: new LocalFeedSource(feed, SERVICE), handler: copyHandler(poison), batchSize: 7, waitMs: 200 });
      const first = await open();
      first.start();
      const written = await change(db, 60);
      await first.waitForPosition(20);
      await first.stop();
      const stoppedAt = (await first.status()).position;
      assert.ok(stoppedAt >= 20 && stoppedAt <= 60, `stopped at ${stoppedAt}`);
      written.push(...(await change(db, 40, 60)));

      const second = await open();
      second.start();
      await second.waitForPosition(100);
      await second.stop();

      const copy = await copyOf(db);
      assert.equal(copy.reduce((n, r) => n + r.effects, 0), 100, 'one effect per event');
      for (const nik of NIKS) {
        const last = written.filter((e) => e.subject === nik).at(-1)!;
        const row = copy.find((r) => r.nik === nik)!;
        assert.equal(row.position, last.position, `${nik} ends at its last event`);
        assert.equal(row.street, (last.data as { address: { street: string } }).address.street);
      }
      const status = await second.status();
      assert.equal(status.position, 100);
      assert.equal(status.head, 100);
      assert.equal(status.behind, 0);
      assert.equal(status.openDeadLetters, 0);
      assert.ok(status.lastLagMs !== null && status.lastLagMs >= 0);

      // Delivered again (a replay without forgetting): no second effect.
      const replayed = await second.replay(1);
      assert.equal(replayed.position, 0);
      second.start();
      await second.waitForPosition(100);
      await second.stop();
      assert.equal((await copyOf(db)).reduce((n, r) => n + r.effects, 0), 100, 'still one effect per event after a replay');
    });

    it('dead-letters a poison event, holds later events of its subject, and replays them in order once fixed', async () => {
      await sql`delete from copy`.execute(db);
      const poison = new Set<string>();
      const sub = await Subscription.open({ name: 'poison', database, source: new LocalFeedSource(feed, SERVICE), handler: copyHandler(poison), batchSize: 50, waitMs: 200, maxAttempts: 3, backoffMs: 5 });
      const head = (await feed.read({ after: 0, limit: 1, waitMs: 0 })).head;
      await sub.replay(head + 1); // start after what the previous test wrote
      const events = await db.transaction().execute((trx) =>
        appendToOutbox(trx, [
          addressChanged(NIKS[0]!, at(1), at(2)),
          addressChanged(NIKS[1]!, at(1), at(2)), // poison
          addressChanged(NIKS[2]!, at(1), at(2)),
          addressChanged(NIKS[1]!, at(2), at(3)), // same subject: must wait behind the poison
          addressChanged(NIKS[3]!, at(1), at(2)),
        ]),
      );
      poison.add(events[1]!.id);
      sub.start();
      await sub.waitForPosition(events[4]!.position);
      const letters = await sub.deadLetters();
      assert.deepEqual(letters.map((d) => [d.position, d.state, d.subject]), [[events[1]!.position, 'failed', NIKS[1]], [events[3]!.position, 'held', NIKS[1]]]);
      assert.equal(letters[0]!.attempts, 3);
      assert.match(letters[0]!.reason, /refuses event/);
      assert.match(letters[1]!.reason, new RegExp(`position ${events[1]!.position}`));
      assert.equal(letters[0]!.event.id, events[1]!.id, 'the dead letter keeps the whole event');
      const copy = await copyOf(db);
      assert.deepEqual(copy.map((r) => r.nik), [NIKS[0], NIKS[2], NIKS[3]], 'other subjects went on');
      assert.equal((await sub.status()).openDeadLetters, 2);

      poison.clear();
      const result = await sub.replay(events[1]!.position);
      assert.equal(result.reopened, 2);
      await sub.waitForPosition(events[4]!.position);
      await sub.stop();
      const fixed = (await copyOf(db)).find((r) => r.nik === NIKS[1])!;
      assert.equal(fixed.street, at(3).street, 'both events of the held subject applied, in order');
      assert.equal(fixed.effects, 2);
      assert.equal((await sub.deadLetters()).length, 0);
      assert.equal((await sub.deadLetters({ includeReplayed: true })).length, 2, 'replayed dead letters stay visible');
    });

    it('dead-letters a malformed event at once, without retrying it', async () => {
      const sub = await Subscription.open({ name: 'malformed', database, source: new LocalFeedSource(feed, SERVICE), handler: copyHandler(new Set()), waitMs: 200, maxAttempts: 5, backoffMs: 1000 });
      const head = (await feed.read({ after: 0, limit: 1, waitMs: 0 })).head;
      await sub.replay(head + 1);
      await db.transaction().execute(async (trx) => {
        // A publisher bug: an address without its postcode.
        const [bad] = await appendToOutbox(trx, [addressChanged(NIKS[0]!, at(1), at(9))]);
        await sql`update event_outbox set data = data #- '{address,postcode}' where position = ${bad!.position}`.execute(trx);
      });
      const started = Date.now();
      sub.start();
      await sub.waitForPosition(head + 1);
      await sub.stop();
      assert.ok(Date.now() - started < 1000, 'no backoff for an event that cannot get better');
      const [letter] = await sub.deadLetters();
      assert.equal(letter?.state, 'failed');
      assert.equal(letter?.attempts, 1);
      assert.match(letter!.reason, /Malformed event.*postcode/);
    });
  });
}
