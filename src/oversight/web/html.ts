/** Oversight's pages use the shared server-side rendering (src/core/web/html.ts, ADR 0060). */
import type { Lang } from '../../core/web/html.js';

export { html, renderDocument, translator, type ComponentChildren, type Lang, type Translate, type VNode } from '../../core/web/html.js';

export function formatNumber(lang: Lang, n: number): string {
  return new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'id-ID', { maximumFractionDigits: 1 }).format(n);
}

export function formatTime(lang: Lang, time: number): string {
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'id-ID', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Jakarta' }).format(time) + ' WIB';
}
