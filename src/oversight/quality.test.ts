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
    const latest = /<caption>Hasil rekonsiliasi terakhir<\/caption>[\s\S]*?<\/table>/.exec(page2)![0];
    assert.match(latest, />80,4</, 'the latest score is published');
    assert.doesNotMatch(latest, />71,2</);
    // The console's chart keeps the history: both runs of BPS, oldest first.
    const bps = (await source.snapshots()).filter((s) => s.agency === 'ID/GOV/BPS');
    assert.deepEqual(bps.map((s) => [s.score, s.openCorrections, s.oldestOpenCorrectionDays]), [[71.2, 40, 1], [80.4, 40, 1]]);
  });

  it('charts every agency\'s score over the runs as an SVG line with a table of the same figures', async () => {
    const page = (await f.oversight.app.inject('/')).body;
    const chart = /<svg role="img" aria-label="Skor kualitas per instansi dari waktu ke waktu[^"]*"[^>]*>([\s\S]*?)<\/svg>/.exec(page)?.[1];
    assert.ok(chart, 'a labelled line chart');
    // One line per agency with a point per run; BPS rose from 71.2 to 80.4, so its line goes up (smaller y).
    const lines = [...chart.matchAll(/<polyline points="([^"]+)"/g)].map((m) => m[1]!.split(' ').map((xy) => xy.split(',').map(Number) as [number, number]));
    assert.equal(lines.length, 2);
    const [bps, dukcapil] = lines as [[number, number][], [number, number][]];
    assert.equal(bps.length, 2);
    assert.ok(bps[1]![1] < bps[0]![1], 'a higher score is drawn higher');
    assert.ok(bps[1]![0] > bps[0]![0], 'the later run is drawn to the right');
    assert.equal(dukcapil[0]![1], dukcapil[1]![1], 'an unchanged score is a flat line');
    assert.match(chart, /Badan Pusat Statistik/, 'a legend names each line');
    const history = /<details>[\s\S]*?<\/details>/.exec(page)![0];
    assert.match(history, /Riwayat skor kualitas/);
    assert.match(history, />71,2</);
    assert.match(history, />80,4</);
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
