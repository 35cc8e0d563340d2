/** The portal's pages use the shared server-side rendering (src/core/web/html.ts, ADR 0060). */
export { html, renderDocument, translator, type ComponentChildren, type Lang, type Translate, type VNode } from '../../core/web/html.js';
