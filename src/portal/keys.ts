/**
 * The portal's secrets: the data keyring (personal data at rest), the index key (keyed HMACs
 * that let rows be found by NIK or IP without storing them in clear), the Ed25519 key that
 * signs consent artefacts and the Ed25519 key that signs issued permits (kept apart so a
 * permit key can be published and rotated on its own). One JSON key file, mode 0600.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataKeyring, exportSeed, generateSigningKey, signingKeyFromSeed, type SigningKey } from '../core/crypto.js';

export interface PortalKeys {
  readonly data: DataKeyring;
  readonly index: Buffer;
  readonly consent: SigningKey;
  readonly permit: SigningKey;
}

export function generatePortalKeys(): PortalKeys {
  return { data: DataKeyring.generate('p1'), index: randomBytes(32), consent: generateSigningKey(), permit: generateSigningKey() };
}

interface KeyFile {
  data: { current: string; keys: Record<string, string> };
  index: string;
  consentSeed: string;
  /** Added with permits: absent from key files written before them. */
  permitSeed?: string;
}

function write(file: string, keys: PortalKeys): void {
  const content: KeyFile = {
    data: keys.data.export(), index: keys.index.toString('base64url'),
    consentSeed: exportSeed(keys.consent).toString('base64url'), permitSeed: exportSeed(keys.permit).toString('base64url'),
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(content, null, 2), { mode: 0o600 });
}

/** Loads the key file, creating it with fresh keys on first start (and adding a missing permit key). */
export function loadOrCreatePortalKeys(file: string): PortalKeys {
  if (existsSync(file)) {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as KeyFile;
    const keys: PortalKeys = {
      data: DataKeyring.import(parsed.data),
      index: Buffer.from(parsed.index, 'base64url'),
      consent: signingKeyFromSeed(Buffer.from(parsed.consentSeed, 'base64url')),
      permit: parsed.permitSeed ? signingKeyFromSeed(Buffer.from(parsed.permitSeed, 'base64url')) : generateSigningKey(),
    };
    if (!parsed.permitSeed) write(file, keys);
    return keys;
  }
  const keys = generatePortalKeys();
  write(file, keys);
  return keys;
}

/** Keyed HMAC of a tagged value, hex: deterministic so it can be looked up, useless without the key. */
export function blindIndex(keys: PortalKeys, tag: string, value: string): string {
  return createHmac('sha256', keys.index).update(tag).update('\0').update(value).digest('hex');
}
