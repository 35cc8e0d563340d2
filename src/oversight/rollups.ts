/**
 * Hourly rollups of the observed exchanges, and the retention of the raw leaves (ADR 0084).
 *
 * Each exchange is counted once — the consumer side's leaf when both gateways logged it (it saw
 * the whole exchange, as its client did). Which leaf counts is decided once, when the leaves
 * arrive (`observe`), and kept in `observed_exchange.counted`; the same step adds the counted
 * leaf to its hour's rollup (per consumer member and service: outcome counts and an HDR
 * histogram of the answered exchanges' latency), and takes back the leaf it replaces when the
 * other side arrives later. Raw figures and rollups therefore always count the same exchanges,
 * so raw leaves can be pruned after the retention and the figures of those hours come from the
 * rollups unchanged (percentiles within the histogram's precision).
 */
import * as hdr from 'hdr-histogram-js';
import { sql, type Kysely } from 'kysely';
import type { OversightTables } from './schema.js';

export const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Raw leaves are kept this long by default. */
export const DEFAULT_RAW_RETENTION_DAYS = 14;
/**
 * Two significant digits: a recorded latency is exact below 256 ms and within 1/256 (0.4 %) of
 * its value above (the middle of a bucket 1/128 wide); a stored histogram is a few hundred bytes.
 */
const SIGNIFICANT_DIGITS = 2;
/** The precision promised for a percentile taken from the rollups, relative to its value. */
export const ROLLUP_PERCENTILE_PRECISION = 0.01;

/** A leaf as the monitor decodes it; `counted` is decided by `observe`. */
export type ObservedLeaf = Omit<OversightTables['observed_exchange'], 'counted'>;
type Stored = ObservedLeaf & { counted: boolean };

export function latencyHistogram(): hdr.JsHistogram {
  return hdr.build({ numberOfSignificantValueDigits: SIGNIFICANT_DIGITS }) as hdr.JsHistogram;
}

export function encodeLatency(h: hdr.JsHistogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeLatency(encoded: string): hdr.JsHistogram {
  const h = hdr.decodeFromCompressedBase64(encoded) as hdr.JsHistogram;
  // A decoded histogram is sized to what it holds; later values may be larger.
  h.autoResize = true;
  return h;
}

/**
 * The percentile as PostgreSQL's `percentile_cont` computes it over the raw values (linear
 * interpolation between the two nearest ranks), each rank's value read as the middle of its
 * histogram bucket. Null when the histogram is empty.
 */
export function percentileCont(h: hdr.JsHistogram, fraction: number): number | null {
  const n = h.totalCount;
  if (n === 0) return null;
  const position = (n - 1) * fraction;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  let low: number | undefined;
  let high: number | undefined;
  let seen = 0;
  const values = h.recordedValuesIterator;
  values.reset();
  while (values.hasNext() && high === undefined) {
    const step = values.next();
    const value = h.medianEquivalentValue(step.valueIteratedTo);
    seen += step.countAtValueIteratedTo;
    if (low === undefined && lower < seen) low = value;
    if (upper < seen) high = value;
  }
  if (low === undefined || high === undefined) return null;
  return low + (position - lower) * (high - low);
}

export function hourStart(time: number): number {
  return Math.floor(time / HOUR_MS) * HOUR_MS;
}

/** Orders the leaves of one exchange: the first is the one that counts. */
function preferred(a: Stored, b: Stored): number {
  const side = Number(b.side === 'consumer') - Number(a.side === 'consumer');
  if (side !== 0) return side;
  if (a.gateway !== b.gateway) return a.gateway < b.gateway ? -1 : 1;
  return Number(a.idx) - Number(b.idx);
}

interface Delta {
  hour: number;
  consumer: string;
  provider: string;
  service: string;
  total: number;
  ok: number;
  refused: number;
  error: number;
  added: hdr.JsHistogram;
  removed: hdr.JsHistogram;
}

/**
 * Stores newly verified leaves, decides which leaf of each exchange counts, and updates the
 * hourly rollups accordingly — in the caller's transaction, so leaves, flags and rollups never
 * disagree. Returns the number of leaves stored.
 */
export async function observe(db: Kysely<OversightTables>, leaves: readonly ObservedLeaf[]): Promise<number> {
  const stored: { exchange_id: string }[] = [];
  for (let at = 0; at < leaves.length; at += 500) {
    stored.push(...await db.insertInto('observed_exchange').values(leaves.slice(at, at + 500).map((l) => ({ ...l, counted: false })))
      .onConflict((oc) => oc.columns(['gateway', 'idx']).doNothing()).returning('exchange_id').execute());
  }
  const ids = [...new Set(stored.map((s) => s.exchange_id))];
  const byExchange = new Map<string, Stored[]>();
  for (let at = 0; at < ids.length; at += 500) {
    const rows = await db.selectFrom('observed_exchange').selectAll().where(sql<boolean>`exchange_id = ANY(${ids.slice(at, at + 500)}::text[])`).execute();
    for (const r of rows) byExchange.set(r.exchange_id, [...(byExchange.get(r.exchange_id) ?? []), r]);
  }
  const counted: Stored[] = [];
  const uncounted: Stored[] = [];
  const deltas = new Map<string, Delta>();
  const delta = (leaf: Stored, sign: 1 | -1) => {
    const hour = hourStart(Number(leaf.time));
    const key = `${hour} ${leaf.client_member} ${leaf.service}`;
    let d = deltas.get(key);
    if (!d) deltas.set(key, d = { hour, consumer: leaf.client_member, provider: leaf.provider_member, service: leaf.service, total: 0, ok: 0, refused: 0, error: 0, added: latencyHistogram(), removed: latencyHistogram() });
    d.total += sign;
    if (leaf.outcome === 'ok' || leaf.outcome === 'refused' || leaf.outcome === 'error') d[leaf.outcome] += sign;
    if (leaf.outcome === 'ok') (sign > 0 ? d.added : d.removed).recordValue(Math.max(0, Number(leaf.duration_ms)));
  };
  for (const group of byExchange.values()) {
    const best = [...group].sort(preferred)[0]!;
    const current = group.find((l) => l.counted);
    if (current === best) continue;
    if (current) {
      uncounted.push(current);
      delta(current, -1);
    }
    counted.push(best);
    delta(best, 1);
  }
  await flag(db, uncounted, false);
  await flag(db, counted, true);
  for (const d of deltas.values()) await applyDelta(db, d);
  return stored.length;
}

async function flag(db: Kysely<OversightTables>, leaves: Stored[], counted: boolean): Promise<void> {
  const byGateway = new Map<string, number[]>();
  for (const l of leaves) {
    const list = byGateway.get(l.gateway) ?? [];
    list.push(Number(l.idx));
    byGateway.set(l.gateway, list);
  }
  // An array parameter rather than a list of row values: PGlite aborts on long row-value lists.
  for (const [gateway, indexes] of byGateway) {
    for (let at = 0; at < indexes.length; at += 5000) {
      await sql`UPDATE observed_exchange SET counted = ${counted} WHERE gateway = ${gateway} AND idx = ANY(${indexes.slice(at, at + 5000)}::bigint[])`.execute(db);
    }
  }
}

async function applyDelta(db: Kysely<OversightTables>, d: Delta): Promise<void> {
  const row = await db.selectFrom('exchange_rollup').selectAll().where('hour', '=', d.hour).where('consumer', '=', d.consumer).where('service', '=', d.service).executeTakeFirst();
  const latency = row ? decodeLatency(row.latency) : latencyHistogram();
  latency.add(d.added);
  latency.subtract(d.removed);
  const values = {
    provider: d.provider,
    total: Number(row?.total ?? 0) + d.total,
    ok: Number(row?.ok ?? 0) + d.ok,
    refused: Number(row?.refused ?? 0) + d.refused,
    error: Number(row?.error ?? 0) + d.error,
    latency: encodeLatency(latency),
  };
  // An hour left with no exchange (its only one moved to another hour with its consumer side) goes.
  if (values.total === 0) await db.deleteFrom('exchange_rollup').where('hour', '=', d.hour).where('consumer', '=', d.consumer).where('service', '=', d.service).execute();
  else if (row) await db.updateTable('exchange_rollup').set(values).where('hour', '=', d.hour).where('consumer', '=', d.consumer).where('service', '=', d.service).execute();
  else await db.insertInto('exchange_rollup').values({ hour: d.hour, consumer: d.consumer, service: d.service, ...values }).execute();
}

/**
 * Builds the counted flags and every rollup from the raw leaves (migration of a database that
 * had leaves before rollups existed).
 */
export async function rebuildRollups(db: Kysely<OversightTables>): Promise<void> {
  await sql`UPDATE observed_exchange SET counted = false`.execute(db);
  await sql`UPDATE observed_exchange o SET counted = true FROM (
      SELECT DISTINCT ON (exchange_id) gateway, idx FROM observed_exchange
      ORDER BY exchange_id, (side = 'consumer') DESC, gateway COLLATE "C", idx) p
    WHERE o.gateway = p.gateway AND o.idx = p.idx`.execute(db);
  await sql`DELETE FROM exchange_rollup`.execute(db);
  const { rows: groups } = await sql<{ hour: string; consumer: string; provider: string; service: string; total: number; ok: number; refused: number; error: number }>`
    SELECT (time / ${HOUR_MS}) * ${HOUR_MS} AS hour, client_member AS consumer, min(provider_member) AS provider, service, count(*)::int AS total,
      count(*) FILTER (WHERE outcome = 'ok')::int AS ok, count(*) FILTER (WHERE outcome = 'refused')::int AS refused, count(*) FILTER (WHERE outcome = 'error')::int AS error
    FROM observed_exchange WHERE counted GROUP BY 1, client_member, service`.execute(db);
  const { rows: latencies } = await sql<{ hour: string; consumer: string; service: string; duration_ms: number; n: number }>`
    SELECT (time / ${HOUR_MS}) * ${HOUR_MS} AS hour, client_member AS consumer, service, duration_ms, count(*)::int AS n
    FROM observed_exchange WHERE counted AND outcome = 'ok' GROUP BY 1, client_member, service, duration_ms`.execute(db);
  const histograms = new Map<string, hdr.JsHistogram>();
  for (const l of latencies) {
    const key = `${Number(l.hour)} ${l.consumer} ${l.service}`;
    let h = histograms.get(key);
    if (!h) histograms.set(key, h = latencyHistogram());
    h.recordValueWithCount(Math.max(0, Number(l.duration_ms)), Number(l.n));
  }
  for (let at = 0; at < groups.length; at += 500) {
    await db.insertInto('exchange_rollup').values(groups.slice(at, at + 500).map((g) => ({
      hour: Number(g.hour), consumer: g.consumer, provider: g.provider, service: g.service, total: g.total, ok: g.ok, refused: g.refused, error: g.error,
      latency: encodeLatency(histograms.get(`${Number(g.hour)} ${g.consumer} ${g.service}`) ?? latencyHistogram()),
    }))).execute();
  }
}

/**
 * How long raw leaves are kept, checked against what the security rules read: the longest look
 * back (baseline plus window) must stay within the raw leaves.
 */
export function rawRetentionMs(days: number | undefined, rules: { baselineMs: number; windowMs: number }): number {
  const ms = (days ?? DEFAULT_RAW_RETENTION_DAYS) * DAY_MS;
  const needed = rules.baselineMs + rules.windowMs;
  if (!Number.isFinite(ms) || ms < needed) {
    throw new RangeError(`The raw retention (${days} days) must cover the security rules' baseline and window (${(needed / DAY_MS).toFixed(2)} days): keep raw leaves at least that long.`);
  }
  return ms;
}

/** Where the raw leaves start: hours before it come from the rollups. */
export async function rawFrom(db: Kysely<OversightTables>): Promise<number> {
  const row = await db.selectFrom('monitor_retention').select('raw_from').where('id', '=', 1).executeTakeFirst();
  return Number(row?.raw_from ?? 0);
}

/**
 * Prunes raw leaves older than the retention, in whole hours. The boundary moves first: the
 * rollups already hold those hours, so figures never read a half-pruned hour. Returns the
 * number of leaves deleted.
 */
export async function pruneRawLeaves(db: Kysely<OversightTables>, retentionMs: number, now: number): Promise<number> {
  const cutoff = hourStart(now - retentionMs);
  if (cutoff <= await rawFrom(db)) return 0;
  await db.updateTable('monitor_retention').set({ raw_from: cutoff }).where('id', '=', 1).execute();
  let deleted = 0;
  // An hour at a time, so a first prune of a long history is many short statements.
  for (;;) {
    const oldest = await db.selectFrom('observed_exchange').select((eb) => eb.fn.min('time').as('time')).where('time', '<', cutoff).executeTakeFirst();
    if (oldest?.time === null || oldest?.time === undefined) break;
    const until = Math.min(hourStart(Number(oldest.time)) + HOUR_MS, cutoff);
    const result = await db.deleteFrom('observed_exchange').where('time', '<', until).executeTakeFirst();
    deleted += Number(result.numDeletedRows);
  }
  return deleted;
}
