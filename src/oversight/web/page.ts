/**
 * The frame every oversight page shares (transparency page and console): language, skip
 * link, header, menu, notice; and small pieces the pages reuse.
 */
import { CSS_PATH } from './styles.js';
import { html, renderDocument, type Lang, type Translate, type VNode } from './html.js';

export interface PageContext {
  lang: Lang;
  t: Translate;
  path: string;
  /** Site name shown in the header and title. */
  site: string;
  menu: [string, string][];
  /** A sign-out form, on console pages. */
  signOut?: { csrf: string };
}

export function renderPage(pc: PageContext, title: string, body: VNode | VNode[], notice?: { kind: 'notice' | 'alert'; text: string }): string {
  const t = pc.t;
  const other: Lang = pc.lang === 'id' ? 'en' : 'id';
  const current = pc.path.split('?')[0];
  const switchHref = `/bahasa?l=${other}&next=${encodeURIComponent(pc.path)}`;
  return renderDocument(html`<html lang=${pc.lang}>
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${title} · ${pc.site}</title>
    <link rel="stylesheet" href=${CSS_PATH} />
  </head>
  <body>
    <a class="skip" href="#konten">${t('Langsung ke konten utama', 'Skip to main content')}</a>
    <header>
      <div class="wrap">
        <div class="bar">
          <a class="brand" href=${pc.menu[0]?.[0] ?? '/'}>${pc.site}</a>
          <a href=${switchHref} lang=${other} hreflang=${other}>${other === 'en' ? 'English' : 'Bahasa Indonesia'}</a>
        </div>
        ${pc.menu.length > 1 || pc.signOut ? html`<nav class="menu" aria-label=${t('Menu utama', 'Main menu')}><ul>
          ${pc.menu.map(([href, label]) => html`<li><a href=${href} aria-current=${href === current ? 'page' : undefined}>${label}</a></li>`)}
          ${pc.signOut ? html`<li><form method="post" action="/konsol/keluar"><input type="hidden" name="_csrf" value=${pc.signOut.csrf} /><button class="linklike" type="submit">${t('Keluar', 'Sign out')}</button></form></li>` : null}
        </ul></nav>` : null}
      </div>
    </header>
    <main id="konten" tabindex="-1">
      <div class="wrap">
        ${notice ? html`<div class=${notice.kind} role=${notice.kind === 'alert' ? 'alert' : 'status'}>${notice.text}</div>` : null}
        <h1>${title}</h1>
        ${body}
      </div>
    </main>
    <footer><div class="wrap">${t('Simpul — pertukaran data pemerintah yang setiap pertukarannya dicatat dan dapat dibuktikan.', 'Simpul — government data exchange where every exchange is logged and provable.')}</div></footer>
  </body>
</html>`);
}

/** A horizontal bar chart as SVG (no inline style: the CSP forbids it), with a text table beside it for screen readers. */
export function BarChart(props: { label: string; rows: { name: string; value: number }[]; unit: string }): VNode {
  const max = Math.max(1, ...props.rows.map((r) => r.value));
  const rowHeight = 26;
  const height = props.rows.length * rowHeight + 4;
  return html`<figure class="card">
    <svg role="img" aria-label=${props.label} viewBox=${`0 0 600 ${height}`} width="100%" height=${height} focusable="false">
      ${props.rows.map((r, i) => html`<g>
        <text x="0" y=${i * rowHeight + 17} font-size="13" fill="#1b1b1b">${r.name.length > 34 ? `${r.name.slice(0, 33)}…` : r.name}</text>
        <rect x="260" y=${i * rowHeight + 4} height="18" width=${Math.max(2, Math.round((r.value / max) * 280))} fill="#0b4f9c"></rect>
        <text x=${Math.min(590, 266 + Math.round((r.value / max) * 280))} y=${i * rowHeight + 17} font-size="13" fill="#1b1b1b">${`${r.value} ${props.unit}`}</text>
      </g>`)}
    </svg>
    <figcaption>${props.label}</figcaption>
  </figure>`;
}

/** Series colours with at least 3:1 contrast on white; each also has its own dash and marker, so colour is never the only cue. */
const SERIES_STYLES = [
  { colour: '#0b4f9c', dash: undefined, marker: 'circle' },
  { colour: '#b3261e', dash: '8 4', marker: 'square' },
  { colour: '#1e6b35', dash: '2 4', marker: 'diamond' },
  { colour: '#8a4b00', dash: '10 4 2 4', marker: 'triangle' },
  { colour: '#5b2a86', dash: '4 4', marker: 'circle' },
  { colour: '#00606b', dash: '12 4', marker: 'square' },
] as const;

function Marker(props: { shape: string; x: number; y: number; colour: string }): VNode {
  const { x, y, colour } = props;
  if (props.shape === 'square') return html`<rect x=${x - 4} y=${y - 4} width="8" height="8" fill=${colour}></rect>`;
  if (props.shape === 'diamond') return html`<polygon points=${`${x},${y - 5} ${x + 5},${y} ${x},${y + 5} ${x - 5},${y}`} fill=${colour}></polygon>`;
  if (props.shape === 'triangle') return html`<polygon points=${`${x},${y - 5} ${x + 5},${y + 4} ${x - 5},${y + 4}`} fill=${colour}></polygon>`;
  return html`<circle cx=${x} cy=${y} r="4" fill=${colour}></circle>`;
}

export interface LineSeries {
  name: string;
  points: { at: number; value: number }[];
}

/**
 * A line chart over time as SVG (server-rendered, no script, no inline style), one line per
 * series on a fixed 0–`max` scale, with a legend. The SVG is one labelled image; the caller
 * puts the same figures in a table beside it for screen readers and for copying.
 */
export function LineChart(props: { label: string; lang: Lang; series: LineSeries[]; max: number }): VNode {
  const width = 640;
  const left = 40;
  const right = 16;
  const top = 12;
  const plot = 200;
  const times = props.series.flatMap((s) => s.points.map((p) => p.at));
  const first = Math.min(...times);
  const last = Math.max(...times);
  const x = (at: number) => (last === first ? left + (width - left - right) / 2 : left + ((at - first) / (last - first)) * (width - left - right));
  const y = (v: number) => top + plot - (Math.max(0, Math.min(props.max, v)) / props.max) * plot;
  const day = (at: number) => new Intl.DateTimeFormat(props.lang === 'en' ? 'en-GB' : 'id-ID', { day: 'numeric', month: 'short', timeZone: 'Asia/Jakarta' }).format(at);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => Math.round(f * props.max));
  const legendTop = top + plot + 36;
  const height = legendTop + Math.ceil(props.series.length / 2) * 22 + 4;
  return html`<figure class="card">
    <svg role="img" aria-label=${props.label} viewBox=${`0 0 ${width} ${height}`} width="100%" focusable="false">
      ${ticks.map((v) => html`<g><line x1=${left} x2=${width - right} y1=${y(v)} y2=${y(v)} stroke="#c8c8c8" stroke-width="1"></line><text x=${left - 6} y=${y(v) + 4} font-size="12" text-anchor="end" fill="#1b1b1b">${v}</text></g>`)}
      ${times.length ? html`<g>
        <text x=${left} y=${top + plot + 18} font-size="12" fill="#1b1b1b">${day(first)}</text>
        ${last !== first ? html`<text x=${width - right} y=${top + plot + 18} font-size="12" text-anchor="end" fill="#1b1b1b">${day(last)}</text>` : null}
      </g>` : null}
      ${props.series.map((s, i) => {
        const style = SERIES_STYLES[i % SERIES_STYLES.length]!;
        const points = [...s.points].sort((a, b) => a.at - b.at);
        return html`<g>
          ${points.length > 1 ? html`<polyline points=${points.map((p) => `${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ')} fill="none" stroke=${style.colour} stroke-width="2.5" stroke-dasharray=${style.dash}></polyline>` : null}
          ${points.map((p) => html`<${Marker} shape=${style.marker} x=${x(p.at)} y=${y(p.value)} colour=${style.colour} />`)}
          <g>
            <line x1=${left + (i % 2) * 300} x2=${left + (i % 2) * 300 + 28} y1=${legendTop + Math.floor(i / 2) * 22 - 4} y2=${legendTop + Math.floor(i / 2) * 22 - 4} stroke=${style.colour} stroke-width="2.5" stroke-dasharray=${style.dash}></line>
            <${Marker} shape=${style.marker} x=${left + (i % 2) * 300 + 14} y=${legendTop + Math.floor(i / 2) * 22 - 4} colour=${style.colour} />
            <text x=${left + (i % 2) * 300 + 36} y=${legendTop + Math.floor(i / 2) * 22} font-size="13" fill="#1b1b1b">${s.name.length > 36 ? `${s.name.slice(0, 35)}…` : s.name}</text>
          </g>
        </g>`;
      })}
    </svg>
    <figcaption>${props.label}</figcaption>
  </figure>`;
}
