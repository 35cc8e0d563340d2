/**
 * Exchange statistics from the observed log leaves. An exchange that both gateways logged is
 * counted once (the consumer side's record: it saw the whole exchange, as its client did).
 *
 * Public figures go through `suppress`: a count below the threshold is withheld, and when a
 * row withholds exactly one of its parts, the next smallest is withheld too, so that the
 * withheld one cannot be recovered by subtracting the others from the total.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
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

/** One row per exchange: the consumer side's leaf when both sides were observed. */
export function exchanges(period: Period): RawBuilder<unknown> {
  return sql`(SELECT DISTINCT ON (exchange_id) * FROM observed_exchange
    WHERE time >= ${period.from} AND time < ${period.to}
    ORDER BY exchange_id, (side = 'consumer') DESC, gateway)`;
}

const figures = sql`count(*)::int AS total,
  count(*) FILTER (WHERE outcome = 'ok')::int AS ok,
  count(*) FILTER (WHERE outcome = 'refused')::int AS refused,
  count(*) FILTER (WHERE outcome = 'error')::int AS error,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE outcome = 'ok') AS p50,
  percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE outcome = 'ok') AS p95,
  percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE outcome = 'ok') AS p99`;

function toFigures(r: Record<string, unknown>): ExchangeFigures {
  const ms = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v) * 10) / 10);
  return { total: Number(r.total), ok: Number(r.ok), refused: Number(r.refused), error: Number(r.error), p50: ms(r.p50), p95: ms(r.p95), p99: ms(r.p99) };
}

export class ExchangeStatistics {
  readonly #db: Kysely<OversightTables>;

  constructor(db: Kysely<OversightTables>) {
    this.#db = db;
  }

  async byService(period: Period): Promise<ServiceFigures[]> {
    const { rows } = await sql<Record<string, unknown>>`SELECT provider_member AS provider, service, ${figures}
      FROM ${exchanges(period)} e GROUP BY provider_member, service ORDER BY provider_member, service`.execute(this.#db);
    return rows.map((r) => ({ provider: String(r.provider), service: String(r.service), ...toFigures(r) }));
  }

  async byPair(period: Period): Promise<PairFigures[]> {
    const { rows } = await sql<Record<string, unknown>>`SELECT client_member AS consumer, provider_member AS provider, service, ${figures}
      FROM ${exchanges(period)} e GROUP BY client_member, provider_member, service ORDER BY provider_member, service, client_member`.execute(this.#db);
    return rows.map((r) => ({ consumer: String(r.consumer), provider: String(r.provider), service: String(r.service), ...toFigures(r) }));
  }

  /** Per service and hour (Asia/Jakarta), for the console's charts. */
  async hourly(period: Period): Promise<(ServiceFigures & { hour: string })[]> {
    const { rows } = await sql<Record<string, unknown>>`SELECT ((time + ${WIB_OFFSET_MS}) / 3600000)::int AS hour_number, provider_member AS provider, service, ${figures}
      FROM ${exchanges(period)} e GROUP BY 1, provider_member, service ORDER BY service, 1`.execute(this.#db);
    return rows.map((r) => ({ hour: new Date(Number(r.hour_number) * 3_600_000).toISOString().slice(11, 16), provider: String(r.provider), service: String(r.service), ...toFigures(r) }));
  }

  async daily(period: Period): Promise<DailyFigures[]> {
    const { rows } = await sql<Record<string, unknown>>`SELECT ((time + ${WIB_OFFSET_MS}) / ${DAY_MS})::int AS day_number,
        client_member AS consumer, provider_member AS provider, service, ${figures}
      FROM ${exchanges(period)} e GROUP BY 1, client_member, provider_member, service ORDER BY 1, provider_member, service, client_member`.execute(this.#db);
    return rows.map((r) => ({ day: new Date(Number(r.day_number) * DAY_MS).toISOString().slice(0, 10), consumer: String(r.consumer), provider: String(r.provider), service: String(r.service), ...toFigures(r) }));
  }
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
