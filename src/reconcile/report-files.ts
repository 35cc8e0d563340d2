/**
 * Writes a discrepancy report as files: `report.json` (everything), CSV tables for
 * spreadsheets (`quality.csv`, `conflicts.csv`, `unmatched.csv`, `duplicates.csv`) and
 * `report.html`, a self-contained page with charts for people. Each file is written atomically.
 */
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { writeTextFile } from './output.js';
import { renderReportHtml } from './report-html.js';
import { CONFLICT_FIELDS, type DiscrepancyReport } from './report.js';

export interface ReportFiles {
  json: string;
  html: string;
  quality: string;
  conflicts: string;
  unmatched: string;
  duplicates: string;
}

export function qualityCsv(report: DiscrepancyReport): string {
  const rows = report.agencies.map((q) => [
    q.agency,
    q.isBase ? 'base' : 'agency',
    q.records,
    q.linked,
    q.unmatched,
    q.duplicateClusters,
    q.duplicateRecords,
    q.completeness.toFixed(4),
    q.validity.toFixed(4),
    q.consistency.toFixed(4),
    q.linkage.toFixed(4),
    q.uniqueness.toFixed(4),
    q.score.toFixed(1),
    ...CONFLICT_FIELDS.map((f) => q.conflictsByField[f] ?? ''),
  ]);
  const header = ['agency', 'role', 'records', 'linked', 'unmatched', 'duplicate_clusters', 'duplicate_records', 'completeness', 'validity', 'consistency', 'linkage', 'uniqueness', 'score', ...CONFLICT_FIELDS.map((f) => `conflicts_${f}`)];
  return stringify([header, ...rows]);
}

export function conflictsCsv(report: DiscrepancyReport): string {
  return stringify([
    ['agency', 'record_id', 'base_record_id', 'field', 'agency_value', 'base_value', 'match_probability', 'nik_supports'],
    ...report.conflicts.map((c) => [c.agency, c.recordId, c.baseRecordId, c.field, c.agencyValue ?? '', c.baseValue ?? '', c.matchProbability, c.nikSupports ?? '']),
  ]);
}

export function unmatchedCsv(report: DiscrepancyReport): string {
  return stringify([
    ['agency', 'record_id', 'nearest_base_id', 'nearest_probability'],
    ...report.unmatched.map((u) => [u.agency, u.recordId, u.nearestBaseId ?? '', u.nearestProbability ?? '']),
  ]);
}

export function duplicatesCsv(report: DiscrepancyReport): string {
  return stringify([['agency', 'cluster_id', 'record_id'], ...report.duplicates.flatMap((d) => d.recordIds.map((id) => [d.agency, d.clusterId, id]))]);
}

export async function writeReportFiles(report: DiscrepancyReport, dir: string): Promise<ReportFiles> {
  const files: ReportFiles = {
    json: join(dir, 'report.json'),
    html: join(dir, 'report.html'),
    quality: join(dir, 'quality.csv'),
    conflicts: join(dir, 'conflicts.csv'),
    unmatched: join(dir, 'unmatched.csv'),
    duplicates: join(dir, 'duplicates.csv'),
  };
  await writeTextFile(files.json, `${JSON.stringify(report, null, 2)}\n`);
  await writeTextFile(files.quality, qualityCsv(report));
  await writeTextFile(files.conflicts, conflictsCsv(report));
  await writeTextFile(files.unmatched, unmatchedCsv(report));
  await writeTextFile(files.duplicates, duplicatesCsv(report));
  await writeTextFile(files.html, renderReportHtml(report));
  return files;
}
