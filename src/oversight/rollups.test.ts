/**
 * Hourly rollups and raw-leaf retention (ADR 0084): figures computed, raw leaves pruned,
 * figures computed again — counts equal, percentiles within the histogram's precision; the
 * rollups kept as leaves arrive equal the ones rebuilt from the raw leaves; the retention
 * setting cannot undercut the security rules.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { testBackends } from '../core/storage/testing.js';
import type { ExchangeRecord } from '../gateway/exchange-record.js';
import { createOversight } from './oversight.js';
import { decodeLatency, latencyHistogram, percentileCont, rebuildRollups, ROLLUP_PERCENTILE_PRECISION } from './rollups.js';
import { DAY_MS, dayStart, type ExchangeFigures } from './statistics.js';
import { exchange, oversightFixture, T0, type OversightFixture } from './testing.js';

const HOUR = 3_600_000;
const BPS_GW = 'ID/GOV/BPS/gw1';
const DUKCAPIL_GW = 'ID/GOV/DUKCAPIL/gw1';

/** percentile_cont over the raw values, as PostgreSQL computes it. */
function exactPercentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * fraction;
  const lower = Math.floor(position);
  return sorted[lower]! + (position - lower) * (sorted[Math.ceil(position)]! - sorted[lower]!);
}

/** Whether a percentile read from the rollups is within the stated precision of the exact one (both rounded to 0.1 ms). */
function close(after: number | null, before: number | null): boolean {
  if (after === null || before === null) return after === before;
  return Math.abs(after - before) <= ROLLUP_PERCENTILE_PRECISION * Math.max(after, before) + 0.1;
}

function assertSameFigures<T extends ExchangeFigures>(after: T[], before: T[], key: (r: T) => string, what: string): void {
  const byKey = new Map(before.map((r) => [key(r), r]));
  assert.deepEqual(after.map(key).sort(), [...byKey.keys()].sort(), `${what}: the same groups`);
  for (const a of after) {
    const b = byKey.get(key(a))!;
    assert.deepEqual([a.total, a.ok, a.refused, a.error], [b.total, b.ok, b.refused, b.error], `${what} ${key(a)}: counts`);
    for (const p of ['p50', 'p95', 'p99'] as const) assert.ok(close(a[p], b[p]), `${what} ${key(a)} ${p}: ${a[p]} vs ${b[p]}`);
  }
}

describe('latency percentiles from an HDR histogram', () => {
  it('follow percentile_cont within the stated precision', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    for (const size of [1, 2, 9, 100, 5000]) {
      const values = Array.from({ length: size }, () => Math.round(random() < 0.9 ? 5 + random() * 300 : 300 + random() * 60_000));
      const h = latencyHistogram();
      for (const v of values) h.recordValue(v);
      for (const fraction of [0.5, 0.95, 0.99]) {
        const exact = exactPercentile(values, fraction);
        const approx = percentileCont(h, fraction)!;
        assert.ok(Math.abs(approx - exact) <= ROLLUP_PERCENTILE_PRECISION * exact, `n=${size} p${fraction * 100}: ${approx} vs ${exact}`);
      }
    }
    assert.equal(percentileCont(latencyHistogram(), 0.5), null);
    const small = latencyHistogram();
    for (const v of [10, 20, 30, 40]) small.recordValue(v);
    assert.equal(percentileCont(small, 0.5), 25, 'exact below 256 ms, interpolated as percentile_cont does');
  });
});

for (const backend of testBackends()) {
  describe(`hourly rollups and raw-leaf retention on ${backend.kind}`, () => {
    let f: OversightFixture;
    const db = () => f.oversight.db;

    before(async () => {
      f = await oversightFixture(backend);
      const bps = f.logs.get(BPS_GW)!;
      const dukcapil = f.logs.get(DUKCAPIL_GW)!;
      // 20 days of traffic, every 40 minutes, latencies from a few ms to seconds.
      const consumer: ExchangeRecord[] = [];
      const provider: ExchangeRecord[] = [];
      const late: ExchangeRecord[] = [];
      let i = 0;
      for (let t = T0 - 20 * DAY_MS; t < T0; t += 40 * 60_000, i++) {
        const outcome = i % 11 === 0 ? 'refused' : i % 17 === 0 ? 'error' : 'ok';
        const record = exchange({ time: t, outcome, status: outcome === 'ok' ? 200 : outcome === 'refused' ? 403 : 502, durationMs: 3 + ((i * 37) % 900) + (i % 50 === 0 ? 4000 : 0), service: i % 3 === 0 ? 'ID/GOV/DUKCAPIL/SIAK/family' : 'ID/GOV/DUKCAPIL/SIAK/person' }, bps.salt, `32010${i}`);
        consumer.push(record);
        // The provider logged most of them too, with its own (shorter) duration and 1 ms later…
        if (i % 4 !== 0) provider.push({ ...record, side: 'provider', time: t + 1, durationMs: Math.max(1, record.durationMs - 2) });
        // …and some exchanges straddle an hour: the provider side logged in the next hour.
        if (i % 9 === 0) {
          const straddling = exchange({ time: t + (HOUR - (t % HOUR)) - 1, durationMs: 40 }, bps.salt);
          consumer.push(straddling);
          provider.push({ ...straddling, side: 'provider', time: straddling.time + 1 });
        }
        // A KEMENKES client whose exchanges reach oversight only through the provider's log.
        if (i % 5 === 0) provider.push({ ...exchange({ time: t + 7, client: 'ID/GOV/KEMENKES/SATUSEHAT' as never, purpose: 'LAYANAN-KESEHATAN' as never, durationMs: 250 + (i % 30) }, dukcapil.salt), side: 'provider' });
        // The consumer side of some exchanges arrives after the provider's (a gateway catching up).
        if (i % 7 === 1) late.push(exchange({ time: t + 20_000, durationMs: 800 + i }, bps.salt));
        // One whose provider side was logged in the next hour, alone there for its service.
        if (i === 100) late.push(exchange({ time: Math.floor(t / HOUR) * HOUR + HOUR - 1, durationMs: 300, service: 'ID/GOV/DUKCAPIL/SIAK/death' as never }, bps.salt));
      }
      // Observed a week before "now", so that nothing is pruned until the test moves the clock.
      f.clock.now = T0 - 7 * DAY_MS;
      await bps.append(consumer);
      await dukcapil.append([...provider, ...late.map((r) => ({ ...r, side: 'provider' as const, time: r.time + 2, durationMs: 5 }))]);
      await f.oversight.tick();
      assert.equal((await db().selectFrom('exchange_rollup').select('total').where('service', '=', 'ID/GOV/DUKCAPIL/SIAK/death').execute()).length, 1);
      await bps.append(late);
      await f.oversight.tick();
    });
    after(async () => {
      await f?.close();
    });

    it('counts each exchange once, from its consumer side, as leaves arrive', async () => {
      const exchanges = await db().selectFrom('observed_exchange').select((eb) => [eb.fn.count<number>('exchange_id').distinct().as('n')]).executeTakeFirstOrThrow();
      const counted = await db().selectFrom('observed_exchange').select((eb) => eb.fn.countAll<number>().as('n')).where('counted', '=', true).executeTakeFirstOrThrow();
      assert.equal(Number(counted.n), Number(exchanges.n));
      const providerCounted = await db().selectFrom('observed_exchange as p').innerJoin('observed_exchange as c', (j) => j.onRef('c.exchange_id', '=', 'p.exchange_id'))
        .select('p.exchange_id').where('p.side', '=', 'provider').where('c.side', '=', 'consumer').where('p.counted', '=', true).execute();
      assert.deepEqual(providerCounted, [], 'a provider-side leaf never counts when the consumer side was observed, even later');
      const rolled = await db().selectFrom('exchange_rollup').select((eb) => [eb.fn.sum<number>('total').as('n'), eb.fn.min<number>('total').as('least')]).executeTakeFirstOrThrow();
      assert.equal(Number(rolled.n), Number(exchanges.n));
      assert.ok(Number(rolled.least) > 0, 'an hour whose only exchange moved to the previous hour has no rollup left');
      const death = await db().selectFrom('exchange_rollup').select(['hour', 'total']).where('service', '=', 'ID/GOV/DUKCAPIL/SIAK/death').execute();
      assert.deepEqual(death.map((r) => Number(r.hour) % HOUR === 0 && Number(r.total)), [1]);
      const consumerSide = await db().selectFrom('observed_exchange').select('time').where('service', '=', 'ID/GOV/DUKCAPIL/SIAK/death').where('side', '=', 'consumer').executeTakeFirstOrThrow();
      assert.equal(Number(death[0]!.hour), Math.floor(Number(consumerSide.time) / HOUR) * HOUR, 'counted in its consumer side\'s hour');
    });

    it('keeps the same rollups as leaves arrive as a rebuild from the raw leaves gives', async () => {
      const snapshot = async () => {
        const rows = await db().selectFrom('exchange_rollup').selectAll().orderBy('hour').orderBy('consumer').orderBy('service').execute();
        const flags = await db().selectFrom('observed_exchange').select(['gateway', 'idx']).where('counted', '=', true).orderBy('gateway').orderBy('idx').execute();
        return {
          flags: flags.map((r) => `${r.gateway} ${r.idx}`),
          rollups: rows.map((r) => {
            const h = decodeLatency(r.latency);
            return [Number(r.hour), r.consumer, r.provider, r.service, r.total, r.ok, r.refused, r.error, h.totalCount, percentileCont(h, 0.5), percentileCont(h, 0.95), h.maxValue];
          }),
        };
      };
      const incremental = await snapshot();
      assert.ok(incremental.rollups.length > 400);
      await db().transaction().execute((trx) => rebuildRollups(trx));
      assert.deepEqual(await snapshot(), incremental);
    });

    it('gives the same figures after the raw leaves older than the retention are pruned', async () => {
      const stats = f.oversight.statistics;
      const month = { from: dayStart(T0) - 22 * DAY_MS, to: dayStart(T0) + DAY_MS };
      const prunedDay = { from: dayStart(T0) - 17 * DAY_MS, to: dayStart(T0) - 16 * DAY_MS };
      const acrossBoundary = { from: T0 - 14 * DAY_MS - 5 * HOUR, to: T0 - 14 * DAY_MS + 5 * HOUR };
      const figures = async () => ({
        services: await stats.byService(month), pairs: await stats.byPair(month), daily: await stats.daily(month),
        hourly: await stats.hourly(prunedDay), across: await stats.hourly(acrossBoundary), pairsAcross: await stats.byPair(acrossBoundary),
        page: (await f.oversight.app.inject('/data/statistik.json')).json() as { rows: unknown[] },
      });
      f.clock.now = T0;
      const before = await figures();
      assert.ok(before.daily.length > 40 && before.hourly.length > 20);

      const leaves = async () => Number((await db().selectFrom('observed_exchange').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const kept = await leaves();
      await f.oversight.tick();
      const deleted = kept - (await leaves());
      assert.ok(deleted > 400, `the round pruned ${deleted} leaves`);
      const oldest = await db().selectFrom('observed_exchange').select((eb) => eb.fn.min<number>('time').as('t')).executeTakeFirstOrThrow();
      assert.ok(Number(oldest.t) >= T0 - 14 * DAY_MS, 'no raw leaf older than 14 days is left');
      assert.equal(await f.oversight.pruneRawLeaves(), 0, 'nothing more to prune in the same hour');

      const after = await figures();
      assertSameFigures(after.services, before.services, (r) => `${r.provider} ${r.service}`, 'byService');
      assertSameFigures(after.pairs, before.pairs, (r) => `${r.consumer} ${r.service}`, 'byPair');
      assertSameFigures(after.daily, before.daily, (r) => `${r.day} ${r.consumer} ${r.service}`, 'daily');
      assertSameFigures(after.hourly, before.hourly, (r) => `${r.hour} ${r.service}`, 'hourly, pruned day');
      assertSameFigures(after.across, before.across, (r) => `${r.hour} ${r.service}`, 'hourly, across the boundary');
      assertSameFigures(after.pairsAcross, before.pairsAcross, (r) => `${r.consumer} ${r.service}`, 'byPair, across the boundary');
      // The open data export is suppressed and has no p99: the same rows, percentiles within precision.
      type Row = { day: string; consumer: string; service: string; total: number | null; ok: number | null; p50: number | null; p95: number | null };
      const rows = (d: { rows: unknown[] }) => new Map((d.rows as Row[]).map((r) => [`${r.day} ${r.consumer} ${r.service}`, r]));
      const [was, is] = [rows(before.page), rows(after.page)];
      assert.deepEqual([...is.keys()].sort(), [...was.keys()].sort());
      for (const [key, r] of is) {
        const w = was.get(key)!;
        assert.deepEqual([r.total, r.ok], [w.total, w.ok], key);
        assert.ok(close(r.p50, w.p50) && close(r.p95, w.p95), `${key}: ${r.p50}/${r.p95} vs ${w.p50}/${w.p95}`);
      }
    });

    it('refuses a retention shorter than the security rules look back', async () => {
      for (const [days, rules] of [[7, {}], [3, { baselineMs: 3 * DAY_MS }], [0, {}], [Number.NaN, {}]] as const) {
        const database = await backend.open<unknown>('ovt_retention');
        try {
          await assert.rejects(createOversight({ database, configuration: () => f.conf, logUrls: () => ({}), intervalMs: 0, logLevel: 'silent', rawRetentionDays: days, rules }), RangeError, `${days} days`);
        } finally {
          await database.close();
        }
      }
      const database = await backend.open<unknown>('ovt_retention');
      const o = await createOversight({ database, configuration: () => f.conf, logUrls: () => ({}), intervalMs: 0, logLevel: 'silent', rawRetentionDays: 8 });
      await o.close();
      await database.close();
      assert.ok((await sql<{ n: number }>`SELECT count(*)::int AS n FROM exchange_rollup`.execute(db())).rows[0]!.n > 0);
    });
  });
}
