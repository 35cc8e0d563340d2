/**
 * The portal's static assets, held in memory and served under content-hashed names with
 * immutable caching, so a phone on a slow link downloads each once. The only scripts are
 * for passkeys (WebAuthn needs JavaScript) and the timeline's live update; every page works without them.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { PORTAL_CSS } from './styles.js';
import { PASSKEY_SCRIPT } from './passkey-script.js';
import { TIMELINE_SCRIPT } from './timeline-script.js';

export interface Asset {
  path: string;
  type: string;
  body: Buffer;
}

function asset(name: string, ext: string, type: string, body: string | Buffer): Asset {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  return { path: `/aset/${name}.${hash}.${ext}`, type, body: bytes };
}

const require = createRequire(import.meta.url);
// The UMD bundle is not in the package's exports map: find it beside the package's entry point.
const webauthnEntry = require.resolve('@simplewebauthn/browser');
const webauthnBundle = readFileSync(join(webauthnEntry.slice(0, webauthnEntry.lastIndexOf(`${sep}node_modules${sep}@simplewebauthn${sep}browser${sep}`) + `${sep}node_modules${sep}@simplewebauthn${sep}browser${sep}`.length), 'dist', 'bundle', 'index.umd.min.js'));

export const ASSETS = {
  css: asset('portal', 'css', 'text/css; charset=utf-8', PORTAL_CSS),
  webauthn: asset('webauthn', 'js', 'text/javascript; charset=utf-8', webauthnBundle),
  passkey: asset('passkey', 'js', 'text/javascript; charset=utf-8', PASSKEY_SCRIPT),
  timeline: asset('timeline', 'js', 'text/javascript; charset=utf-8', TIMELINE_SCRIPT),
} as const;
