/**
 * The page frame every portal page shares: language, skip link, header, menu, the
 * assisted-channel banner, and small form components that carry labels and errors the way
 * WCAG 2.2 asks (1.3.1, 3.3.1, 3.3.2, 4.1.2).
 */
import type { Session } from '../auth/sessions.js';
import { ASSETS, type Asset } from './assets.js';
import { html, renderDocument, type ComponentChildren, type Lang, type Translate, type VNode } from './html.js';

export interface PageContext {
  lang: Lang;
  t: Translate;
  /** Path and query of the current request, for the language switch and menu state. */
  path: string;
  csrf: string;
  session: Session | null;
}

export interface PageOptions {
  scripts?: Asset[];
  /** Shown above the title: a success or error notice. */
  notice?: { kind: 'notice' | 'alert'; text: string };
}

function menu(pc: PageContext): VNode | null {
  const s = pc.session;
  if (!s) return null;
  const t = pc.t;
  const items: [string, string][] = s.account.kind === 'citizen'
    ? [['/', t('Beranda', 'Home')], ['/layanan', t('Layanan', 'Services')], ['/pelacak', t('Pelacak data', 'Data tracker')], ['/pengaduan', t('Pengaduan', 'Complaints')], ['/akun', t('Akun', 'Account')]]
    : s.account.kind === 'officer'
      ? [['/loket', t('Loket layanan', 'Service counter')], ['/akun', t('Akun', 'Account')]]
      : [['/kantor', t('Kantor layanan', 'Back office')], ['/akun', t('Akun', 'Account')]];
  const current = pc.path.split('?')[0];
  return html`<nav class="menu" aria-label=${t('Menu utama', 'Main menu')}><ul>
    ${items.map(([href, label]) => html`<li><a href=${href} aria-current=${href === current ? 'page' : undefined}>${label}</a></li>`)}
    <li><form method="post" action="/keluar"><input type="hidden" name="_csrf" value=${pc.csrf} /><button class="linklike menu-button" type="submit">${t('Keluar', 'Sign out')}</button></form></li>
  </ul></nav>`;
}

export function renderPage(pc: PageContext, title: string, body: VNode | VNode[], options: PageOptions = {}): string {
  const t = pc.t;
  const other: Lang = pc.lang === 'id' ? 'en' : 'id';
  const switchHref = `/bahasa?l=${other}&next=${encodeURIComponent(pc.path)}`;
  const assisted = pc.session?.actor;
  return renderDocument(html`<html lang=${pc.lang}>
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="csrf-token" content=${pc.csrf} />
    <title>${title} · Portal Simpul</title>
    <link rel="stylesheet" href=${ASSETS.css.path} />
  </head>
  <body>
    <a class="skip" href="#konten">${t('Langsung ke konten utama', 'Skip to main content')}</a>
    <header>
      <div class="wrap">
        <div class="bar">
          <a class="brand" href="/">Portal Simpul</a>
          <a href=${switchHref} lang=${other} hreflang=${other}>${other === 'en' ? 'English' : 'Bahasa Indonesia'}</a>
        </div>
        ${menu(pc)}
      </div>
      ${assisted ? html`<p class="assisted" role="status">${t(`Petugas ${assisted.name} sedang melayani atas nama ${pc.session!.account.name}. Semua tindakan dicatat sebagai layanan berbantuan.`, `Officer ${assisted.name} is acting on behalf of ${pc.session!.account.name}. Every action is recorded as assisted.`)}</p>` : null}
    </header>
    <main id="konten" tabindex="-1">
      <div class="wrap">
        ${options.notice ? html`<div class=${options.notice.kind} role=${options.notice.kind === 'alert' ? 'alert' : 'status'}>${options.notice.text}</div>` : null}
        <h1>${title}</h1>
        ${body}
      </div>
    </main>
    <footer><div class="wrap">${t('Portal Simpul — layanan publik terpadu. Data Anda hanya diakses dengan tujuan dan dasar hukum yang tercatat.', 'Portal Simpul — integrated public services. Your data is only accessed for a recorded purpose and legal basis.')}</div></footer>
    ${(options.scripts ?? []).map((s) => html`<script src=${s.path} defer></script>`)}
  </body>
</html>`);
}

export function CsrfField(pc: PageContext): VNode {
  return html`<input type="hidden" name="_csrf" value=${pc.csrf} />`;
}

export interface FieldProps {
  name: string;
  label: string;
  type?: string;
  value?: string;
  hint?: string;
  error?: string | undefined;
  autocomplete?: string;
  inputmode?: string;
  required?: boolean;
  multiline?: boolean;
  options?: [string, string][];
  pattern?: string;
  maxlength?: number;
}

export function Field(p: FieldProps): VNode {
  const id = `f-${p.name}`;
  const describedBy = [p.hint ? `${id}-hint` : '', p.error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const common = { id, name: p.name, 'aria-describedby': describedBy, 'aria-invalid': p.error ? 'true' : undefined, required: p.required ?? true };
  const control = p.options
    ? html`<select ...${common}>${p.options.map(([v, l]) => html`<option value=${v} selected=${v === p.value}>${l}</option>`)}</select>`
    : p.multiline
      ? html`<textarea ...${common} rows="5" maxlength=${p.maxlength}>${p.value ?? ''}</textarea>`
      : html`<input ...${common} type=${p.type ?? 'text'} value=${p.value} autocomplete=${p.autocomplete} inputmode=${p.inputmode} pattern=${p.pattern} maxlength=${p.maxlength} />`;
  return html`<div>
    <label for=${id}>${p.label}</label>
    ${p.hint ? html`<span class="hint" id=${`${id}-hint`}>${p.hint}</span>` : null}
    ${p.error ? html`<span class="error-text" id=${`${id}-error`}>${p.error}</span>` : null}
    ${control}
  </div>`;
}

export function Button(props: { children: ComponentChildren; secondary?: boolean; id?: string; hidden?: boolean; type?: string; data?: Record<string, string> }): VNode {
  const data = Object.fromEntries(Object.entries(props.data ?? {}).map(([k, v]) => [`data-${k}`, v]));
  return html`<button class=${props.secondary ? 'button secondary' : 'button'} type=${props.type ?? 'submit'} id=${props.id} hidden=${props.hidden} ...${data}>${props.children}</button>`;
}

export function formatTime(lang: Lang, date: Date | number): string {
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'id-ID', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Jakarta' }).format(date);
}

export function formatDate(lang: Lang, date: Date | number): string {
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'id-ID', { dateStyle: 'medium', timeZone: 'Asia/Jakarta' }).format(date);
}
