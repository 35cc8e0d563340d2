/**
 * npm run bench:events [-- --json] [-- --events 20000 --per-tx 100 --rate N --seconds 6 --transport both|outbox|jetstream]
 *
 * Change events end to end, from the base registry's commit to the subscriber's effect:
 *   base registry (person table + outbox, one transaction per --per-tx changes)
 *     → [outbox feed | relay → private JetStream broker → feed] → DUKCAPIL events backend
 *     → DUKCAPIL gateway ══ HTTP/2, mTLS, signed ══ BPS gateway (both record every exchange
 *       and append it to their exchange log)
 *     → BPS subscription (effect, inbox row and position in one transaction).
 * Phase 1 (throughput): --events changes committed as fast as the registry can; events/s is
 * the count over the time from the first commit to the last effect.
 * Phase 2 (lag): changes offered at a steady rate for --seconds; lag is effect time minus
 * commit time of each event; p50/p99 reported. The rate is --rate, or else half the measured
 * throughput capped at 5,000/s: lag is only meaningful at a rate the registry sustains
 * (above it the backlog, not the transport, sets the lag).
 * JetStream only, first: the relay alone (`relay_events_per_s`), from an outbox already holding
 * --events events to the broker's last acknowledgement, so that one can tell whether the relay
 * is what limits the end-to-end figure.
 * Embedded storage (PGlite) unless --database-url (its schemas are dropped at the end). The
 * last line with --json is one JSON object.
 */
import { cpus, loadavg } from 'node:os';
import cliProgress from 'cli-progress';
import { sql, type Kysely } from 'kysely';
import type { SubsystemId } from '../src/core/ids.js';
import { dropSchema, openDatabase, type Database } from '../src/core/storage/database.js';
import { DEMO_EVENTS_PURPOSE, DEMO_EVENTS_SERVICE, DEMO_EVENT_RIGHTS } from '../src/events/demo.js';
import { addressChanged, type ChangeEvent } from '../src/events/event.js';
import { GatewayFeedSource } from '../src/events/gateway-feed-source.js';
import { JetStreamRelay } from '../src/events/jetstream-relay.js';
import { connectNats } from '../src/events/jetstream.js';
import { appendToOutbox, migrateOutbox } from '../src/events/outbox.js';
import { startPrivateNatsServer, type PrivateNatsServer } from '../src/events/private-nats-server.js';
import { startEventPublisher } from '../src/events/publisher.js';
import { Subscription } from '../src/events/subscription.js';
import { Gateway } from '../src/gateway/gateway.js';
import type { GatewayTables } from '../src/gateway/store.js';
import { TestFederation } from '../src/gateway/testing.js';
import { appendLeaves, encodeExchangeLeaf, migrateLog } from '../src/log/index.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const totalEvents = Number(option('events', '20000'));
const perTx = Number(option('per-tx', '100'));
const forcedRate = option('rate', '') ? Number(option('rate', '')) : undefined;
const seconds = Number(option('seconds', '6'));
const transports = option('transport', 'both') === 'both' ? (['outbox', 'jetstream'] as const) : ([option('transport', 'outbox')] as ('outbox' | 'jetstream')[]);
const databaseUrl = option('database-url', process.env.BENCH_DATABASE_URL ?? '') || undefined;
const say = (text: string) => (json ? console.error(text) : console.log(text));

const PERSONS = 10_000;
const BASE = { street: 'JL. MERDEKA 1', rt: '001', rw: '002', village: 'CIBEUNYING', district: 'CIMENYAN', city: 'KAB. BANDUNG', province: 'JAWA BARAT', postcode: '40191' };
const nikOf = (i: number) => `3273${String(10 + (i % 80)).padStart(2, '0')}${String(1 + (i % 28)).padStart(2, '0')}0190${String(i).padStart(4, '0')}`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

interface Result {
  transport: string;
  events_per_s: number;
  lag_p50_ms: number;
  lag_p99_ms: number;
  lag_max_ms: number;
  lag_rate_per_s: number;
  lag_events: number;
  exchanges: number;
  logged_leaves: number;
  /** JetStream: the relay alone, outbox to acknowledged publishes. */
  relay_events_per_s?: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

let schemaCounter = 0;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function open(prefix: string): Promise<Database<any>> {
  const schema = `${prefix}_${process.pid}_${schemaCounter++}`;
  const database = await openDatabase({ url: databaseUrl, schema, poolSize: 4 });
  if (!databaseUrl) return database;
  // A shared PostgreSQL keeps no bench leftovers.
  return { ...database, close: async () => (await dropSchema(database.db as never, schema), await database.close()) };
}

/** The relay alone: an outbox holding `count` events, relayed to a fresh stream; events per second. */
async function relayThroughput(count: number): Promise<number> {
  const database = await open('bench_relay');
  const broker = await startPrivateNatsServer();
  const nats = await connectNats(broker.url);
  try {
    await migrateOutbox(database.db, database.schema);
    for (let i = 0; i < count; i += 1000) {
      await database.db.transaction().execute((trx: Db) =>
        appendToOutbox(trx, Array.from({ length: Math.min(1000, count - i) }, (_, k) => addressChanged(nikOf(i + k), BASE, { ...BASE, street: `JL. PEMUDA NO. ${i + k}` }))),
      );
    }
    const started = performance.now();
    const relay = await JetStreamRelay.start({ db: database.db, nats, publisher: 'ID/GOV/DUKCAPIL/SIAK' });
    await relay.waitForRelayed(count, 300_000);
    const eventsPerS = count / ((performance.now() - started) / 1000);
    await relay.close();
    return eventsPerS;
  } finally {
    await nats.close();
    await broker.dispose();
    await database.close();
  }
}

async function runOnce(transport: 'outbox' | 'jetstream', bar: cliProgress.SingleBar): Promise<Result> {
  const closers: (() => Promise<unknown>)[] = [];
  let broker: PrivateNatsServer | undefined;
  try {
    const fed = await TestFederation.create();
    const dukcapil = await fed.identity('ID/GOV/DUKCAPIL');
    const bps = await fed.identity('ID/GOV/BPS');
    fed.service(DEMO_EVENTS_SERVICE, false);
    for (const r of DEMO_EVENT_RIGHTS) fed.grant(r.client, r.service, r.purpose, r.legalBasis);

    const registry = await open('bench_registry');
    const copy = await open('bench_bps');
    closers.push(() => registry.close(), () => copy.close());
    await sql`create table person (nik text primary key, street text not null, rt text not null, rw text not null, village text not null, district text not null, city text not null, province text not null, postcode text not null)`.execute(registry.db);
    await sql`insert into person select nik, ${BASE.street}, ${BASE.rt}, ${BASE.rw}, ${BASE.village}, ${BASE.district}, ${BASE.city}, ${BASE.province}, ${BASE.postcode} from unnest(${Array.from({ length: PERSONS }, (_, i) => nikOf(i))}::text[]) as nik`.execute(registry.db);
    await sql`create table respondent (nik text primary key, street text, rt text, rw text, village text, district text, city text, province text, postcode text)`.execute(copy.db);
    await sql`insert into respondent (nik) select unnest(${Array.from({ length: PERSONS }, (_, i) => nikOf(i))}::text[])`.execute(copy.db);

    let relayEventsPerS: number | undefined;
    if (transport === 'jetstream') {
      relayEventsPerS = await relayThroughput(totalEvents);
      say(`  jetstream: the relay alone moved ${totalEvents} outbox events to the broker at ${Math.round(relayEventsPerS)} events/s`);
      broker = await startPrivateNatsServer();
      closers.push(() => broker!.dispose());
    }
    const publisher = await startEventPublisher({ database: registry, publisher: 'ID/GOV/DUKCAPIL/SIAK', natsUrl: broker?.url });
    closers.push(() => publisher.close());

    const gateways: Gateway[] = [];
    for (const [identity, backends] of [[dukcapil, new Map([[DEMO_EVENTS_SERVICE, publisher.backend]])], [bps, undefined]] as const) {
      const db = await open(`bench_gw`);
      // Every exchange is appended to the gateway's exchange log in its group-commit transaction.
      await migrateLog(db.db, db.schema);
      const gateway = await Gateway.start({ identity, database: db as Database<GatewayTables>, configuration: fed.source(), backends: backends ? new Map(backends) : undefined, consumer: { port: 0 }, peer: { port: 0 }, logLevel: 'silent' });
      gateway.store.addCommitHook(async (trx, records) => {
        await appendLeaves(trx, records.map((r) => ({ exchangeId: r.id, leaf: encodeExchangeLeaf(r) })));
      });
      fed.setAddress(identity.id, gateway.peerUrl);
      gateways.push(gateway);
      closers.push(() => gateway.close());
    }
    fed.publish();
    const token = await gateways[1]!.issueClientToken('ID/GOV/BPS/SENSUS' as SubsystemId);

    const committedAt = new Map<number, number>();
    const lags: number[] = [];
    let applied = 0;
    let lastEffect = 0;
    let measuring = false;
    const subscription = await Subscription.open({
      name: DEMO_EVENTS_SERVICE,
      database: copy,
      batchSize: 1000,
      waitMs: 5000,
      source: new GatewayFeedSource({ gatewayUrl: gateways[1]!.consumerUrl, token, client: 'ID/GOV/BPS/SENSUS', purpose: DEMO_EVENTS_PURPOSE, service: DEMO_EVENTS_SERVICE }),
      handler: {
        types: ['person.address_changed'],
        async apply(e, trx) {
          const a = (e.data as { address: typeof BASE }).address;
          await sql`update respondent set street = ${a.street}, rt = ${a.rt}, rw = ${a.rw}, village = ${a.village}, district = ${a.district}, city = ${a.city}, province = ${a.province}, postcode = ${a.postcode} where nik = ${e.subject}`.execute(trx);
        },
        async applyBatch(events, trx) {
          const last = new Map<string, typeof BASE>();
          for (const e of events) last.set(e.subject, (e.data as { address: typeof BASE }).address);
          await sql`update respondent r set street = x.street, rt = x.rt, rw = x.rw, village = x.village, district = x.district, city = x.city, province = x.province, postcode = x.postcode
            from jsonb_to_recordset(${JSON.stringify([...last].map(([nik, a]) => ({ nik, ...a })))}::jsonb) as x(nik text, street text, rt text, rw text, village text, district text, city text, province text, postcode text)
            where r.nik = x.nik`.execute(trx);
        },
      },
      onApplied(events: readonly ChangeEvent[]) {
        const now = performance.now();
        lastEffect = now;
        applied += events.length;
        if (measuring) for (const e of events) lags.push(now - (committedAt.get(e.position) ?? now));
        bar.increment(events.length);
      },
    });
    subscription.start();
    closers.unshift(() => subscription.stop());

    let n = 0;
    async function commitChanges(count: number): Promise<void> {
      const changes = Array.from({ length: count }, () => {
        const i = n++;
        return addressChanged(nikOf(i % PERSONS), BASE, { ...BASE, street: `JL. PEMUDA NO. ${i}` });
      });
      const written = await registry.db.transaction().execute(async (trx: Db) => {
        await sql`update person p set street = x.street from jsonb_to_recordset(${JSON.stringify(changes.map((c) => ({ nik: c.subject, street: c.data.address.street })))}::jsonb) as x(nik text, street text) where p.nik = x.nik`.execute(trx);
        return appendToOutbox(trx, changes);
      });
      const now = performance.now();
      for (const e of written) committedAt.set(e.position, now);
      publisher.notify();
      // A registry commits from request handlers, between which the process does its I/O.
      // PGlite answers within the same turn, so a producer loop that never yields would starve
      // the gateways and the feed sharing this process.
      await new Promise((r) => setImmediate(r));
    }

    // Phase 1: throughput.
    bar.start(totalEvents, 0, { step: `${transport}: throughput` });
    const started = performance.now();
    for (let done = 0; done < totalEvents; done += perTx) await commitChanges(Math.min(perTx, totalEvents - done));
    const committedAll = performance.now();
    await subscription.waitForPosition(totalEvents, 300_000);
    const eventsPerS = totalEvents / ((lastEffect - started) / 1000);
    bar.stop();
    say(`  ${transport}: ${totalEvents} events committed in ${Math.round(committedAll - started)} ms, all applied after ${Math.round(lastEffect - started)} ms → ${Math.round(eventsPerS)} events/s`);

    // Phase 2: lag at a steady offered rate.
    const rate = forcedRate ?? Math.min(5000, Math.max(100, Math.round(eventsPerS / 2 / 100) * 100));
    const lagEvents = Math.round(rate * seconds);
    bar.start(lagEvents, 0, { step: `${transport}: lag at ${rate}/s` });
    measuring = true;
    const tick = 20;
    const perTick = Math.max(1, Math.round((rate * tick) / 1000));
    const phaseStart = performance.now();
    let offered = 0;
    while (offered < lagEvents) {
      const due = Math.min(lagEvents, Math.floor(((performance.now() - phaseStart) / 1000) * rate) + perTick);
      if (due > offered) {
        const count = Math.min(due - offered, perTx * 5);
        await commitChanges(count);
        offered += count;
      } else {
        await new Promise((r) => setTimeout(r, tick / 2));
      }
    }
    await subscription.waitForPosition(totalEvents + lagEvents, 300_000);
    bar.stop();
    const sorted = lags.sort((a, b) => a - b);
    const achieved = lagEvents / ((performance.now() - phaseStart) / 1000);
    const exchanges = Number((await sql<{ n: number }>`select count(*)::int as n from exchange_record where side = 'provider'`.execute(gateways[0]!.db)).rows[0]!.n);
    const leaves = Number((await sql<{ n: number }>`select count(*)::int as n from log_leaf`.execute(gateways[1]!.db)).rows[0]!.n) + Number((await sql<{ n: number }>`select count(*)::int as n from log_leaf`.execute(gateways[0]!.db)).rows[0]!.n);
    say(`  ${transport}: ${lagEvents} events offered at ${rate}/s (achieved ${Math.round(achieved)}/s): lag p50 ${Math.round(percentile(sorted, 50))} ms, p99 ${Math.round(percentile(sorted, 99))} ms, max ${Math.round(sorted.at(-1) ?? NaN)} ms; ${exchanges} signed exchanges, every one logged on both gateways`);
    void applied;
    return {
      transport,
      events_per_s: Math.round(eventsPerS),
      lag_p50_ms: Math.round(percentile(sorted, 50)),
      lag_p99_ms: Math.round(percentile(sorted, 99)),
      lag_max_ms: Math.round(sorted.at(-1) ?? NaN),
      lag_rate_per_s: rate,
      lag_events: lagEvents,
      exchanges,
      logged_leaves: leaves,
      ...(relayEventsPerS === undefined ? {} : { relay_events_per_s: Math.round(relayEventsPerS) }),
    };
  } finally {
    for (const close of closers) await close().catch(() => undefined);
  }
}

const bar = new cliProgress.SingleBar({ format: 'bench:events [{bar}] {value}/{total} {step}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
say(`bench:events on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} (load ${loadavg().map((l) => l.toFixed(1)).join(' ')}), ${databaseUrl ? 'PostgreSQL' : 'PGlite (embedded)'}, ${totalEvents} events in transactions of ${perTx}, then a steady rate for ${seconds} s`);
const results: Result[] = [];
for (const transport of transports) results.push(await runOnce(transport, bar));
const primary = results[0]!;
const summary = {
  events_per_s: primary.events_per_s,
  lag_p99_ms: primary.lag_p99_ms,
  transport: primary.transport,
  storage: databaseUrl ? 'postgres' : 'pglite',
  per_transaction: perTx,
  load_average: loadavg().map((l) => Number(l.toFixed(1))),
  runs: results,
};
if (json) console.log(JSON.stringify(summary));
else console.table(results);
process.exit(0);
