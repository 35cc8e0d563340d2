/**
 * Seeding a backend's tables from the generated federation: once, when the tables are empty,
 * so a restarted demo keeps the data and whatever changed since. Rows go in as JSON arrays
 * through `json_populate_recordset`, a few thousand per statement: one round trip per chunk
 * instead of one per row, which is what makes 10,000 persons seed in about a second on PGlite.
 */
import { sql, type Kysely } from 'kysely';

const CHUNK = 2500;

/** Inserts `rows` (objects keyed by column name) into `table`; columns left out become NULL. */
export async function bulkInsert(db: Kysely<unknown>, table: string, rows: readonly object[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const json = JSON.stringify(rows.slice(i, i + CHUNK));
    await sql`insert into ${sql.table(table)} select * from json_populate_recordset(null::${sql.table(table)}, ${json}::json)`.execute(db);
  }
}

export interface SeedPlan {
  /** The table whose emptiness means "never seeded". */
  table: string;
  /** Fills every table; runs inside one transaction with the emptiness check. */
  fill(trx: Kysely<unknown>): Promise<void>;
}

/** Seeds when `plan.table` is empty; returns whether it did. */
export async function seedIfEmpty(db: Kysely<unknown>, plan: SeedPlan): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ seeded: boolean }>`select exists (select 1 from ${sql.table(plan.table)}) as seeded`.execute(trx);
    if (rows[0]?.seeded) return false;
    await plan.fill(trx);
    return true;
  });
}

/** Flattens an address into the `street … postcode` columns every backend uses. */
export function addressColumns(a: { street: string; rt: string; rw: string; village: string; district: string; city: string; province: string; postcode: string }) {
  return { street: a.street, rt: a.rt, rw: a.rw, village: a.village, district: a.district, city: a.city, province: a.province, postcode: a.postcode };
}

export const ADDRESS_COLUMNS_SQL = `
  street text not null, rt text not null, rw text not null, village text not null,
  district text not null, city text not null, province text not null, postcode text not null`;

/** Selects the address columns of `alias` as one JSON object in the served shape. */
export function addressJson(alias: string): string {
  return `json_build_object('street', ${alias}.street, 'rt', ${alias}.rt, 'rw', ${alias}.rw, 'village', ${alias}.village, 'district', ${alias}.district, 'city', ${alias}.city, 'province', ${alias}.province, 'postcode', ${alias}.postcode)`;
}
