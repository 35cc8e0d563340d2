import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testBackends } from '../core/storage/testing.js';
import { qualityFromOverview, type QualityOverview } from './quality.js';
import { oversightFixture, type OversightFixture } from './testing.js';

describe('data quality from reconciliation', () => {
  let f: OversightFixture;
  let current: QualityOverview;
  const source = qualityFromOverview(async () => current);
  const overview = (at: string, score: number): QualityOverview => ({
    reportGeneratedAt: at,
    agencies: [
      { agency: 'ID/GOV/DUKCAPIL', score: 97.5, conflicts: 0, corrections: { open: 1, oldestOpenAgeSeconds: 3 * 86_400 } },
      { agency: 'ID/GOV/BPS', score, conflicts: 42, corrections: { open: 40, oldestOpenAgeSeconds: 86_400 } },
    ],
  });
  before(async () => {
    current = overview('2026-01-01T00:00:00Z', 71.2);
    f = await oversightFixture(testBackends()[0]!, { quality: source });
  });
  after(async () => f?.close());

  it('keeps one snapshot per report, so quality can be followed over time', async () => {
    const page1 = (await f.oversight.app.inject('/')).body;
    assert.match(page1, /Kualitas data per instansi/);
    assert.match(page1, /Badan Pusat Statistik<\/th><td class="num">71,2<\/td><td class="num">42<\/td><td class="num">40<\/td>/);
    current = overview('2026-01-08T00:00:00Z', 80.4);
    const page2 = (await f.oversight.app.inject('/')).body;
    assert.match(page2, />80,4</, 'the latest score is published');
    assert.doesNotMatch(page2, />71,2</);
    // The console's chart keeps the history: both runs of BPS, oldest first.
    const bps = (await source.snapshots()).filter((s) => s.agency === 'ID/GOV/BPS');
    assert.deepEqual(bps.map((s) => [s.score, s.openCorrections, s.oldestOpenCorrectionDays]), [[71.2, 40, 1], [80.4, 40, 1]]);
  });

  it('maps reconciliation\'s agency names to member ids', async () => {
    const named = qualityFromOverview(async () => ({ reportGeneratedAt: '2026-01-01T00:00:00Z', agencies: [{ agency: 'BPS', score: 70, conflicts: 1, corrections: { open: 0, oldestOpenAgeSeconds: null } }] }), (a) => `ID/GOV/${a}`);
    assert.deepEqual((await named.snapshots()).map((s) => [s.agency, s.oldestOpenCorrectionDays]), [['ID/GOV/BPS', null]]);
  });

  it('a reconciliation source that fails leaves the history as it was', async () => {
    const source = qualityFromOverview(async () => {
      throw new Error('reconcile unreachable');
    });
    assert.deepEqual(await source.snapshots(), []);
  });
});
