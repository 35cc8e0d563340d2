/**
 * `simpul events status | dead-letters | replay` against a running subscriber's admin API,
 * as an operator would use them: see the lag, find the poison event, fix, replay.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { createHttpApp, listen, type HttpApp } from '../src/core/http/app.js';
import { openDatabase, type Database } from '../src/core/storage/database.js';
import { registerSubscriptionRoutes } from '../src/events/admin-routes.js';
import { addressChanged, type ChangeEvent } from '../src/events/event.js';
import { LocalFeedSource } from '../src/events/local-feed-source.js';
import { OutboxFeed } from '../src/events/outbox-feed.js';
import { appendToOutbox, migrateOutbox } from '../src/events/outbox.js';
import { Subscription } from '../src/events/subscription.js';

const run = promisify(execFile);
const simpul = (...args: string[]) => run('npx', ['tsx', 'src/cli/main.ts', 'events', ...args], { cwd: process.cwd(), env: { ...process.env, NODE_NO_WARNINGS: '1' } });
const A = { street: 'JL. MERDEKA 1', rt: '001', rw: '002', village: 'CIBEUNYING', district: 'CIMENYAN', city: 'KAB. BANDUNG', province: 'JAWA BARAT', postcode: '40191' };

describe('simpul events CLI', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let database: Database<any>;
  let feed: OutboxFeed;
  let subscription: Subscription;
  let app: HttpApp;
  let url: string;
  let events: ChangeEvent[];
  const poison = new Set<string>();

  before(async () => {
    database = await openDatabase({ schema: 'ev_cli' });
    await migrateOutbox(database.db, database.schema);
    await sql`create table copy (nik text primary key, street text not null)`.execute(database.db);
    feed = new OutboxFeed({ db: database.db });
    subscription = await Subscription.open({
      name: 'ID/GOV/DUKCAPIL/SIAK/events',
      database,
      source: new LocalFeedSource(feed, 'ID/GOV/DUKCAPIL/SIAK/events'),
      waitMs: 300,
      maxAttempts: 2,
      backoffMs: 5,
      handler: {
        async apply(e, trx) {
          if (poison.has(e.id)) throw new Error('kolom alamat terlalu pendek / address column too short');
          await sql`insert into copy values (${e.subject}, ${(e.data as { address: { street: string } }).address.street}) on conflict (nik) do update set street = excluded.street`.execute(trx);
        },
      },
    });
    events = await database.db.transaction().execute((trx) =>
      appendToOutbox(trx, ['3273014101900001', '3273014101900002', '3273014101900003'].map((nik, i) => addressChanged(nik, A, { ...A, street: `JL. BARU ${i}` }))),
    );
    poison.add(events[1]!.id);
    subscription.start();
    await subscription.waitForPosition(3);
    app = await createHttpApp({ title: 'test admin', logLevel: 'silent' });
    await registerSubscriptionRoutes(app, [{ owner: 'BPS', subscription }]);
    url = await listen(app, 0, '127.0.0.1');
  });
  after(async () => {
    await app.close();
    await subscription.stop();
    await feed.close();
    await database.close();
  });

  it('shows position, lag and dead letters, and replays once the cause is fixed', async () => {
    const shown = await simpul('status', '--url', url);
    assert.match(shown.stdout, /BPS\s+ID\/GOV\/DUKCAPIL\/SIAK\/events/);
    assert.match(shown.stdout, /posisi \/ position\s+3/);
    assert.match(shown.stdout, /surat mati \/ dead letters\s+1/);

    const letters = JSON.parse((await simpul('dead-letters', '--url', url, '--json')).stdout) as { position: number; state: string; attempts: number; reason: string; owner: string }[];
    assert.equal(letters.length, 1);
    assert.deepEqual([letters[0]!.position, letters[0]!.state, letters[0]!.attempts, letters[0]!.owner], [2, 'failed', 2, 'BPS']);
    assert.match(letters[0]!.reason, /address column too short/);

    poison.clear();
    const replay = await simpul('replay', '--url', url, '--owner', 'BPS', '--from', String(letters[0]!.position));
    assert.match(replay.stdout, /reading again after position 1; .*reopened: 1/);
    await subscription.waitForPosition(3);
    const { rows } = await sql<{ street: string }>`select street from copy where nik = '3273014101900002'`.execute(database.db);
    assert.equal(rows[0]?.street, 'JL. BARU 1');
    const status = await subscription.status();
    assert.deepEqual([status.position, status.openDeadLetters], [3, 0]);
  });
});
