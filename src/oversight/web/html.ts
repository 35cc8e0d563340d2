/**
 * Server-rendered pages, as in the portal (ADR 0060): Preact components written as `htm`
 * tagged templates, rendered by preact-render-to-string, which escapes every value.
 */
import { html } from 'htm/preact';
import type { ComponentChildren, VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';

export { html };
export type { ComponentChildren, VNode };

export function renderDocument(node: VNode): string {
  return `<!doctype html>${renderToString(node)}`;
}

export type Lang = 'id' | 'en';

/** Bahasa Indonesia first, English second, side by side so no string misses a translation. */
export type Translate = (id: string, en: string) => string;

export function translator(lang: Lang): Translate {
  return lang === 'en' ? (_id, en) => en : (id) => id;
}

export function formatNumber(lang: Lang, n: number): string {
  return new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'id-ID', { maximumFractionDigits: 1 }).format(n);
}

export function formatTime(lang: Lang, time: number): string {
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'id-ID', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Jakarta' }).format(time) + ' WIB';
}
