import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderDocument, translator } from './html.js';
import { agencyPairs, exactPairs, HIGH_FAILURE_SHARE, publishPairs, TrafficMap, trafficMap, type PairCounts } from './traffic-map.js';

const DUKCAPIL = 'ID/GOV/DUKCAPIL';
const BPS = 'ID/GOV/BPS';
const KEMENKES = 'ID/GOV/KEMENKES';
const LICENSING = 'ID/GOV/LICENSING';
const MEMBERS = [
  { id: DUKCAPIL, name: 'Direktorat Jenderal Kependudukan dan Pencatatan Sipil' },
  { id: BPS, name: 'Badan Pusat Statistik' },
  { id: KEMENKES, name: 'Kementerian Kesehatan' },
  { id: LICENSING, name: 'Kementerian Investasi/BKPM (OSS)' },
];

const row = (consumer: string, provider: string, total: number, refused = 0, error = 0): PairCounts => ({ consumer, provider, total, ok: total - refused - error, refused, error });

/** Per-service figures as `ExchangeStatistics.byPair` gives them. */
const FIGURES: PairCounts[] = [
  row(BPS, DUKCAPIL, 300, 2, 1), // person
  row(BPS, DUKCAPIL, 100), // household: same agency pair
  row(DUKCAPIL, BPS, 40, 6, 0), // the other direction, 15 % refused
  row(KEMENKES, DUKCAPIL, 25, 5, 0), // 20 % refused, but 5 is a small count
  row(LICENSING, DUKCAPIL, 4), // below the threshold
];

function render(model: ReturnType<typeof trafficMap>, lang: 'id' | 'en' = 'id'): string {
  return renderDocument(TrafficMap({ lang, t: translator(lang), model, title: 'Peta lalu lintas' }));
}

describe('traffic map', () => {
  it('sums the services of one agency pair into one directed edge, one node per agency', () => {
    const pairs = agencyPairs(FIGURES);
    assert.deepEqual(pairs.map((p) => [p.consumer, p.provider, p.total, p.refused, p.error]), [
      [BPS, DUKCAPIL, 400, 2, 1], [DUKCAPIL, BPS, 40, 6, 0], [KEMENKES, DUKCAPIL, 25, 5, 0], [LICENSING, DUKCAPIL, 4, 0, 0],
    ]);
    const model = trafficMap(MEMBERS, exactPairs(FIGURES));
    assert.deepEqual(model.nodes.map((n) => n.code), ['BPS', 'DUKCAPIL', 'KEMENKES', 'LICENSING'], 'every agency, sorted by id');
    assert.deepEqual(model.edges.map((e) => [e.from, e.to, e.total, e.failed]), [[BPS, DUKCAPIL, 400, 3], [DUKCAPIL, BPS, 40, 6], [KEMENKES, DUKCAPIL, 25, 5], [LICENSING, DUKCAPIL, 4, 0]]);
    // A member only an edge names (not in the configuration) is still drawn.
    assert.deepEqual(trafficMap([], exactPairs(FIGURES.slice(0, 1))).nodes.map((n) => n.id), [BPS, DUKCAPIL]);
  });

  it('widens an edge with its volume and marks a high refusal or error share', () => {
    const model = trafficMap(MEMBERS, exactPairs(FIGURES));
    const [big, back, kemenkes, small] = model.edges;
    assert.equal(big!.width, 10, 'the largest volume has the widest line');
    assert.ok(big!.width > back!.width && back!.width > kemenkes!.width && kemenkes!.width > small!.width && small!.width >= 1.5);
    assert.deepEqual(model.edges.map((e) => e.high), [false, true, true, false], `${HIGH_FAILURE_SHARE * 100} % or more refused or failed`);
    // Opposite directions bend to opposite sides: two different curves, not one line drawn twice.
    assert.notEqual(big!.d, back!.d);
    assert.notDeepEqual(big!.mid, back!.mid);
    const svg = render(model);
    // Each edge's markup, up to the next edge.
    const edge = (from: string, to: string) => svg.split('<g class="edge').find((part) => part.includes(`data-from="${from}" data-to="${to}"`))!;
    const high = edge(DUKCAPIL, BPS);
    assert.ok(high.startsWith(' edge-high"'));
    assert.match(high, /stroke-dasharray="8 5"/, 'dashed, not only another colour');
    assert.match(high, /marker-end="url\(#peta-lalu-lintas-arrow-1\)"/);
    assert.match(high, />!<\/text>/);
    const normal = edge(BPS, DUKCAPIL);
    assert.doesNotMatch(normal, /stroke-dasharray|edge-high|>!</);
    assert.match(normal, /<title>BPS → DUKCAPIL: 400 pertukaran, ditolak\/galat 3 \(0,8%\)<\/title>/);
  });

  it('is one labelled image with a title, a description and a text legend, in both languages', () => {
    const model = trafficMap(MEMBERS, exactPairs(FIGURES));
    const svg = render(model);
    assert.match(svg, /<svg role="img" aria-labelledby="peta-lalu-lintas-title" aria-describedby="peta-lalu-lintas-desc"/);
    assert.match(svg, /<title id="peta-lalu-lintas-title">Peta lalu lintas<\/title>/);
    assert.match(svg, /<desc id="peta-lalu-lintas-desc">4 instansi dan 4 hubungan\. Panah menunjuk dari instansi peminta ke instansi penyedia; .* \(paling banyak 400\)\. 2 hubungan dengan 10% atau lebih/);
    assert.match(svg, /<ul class="legend">/);
    for (const m of MEMBERS) assert.ok(svg.includes(`<title>${m.name} (${m.id})</title>`), `node ${m.id} names its agency`);
    assert.doesNotMatch(svg, /style=/, 'no inline style: the CSP forbids it');
    assert.match(render(model, 'en'), /<desc id="peta-lalu-lintas-desc">4 agencies and 4 links\./);
  });

  it('draws no edge for a withheld pair and marks errors only from published figures', () => {
    const published = publishPairs(FIGURES, 10);
    assert.deepEqual(published.map((p) => [p.consumer, p.provider, p.total, p.refused, p.error]), [
      [BPS, DUKCAPIL, 400, null, null], // 2 refused and 1 error are small counts
      [DUKCAPIL, BPS, 40, null, null], // 6 refused is withheld, and the error count with it
      [KEMENKES, DUKCAPIL, 25, null, null],
    ]);
    const model = trafficMap(MEMBERS, published);
    assert.equal(model.edges.length, 3);
    assert.ok(!model.edges.some((e) => e.from === LICENSING), 'a pair below the threshold has no edge');
    assert.ok(model.nodes.some((n) => n.id === LICENSING), 'the agency itself is public');
    assert.deepEqual(model.edges.map((e) => e.high), [false, false, false], 'a withheld refusal count cannot mark an edge');
    const svg = render(model);
    assert.doesNotMatch(svg, /data-from="ID\/GOV\/LICENSING"/);
    assert.doesNotMatch(svg, /data-total="4"/);
    assert.doesNotMatch(svg, /ditolak\/galat \d/, 'no withheld count in a tooltip');
    assert.match(svg, /ditolak\/galat: sebagian disembunyikan/);
    // A published share that is high still shows.
    const big = publishPairs([row(DUKCAPIL, BPS, 100, 20, 10)], 10);
    assert.deepEqual(trafficMap(MEMBERS, big).edges.map((e) => [e.failed, e.high]), [[30, true]]);
  });

  it('draws an agency calling its own services as a loop', () => {
    const model = trafficMap(MEMBERS, exactPairs([row(DUKCAPIL, DUKCAPIL, 12)]));
    assert.equal(model.edges.length, 1);
    assert.match(model.edges[0]!.d, /^M[\d.]+,[\d.]+ C/);
  });
});
