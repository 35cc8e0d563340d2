/**
 * Accuracy on labelled data, with no labels given to the matcher: the engine must find the
 * same people the ground truth says are the same, on FEBRL 4 (linking two files), FEBRL 3
 * (deduplicating one) and Splink's fake_1000 (scored against its published pair labels).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BENCHMARK_CASES, erDatasetsDir, type DedupeCase, type LinkCase } from '../src/reconcile/benchmark-datasets.js';
import { evaluateClusters, evaluateClustersWithLabels, evaluateLinks } from '../src/reconcile/evaluate.js';
import { parseFieldMap } from '../src/reconcile/field-map.js';
import { dedupeFile, linkFiles } from '../src/reconcile/tasks.js';

const data = erDatasetsDir();
const work = mkdtempSync(join(tmpdir(), 'simpul-reconcile-accuracy-'));
after(() => rmSync(work, { recursive: true, force: true }));

function caseNamed<T>(name: string): T {
  const found = BENCHMARK_CASES.find((c) => c.name === name);
  if (!found) throw new Error(`no case ${name}`);
  return found as T;
}

describe('reconciliation accuracy on the shared labelled data sets', () => {
  it('links FEBRL 4a to 4b one-to-one with F1 ≥ 0.99', async () => {
    const c = caseNamed<LinkCase>('febrl4_link');
    const map = parseFieldMap(c.map);
    const out = join(work, 'febrl4-links.csv');
    const summary = await linkFiles({
      left: { file: join(data, c.left), id: c.id, map },
      right: { file: join(data, c.right), id: c.id, map },
      out,
      oneToOne: true,
      keepEngine: true,
    });
    try {
      const [left, right] = summary.sources;
      const result = await evaluateLinks(summary.engine!, left!, right!, c.truth, c.truth);
      assert.ok(result.f1 >= 0.99, `F1 ${result.f1} (precision ${result.precision}, recall ${result.recall})`);
      const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
      assert.equal(lines[0], 'left_id,right_id,match_probability');
      assert.equal(lines.length - 1, result.predicted);
      assert.match(lines[1] ?? '', /^rec-\d+-org,rec-\d+-dup-0,(0\.9\d*|1(\.0+)?)$/);
    } finally {
      summary.engine?.close();
    }
  });

  it('deduplicates FEBRL 3 with F1 ≥ 0.95 over the pairs its clusters imply', async () => {
    const c = caseNamed<DedupeCase>('febrl3_dedupe');
    const out = join(work, 'febrl3-clusters.csv');
    const summary = await dedupeFile({ input: { file: join(data, c.file), id: c.id, map: parseFieldMap(c.map) }, out, keepEngine: true });
    try {
      const result = await evaluateClusters(summary.engine!, summary.sources[0]!, c.truth);
      assert.ok(result.f1 >= 0.95, `F1 ${result.f1} (precision ${result.precision}, recall ${result.recall})`);
      const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
      assert.equal(lines[0], 'id,cluster_id');
      assert.equal(lines.length - 1, 5000, 'one line per input record');
    } finally {
      summary.engine?.close();
    }
  });

  it("deduplicates Splink's fake_1000 with F1 ≥ 0.93 against its pair labels", async () => {
    const c = caseNamed<DedupeCase>('splink_fake_1000_dedupe');
    const summary = await dedupeFile({ input: { file: join(data, c.file), id: c.id, map: parseFieldMap(c.map) }, out: join(work, 'fake-clusters.csv'), keepEngine: true });
    try {
      const labelled = await evaluateClustersWithLabels(summary.engine!, summary.sources[0]!, join(data, c.labels!));
      assert.ok(labelled.f1 >= 0.93, `F1 ${labelled.f1} (precision ${labelled.precision}, recall ${labelled.recall})`);
      const byCluster = await evaluateClusters(summary.engine!, summary.sources[0]!, c.truth);
      // The labels hold every true pair, so both ways of scoring must agree.
      assert.equal(byCluster.correct, labelled.correct);
      assert.equal(byCluster.truePairs, 2031);
    } finally {
      summary.engine?.close();
    }
  });
});
