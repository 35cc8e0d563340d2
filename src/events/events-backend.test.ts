import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { BackendRequest } from '../adapters/backend.js';
import type { ExchangeId, PurposeCode, ServiceId, SubsystemId } from '../core/ids.js';
import { openDatabase, type Database } from '../core/storage/database.js';
import { DeliveryLedger, migrateDeliveryLedger } from './delivery-ledger.js';
import { addressChanged, personDied } from './event.js';
import { createEventsBackend, type FeedResponseBody } from './events-backend.js';
import { OutboxFeed } from './outbox-feed.js';
import { appendToOutbox, migrateOutbox } from './outbox.js';

const A = { street: 'JL. MERDEKA 1', rt: '001', rw: '002', village: 'CIBEUNYING', district: 'CIMENYAN', city: 'KAB. BANDUNG', province: 'JAWA BARAT', postcode: '40191' };
const B = { ...A, street: 'JL. PEMUDA NO. 9' };
const X = '3273014101900001';
const Y = '3273014101900002';
const SERVICE = 'ID/GOV/DUKCAPIL/SIAK/events' as ServiceId;

// The test vector of docs/protocols/events.md §9, through the events service backend.
describe('events service backend (docs/protocols/events.md test vector)', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let database: Database<any>;
  let feed: OutboxFeed;
  let ledger: DeliveryLedger;
  let backend: ReturnType<typeof createEventsBackend>;
  let n = 0;
  const request = (query: string, extra: Partial<BackendRequest> = {}): BackendRequest => ({
    method: 'GET', path: '', query, headers: {}, body: undefined, service: SERVICE, client: 'ID/GOV/BPS/SENSUS' as SubsystemId,
    purpose: 'PEMUTAKHIRAN-DATA' as PurposeCode, subject: undefined, exchangeId: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}` as ExchangeId, ...extra,
  });
  const page = async (query: string) => {
    const res = await backend.call(request(query));
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.headers['content-type'], 'application/json');
    const body = JSON.parse(res.body.toString()) as FeedResponseBody;
    return { positions: body.events.map((e) => e.position), head: body.head, next: body.next, body };
  };

  before(async () => {
    database = await openDatabase({ schema: 'ev_backend' });
    await migrateOutbox(database.db, database.schema);
    await migrateDeliveryLedger(database.db, database.schema);
    await database.db.transaction().execute((trx) => appendToOutbox(trx, [addressChanged(X, A, B), personDied(Y, '2024-05-01'), addressChanged(X, B, A)]));
    feed = new OutboxFeed({ db: database.db, pollMs: 10 });
    ledger = new DeliveryLedger(database.db);
    backend = createEventsBackend({ feed, publisher: 'ID/GOV/DUKCAPIL/SIAK', deliveries: ledger, allowedTypes: (_client, purpose) => (purpose === 'STATISTIK' ? ['person.died'] : undefined) });
  });
  after(async () => {
    await backend.close();
    await feed.close();
    await database.close();
  });

  it('pages by position, filters by type, and says where to continue', async () => {
    assert.deepEqual(await page('after=0&limit=2').then(({ positions, head, next }) => ({ positions, head, next })), { positions: [1, 2], head: 3, next: 2 });
    assert.deepEqual(await page('after=2&limit=100').then(({ positions, head, next }) => ({ positions, head, next })), { positions: [3], head: 3, next: 3 });
    assert.deepEqual(await page('after=0&limit=1&types=person.died').then(({ positions, head, next }) => ({ positions, head, next })), { positions: [2], head: 3, next: 2 });
    assert.deepEqual(await page('after=0&limit=100&types=person.born').then(({ positions, head, next }) => ({ positions, head, next })), { positions: [], head: 3, next: 3 });
    assert.deepEqual(await page('after=3&limit=100&wait=0').then(({ positions, head, next }) => ({ positions, head, next })), { positions: [], head: 3, next: 3 });
    const first = await page('after=0&limit=1');
    assert.equal(first.body.format, 'simpul-events/1');
    assert.equal(first.body.publisher, 'ID/GOV/DUKCAPIL/SIAK');
    assert.deepEqual(first.body.events[0]!.data, { nik: X, previous: A, address: B });
  });

  it('answers a long poll when the next position commits', async () => {
    const started = Date.now();
    const waiting = page('after=3&limit=100&wait=5000');
    setTimeout(() => void database.db.transaction().execute((trx) => appendToOutbox(trx, [personDied(X, '2024-06-01')])), 200);
    const { positions, head, next } = await waiting;
    assert.deepEqual({ positions, head, next }, { positions: [4], head: 4, next: 4 });
    assert.ok(Date.now() - started < 3000);
  });

  it('records each non-empty page in the delivery ledger, found again by subject', async () => {
    const trail = await ledger.listBySubject(Y, { limit: 50 });
    assert.ok(trail.length >= 2, 'pages that held position 2 were recorded');
    assert.ok(trail.every((t) => t.position === 2 && t.eventType === 'person.died' && t.client === 'ID/GOV/BPS/SENSUS' && t.purpose === 'PEMUTAKHIRAN-DATA' && t.service === SERVICE));
    const { rows } = await sql<{ exchange_id: string }>`select exchange_id from event_delivery where types = array['person.died']`.execute(database.db);
    const deathPages = new Set(rows.map((r) => r.exchange_id));
    assert.ok(deathPages.size > 0);
    const ofX = await ledger.listBySubject(X, { limit: 50 });
    assert.ok(ofX.some((t) => t.eventType === 'person.address_changed'));
    assert.ok(!ofX.some((t) => t.eventType === 'person.address_changed' && deathPages.has(t.exchangeId)), 'a page filtered to deaths did not deliver the address changes in its range');
  });

  it('refuses bad parameters and types the purpose does not release, as problem+json', async () => {
    for (const [query, code] of [['after=-1', 'request.invalid'], ['limit=0', 'request.invalid'], ['limit=5000', 'request.invalid'], ['wait=99999', 'request.invalid'], ['types=person.exploded', 'request.invalid']] as const) {
      const res = await backend.call(request(query));
      assert.equal(res.status, 400, query);
      assert.equal(res.headers['content-type'], 'application/problem+json');
      assert.equal(JSON.parse(res.body.toString()).code, code, query);
    }
    const wrongType = await backend.call(request('types=person.address_changed', { purpose: 'STATISTIK' as PurposeCode }));
    assert.equal(wrongType.status, 403);
    assert.equal(JSON.parse(wrongType.body.toString()).code, 'client.purpose_not_allowed');
    const released = JSON.parse((await backend.call(request('after=0', { purpose: 'STATISTIK' as PurposeCode }))).body.toString()) as FeedResponseBody;
    assert.ok(released.events.length > 0 && released.events.every((e) => e.type === 'person.died'), 'without types, only the released types');
    assert.equal((await backend.call(request('', { method: 'POST' }))).status, 400);
    assert.equal((await backend.call(request('', { path: '/3273014101900001' }))).status, 404);
  });
});
