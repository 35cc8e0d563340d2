import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../core/storage/database.js';
import { testBackends } from '../core/storage/testing.js';
import { addressChanged, personDied } from './event.js';
import { OutboxFeed } from './outbox-feed.js';
import { appendToOutbox, migrateOutbox, outboxHead, readOutbox } from './outbox.js';

const A = { street: 'JL. MERDEKA 1', rt: '001', rw: '002', village: 'CIBEUNYING', district: 'CIMENYAN', city: 'KAB. BANDUNG', province: 'JAWA BARAT', postcode: '40191' };
const B = { ...A, street: 'JL. ASIA AFRIKA 8', postcode: '40111' };
const nik = (i: number) => `3273${String(10 + (i % 80)).padStart(2, '0')}0101900${String(i).padStart(3, '0')}`.slice(0, 16);

for (const storage of testBackends()) {
  describe(`outbox on ${storage.kind}`, () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let database: Database<any>;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let db: Kysely<any>;

    before(async () => {
      database = await storage.open('ev_outbox');
      db = database.db;
      await migrateOutbox(db, database.schema);
      await sql`create table person (nik text primary key, street text not null)`.execute(db);
    });
    after(() => database.close());

    it('gives committed events gap-free positions from 1 with their payloads', async () => {
      const written = await db.transaction().execute(async (trx) => {
        await sql`insert into person values (${nik(1)}, ${B.street})`.execute(trx);
        return appendToOutbox(trx, [addressChanged(nik(1), A, B), personDied(nik(2), '2024-05-01')]);
      });
      assert.deepEqual(written.map((e) => e.position), [1, 2]);
      const page = await readOutbox(db, 0, 10);
      assert.equal(page.head, 2);
      assert.deepEqual(page.events.map((e) => [e.position, e.type, e.subject]), [[1, 'person.address_changed', nik(1)], [2, 'person.died', nik(2)]]);
      assert.deepEqual(page.events[0]!.data, { nik: nik(1), previous: A, address: B });
      assert.equal(page.events[0]!.id, written[0]!.id);
    });

    it('never yields an event for a rolled-back change', async () => {
      const before = await outboxHead(db);
      await assert.rejects(
        db.transaction().execute(async (trx) => {
          await sql`update person set street = ${A.street} where nik = ${nik(1)}`.execute(trx);
          await appendToOutbox(trx, [addressChanged(nik(1), B, A)]);
          throw new Error('the registrar cancelled');
        }),
        /cancelled/,
      );
      assert.equal(await outboxHead(db), before, 'the head did not move');
      const page = await readOutbox(db, before, 10);
      assert.equal(page.events.length, 0);
      const [row] = (await sql<{ street: string }>`select street from person where nik = ${nik(1)}`.execute(db)).rows;
      assert.equal(row!.street, B.street, 'the change itself rolled back too');
      // The next committed event takes the position the rolled-back one would have had.
      const [next] = await db.transaction().execute((trx) => appendToOutbox(trx, [personDied(nik(3), '2024-06-01')]));
      assert.equal(next!.position, before + 1);
    });

    it('refuses to append outside a transaction', async () => {
      await assert.rejects(appendToOutbox(db, [personDied(nik(4), '2024-06-01')]), /inside the transaction/);
    });

    it('filters by type and tells the reader where to continue', async () => {
      const head = await outboxHead(db);
      const page = await readOutbox(db, 0, 10, ['person.died']);
      assert.ok(page.events.every((e) => e.type === 'person.died'));
      assert.equal(page.head, head);
    });

    it('keeps positions contiguous and in commit order under concurrent writers', async () => {
      const start = await outboxHead(db);
      const writers = 4;
      const perWriter = 40;
      const seenByReader: number[][] = [];
      let writing = true;
      const reader = (async () => {
        let after = start;
        while (writing || after < start + writers * perWriter) {
          const page = await readOutbox(db, after, 50);
          if (page.events.length) seenByReader.push(page.events.map((e) => e.position));
          after = page.events.at(-1)?.position ?? after;
          if (!writing && page.events.length === 0) break;
        }
      })();
      await Promise.all(
        Array.from({ length: writers }, (_, w) =>
          (async () => {
            for (let i = 0; i < perWriter; i++) {
              await db.transaction().execute(async (trx) => {
                await appendToOutbox(trx, [personDied(nik(100 + w), '2024-01-01')]);
                // Something slow after the append keeps the head locked while others queue.
                if (i % 7 === 0) await sql`select pg_sleep(0.002)`.execute(trx);
              });
            }
          })(),
        ),
      );
      writing = false;
      await reader;
      const all = seenByReader.flat();
      assert.deepEqual(all, Array.from({ length: writers * perWriter }, (_, i) => start + 1 + i), 'the reader saw every position once, in order, with no gap');
    });

    it('answers a long poll as soon as an event commits', async () => {
      const feed = new OutboxFeed({ db, pollMs: 10 });
      try {
        const head = await outboxHead(db);
        const started = Date.now();
        const waiting = feed.read({ after: head, limit: 10, waitMs: 5000 });
        setTimeout(() => void db.transaction().execute((trx) => appendToOutbox(trx, [personDied(nik(7), '2024-02-02')])), 150);
        const page = await waiting;
        const took = Date.now() - started;
        assert.equal(page.events.length, 1);
        assert.equal(page.events[0]!.position, head + 1);
        assert.ok(took < 2000, `answered after ${took} ms`);
        const empty = await feed.read({ after: head + 1, limit: 10, waitMs: 100 });
        assert.deepEqual(empty.events, []);
        assert.equal(empty.next, head + 1);
      } finally {
        await feed.close();
      }
    });
  });
}
