/**
 * Exchange statistics from the observed log leaves. An exchange that both gateways logged is
 * counted once (the consumer side's record: it saw the whole exchange, as its client did).
 *
 * Public figures go through `suppress`: a count below the threshold is withheld, and when a
 * row withholds exactly one of its parts, the next smallest is withheld too, so that the
 * withheld one cannot be recovered by subtracting the others from the total.
 */
import type { JsHistogram } from 'hdr-histogram-js';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { decodeLatency, HOUR_MS, latencyHistogram, percentileCont, rawFrom } from './rollups.js';
import type { OversightTables } from './schema.js';

export const DAY_MS = 86_400_000;
/** Jakarta is UTC+7 all year: days are counted from its midnight. */
const WIB_OFFSET_MS = 7 * 3_600_000;

export interface Period {
  from: number;
  to: number;
}

export interface ExchangeFigures {
  total: number;
  ok: number;
  refused: number;
  error: number;
  /** Latency of answered exchanges, milliseconds; null when there were none. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface ServiceFigures extends ExchangeFigures {
  provider: string;
  service: string;
}

export interface PairFigures extends ExchangeFigures {
  consumer: string;
  provider: string;
  service: string;
}

export interface DailyFigures extends PairFigures {
  /** The day in Asia/Jakarta, YYYY-MM-DD. */
  day: string;
}

/**
 * One row per exchange in the period: the leaf that counts for it (the consumer side's when
 * both were observed; decided as leaves arrive, rollups.ts).
 */
export function exchanges(period: Period): RawBuilder<unknown> {
  return sql`(SELECT * FROM observed_exchange WHERE counted AND time >= ${period.from} AND time < ${period.to})`;
}

const figures = sql`count(*)::int AS total,
  count(*) FILTER (WHERE outcome = 'ok')::int AS ok,
  count(*) FILTER (WHERE outcome = 'refused')::int AS refused,
  count(*) FILTER (WHERE outcome = 'error')::int AS error,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE outcome = 'ok') AS p50,
  percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE outcome = 'ok') AS p95,
  percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE outcome = 'ok') AS p99`;

const counts = sql`count(*)::int AS total,
  count(*) FILTER (WHERE outcome = 'ok')::int AS ok,
  count(*) FILTER (WHERE outcome = 'refused')::int AS refused,
  count(*) FILTER (WHERE outcome = 'error')::int AS error`;

const ms = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v) * 10) / 10);

function toFigures(r: Record<string, unknown>): ExchangeFigures {
  return { total: Number(r.total), ok: Number(r.ok), refused: Number(r.refused), error: Number(r.error), p50: ms(r.p50), p95: ms(r.p95), p99: ms(r.p99) };
}

/** What a figure is grouped by. `hour` and `day` are numbered from the epoch in Asia/Jakarta. */
type Dimension = 'hour' | 'day' | 'consumer' | 'provider' | 'service';
type Grouped = Record<Dimension, string | number> & ExchangeFigures;

const RAW_DIMENSION: Record<Dimension, RawBuilder<unknown>> = {
  hour: sql`((time + ${WIB_OFFSET_MS}) / 3600000)::int`,
  day: sql`((time + ${WIB_OFFSET_MS}) / ${DAY_MS})::int`,
  consumer: sql`client_member`,
  provider: sql`provider_member`,
  service: sql`service`,
};

function rollupDimension(r: OversightTables['exchange_rollup'], d: Dimension): string | number {
  const hour = Number(r.hour);
  if (d === 'hour') return (hour + WIB_OFFSET_MS) / HOUR_MS;
  if (d === 'day') return Math.floor((hour + WIB_OFFSET_MS) / DAY_MS);
  return r[d];
}

export class ExchangeStatistics {
  readonly #db: Kysely<OversightTables>;

  constructor(db: Kysely<OversightTables>) {
    this.#db = db;
  }

  async byService(period: Period): Promise<ServiceFigures[]> {
    const rows = await this.#grouped(period, ['provider', 'service']);
    return rows.map((r) => ({ provider: String(r.provider), service: String(r.service), ...figuresOf(r) }));
  }

  async byPair(period: Period): Promise<PairFigures[]> {
    const rows = await this.#grouped(period, ['provider', 'service', 'consumer']);
    return rows.map((r) => ({ consumer: String(r.consumer), provider: String(r.provider), service: String(r.service), ...figuresOf(r) }));
  }

  /** Per service and hour (Asia/Jakarta), for the console's charts. */
  async hourly(period: Period): Promise<(ServiceFigures & { hour: string })[]> {
    const rows = await this.#grouped(period, ['service', 'hour', 'provider']);
    return rows.map((r) => ({ hour: new Date(Number(r.hour) * HOUR_MS).toISOString().slice(11, 16), provider: String(r.provider), service: String(r.service), ...figuresOf(r) }));
  }

  async daily(period: Period): Promise<DailyFigures[]> {
    const rows = await this.#grouped(period, ['day', 'provider', 'service', 'consumer']);
    return rows.map((r) => ({ day: new Date(Number(r.day) * DAY_MS).toISOString().slice(0, 10), consumer: String(r.consumer), provider: String(r.provider), service: String(r.service), ...figuresOf(r) }));
  }

  /**
   * Figures grouped by `dims` (also the order). Hours whose raw leaves were pruned come from the
   * rollups — an hour belongs to the period when it starts within it —, the rest from the raw
   * leaves; a period entirely within the raw leaves is computed by the database exactly.
   */
  async #grouped(period: Period, dims: Dimension[]): Promise<Grouped[]> {
    const columns = sql.join(dims.map((d) => sql`${RAW_DIMENSION[d]} AS ${sql.ref(d)}`));
    const groupBy = sql.join(dims.map((_, i) => sql.raw(String(i + 1))));
    const boundary = await rawFrom(this.#db);
    if (period.from >= boundary) {
      const { rows } = await sql<Record<string, unknown>>`SELECT ${columns}, ${figures} FROM ${exchanges(period)} e GROUP BY ${groupBy} ORDER BY ${groupBy}`.execute(this.#db);
      return rows.map((r) => ({ ...dimensionsOf(r, dims), ...toFigures(r) }) as Grouped);
    }
    const merged = new Map<string, { dims: Record<string, string | number>; total: number; ok: number; refused: number; error: number; latency: JsHistogram }>();
    const entry = (values: Record<string, string | number>) => {
      const key = JSON.stringify(dims.map((d) => values[d]));
      let e = merged.get(key);
      if (!e) merged.set(key, e = { dims: values, total: 0, ok: 0, refused: 0, error: 0, latency: latencyHistogram() });
      return e;
    };
    const rolled = await this.#db.selectFrom('exchange_rollup').selectAll()
      .where('hour', '>=', period.from).where('hour', '<', Math.min(period.to, boundary)).execute();
    for (const r of rolled) {
      const e = entry(Object.fromEntries(dims.map((d) => [d, rollupDimension(r, d)])));
      e.total += Number(r.total);
      e.ok += Number(r.ok);
      e.refused += Number(r.refused);
      e.error += Number(r.error);
      e.latency.add(decodeLatency(r.latency));
    }
    if (period.to > boundary) {
      const raw = exchanges({ from: boundary, to: period.to });
      const { rows } = await sql<Record<string, unknown>>`SELECT ${columns}, ${counts} FROM ${raw} e GROUP BY ${groupBy}`.execute(this.#db);
      for (const r of rows) {
        const e = entry(dimensionsOf(r, dims));
        e.total += Number(r.total);
        e.ok += Number(r.ok);
        e.refused += Number(r.refused);
        e.error += Number(r.error);
      }
      // Answered latencies are whole milliseconds: few distinct values per group.
      const { rows: latencies } = await sql<Record<string, unknown>>`SELECT ${columns}, duration_ms, count(*)::int AS n FROM ${raw} e WHERE outcome = 'ok' GROUP BY ${groupBy}, duration_ms`.execute(this.#db);
      for (const r of latencies) entry(dimensionsOf(r, dims)).latency.recordValueWithCount(Math.max(0, Number(r.duration_ms)), Number(r.n));
    }
    const out = [...merged.values()].map((e) => ({
      ...e.dims, total: e.total, ok: e.ok, refused: e.refused, error: e.error,
      p50: ms(percentileCont(e.latency, 0.5)), p95: ms(percentileCont(e.latency, 0.95)), p99: ms(percentileCont(e.latency, 0.99)),
    }) as Grouped);
    return out.sort((a, b) => {
      for (const d of dims) {
        if (a[d] !== b[d]) return a[d] < b[d] ? -1 : 1;
      }
      return 0;
    });
  }
}

function dimensionsOf(r: Record<string, unknown>, dims: Dimension[]): Record<string, string | number> {
  return Object.fromEntries(dims.map((d) => [d, d === 'hour' || d === 'day' ? Number(r[d]) : String(r[d])]));
}

function figuresOf(r: Grouped): ExchangeFigures {
  return { total: r.total, ok: r.ok, refused: r.refused, error: r.error, p50: r.p50, p95: r.p95, p99: r.p99 };
}

/** A figure as published: a number, or null when withheld. */
export type Published = number | null;

export interface PublishedFigures {
  total: Published;
  ok: Published;
  refused: Published;
  error: Published;
  p50: Published;
  p95: Published;
}

/** Applies small-count suppression to one row of figures (see the module comment). */
export function suppress(f: ExchangeFigures, threshold: number): PublishedFigures {
  if (f.total < threshold) return { total: null, ok: null, refused: null, error: null, p50: null, p95: null };
  const parts = { ok: f.ok, refused: f.refused, error: f.error };
  const withheld = new Set(Object.entries(parts).filter(([, v]) => v > 0 && v < threshold).map(([k]) => k));
  if (withheld.size === 1) {
    const next = Object.entries(parts).filter(([k]) => !withheld.has(k)).sort((a, b) => a[1] - b[1])[0];
    if (next) withheld.add(next[0]);
  }
  const part = (k: keyof typeof parts): Published => (withheld.has(k) ? null : parts[k]);
  const latency = f.ok >= threshold;
  return { total: f.total, ok: part('ok'), refused: part('refused'), error: part('error'), p50: latency ? f.p50 : null, p95: latency ? f.p95 : null };
}

export function dayStart(time: number): number {
  return Math.floor((time + WIB_OFFSET_MS) / DAY_MS) * DAY_MS - WIB_OFFSET_MS;
}
