/**
 * The licensing agency's (OSS-like) legacy database for the demo federation: tables the way a
 * licensing system grew them (Indonesian column names, risk levels as R/MR/MT/T, KBLI codes in
 * a side table), and a view made for Simpul, `v_pelaku_usaha`, that the SQL adapter reads with
 * declared, parameterised queries. It lives in the schema of the database it is given
 * (PGlite in the embedded demo, PostgreSQL in production-like runs).
 */
import { sql, type Kysely } from 'kysely';
import type { SqlBackendConfig } from '../../adapters/config.js';
import type { Database } from '../../core/storage/database.js';
import type { Business, RiskLevel } from '../../core/model/schemas/business.js';
import type { Permit } from '../../core/model/schemas/permit.js';

const RISK_CODES: Record<RiskLevel, string> = { rendah: 'R', menengah_rendah: 'MR', menengah_tinggi: 'MT', tinggi: 'T' };

/**
 * Creates (or refreshes) the licensing tables and view in `database`'s schema and loads
 * `businesses` and `permits` into them. Returns how many rows each table holds.
 *
 * @example
 *   const oss = await openDatabase({ schema: 'legacy_oss' });
 *   await createLicensingSqlSource(oss, businesses);
 *   const backend = await createBackend(licensingSqlBackendConfig({ database: 'oss' }, oss.schema), { databases: { oss: oss.db } });
 */
export async function createLicensingSqlSource(
  database: Pick<Database<unknown>, 'db' | 'schema'>,
  businesses: readonly Business[],
  permits: readonly Permit[] = [],
): Promise<{ businesses: number; permits: number }> {
  const db = database.db as Kysely<unknown>;
  await db.transaction().execute(async (trx) => {
    await sql`
      CREATE TABLE IF NOT EXISTS perusahaan (
        nib char(13) PRIMARY KEY,
        nama_usaha text NOT NULL,
        nik_pemilik varchar(16) NOT NULL,
        alamat_jalan text NOT NULL DEFAULT '',
        rt varchar(3) NOT NULL DEFAULT '',
        rw varchar(3) NOT NULL DEFAULT '',
        kelurahan text NOT NULL,
        kecamatan text NOT NULL,
        kab_kota text NOT NULL,
        provinsi text NOT NULL,
        kode_pos varchar(5) NOT NULL DEFAULT '',
        tingkat_risiko varchar(2) NOT NULL CHECK (tingkat_risiko IN ('R', 'MR', 'MT', 'T')),
        tgl_terbit date NOT NULL
      )`.execute(trx);
    await sql`
      CREATE TABLE IF NOT EXISTS perusahaan_kbli (
        nib char(13) NOT NULL REFERENCES perusahaan (nib) ON DELETE CASCADE,
        kbli char(5) NOT NULL,
        urutan integer NOT NULL,
        PRIMARY KEY (nib, kbli)
      )`.execute(trx);
    await sql`
      CREATE TABLE IF NOT EXISTS izin (
        no_izin text PRIMARY KEY,
        nib char(13) NOT NULL REFERENCES perusahaan (nib) ON DELETE CASCADE,
        jenis text NOT NULL,
        kbli char(5) NOT NULL,
        penerbit text NOT NULL,
        status text NOT NULL,
        tgl_terbit date,
        berlaku_sampai date
      )`.execute(trx);
    await sql`CREATE INDEX IF NOT EXISTS perusahaan_nik_pemilik ON perusahaan (nik_pemilik)`.execute(trx);
    await sql`CREATE INDEX IF NOT EXISTS izin_nib ON izin (nib)`.execute(trx);
    await sql`
      CREATE OR REPLACE VIEW v_pelaku_usaha AS
      SELECT p.*,
             coalesce((SELECT array_agg(k.kbli::text ORDER BY k.urutan) FROM perusahaan_kbli k WHERE k.nib = p.nib), '{}') AS daftar_kbli
        FROM perusahaan p`.execute(trx);

    for (const b of businesses) {
      const a = b.address;
      await sql`
        INSERT INTO perusahaan (nib, nama_usaha, nik_pemilik, alamat_jalan, rt, rw, kelurahan, kecamatan, kab_kota, provinsi, kode_pos, tingkat_risiko, tgl_terbit)
        VALUES (${b.nib}, ${b.name}, ${b.ownerNik}, ${a.street}, ${a.rt}, ${a.rw}, ${a.village}, ${a.district}, ${a.city}, ${a.province}, ${a.postcode}, ${RISK_CODES[b.riskLevel]}, ${b.registeredAt})
        ON CONFLICT (nib) DO UPDATE SET nama_usaha = EXCLUDED.nama_usaha, nik_pemilik = EXCLUDED.nik_pemilik, alamat_jalan = EXCLUDED.alamat_jalan,
          rt = EXCLUDED.rt, rw = EXCLUDED.rw, kelurahan = EXCLUDED.kelurahan, kecamatan = EXCLUDED.kecamatan, kab_kota = EXCLUDED.kab_kota,
          provinsi = EXCLUDED.provinsi, kode_pos = EXCLUDED.kode_pos, tingkat_risiko = EXCLUDED.tingkat_risiko, tgl_terbit = EXCLUDED.tgl_terbit`.execute(trx);
      await sql`DELETE FROM perusahaan_kbli WHERE nib = ${b.nib}`.execute(trx);
      for (const [i, kbli] of b.kbli.entries()) {
        await sql`INSERT INTO perusahaan_kbli (nib, kbli, urutan) VALUES (${b.nib}, ${kbli}, ${i})`.execute(trx);
      }
    }
    for (const p of permits) {
      await sql`
        INSERT INTO izin (no_izin, nib, jenis, kbli, penerbit, status, tgl_terbit, berlaku_sampai)
        VALUES (${p.permitNumber}, ${p.nib}, ${p.kind}, ${p.kbli}, ${p.issuer}, ${p.status}, ${p.issuedAt}, ${p.validUntil})
        ON CONFLICT (no_izin) DO UPDATE SET nib = EXCLUDED.nib, jenis = EXCLUDED.jenis, kbli = EXCLUDED.kbli, penerbit = EXCLUDED.penerbit,
          status = EXCLUDED.status, tgl_terbit = EXCLUDED.tgl_terbit, berlaku_sampai = EXCLUDED.berlaku_sampai`.execute(trx);
    }
  });
  const count = async (table: 'perusahaan' | 'izin') =>
    Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(db)).rows[0]?.n ?? 0);
  return { businesses: await count('perusahaan'), permits: await count('izin') };
}

const BUSINESS = `{
  "nib": $trim(nib),
  "name": nama_usaha,
  "kbli": daftar_kbli,
  "ownerNik": nik_pemilik,
  "address": {
    "street": alamat_jalan, "rt": rt, "rw": rw, "village": kelurahan, "district": kecamatan,
    "city": kab_kota, "province": provinsi, "postcode": kode_pos
  },
  "riskLevel": $lookup({ "R": "rendah", "MR": "menengah_rendah", "MT": "menengah_tinggi", "T": "tinggi" }, tingkat_risiko),
  "registeredAt": tgl_terbit
}`;

const PERMIT = `{
  "permitNumber": no_izin, "nib": $trim(nib), "kind": jenis, "kbli": $trim(kbli), "issuer": penerbit,
  "status": status, "issuedAt": tgl_terbit, "validUntil": berlaku_sampai
}`;

/**
 * The SQL adapter declaration serving this database as `business` in the common model.
 * `connection` is `{ database: name }` for an embedded database handed to createBackend, or
 * `{ url }` for a PostgreSQL server.
 */
export function licensingSqlBackendConfig(connection: { database: string } | { url: string }, schema: string): SqlBackendConfig {
  return {
    type: 'sql',
    ...connection,
    schema,
    statementTimeoutMs: 3000,
    maxRows: 500,
    operations: [
      {
        method: 'GET',
        path: '/{nib}',
        summary: 'Business by NIB',
        params: { type: 'object', properties: { nib: { type: 'string', pattern: '^[0-9]{13}$' } }, required: ['nib'] },
        result: 'one',
        sql: 'SELECT * FROM v_pelaku_usaha WHERE nib = $1',
        bind: ['nib'],
        response: BUSINESS,
      },
      {
        method: 'GET',
        path: '/{nib}/permits',
        summary: 'Permits issued to a business',
        params: { type: 'object', properties: { nib: { type: 'string', pattern: '^[0-9]{13}$' } }, required: ['nib'] },
        result: 'many',
        sql: 'SELECT * FROM izin WHERE nib = $1 ORDER BY tgl_terbit NULLS LAST, no_izin',
        bind: ['nib'],
        response: PERMIT,
      },
      {
        method: 'GET',
        path: '/by-owner/{nik}',
        summary: 'Businesses owned by a person',
        params: { type: 'object', properties: { nik: { type: 'string', pattern: '^[0-9]{16}$' } }, required: ['nik'] },
        result: 'many',
        sql: 'SELECT * FROM v_pelaku_usaha WHERE nik_pemilik = $1 ORDER BY nib',
        bind: ['nik'],
        response: BUSINESS,
      },
      {
        method: 'GET',
        path: '/',
        summary: 'Businesses by KBLI code, province or name, a page at a time',
        params: {
          type: 'object',
          properties: {
            kbli: { type: 'string', pattern: '^[0-9]{5}$' },
            province: { type: 'string', maxLength: 100 },
            name: { type: 'string', maxLength: 100 },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            offset: { type: 'integer', minimum: 0, default: 0 },
          },
        },
        result: 'many',
        sql: `SELECT * FROM v_pelaku_usaha
               WHERE ($1::text IS NULL OR $1 = ANY (daftar_kbli))
                 AND ($2::text IS NULL OR provinsi = $2)
                 AND ($3::text IS NULL OR nama_usaha ILIKE '%' || $3 || '%')
               ORDER BY nib LIMIT $4 OFFSET $5`,
        bind: ['kbli', 'province', 'name', 'limit', 'offset'],
        response: BUSINESS,
      },
    ],
  };
}
