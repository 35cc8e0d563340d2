/**
 * The discrepancy report: when one source is the base registry (DUKCAPIL for persons), every
 * other agency's records are linked to it, and the report lists
 *
 * - field-level conflicts (birth date, sex, name spelling, address, NIK, …) between each
 *   agency's record and the base record it matches, per field and per agency;
 * - the agency's records that match nobody in the base registry;
 * - duplicate clusters inside each agency (the base included);
 * - a data-quality score per agency (defined in docs/reconcile.md and `qualityScore`).
 *
 * Everything runs in one engine session; the agencies' files (or in-memory records, as the
 * federation supplies them) share its value dictionaries.
 */
import { SimpulError } from '../core/errors.js';
import { Engine, type EngineOptions, type ProgressListener } from './engine.js';
import { mappedFields, type CanonicalField, type FieldMap } from './field-map.js';
import { weightFromProbability } from './fellegi-sunter.js';
import { clusterRecords, DEFAULT_THRESHOLD, matchDedupe, matchLink, type MatchOptions } from './matcher.js';
import { ident, lit } from './normalize-sql.js';
import { loadSources, type InputRecord, type LoadedSource } from './prepare.js';

export interface AgencySource {
  /** The agency, e.g. `ID/GOV/BPS` or `BPS`. */
  agency: string;
  /** The file to read, or a label when records are given. */
  file: string;
  /** Column holding the agency's record id. */
  id: string;
  map: FieldMap;
  records?: readonly InputRecord[];
}

/** Fields compared between an agency's record and the base record it matches. */
export const CONFLICT_FIELDS = ['nik', 'full_name', 'birth_date', 'sex', 'birth_place', 'address', 'locality', 'district', 'city', 'phone'] as const;
export type ConflictField = (typeof CONFLICT_FIELDS)[number];

export interface FieldConflict {
  agency: string;
  recordId: string;
  baseRecordId: string;
  field: ConflictField;
  /** The values as each source wrote them. */
  agencyValue: string | null;
  baseValue: string | null;
  matchProbability: number;
  /**
   * What the NIK of each record says about the disputed birth date or sex: `agency` when only
   * the agency's value agrees with the base record's own NIK (the registry's value is suspect),
   * `base` when the base value does, undefined when the NIK does not decide.
   */
  nikSupports?: 'agency' | 'base';
}

export interface UnmatchedRecord {
  agency: string;
  recordId: string;
  /** The closest base record, when some pair scored at all (below the threshold). */
  nearestBaseId: string | null;
  nearestProbability: number | null;
}

export interface DuplicateCluster {
  agency: string;
  clusterId: string;
  recordIds: string[];
}

export interface AgencyQuality {
  agency: string;
  isBase: boolean;
  records: number;
  /** Records matched to a base record (for the base itself: all). */
  linked: number;
  unmatched: number;
  duplicateClusters: number;
  /** Records beyond the first in each duplicate cluster. */
  duplicateRecords: number;
  /** Share of mapped key fields filled in. */
  completeness: number;
  /** Share of filled-in NIKs, dates and sex codes that are well formed and self-consistent. */
  validity: number;
  /** Share of compared fields agreeing with the base registry (1 for the base itself). */
  consistency: number;
  /** Share of records matched to the base registry (1 for the base itself). */
  linkage: number;
  /** 1 − duplicate records / records. */
  uniqueness: number;
  /** 0–100, see qualityScore. */
  score: number;
  conflictsByField: Partial<Record<ConflictField, number>>;
  comparedByField: Partial<Record<ConflictField, number>>;
}

export interface DiscrepancyReport {
  generatedAt: string;
  base: string;
  threshold: number;
  agencies: AgencyQuality[];
  conflicts: FieldConflict[];
  unmatched: UnmatchedRecord[];
  duplicates: DuplicateCluster[];
}

export interface ReportOptions extends MatchOptions {
  threshold?: number;
  engine?: EngineOptions;
  progress?: ProgressListener;
}

/**
 * The data-quality score, 0–100: 20% completeness, 20% validity, 30% consistency with the base
 * registry, 15% linkage to it and 15% uniqueness. The base registry is scored on completeness,
 * validity and uniqueness alone, with the same relative weights.
 */
export function qualityScore(q: Pick<AgencyQuality, 'completeness' | 'validity' | 'consistency' | 'linkage' | 'uniqueness' | 'isBase'>): number {
  const score = q.isBase
    ? (0.2 * q.completeness + 0.2 * q.validity + 0.15 * q.uniqueness) / 0.55
    : 0.2 * q.completeness + 0.2 * q.validity + 0.3 * q.consistency + 0.15 * q.linkage + 0.15 * q.uniqueness;
  return Math.round(score * 1000) / 10;
}

/** How each conflict field is compared on normalised records `b` (base) and `a` (agency). */
const FIELD_TEST: Record<ConflictField, { needs: readonly CanonicalField[]; differs: string; column: string }> = {
  nik: { needs: ['nik'], column: 'nik', differs: 'b.nik <> a.nik' },
  full_name: { needs: [], column: 'name', differs: 'b.name <> a.name' },
  birth_date: { needs: ['birth_date'], column: 'dob', differs: 'b.dob <> a.dob' },
  sex: { needs: ['sex'], column: 'sex', differs: 'b.sex <> a.sex' },
  birth_place: { needs: ['birth_place'], column: 'birth_place', differs: 'b.birth_place <> a.birth_place' },
  // Addresses differ in small ways all the time; a conflict is a different address.
  address: { needs: ['address'], column: 'address', differs: 'jaro_winkler_similarity(b.address, a.address) < 0.9' },
  locality: { needs: ['locality'], column: 'locality', differs: 'b.locality <> a.locality' },
  district: { needs: ['district'], column: 'district', differs: 'b.district <> a.district' },
  city: { needs: ['city'], column: 'city', differs: 'b.city <> a.city' },
  phone: { needs: ['phone'], column: 'phone', differs: 'b.phone <> a.phone' },
};

/** The raw value of a conflict field in a source, as the source wrote it. */
function rawFieldSql(map: FieldMap, field: ConflictField, alias: string): string {
  const columns: readonly string[] = field === 'full_name' ? (map.full_name ?? [...(map.given_name ?? []), ...(map.family_name ?? [])]) : (map[field] ?? []);
  if (columns.length === 0) return 'CAST(NULL AS VARCHAR)';
  return `nullif(concat_ws(' ', ${columns.map((c) => `nullif(trim(${alias}.${ident(c)}), '')`).join(', ')}), '')`;
}

function hasName(map: FieldMap): boolean {
  return Boolean(map.full_name || map.given_name || map.family_name);
}

/** Builds the report in a fresh engine. */
export async function buildDiscrepancyReport(base: AgencySource, others: readonly AgencySource[], options: ReportOptions = {}): Promise<DiscrepancyReport> {
  if (others.length === 0) throw new SimpulError('reconcile.invalid_option', 'A discrepancy report needs at least one agency besides the base registry.');
  const agencies = [base, ...others].map((a) => a.agency);
  if (new Set(agencies).size !== agencies.length) throw new SimpulError('reconcile.invalid_option', `Agencies must be distinct; got ${agencies.join(', ')}.`);
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const engine = await Engine.open(options.engine);
  engine.onProgress(options.progress);
  try {
    const inputs = [base, ...others].map((source, i) => ({
      spec: { file: source.file, id: source.id, map: source.map, agency: source.agency },
      table: i === 0 ? 'b' : `a${i}`,
      ...(source.records ? { records: source.records } : {}),
    }));
    const sources = await loadSources(engine, inputs);
    const baseSource = sources[0] as LoadedSource;
    const report: DiscrepancyReport = { generatedAt: new Date().toISOString(), base: base.agency, threshold, agencies: [], conflicts: [], unmatched: [], duplicates: [] };
    const minWeight = weightFromProbability(threshold);

    for (const [i, other] of others.entries()) {
      const source = sources[i + 1] as LoadedSource;
      const t = source.table;
      await matchLink(engine, baseSource, source, options);
      // Each agency record takes its best base record; several agency records may take the same
      // one (an agency's duplicates), which the one-to-one rule would hide.
      await engine.run(`CREATE OR REPLACE TABLE best_${t} AS SELECT rid_l AS rid_b, rid_r AS rid_a, weight FROM (
        SELECT *, row_number() OVER (PARTITION BY rid_r ORDER BY weight DESC, rid_l) AS k FROM scored) WHERE k = 1`);
      const compared = CONFLICT_FIELDS.filter((f) => {
        const test = FIELD_TEST[f];
        if (f === 'full_name') return hasName(base.map) && hasName(other.map);
        return test.needs.every((n) => baseSource.fields.has(n) && source.fields.has(n));
      });
      report.conflicts.push(...(await conflictsOf(engine, base, other, t, compared, minWeight)));
      const counts = await engine.rows<{ field: string; compared: bigint; differ: bigint }>(
        compared
          .map((f) => {
            const test = FIELD_TEST[f];
            return `SELECT ${lit(f)} AS field, count(*) AS compared, count(*) FILTER (WHERE ${test.differs}) AS differ
              FROM best_${t} k JOIN b ON b.rid = k.rid_b JOIN ${t} a ON a.rid = k.rid_a
              WHERE k.weight >= ${minWeight} AND b.${test.column} IS NOT NULL AND a.${test.column} IS NOT NULL`;
          })
          .join(' UNION ALL '),
      );
      const unmatched = await engine.rows<{ record_id: string; nearest: string | null; p: number | null }>(
        `SELECT a.id AS record_id, nb.id AS nearest, CASE WHEN k.weight IS NOT NULL THEN 1 / (1 + pow(2, -k.weight)) END AS p
         FROM ${t} a LEFT JOIN best_${t} k ON k.rid_a = a.rid LEFT JOIN b nb ON nb.rid = k.rid_b
         WHERE k.weight IS NULL OR k.weight < ${minWeight} ORDER BY a.id`,
      );
      report.unmatched.push(...unmatched.map((u) => ({ agency: other.agency, recordId: u.record_id, nearestBaseId: u.nearest, nearestProbability: u.p === null ? null : Math.round(u.p * 1e6) / 1e6 })));
      const quality = await baseQuality(engine, source, other.agency, false);
      quality.linked = source.rows - unmatched.length;
      quality.unmatched = unmatched.length;
      quality.linkage = source.rows === 0 ? 1 : quality.linked / source.rows;
      let agree = 0;
      let all = 0;
      for (const row of counts) {
        const field = row.field as ConflictField;
        quality.comparedByField[field] = Number(row.compared);
        quality.conflictsByField[field] = Number(row.differ);
        all += Number(row.compared);
        agree += Number(row.compared) - Number(row.differ);
      }
      quality.consistency = all === 0 ? 1 : agree / all;
      report.agencies.push(quality);
    }
    report.agencies.unshift(await baseQuality(engine, baseSource, base.agency, true));

    for (const [i, source] of sources.entries()) {
      const agency = agencies[i] as string;
      const quality = report.agencies.find((q) => q.agency === agency) as AgencyQuality;
      if (source.rows >= 2) {
        await matchDedupe(engine, source, options);
        await clusterRecords(engine, source, threshold);
        const clusters = await engine.rows<{ cluster: string; ids: string[] }>(
          `SELECT c.cluster, list(t.id ORDER BY t.id) AS ids FROM clusters c JOIN ${source.table} t USING (rid) GROUP BY c.cluster HAVING count(*) > 1 ORDER BY c.cluster`,
        );
        for (const c of clusters) report.duplicates.push({ agency, clusterId: c.cluster, recordIds: [...c.ids] });
        quality.duplicateClusters = clusters.length;
        quality.duplicateRecords = clusters.reduce((n, c) => n + c.ids.length - 1, 0);
      }
      quality.uniqueness = source.rows === 0 ? 1 : 1 - quality.duplicateRecords / source.rows;
      quality.score = qualityScore(quality);
    }
    return report;
  } finally {
    engine.close();
  }
}

async function conflictsOf(engine: Engine, base: AgencySource, other: AgencySource, table: string, fields: readonly ConflictField[], minWeight: number): Promise<FieldConflict[]> {
  if (fields.length === 0) return [];
  const selects = fields.map((f) => {
    const test = FIELD_TEST[f];
    // For birth date and sex, the base record's own NIK may side with one of the values.
    const support =
      f === 'birth_date'
        ? `CASE WHEN b.nik_dob_ok = false AND b.nik_structure_ok AND CAST(substr(b.nik, 7, 2) AS INTEGER) % 40 = day(a.dob)
               AND CAST(substr(b.nik, 9, 2) AS INTEGER) = month(a.dob) AND CAST(substr(b.nik, 11, 2) AS INTEGER) = year(a.dob) % 100 THEN 'agency'
             WHEN b.nik_dob_ok THEN 'base' END`
        : f === 'sex'
          ? `CASE WHEN b.nik_sex_ok = false THEN 'agency' WHEN b.nik_sex_ok THEN 'base' END`
          : 'NULL';
    return `SELECT ${lit(f)} AS field, a.id AS record_id, b.id AS base_id, ${rawFieldSql(other.map, f, 'ra')} AS agency_value, ${rawFieldSql(base.map, f, 'rb')} AS base_value,
        1 / (1 + pow(2, -k.weight)) AS p, ${support} AS supports
      FROM best_${table} k JOIN b ON b.rid = k.rid_b JOIN ${table} a ON a.rid = k.rid_a
      JOIN raw_b rb ON rb.rid = b.rid JOIN raw_${table} ra ON ra.rid = a.rid
      WHERE k.weight >= ${minWeight} AND b.${test.column} IS NOT NULL AND a.${test.column} IS NOT NULL AND ${test.differs}`;
  });
  const rows = await engine.rows<{ field: string; record_id: string; base_id: string; agency_value: string | null; base_value: string | null; p: number; supports: string | null }>(
    `${selects.join(' UNION ALL ')} ORDER BY record_id, field`,
  );
  return rows.map((r) => ({
    agency: other.agency,
    recordId: r.record_id,
    baseRecordId: r.base_id,
    field: r.field as ConflictField,
    agencyValue: r.agency_value,
    baseValue: r.base_value,
    matchProbability: Math.round(r.p * 1e6) / 1e6,
    ...(r.supports === 'agency' || r.supports === 'base' ? { nikSupports: r.supports } : {}),
  }));
}

/** Completeness and validity of one source; linkage and consistency are filled by the caller. */
async function baseQuality(engine: Engine, source: LoadedSource, agency: string, isBase: boolean): Promise<AgencyQuality> {
  const t = source.table;
  const fields = mappedFields(source.spec.map);
  const present: string[] = [];
  if (fields.includes('nik')) present.push('nik_given');
  if (fields.some((f) => f === 'full_name' || f === 'given_name' || f === 'family_name')) present.push('name IS NOT NULL');
  if (fields.includes('birth_date')) present.push('dob_given');
  if (fields.includes('sex')) present.push('sex_given');
  if (fields.includes('address')) present.push('address IS NOT NULL');
  const checks: Array<[given: string, valid: string]> = [];
  if (fields.includes('nik')) checks.push(['nik_given', 'coalesce(nik_structure_ok, false) AND coalesce(nik_dob_ok, true) AND coalesce(nik_sex_ok, true)']);
  if (fields.includes('birth_date')) checks.push(['dob_given', 'dob IS NOT NULL']);
  if (fields.includes('sex')) checks.push(['sex_given', 'sex IS NOT NULL']);
  const [row] = await engine.rows<{ filled: number | null; slots: number; valid: number | null; given: number | null }>(
    `SELECT ${present.length ? present.map((p) => `count(*) FILTER (WHERE ${p})`).join(' + ') : '0'} AS filled,
            ${present.length} * count(*) AS slots,
            ${checks.length ? checks.map(([g, v]) => `count(*) FILTER (WHERE ${g} AND ${v})`).join(' + ') : '0'} AS valid,
            ${checks.length ? checks.map(([g]) => `count(*) FILTER (WHERE ${g})`).join(' + ') : '0'} AS given
     FROM ${t}`,
  );
  const completeness = Number(row?.slots ?? 0) === 0 ? 1 : Number(row?.filled ?? 0) / Number(row?.slots);
  const validity = Number(row?.given ?? 0) === 0 ? 1 : Number(row?.valid ?? 0) / Number(row?.given);
  return {
    agency,
    isBase,
    records: source.rows,
    linked: source.rows,
    unmatched: 0,
    duplicateClusters: 0,
    duplicateRecords: 0,
    completeness,
    validity,
    consistency: 1,
    linkage: 1,
    uniqueness: 1,
    score: 0,
    conflictsByField: {},
    comparedByField: {},
  };
}
