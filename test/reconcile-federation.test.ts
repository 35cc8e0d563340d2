/**
 * The demo federation's agencies, reconciled: DUKCAPIL's registry is the base, and the census,
 * health and education copies (with their deliberate inconsistencies and answer key, from
 * src/demo/data) are linked to it. The report must find the errors the answer key lists, tie
 * each conflict to the right person, and find the agencies' duplicates — and not invent
 * duplicates in the clean registry.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateFederationData, type FederationData } from '../src/demo/data/index.js';
import { demoAgencyRecords, reconcileAgencies } from '../src/reconcile/federation.js';
import { writeReportFiles } from '../src/reconcile/report-files.js';
import type { DiscrepancyReport } from '../src/reconcile/report.js';

let data: FederationData;
let report: DiscrepancyReport;
const dir = mkdtempSync(join(tmpdir(), 'simpul-reconcile-federation-'));

before(async () => {
  data = generateFederationData({ seed: 11, persons: 1000 });
  const { base, others } = demoAgencyRecords(data);
  report = await reconcileAgencies(base, others);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function noted(agency: 'BPS' | 'KEMENKES' | 'KEMENDIKBUD', kind: string): Set<string> {
  return new Set(data.inconsistencies.records.filter((r) => r.agency === agency && r.kind === kind).map((r) => r.recordId));
}

describe('discrepancy report over the demo federation', () => {
  it('ties every conflict to the person the record really is', () => {
    assert.ok(report.conflicts.length > 100);
    const right = report.conflicts.filter((c) => data.truth[c.agency as 'BPS'][c.recordId] === c.baseRecordId).length;
    assert.ok(right / report.conflicts.length >= 0.99, `${right} of ${report.conflicts.length} conflicts name the right registry record`);
  });

  it('finds the wrong birth dates and mistyped NIKs the answer key lists', () => {
    const found = (agency: 'BPS' | 'KEMENKES', field: string): Set<string> => new Set(report.conflicts.filter((c) => c.agency === agency && c.field === field).map((c) => c.recordId));
    const dates = noted('BPS', 'birth_date_error');
    const foundDates = found('BPS', 'birth_date');
    assert.ok(dates.size > 10);
    assert.ok([...dates].filter((id) => foundDates.has(id)).length / dates.size >= 0.9, 'birth-date errors found');
    const niks = noted('KEMENKES', 'nik_mistyped');
    const foundNiks = found('KEMENKES', 'nik');
    assert.ok(niks.size > 5);
    assert.ok([...niks].filter((id) => foundNiks.has(id)).length / niks.size >= 0.9, 'mistyped NIKs found');
  });

  it("finds the agencies' duplicates without inventing any in the registry", () => {
    for (const agency of ['BPS', 'KEMENKES'] as const) {
      const duplicates = noted(agency, 'duplicate');
      const clusters = report.duplicates.filter((d) => d.agency === agency);
      const clustered = new Set(clusters.flatMap((d) => d.recordIds));
      assert.ok([...duplicates].filter((id) => clustered.has(id)).length / duplicates.size >= 0.85, `${agency} duplicates found`);
      const pure = clusters.filter((d) => new Set(d.recordIds.map((id) => data.truth[agency][id])).size === 1).length;
      assert.ok(pure / clusters.length >= 0.9, `${agency}: ${pure} of ${clusters.length} clusters are one person`);
    }
    const registry = report.duplicates.filter((d) => d.agency === 'DUKCAPIL').length;
    assert.ok(registry <= 0.005 * data.persons.length, `${registry} duplicate clusters claimed in the clean registry`);
  });

  it('scores each agency and writes the report as JSON, CSV and an HTML page with charts', async () => {
    const base = report.agencies.find((a) => a.isBase);
    assert.equal(base?.agency, 'DUKCAPIL');
    for (const a of report.agencies) {
      assert.ok(a.score > 50 && a.score <= 100, `${a.agency} score ${a.score}`);
      assert.ok(a.linkage > 0.95, `${a.agency} linkage ${a.linkage}`);
    }
    const bps = report.agencies.find((a) => a.agency === 'BPS');
    assert.ok((bps?.conflictsByField.birth_date ?? 0) > 0);
    const files = await writeReportFiles(report, dir);
    assert.deepEqual(JSON.parse(readFileSync(files.json, 'utf8')).base, 'DUKCAPIL');
    const quality = readFileSync(files.quality, 'utf8').split('\n');
    assert.match(quality[0] ?? '', /^agency,role,records,linked,unmatched,duplicate_clusters/);
    assert.equal(quality.filter((l) => l.trim() !== '').length, 1 + report.agencies.length);
    assert.equal(readFileSync(files.conflicts, 'utf8').trimEnd().split('\n').length, 1 + report.conflicts.length);
    const html = readFileSync(files.html, 'utf8');
    assert.match(html, /<html lang="id">/);
    assert.equal((html.match(/<svg role="img"/g) ?? []).length, 2 + report.agencies.filter((a) => !a.isBase).length);
  });
});
