/**
 * Reconciliation as the demo federation runs it (src/demo/reconcile.ts): at start, the agencies'
 * person records are linked to DUKCAPIL's registry; the report is served over HTTP and written
 * as files, it holds the discrepancies the demo data generator planted (its answer key), each
 * conflict becomes a correction request addressed to the agency that owns the record, which that
 * agency lists (API and CLI) and decides; oversight reads scores and the backlog; an operator
 * runs it again on demand without raising a request twice, nor one the agency decided.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { generateFederationData, type FederationData } from '../src/demo/data/index.js';
import { startDemoReconciliation, type DemoReconciliation } from '../src/demo/reconcile.js';
import type { CorrectionRequest, DiscrepancyReport, ReconcileOverview } from '../src/reconcile/index.js';

const AGENCIES = ['DUKCAPIL', 'BPS', 'KEMENKES', 'KEMENDIKBUD', 'LICENSING'];

describe('reconciliation in the demo federation', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'simpul-reconcile-demo-'));
  const portBase = 12000 + 100 * Math.floor(Math.random() * 190);
  let data: FederationData;
  let demo: DemoReconciliation;
  const get = async <T>(path: string, who: string): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${demo.manifest.url}${path}`, { headers: { authorization: `Bearer ${demo.manifest.tokens[who]}` } });
    return { status: response.status, body: (await response.json()) as T };
  };
  const noted = (agency: 'BPS' | 'KEMENKES' | 'KEMENDIKBUD' | 'LICENSING', kind: string): string[] => data.inconsistencies.records.filter((r) => r.agency === agency && r.kind === kind).map((r) => r.recordId);

  before(async () => {
    data = generateFederationData({ seed: 11, persons: 1000 });
    demo = await startDemoReconciliation({ dataDir, portBase, host: '127.0.0.1', data, agencies: AGENCIES, logLevel: 'silent' });
  });
  after(async () => {
    await demo?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('builds the report at start and serves it with the planted discrepancies', async () => {
    const run = await demo.ready;
    assert.equal(run.state, 'ready', run.error ?? '');
    assert.equal(run.records, 1000 + data.bps.respondents.length + data.kemenkes.patients.length + data.kemendikbud.students.length + data.licensing.businesses.length);
    const { status, body: report } = await get<DiscrepancyReport>('/reconcile/report', 'operator');
    assert.equal(status, 200);
    assert.deepEqual(report.agencies.map((a) => a.agency), AGENCIES);
    for (const a of report.agencies) assert.ok(a.score > 50 && a.score <= 100, `${a.agency} scored ${a.score}`);

    const conflicted = (agency: string, field: string) => new Set(report.conflicts.filter((c) => c.agency === agency && c.field === field).map((c) => c.recordId));
    const share = (ids: string[], found: Set<string>) => ids.filter((id) => found.has(id)).length / ids.length;
    assert.ok(share(noted('BPS', 'birth_date_error'), conflicted('BPS', 'birth_date')) >= 0.9, "BPS's wrong birth dates");
    assert.ok(share(noted('KEMENKES', 'nik_mistyped'), conflicted('KEMENKES', 'nik')) >= 0.9, "KEMENKES's mistyped NIKs");
    assert.ok(share(noted('LICENSING', 'name_variant'), conflicted('LICENSING', 'full_name')) >= 0.6, "the business owners' name variants");
    for (const agency of ['BPS', 'KEMENKES', 'KEMENDIKBUD'] as const) {
      // Addresses copied before the household moved, and nothing else: a format difference (RT/RW kept apart) is no conflict.
      const outdated = noted(agency, 'outdated_address');
      const found = conflicted(agency, 'address');
      assert.ok(share(outdated, found) >= 0.85, `${agency}'s outdated addresses`);
      assert.ok([...found].filter((id) => outdated.includes(id)).length / found.size >= 0.9, `${agency}'s address conflicts are outdated addresses`);
    }
    for (const agency of ['BPS', 'KEMENKES', 'LICENSING'] as const) {
      const clustered = new Set(report.duplicates.filter((d) => d.agency === agency).flatMap((d) => d.recordIds));
      assert.ok(share(noted(agency, 'duplicate'), clustered) >= 0.85, `${agency}'s duplicate records`);
    }
    // Every conflict names the registry record of the person the record really is.
    const right = report.conflicts.filter((c) => data.truth[c.agency as 'BPS'][c.recordId] === c.baseRecordId).length;
    assert.ok(right / report.conflicts.length >= 0.99);

    const page = await fetch(demo.manifest.report.html, { headers: { authorization: `Bearer ${demo.manifest.tokens.operator}` } });
    assert.match(await page.text(), /Laporan ketidaksesuaian data penduduk/);
    for (const file of Object.values(demo.manifest.files)) assert.ok(existsSync(file), file);
    assert.equal(readFileSync(demo.manifest.files.quality, 'utf8').trim().split('\n').length, 1 + AGENCIES.length);
    assert.equal(statSync(join(dataDir, 'reconcile', 'report')).mode & 0o077, 0, 'only the service reads the report files');
  });

  it("routes each conflict to the record's agency, which lists and decides it (API and CLI)", async () => {
    const { body: report } = await get<DiscrepancyReport>('/reconcile/report', 'operator');
    const wrongDate = report.conflicts.find((c) => c.agency === 'BPS' && c.field === 'birth_date' && noted('BPS', 'birth_date_error').includes(c.recordId));
    assert.ok(wrongDate);
    const { status, body: open } = await get<CorrectionRequest[]>('/reconcile/corrections?status=open&limit=1000', 'BPS');
    assert.equal(status, 200);
    assert.ok(open.every((c) => c.addressedTo === 'BPS'));
    const request = open.find((c) => c.recordId === wrongDate.recordId && c.field === 'birth_date');
    assert.ok(request, 'the wrong birth date became a request to BPS');
    assert.deepEqual([request.currentValue, request.proposedValue, request.baseRecordId], [wrongDate.agencyValue, wrongDate.baseValue, wrongDate.baseRecordId]);
    const hidden = await get<unknown>(`/reconcile/corrections/${request.id}`, 'KEMENKES');
    assert.equal(hidden.status, 404, "another agency does not see BPS's request");

    const cli = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'reconcile', 'corrections', '--url', demo.manifest.url, '--token', demo.manifest.tokens.BPS!, '--status', 'open', '--limit', '1000', '--json'], { maxBuffer: 1 << 26 });
    const listed = JSON.parse(cli.stdout) as CorrectionRequest[];
    assert.deepEqual(listed.map((c) => c.id).sort(), open.map((c) => c.id).sort());

    const decision = await fetch(`${demo.manifest.corrections}/${request.id}/decision`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo.manifest.tokens.BPS}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'accepted', note: 'KTP diperiksa' }),
    });
    assert.equal(decision.status, 200);
    const { body: decided } = await get<CorrectionRequest>(`/reconcile/corrections/${request.id}`, 'BPS');
    assert.deepEqual([decided.status, decided.decidedBy], ['accepted', 'petugas-bps (BPS)']);

    const { body: overview } = await get<ReconcileOverview>('/reconcile/overview', 'operator');
    const bps = overview.agencies.find((a) => a.agency === 'BPS');
    assert.ok(bps);
    assert.equal(bps.corrections.accepted, 1);
    assert.equal(bps.corrections.open, open.length - 1);
    assert.ok(bps.corrections.oldestOpenAgeSeconds !== null && bps.corrections.oldestOpenAgeSeconds >= 0);
    assert.ok(bps.conflicts > 0 && bps.score === report.agencies.find((a) => a.agency === 'BPS')?.score);
  });

  it('runs again on an operator\'s demand without raising a request twice, nor one already decided', async () => {
    const refused = await fetch(`${demo.manifest.url}/reconcile/runs`, { method: 'POST', headers: { authorization: `Bearer ${demo.manifest.tokens.BPS}` } });
    assert.equal(refused.status, 403);
    const before = (await get<ReconcileOverview>('/reconcile/overview', 'operator')).body;
    const response = await fetch(`${demo.manifest.url}/reconcile/runs`, { method: 'POST', headers: { authorization: `Bearer ${demo.manifest.tokens.operator}` } });
    assert.equal(response.status, 200);
    const run = (await response.json()) as { state: string; corrections: { created: number; skipped: number } };
    assert.equal(run.state, 'ready');
    // Nothing new: open conflicts have their request, and BPS's decision stands for the same two values.
    assert.equal(run.corrections.created, 0);
    assert.ok(run.corrections.skipped > 0);
    const after = (await get<ReconcileOverview>('/reconcile/overview', 'operator')).body;
    const counts = (o: ReconcileOverview) => o.agencies.map((a) => [a.agency, a.corrections.open, a.corrections.accepted, a.corrections.rejected]);
    assert.deepEqual(counts(after), counts(before));
    const unauthenticated = await fetch(`${demo.manifest.url}/reconcile/overview`);
    assert.equal(unauthenticated.status, 401);
  });
});
