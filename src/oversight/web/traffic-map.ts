/**
 * The traffic map: who exchanges with whom, drawn as a node-link diagram (ADR 0082). Agencies
 * are nodes on a circle, labelled with their member code; each consumer agency → provider
 * agency pair is one directed, curved edge (opposite directions bend to opposite sides, so
 * they never overlap) whose stroke width grows with the number of exchanges. An edge whose
 * refused-plus-error share is high is dashed, ends in a hollow arrowhead and carries a "!"
 * mark (it is red as well, but colour is never the only cue). Server-rendered SVG, no
 * script, no inline style (the CSP forbids both); the SVG is one labelled image with a
 * <title> and <desc>, and the pages keep the figures in a table beside it as the text
 * alternative.
 *
 * On the public page the map is drawn from published figures only (`publishPairs`): an edge
 * below the small-count threshold is not drawn at all, and the error mark counts only the
 * parts that are published, so nothing on the map says more than the table.
 */
import { suppress, type ExchangeFigures, type Published } from '../statistics.js';
import { formatNumber, html, type Lang, type Translate, type VNode } from './html.js';

/** A share of refused and failed exchanges at or above this marks an edge. */
export const HIGH_FAILURE_SHARE = 0.1;

/** Exchange counts of one consumer → provider relation (per service, or already per agency pair). */
export interface PairCounts {
  consumer: string;
  provider: string;
  total: number;
  ok: number;
  refused: number;
  error: number;
}

/** One agency pair's figures as drawn: `refused`/`error` are null when withheld. */
export interface PairVolume {
  consumer: string;
  provider: string;
  total: number;
  refused: Published;
  error: Published;
}

export interface MapNode {
  id: string;
  /** The member code shown on the map (the last part of the member id). */
  code: string;
  name: string;
  x: number;
  y: number;
  label: { x: number; y: number; anchor: 'start' | 'middle' | 'end' };
}

export interface MapEdge {
  from: string;
  to: string;
  total: number;
  /** Refused plus failed exchanges, as far as published; null when both are withheld. */
  failed: number | null;
  /** True when part of the refused/error figures is withheld. */
  partial: boolean;
  high: boolean;
  width: number;
  /** SVG path data; it stops where the arrowhead begins. */
  d: string;
  /** Length of the arrowhead, which grows with the line so a thick line never hides it. */
  arrow: number;
  /** Where the "!" mark of a high-failure edge sits. */
  mid: { x: number; y: number };
}

export interface TrafficMapModel {
  width: number;
  height: number;
  nodes: MapNode[];
  edges: MapEdge[];
  highShare: number;
}

/** Sums per-service figures into one row per consumer agency → provider agency. */
export function agencyPairs(rows: readonly PairCounts[]): PairCounts[] {
  const pairs = new Map<string, PairCounts>();
  for (const r of rows) {
    const key = `${r.consumer}\n${r.provider}`;
    const p = pairs.get(key) ?? { consumer: r.consumer, provider: r.provider, total: 0, ok: 0, refused: 0, error: 0 };
    p.total += r.total;
    p.ok += r.ok;
    p.refused += r.refused;
    p.error += r.error;
    pairs.set(key, p);
  }
  return [...pairs.values()].sort((a, b) => b.total - a.total || a.consumer.localeCompare(b.consumer) || a.provider.localeCompare(b.provider));
}

/** Operators see every figure as counted. */
export function exactPairs(rows: readonly PairCounts[]): PairVolume[] {
  return agencyPairs(rows).map((p) => ({ consumer: p.consumer, provider: p.provider, total: p.total, refused: p.refused, error: p.error }));
}

/**
 * The public's pairs: small-count suppression per agency pair (`suppress`), and a pair whose
 * total is withheld is left out entirely.
 */
export function publishPairs(rows: readonly PairCounts[], threshold: number): (PairVolume & { ok: Published })[] {
  return agencyPairs(rows).flatMap((p) => {
    const figures: ExchangeFigures = { total: p.total, ok: p.ok, refused: p.refused, error: p.error, p50: null, p95: null, p99: null };
    const pub = suppress(figures, threshold);
    return pub.total === null ? [] : [{ consumer: p.consumer, provider: p.provider, total: pub.total, ok: pub.ok, refused: pub.refused, error: pub.error }];
  });
}

const WIDTH = 640;
const HEIGHT = 440;
const NODE_R = 18;
const MIN_STROKE = 1.5;
const MAX_STROKE = 10;

const round = (n: number) => Math.round(n * 10) / 10;
const codeOf = (member: string) => member.split('/').at(-1) ?? member;

/**
 * Lays out the map: every given member and every member an edge names is a node (sorted by
 * id, so the picture is stable from one load to the next), edges as described above.
 */
export function trafficMap(members: readonly { id: string; name: string }[], pairs: readonly PairVolume[], options: { highShare?: number } = {}): TrafficMapModel {
  const highShare = options.highShare ?? HIGH_FAILURE_SHARE;
  const names = new Map(members.map((m) => [m.id, m.name]));
  for (const p of pairs) for (const id of [p.consumer, p.provider]) if (!names.has(id)) names.set(id, id);
  const ids = [...names.keys()].sort();
  const cx = WIDTH / 2;
  const cy = HEIGHT / 2;
  const radius = ids.length <= 1 ? 0 : Math.min(150, 40 + ids.length * 22);
  const nodes: MapNode[] = ids.map((id, i) => {
    // Clockwise from the top.
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / ids.length;
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const x = cx + radius * cos;
    const y = cy + radius * sin;
    const out = NODE_R + 10;
    const anchor = ids.length <= 1 || Math.abs(cos) < 0.3 ? 'middle' : cos > 0 ? 'start' : 'end';
    return { id, code: codeOf(id), name: names.get(id)!, x: round(x), y: round(y), label: { x: round(x + (ids.length <= 1 ? 0 : out * cos)), y: round(y + (ids.length <= 1 ? out + 6 : out * sin + 5)), anchor } };
  });
  const at = new Map(nodes.map((n) => [n.id, n]));
  const max = Math.max(1, ...pairs.map((p) => p.total));
  const edges: MapEdge[] = pairs.filter((p) => p.total > 0).map((p) => {
    const from = at.get(p.consumer)!;
    const to = at.get(p.provider)!;
    const failed = p.refused === null && p.error === null ? null : (p.refused ?? 0) + (p.error ?? 0);
    const high = failed !== null && failed / p.total >= highShare;
    // Square root: a pair with a hundredth of the largest volume is still a visible line.
    const width = round(MIN_STROKE + (MAX_STROKE - MIN_STROKE) * Math.sqrt(p.total / max));
    const arrow = round(8 + 1.5 * width);
    const shape = from === to ? loop(from, cx, cy, arrow) : curve(from, to, arrow);
    return { from: p.consumer, to: p.provider, total: p.total, failed, partial: p.refused === null || p.error === null, high, width, arrow, ...shape };
  });
  return { width: WIDTH, height: HEIGHT, nodes, edges, highShare };
}

type Point = { x: number; y: number };

/** A quadratic curve bent to the right of its direction, trimmed to the node circles. */
function curve(a: Point, b: Point, arrow: number): { d: string; mid: Point } {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length = Math.hypot(dx, dy) || 1;
  const bend = 0.18 * length;
  const c = { x: (a.x + b.x) / 2 - (dy / length) * bend, y: (a.y + b.y) / 2 + (dx / length) * bend };
  const start = towards(a, c, NODE_R);
  // The path stops where the arrowhead starts; its tip touches the circle.
  const end = towards(b, c, NODE_R + 2 + arrow);
  const mid = { x: 0.25 * start.x + 0.5 * c.x + 0.25 * end.x, y: 0.25 * start.y + 0.5 * c.y + 0.25 * end.y };
  return { d: `M${round(start.x)},${round(start.y)} Q${round(c.x)},${round(c.y)} ${round(end.x)},${round(end.y)}`, mid: { x: round(mid.x), y: round(mid.y) } };
}

/** An agency's exchanges with itself (one subsystem calling another): a loop towards the centre. */
function loop(n: Point, cx: number, cy: number, arrow: number): { d: string; mid: Point } {
  const length = Math.hypot(cx - n.x, cy - n.y);
  const u = length < 1 ? { x: 0, y: 1 } : { x: (cx - n.x) / length, y: (cy - n.y) / length };
  const side = { x: -u.y, y: u.x };
  const p = (along: number, across: number) => ({ x: n.x + u.x * along + side.x * across, y: n.y + u.y * along + side.y * across });
  const start = p(NODE_R * 0.8, -NODE_R * 0.6);
  const c1 = p(NODE_R * 4, -NODE_R * 2);
  const c2 = p(NODE_R * 4, NODE_R * 2);
  const end = towards(p(NODE_R * 0.8 + 2, NODE_R * 0.6 + 2), c2, arrow);
  const mid = p(NODE_R * 3.1, 0);
  const f = (q: Point) => `${round(q.x)},${round(q.y)}`;
  return { d: `M${f(start)} C${f(c1)} ${f(c2)} ${f(end)}`, mid: { x: round(mid.x), y: round(mid.y) } };
}

function towards(from: Point, to: Point, distance: number): Point {
  const length = Math.hypot(to.x - from.x, to.y - from.y) || 1;
  return { x: from.x + ((to.x - from.x) / length) * distance, y: from.y + ((to.y - from.y) / length) * distance };
}

const NORMAL = '#0b4f9c';
const HIGH = '#b3261e';
const INK = '#1b1b1b';

/** The map as a figure: the SVG (title, desc), then a legend in text. */
export function TrafficMap(props: { lang: Lang; t: Translate; model: TrafficMapModel; title: string; id?: string }): VNode {
  const { lang, t, model } = props;
  const id = props.id ?? 'peta-lalu-lintas';
  const percent = formatNumber(lang, model.highShare * 100);
  const high = model.edges.filter((e) => e.high).length;
  const maxTotal = Math.max(0, ...model.edges.map((e) => e.total));
  const description = t(
    `${model.nodes.length} instansi dan ${model.edges.length} hubungan. Panah menunjuk dari instansi peminta ke instansi penyedia; makin tebal garis, makin banyak pertukaran (paling banyak ${formatNumber(lang, maxTotal)}). ${high} hubungan dengan ${percent}% atau lebih permintaan ditolak atau galat digambar putus-putus dengan tanda seru. Angka setiap hubungan ada di tabel setelah gambar ini.`,
    `${model.nodes.length} agencies and ${model.edges.length} links. Arrows point from the consuming agency to the providing agency; the thicker the line, the more exchanges (at most ${formatNumber(lang, maxTotal)}). ${high} links with ${percent}% or more of requests refused or failed are drawn dashed with an exclamation mark. The figures of every link are in the table after this picture.`);
  const edgeLabel = (e: MapEdge) => {
    const from = codeOf(e.from);
    const to = codeOf(e.to);
    const failed = e.failed === null || e.partial
      ? t('ditolak/galat: sebagian disembunyikan (angka kecil)', 'refused/errors: partly withheld (small counts)')
      : t(`ditolak/galat ${formatNumber(lang, e.failed)} (${formatNumber(lang, (100 * e.failed) / e.total)}%)`, `refused/errors ${formatNumber(lang, e.failed)} (${formatNumber(lang, (100 * e.failed) / e.total)}%)`);
    return `${from} → ${to}: ${formatNumber(lang, e.total)} ${t('pertukaran', 'exchanges')}, ${failed}`;
  };
  return html`<figure class="card traffic-map">
    <svg role="img" aria-labelledby=${`${id}-title`} aria-describedby=${`${id}-desc`} viewBox=${`0 0 ${model.width} ${model.height}`} width="100%" focusable="false">
      <title id=${`${id}-title`}>${props.title}</title>
      <desc id=${`${id}-desc`}>${description}</desc>
      <defs>${model.edges.map((e, i) => html`<marker id=${`${id}-arrow-${i}`} viewBox="0 0 10 10" refX="0" refY="5" markerWidth=${e.arrow} markerHeight=${e.arrow} markerUnits="userSpaceOnUse" orient="auto">
        ${e.high ? html`<path d="M1,1 L10,5 L1,9 z" fill="#fff" stroke=${HIGH} stroke-width="1.5"></path>` : html`<path d="M0,0 L10,5 L0,10 z" fill=${NORMAL}></path>`}
      </marker>`)}</defs>
      <g class="edges">${model.edges.map((e, i) => html`<g class=${e.high ? 'edge edge-high' : 'edge'} data-from=${e.from} data-to=${e.to} data-total=${e.total}>
        <title>${edgeLabel(e)}</title>
        <path d=${e.d} fill="none" stroke=${e.high ? HIGH : NORMAL} stroke-width=${e.width} stroke-opacity="0.85" stroke-dasharray=${e.high ? '8 5' : undefined} stroke-linecap="butt" marker-end=${`url(#${id}-arrow-${i})`}></path>
        ${e.high ? html`<g><circle cx=${e.mid.x} cy=${e.mid.y} r="8" fill="#fff" stroke=${HIGH} stroke-width="2"></circle><text x=${e.mid.x} y=${e.mid.y + 4} font-size="12" font-weight="700" text-anchor="middle" fill=${HIGH}>!</text></g>` : null}
      </g>`)}</g>
      <g class="nodes">${model.nodes.map((n) => html`<g class="node" data-member=${n.id}>
        <title>${`${n.name} (${n.id})`}</title>
        <circle cx=${n.x} cy=${n.y} r=${NODE_R} fill="#fff" stroke=${INK} stroke-width="2"></circle>
        <text x=${n.label.x} y=${n.label.y} font-size="13" font-weight="600" text-anchor=${n.label.anchor} fill=${INK}>${n.code}</text>
      </g>`)}</g>
    </svg>
    <figcaption>
      ${props.title}
      <ul class="legend">
        <li><svg aria-hidden="true" focusable="false" width="48" height="16" viewBox="0 0 48 16"><line x1="2" y1="4" x2="38" y2="4" stroke=${NORMAL} stroke-width="1.5"></line><line x1="2" y1="11" x2="38" y2="11" stroke=${NORMAL} stroke-width="5"></line><path d="M38,2 L47,8 L38,14 z" fill=${NORMAL}></path></svg>${t('Panah dari peminta ke penyedia; tebal garis menurut jumlah pertukaran', 'Arrow from consumer to provider; line width by number of exchanges')}</li>
        <li><svg aria-hidden="true" focusable="false" width="48" height="16" viewBox="0 0 48 16"><line x1="2" y1="8" x2="34" y2="8" stroke=${HIGH} stroke-width="3" stroke-dasharray="8 5"></line><circle cx="40" cy="8" r="7" fill="#fff" stroke=${HIGH} stroke-width="2"></circle><text x="40" y="12" font-size="11" font-weight="700" text-anchor="middle" fill=${HIGH}>!</text></svg>${t(`Putus-putus dengan tanda seru: ${percent}% atau lebih ditolak atau galat`, `Dashed with an exclamation mark: ${percent}% or more refused or failed`)}</li>
      </ul>
    </figcaption>
  </figure>`;
}
