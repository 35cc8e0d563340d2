import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildOverview, correctionAgeSeconds } from './overview.js';
import type { AgencyQuality, DiscrepancyReport } from './report.js';

const quality = (agency: string, isBase: boolean, score: number): AgencyQuality => ({
  agency, isBase, records: 10, linked: 9, unmatched: 1, duplicateClusters: 0, duplicateRecords: 0,
  completeness: 1, validity: 1, consistency: 0.9, linkage: 0.9, uniqueness: 1, score, conflictsByField: {}, comparedByField: {},
});
const report: DiscrepancyReport = {
  generatedAt: '2025-07-01T00:00:00.000Z',
  base: 'DUKCAPIL',
  threshold: 0.9,
  agencies: [quality('DUKCAPIL', true, 100), quality('BPS', false, 93.5)],
  conflicts: [
    { agency: 'BPS', recordId: 'A', baseRecordId: 'N', field: 'birth_date', agencyValue: '1', baseValue: '2', matchProbability: 0.99 },
    { agency: 'BPS', recordId: 'B', baseRecordId: 'M', field: 'birth_date', agencyValue: '1', baseValue: '2', matchProbability: 0.99 },
    { agency: 'BPS', recordId: 'B', baseRecordId: 'M', field: 'sex', agencyValue: '1', baseValue: '2', matchProbability: 0.99 },
  ],
  unmatched: [],
  duplicates: [],
};
const idle = { state: 'ready' as const, startedAt: null, finishedAt: null, seconds: 1, records: 20, corrections: { created: 3, skipped: 0 }, error: null };

describe('the oversight overview', () => {
  it("joins each agency's score and conflicts with its correction backlog and the age of the oldest open request", () => {
    const now = new Date('2025-07-03T00:00:00.000Z');
    const overview = buildOverview(report, [{ addressedTo: 'BPS', open: 2, accepted: 1, rejected: 0, oldestOpenAt: '2025-07-01T00:00:00.000Z' }], idle, now);
    const bps = overview.agencies.find((a) => a.agency === 'BPS');
    assert.deepEqual([bps?.score, bps?.conflicts, bps?.conflictsByField], [93.5, 3, { birth_date: 2, sex: 1 }]);
    assert.deepEqual(bps?.corrections, { open: 2, accepted: 1, rejected: 0, oldestOpenAt: '2025-07-01T00:00:00.000Z', oldestOpenAgeSeconds: 172_800 });
    assert.deepEqual(overview.agencies.find((a) => a.agency === 'DUKCAPIL')?.corrections.oldestOpenAgeSeconds, null);
    assert.equal(overview.reportGeneratedAt, '2025-07-01T00:00:00.000Z');
  });

  it('lists an agency with requests even before any report, and ages a decided request to its decision', () => {
    const overview = buildOverview(undefined, [{ addressedTo: 'KEMENKES', open: 1, accepted: 0, rejected: 0, oldestOpenAt: '2025-07-01T00:00:00.000Z' }], { ...idle, state: 'running' });
    assert.deepEqual(overview.agencies.map((a) => [a.agency, a.corrections.open]), [['KEMENKES', 1]]);
    assert.equal(correctionAgeSeconds({ createdAt: '2025-07-01T00:00:00.000Z', decidedAt: '2025-07-01T01:00:00.000Z' }), 3600);
  });
});
