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
