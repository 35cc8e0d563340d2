/**
 * Loads sources (agencies' files, or records in memory) into the engine and normalises every
 * mapped canonical field. Each source becomes two tables: `raw_<t>` with the source's own
 * columns, kept for reports, and `<t>` with one row per record in canonical, normalised form.
 *
 * Values are normalised once per distinct raw value over all sources of a run (a dictionary
 * per kind of value), then looked up by each record: names, places and dates repeat, so this
 * does a fraction of the work of normalising every record's values.
 */
import { SimpulError } from '../core/errors.js';
import type { Engine } from './engine.js';
import { nameModeOf } from './comparisons.js';
import { CANONICAL_FIELDS, checkMapAgainstHeader, mappedFields, type CanonicalField, type FieldMap } from './field-map.js';
import { csvError, inspectCsv, lineOfFirstBlank, readCsvSql, type CsvLayout } from './csv-source.js';
import { ident, lit, pipelineSql, type ValueKind } from './normalize-sql.js';

export interface SourceSpec {
  /** The CSV file, or a label for records given in memory. */
  file: string;
  /** The column holding each record's identifier in the source. */
  id: string;
  map: FieldMap;
  /** The agency that owns the records, e.g. `ID/GOV/BPS`; used in reports. */
  agency?: string;
}

export interface LoadedSource {
  spec: SourceSpec;
  table: string;
  rawTable: string;
  rows: number;
  fields: ReadonlySet<CanonicalField>;
  layout?: CsvLayout;
}

/** A record given in memory: column name → value (null, undefined or '' for missing). */
export type InputRecord = Readonly<Record<string, string | null | undefined>>;

export interface SourceInput {
  spec: SourceSpec;
  /** Table name for the source's records (`l`, `r`, …). */
  table: string;
  /** Records in memory; when absent, `spec.file` is read as CSV. */
  records?: readonly InputRecord[];
}

/** The kind of normalisation each canonical field gets (NIK and phone have their own). */
const FIELD_KIND: Partial<Record<CanonicalField, ValueKind>> = {
  full_name: 'name',
  given_name: 'name',
  family_name: 'name',
  birth_date: 'date',
  sex: 'sex',
  birth_place: 'place',
  locality: 'place',
  district: 'place',
  city: 'place',
  province: 'place',
  address: 'address',
  street_number: 'code',
  postcode: 'code',
  other_id: 'code',
};

const NULL_TEXT = 'CAST(NULL AS VARCHAR)';

/** Fields whose exact agreement is weighted by how common the value is, and their columns. */
const TF_FIELDS: ReadonlyArray<readonly [CanonicalField, string]> = [
  ['full_name', 'name'],
  ['given_name', 'given'],
  ['family_name', 'family'],
  ['birth_place', 'birth_place'],
  ['locality', 'locality'],
  ['district', 'district'],
  ['city', 'city'],
  ['postcode', 'postcode'],
  ['address', 'address'],
];


/** Loads and normalises sources together, so that they share the value dictionaries. */
export async function loadSources(engine: Engine, inputs: readonly SourceInput[]): Promise<LoadedSource[]> {
  const layouts: Array<CsvLayout | undefined> = [];
  for (const input of inputs) layouts.push(await loadRaw(engine, input));
  const kinds = new Set(inputs.flatMap((i) => mappedFields(i.spec.map).map((f) => FIELD_KIND[f]).filter((k): k is ValueKind => k !== undefined)));
  // Each raw column is read once, into value counts: the dictionaries are built from their
  // values and the term frequencies from their counts.
  const counted: Array<{ field: CanonicalField; table: string }> = [];
  for (const input of inputs) {
    for (const field of mappedFields(input.spec.map).filter((f) => FIELD_KIND[f] !== undefined)) {
      await engine.run(
        `CREATE OR REPLACE TABLE counts_${input.table}_${field} AS SELECT raw, count(*) AS n FROM (SELECT ${rawValue(input.spec.map, field)} AS raw FROM raw_${input.table}) WHERE raw IS NOT NULL GROUP BY raw`,
        'menghitung nilai',
      );
      counted.push({ field, table: `counts_${input.table}_${field}` });
    }
  }
  for (const kind of kinds) {
    const values = counted.filter((c) => FIELD_KIND[c.field] === kind).map((c) => `SELECT raw FROM ${c.table}`);
    await engine.run(`CREATE OR REPLACE TABLE dict_${kind} AS ${pipelineSql(kind, `(SELECT DISTINCT raw FROM (${values.join(' UNION ALL ')}))`)}`, `menormalkan ${kind}`);
  }
  // Term frequencies, for the fields every source holds: the share of records, over all
  // sources, holding each normalised value — the chance that a random other record agrees on
  // that very value.
  const shared = new Set(CANONICAL_FIELDS.filter((f) => inputs.every((i) => i.spec.map[f] !== undefined)));
  for (const [field, column] of TF_FIELDS) {
    const tables = shared.has(field) ? counted.filter((c) => c.field === field).map((c) => `SELECT raw, n FROM ${c.table}`) : [];
    if (tables.length === 0) {
      await engine.run(`CREATE OR REPLACE TABLE tf_${column} (v VARCHAR, tf DOUBLE)`);
      continue;
    }
    await engine.run(
      `CREATE OR REPLACE TABLE tf_${column} AS SELECT d.norm AS v, sum(c.n) / sum(sum(c.n)) OVER () AS tf
       FROM (${tables.join(' UNION ALL ')}) c JOIN dict_${FIELD_KIND[field]} d ON d.raw = c.raw WHERE d.norm IS NOT NULL GROUP BY d.norm`,
      'frekuensi nilai',
    );
  }
  for (const c of counted) await engine.run(`DROP TABLE ${c.table}`);
  // Keys for separate given and family names are needed when two sources could be compared
  // that way; keys of the whole name whenever some pair compares full names.
  const maps = inputs.map((i) => i.spec.map);
  const keys = { split: maps.filter((m) => m.given_name && m.family_name).length >= Math.min(2, maps.length), full: nameModeOf(maps) !== 'split' };
  // Phonetic keys of every normalised name and of each of its words, so that records can look
  // up the keys of their given, family, first and last names.
  const names = kinds.has('name')
    ? `SELECT norm AS raw FROM dict_name UNION SELECT unnest(string_split(norm, ' ')) AS raw FROM dict_name`
    : 'SELECT CAST(NULL AS VARCHAR) AS raw WHERE false';
  await engine.run(`CREATE OR REPLACE TABLE dict_phonetic AS ${pipelineSql('phonetic', `(SELECT DISTINCT raw FROM (${names}) WHERE raw IS NOT NULL)`)}`, 'kunci fonetik');
  // The keys derived from a whole name, once per distinct name rather than once per record.
  await engine.run(
    `CREATE OR REPLACE TABLE name_keys AS
     SELECT n.name, n.first_tok, n.last_tok,
       CASE WHEN contains(n.name, ' ') THEN array_to_string(list_sort(string_split(n.name, ' ')), ' ') ELSE n.name END AS name_sorted,
       CASE WHEN length(n.first_tok) >= 3 THEN left(n.first_tok, 3) END AS first_pre,
       CASE WHEN length(n.last_tok) >= 4 THEN left(n.last_tok, 4) END AS last_pre,
       p1.norm AS first_ph, p2.norm AS last_ph, t.tf
     FROM (SELECT name, split_part(name, ' ', 1) AS first_tok, string_split(name, ' ')[-1] AS last_tok
           FROM (SELECT DISTINCT raw AS name FROM dict_phonetic)) n
     LEFT JOIN dict_phonetic p1 ON p1.raw = n.first_tok LEFT JOIN dict_phonetic p2 ON p2.raw = n.last_tok
     LEFT JOIN tf_name t ON t.v = n.name`,
    'kunci nama',
  );
  const loaded: LoadedSource[] = [];
  for (const [i, input] of inputs.entries()) loaded.push(await normalise(engine, input, layouts[i], keys, shared));
  return loaded;
}

/** Reads a CSV file into the engine as table `table`. */
export async function loadCsvSource(engine: Engine, spec: SourceSpec, table: string): Promise<LoadedSource> {
  const [loaded] = await loadSources(engine, [{ spec, table }]);
  return loaded as LoadedSource;
}

async function loadRaw(engine: Engine, input: SourceInput): Promise<CsvLayout | undefined> {
  const { spec, table, records } = input;
  const rawTable = `raw_${table}`;
  if (!records) {
    const layout = await inspectCsv(spec.file);
    checkMapAgainstHeader(spec.map, layout.header, spec.file, spec.id);
    try {
      await engine.run(`CREATE OR REPLACE TABLE ${rawTable} AS SELECT CAST(row_number() OVER () - 1 AS INTEGER) AS rid, * FROM ${readCsvSql(layout)}`, `membaca ${spec.file}`);
    } catch (error) {
      throw csvError(layout, error);
    }
    return layout;
  }
  const header = [...new Set(records.flatMap((r) => Object.keys(r)))];
  checkMapAgainstHeader(spec.map, header, spec.file, spec.id);
  if (records.length === 0) throw new SimpulError('reconcile.invalid_input', `${spec.file} has no records.`);
  await engine.run(`CREATE OR REPLACE TABLE ${rawTable} (rid INTEGER, ${header.map((h) => `${ident(h)} VARCHAR`).join(', ')})`);
  const chunk = 500;
  for (let start = 0; start < records.length; start += chunk) {
    const rows = records.slice(start, start + chunk).map((record, i) => {
      const cells = header.map((h) => {
        const v = record[h];
        return v === null || v === undefined ? 'NULL' : lit(String(v));
      });
      return `(${start + i}, ${cells.join(', ')})`;
    });
    await engine.run(`INSERT INTO ${rawTable} VALUES ${rows.join(', ')}`);
  }
  return undefined;
}

/** The raw value of a canonical field: its columns trimmed and joined by a space. */
function rawValue(map: FieldMap, field: CanonicalField): string {
  const columns = map[field];
  if (!columns) return 'CAST(NULL AS VARCHAR)';
  // A single column is the dictionary key as it is: the pipelines trim, and trimming a million
  // values here first costs more than the few extra dictionary entries.
  if (columns.length === 1) return ident(columns[0] as string);
  return `nullif(concat_ws(' ', ${columns.map((c) => `nullif(trim(${ident(c)}), '')`).join(', ')}), '')`;
}

async function normalise(engine: Engine, input: SourceInput, layout: CsvLayout | undefined, keys: { split: boolean; full: boolean }, shared: ReadonlySet<CanonicalField>): Promise<LoadedSource> {
  const { spec, table } = input;
  const map = spec.map;
  const fields = mappedFields(map);
  const split = keys.split;
  const lookups = fields.filter((f) => FIELD_KIND[f] !== undefined);
  const rawColumns = fields.map((f) => `${rawValue(map, f)} AS raw_${f}`).join(', ');
  const joins = lookups.map((f) => `LEFT JOIN dict_${FIELD_KIND[f]} d_${f} ON d_${f}.raw = s.raw_${f}`).join('\n      ');
  // Unmapped fields are typed NULLs: an untyped NULL column would become INTEGER.
  const value = (f: CanonicalField): string => (lookups.includes(f) ? `d_${f}.norm` : f === 'birth_date' ? 'CAST(NULL AS DATE)' : 'CAST(NULL AS VARCHAR)');
  const raw = (f: CanonicalField): string => (fields.includes(f) ? `s.raw_${f}` : 'CAST(NULL AS VARCHAR)');
  // Looked-up values first, then checks and keys derived from them.
  await engine.run(
    `CREATE OR REPLACE TABLE ${table} AS
    SELECT x.* EXCLUDE (nik_dd, nik_mm, nik_yy, nik_pp),
      CASE WHEN nik_structure_ok AND dob IS NOT NULL THEN nik_dd % 40 = day(dob) AND nik_mm = month(dob) AND nik_yy = year(dob) % 100 END AS nik_dob_ok,
      CASE WHEN nik_structure_ok AND sex IS NOT NULL THEN (CASE WHEN nik_dd > 40 THEN 'P' ELSE 'L' END) = sex END AS nik_sex_ok,
      CAST(year(dob) AS INTEGER) AS dob_year,
      left(nik, 12) AS nik12,
      ${split ? 'CASE WHEN length(given) >= 3 THEN left(given, 3) END' : NULL_TEXT} AS given_pre,
      ${split ? 'CASE WHEN length(family) >= 4 THEN left(family, 4) END' : NULL_TEXT} AS family_pre,
      ${
        keys.full
          ? `-- Names built from given + family are not in name_keys: their words are found here.
      coalesce(k.first_tok, split_part(x.name, ' ', 1)) AS first_tok, coalesce(k.last_tok, string_split(x.name, ' ')[-1]) AS last_tok,
      coalesce(k.name_sorted, array_to_string(list_sort(string_split(x.name, ' ')), ' ')) AS name_sorted,
      k.first_pre, k.last_pre, k.first_ph, k.last_ph,`
          : ['first_tok', 'last_tok', 'name_sorted', 'first_pre', 'last_pre', 'first_ph', 'last_ph'].map((c) => `${NULL_TEXT} AS ${c},`).join(' ')
      }
      ${split ? 'pg.norm' : NULL_TEXT} AS given_ph, ${split ? 'pf.norm' : NULL_TEXT} AS family_ph,
      ${TF_FIELDS.map(([f, c]) => (!shared.has(f) ? 'CAST(NULL AS DOUBLE)' : c === 'name' && keys.full ? 'k.tf' : `tf_${c}.tf`) + ` AS tf_${c}`).join(', ')}
    FROM (
      SELECT *,
        -- The facts a NIK encodes (see decodeNik in src/core/ids.ts): day + 40 for women, DDMMYY.
        nik_pp >= 11 AND nik_mm BETWEEN 1 AND 12 AND (nik_dd BETWEEN 1 AND 31 OR nik_dd BETWEEN 41 AND 71) AS nik_structure_ok
      FROM (
        SELECT *,
          CAST(substr(nik, 1, 2) AS INTEGER) AS nik_pp, CAST(substr(nik, 7, 2) AS INTEGER) AS nik_dd,
          CAST(substr(nik, 9, 2) AS INTEGER) AS nik_mm, CAST(substr(nik, 11, 2) AS INTEGER) AS nik_yy
        FROM (
          SELECT s.rid, s.id,
            CASE WHEN simpul_nik_form_ok(s.nik_digits) THEN s.nik_digits END AS nik,
            nullif(trim(${raw('nik')}), '') IS NOT NULL AS nik_given,
            coalesce(${value('full_name')}, nullif(concat_ws(' ', ${value('given_name')}, ${value('family_name')}), '')) AS name,
            ${value('given_name')} AS given,
            ${value('family_name')} AS family,
            CAST(${value('birth_date')} AS DATE) AS dob,
            CASE WHEN ${value('birth_date')} IS NOT NULL THEN strftime(CAST(${value('birth_date')} AS DATE), '%Y%m%d')
                 WHEN regexp_full_match(trim(${raw('birth_date')}), '[0-9]{8}') THEN trim(${raw('birth_date')})
                 WHEN regexp_full_match(trim(${raw('birth_date')}), '[0-9]{4}-[0-9]{2}-[0-9]{2}') THEN replace(trim(${raw('birth_date')}), '-', '') END AS dob_txt,
            nullif(trim(${raw('birth_date')}), '') IS NOT NULL AS dob_given,
            ${value('sex')} AS sex,
            nullif(trim(${raw('sex')}), '') IS NOT NULL AS sex_given,
            ${value('birth_place')} AS birth_place, ${value('address')} AS address, ${value('street_number')} AS street_number,
            ${value('locality')} AS locality, ${value('district')} AS district, ${value('city')} AS city, ${value('province')} AS province,
            ${value('postcode')} AS postcode,
            CASE WHEN length(s.phone_digits) >= 6 THEN s.phone_digits END AS phone,
            ${value('other_id')} AS other_id
          FROM (
            SELECT rid, nullif(trim(${ident(spec.id)}), '') AS id, simpul_nik_digits(${rawValue(map, 'nik')}) AS nik_digits,
              simpul_phone_digits(${rawValue(map, 'phone')}) AS phone_digits${rawColumns ? `, ${rawColumns}` : ''}
            FROM raw_${table}
          ) s
          ${joins}
        )
      )
    ) x
    ${keys.full ? 'LEFT JOIN name_keys k ON k.name = x.name' : ''}
    ${split ? 'LEFT JOIN dict_phonetic pg ON pg.raw = x.given LEFT JOIN dict_phonetic pf ON pf.raw = x.family' : ''}
    ${TF_FIELDS.filter(([f, c]) => shared.has(f) && !(c === 'name' && keys.full)).map(([, c]) => `LEFT JOIN tf_${c} ON tf_${c}.v = x.${c}`).join(' ')}`,
    `menyusun ${spec.file}`,
  );
  const rows = await engine.number(`SELECT count(*) FROM ${table}`);
  if (rows === 0) throw new SimpulError('reconcile.invalid_input', `${spec.file} has a header line but no records.`);
  const blankIds = await engine.number(`SELECT count(*) FROM ${table} WHERE id IS NULL`);
  if (blankIds > 0) {
    const line = layout ? await lineOfFirstBlank(layout, spec.id) : undefined;
    throw new SimpulError('reconcile.invalid_input', `${spec.file}${line ? `, line ${line}` : ''}: ${blankIds} record(s) have a blank id in column ${JSON.stringify(spec.id)}; every record needs an id.`);
  }
  const duplicates = await engine.rows<{ id: string; n: bigint }>(`SELECT id, count(*) AS n FROM ${table} GROUP BY id HAVING count(*) > 1 ORDER BY n DESC, id LIMIT 3`);
  if (duplicates.length > 0) {
    const list = duplicates.map((d) => `${JSON.stringify(d.id)} (${d.n} times)`).join(', ');
    throw new SimpulError('reconcile.invalid_input', `${spec.file}: ids in column ${JSON.stringify(spec.id)} must be unique; repeated: ${list}.`);
  }
  return { spec, table, rawTable: `raw_${table}`, rows, fields: new Set(fields), ...(layout ? { layout } : {}) };
}


/**
 * Normalises loose values with a pipeline, in order: for tests, previews and callers that want
 * to show what the matcher compares.
 */
export async function normaliseValues(engine: Engine, kind: ValueKind, values: ReadonlyArray<string | null>): Promise<Array<string | null>> {
  if (values.length === 0) return [];
  const rows = values.map((v, i) => `(${i}, ${v === null ? 'NULL' : lit(v)})`).join(', ');
  await engine.run(`CREATE OR REPLACE TEMP TABLE loose_values AS SELECT * FROM (VALUES ${rows}) t(i, raw)`);
  const result = await engine.rows<{ i: number; norm: unknown }>(
    `SELECT v.i, CAST(n.norm AS VARCHAR) AS norm FROM loose_values v LEFT JOIN (${pipelineSql(kind, '(SELECT DISTINCT raw FROM loose_values WHERE raw IS NOT NULL)')}) n ON n.raw = v.raw ORDER BY v.i`,
  );
  return result.map((r) => (r.norm === null || r.norm === undefined ? null : String(r.norm)));
}
