/**
 * Server-rendered pages for every part with a user interface (the portal, oversight): Preact
 * components written as `htm` tagged templates (no JSX compiler step), rendered to strings by
 * preact-render-to-string, which escapes every interpolated value. See ADR 0060.
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

/** Bahasa Indonesia first, English second: every string is written in both, side by side. */
export type Translate = (id: string, en: string) => string;

export function translator(lang: Lang): Translate {
  return lang === 'en' ? (_id, en) => en : (id) => id;
}
