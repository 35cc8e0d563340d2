/**
 * C2SP signed-note (c2sp.org/signed-note): text signed by one or more named keys, and the
 * verifier-key strings `name+hash+base64(type ‖ key)` of golang.org/x/mod/sumdb/note.
 * Two signature types are implemented:
 * - 0x01 Ed25519 over the note text (what a log signs its checkpoints with);
 * - 0x04 timestamped Ed25519 cosignatures of C2SP tlog-cosignature (what witnesses return):
 *   signature = uint64 timestamp ‖ Ed25519("cosignature/v1\ntime <t>\n" ‖ text).
 * Parsing follows golang.org/x/mod/sumdb/note `Open` rule for rule, so notes that Go accepts
 * we accept and the other way round.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { publicKeyObject, sign, verify, type SigningKey } from '../core/crypto.js';

export const SIG_ED25519 = 0x01;
export const SIG_COSIGNATURE_V1 = 0x04;

/** Go's notes refuse more than 100 signatures; signed-note asks verifiers to accept ≥ 16. */
export const MAX_SIGNATURES = 100;

export class NoteError extends Error {
  override readonly name = 'NoteError';
}

export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  /** Signature bytes (without the key id) over the note text. */
  sign(text: Buffer): Buffer;
}

export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  readonly type: number;
  verify(text: Buffer, signature: Buffer): boolean;
}

export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  /** The base64 after the name: key id ‖ signature bytes. */
  readonly base64: string;
  /** The whole line, newline included. */
  readonly line: string;
}

export interface ParsedNote {
  /** The signed text, final newline included. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

export interface OpenedNote extends ParsedNote {
  /** Signatures that verified against a known key. */
  readonly verified: readonly NoteSignature[];
  /** Signatures from keys not given to `openNote`, which the spec says to ignore. */
  readonly unverified: readonly NoteSignature[];
}

// Go's unicode.IsSpace: what may not appear in a key name, with '+'.
const SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function isValidKeyName(name: string): boolean {
  return name !== '' && !SPACE.test(name) && !name.includes('+') && isWellFormed(name);
}

function isWellFormed(text: string): boolean {
  return !/\p{Surrogate}/u.test(text);
}

/** Standard base64 that decodes, strictly: no whitespace, right padding. */
export function decodeBase64Strict(text: string): Buffer | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/** signed-note key id: SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4], big-endian. */
export function keyIdOf(name: string, type: number, publicKey: Uint8Array): number {
  const digest = createHash('sha256').update(name, 'utf8').update(Buffer.from([0x0a, type])).update(publicKey).digest();
  return digest.readUInt32BE(0);
}

export interface VerifierKey {
  readonly name: string;
  readonly keyId: number;
  readonly type: number;
  readonly publicKey: Buffer;
  /** The canonical `name+hash+base64` string. */
  readonly text: string;
}

export function formatVerifierKey(name: string, type: number, publicKey: Uint8Array): string {
  if (!isValidKeyName(name)) throw new NoteError(`Invalid key name ${JSON.stringify(name)}: it must be non-empty, without spaces or '+'.`);
  const id = keyIdOf(name, type, publicKey).toString(16).padStart(8, '0');
  return `${name}+${id}+${Buffer.concat([Buffer.from([type]), publicKey]).toString('base64')}`;
}

/** Parses `name+hash+base64(type ‖ key)` as golang.org/x/mod/sumdb/note `NewVerifier` does. */
export function parseVerifierKey(text: string): VerifierKey {
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (first < 0 || second < 0) throw new NoteError('A verifier key reads name+hash+base64key');
  const name = text.slice(0, first);
  const hash = text.slice(first + 1, second);
  const key = decodeBase64Strict(text.slice(second + 1));
  if (!isValidKeyName(name) || !/^[0-9a-f]{8}$/.test(hash) || !key || key.length < 2) throw new NoteError(`Malformed verifier key ${JSON.stringify(text)}`);
  const type = key[0]!;
  const publicKey = key.subarray(1);
  if (keyIdOf(name, type, publicKey) !== Number.parseInt(hash, 16)) throw new NoteError(`The key hash of ${JSON.stringify(text)} does not match its name and key`);
  if ((type === SIG_ED25519 || type === SIG_COSIGNATURE_V1) && publicKey.length !== 32) throw new NoteError('An Ed25519 verifier key holds 32 bytes');
  return { name, keyId: Number.parseInt(hash, 16), type, publicKey: Buffer.from(publicKey), text };
}

export function ed25519Signer(name: string, key: SigningKey): NoteSigner {
  if (!isValidKeyName(name)) throw new NoteError(`Invalid key name ${JSON.stringify(name)}`);
  return { name, keyId: keyIdOf(name, SIG_ED25519, key.publicKey), sign: (text) => sign(key, text) };
}

function asKeyObject(publicKey: Uint8Array): KeyObject {
  return publicKeyObject(publicKey);
}

/** A verifier for a key string of type 0x01 (Ed25519) or 0x04 (cosignature/v1). */
export function noteVerifier(vkey: string | VerifierKey): NoteVerifier {
  const key = typeof vkey === 'string' ? parseVerifierKey(vkey) : vkey;
  const object = asKeyObject(key.publicKey);
  if (key.type === SIG_ED25519) {
    return { name: key.name, keyId: key.keyId, type: key.type, verify: (text, signature) => verify(object, text, signature) };
  }
  if (key.type === SIG_COSIGNATURE_V1) {
    return {
      name: key.name,
      keyId: key.keyId,
      type: key.type,
      verify: (text, signature) => {
        if (signature.length !== 8 + 64) return false;
        const time = signature.readBigUInt64BE(0);
        if (time > 2n ** 63n - 1n) return false;
        return verify(object, cosignedMessage(text, time), signature.subarray(8));
      },
    };
  }
  throw new NoteError(`Unsupported signature type 0x${key.type.toString(16).padStart(2, '0')}`);
}

/** tlog-cosignature: the message an Ed25519 cosigner signs. */
export function cosignedMessage(text: Uint8Array, time: bigint): Buffer {
  return Buffer.concat([Buffer.from(`cosignature/v1\ntime ${time}\n`, 'utf8'), text]);
}

/** A tlog-cosignature/v1 (type 0x04) signer: a witness's key. `now` returns POSIX seconds. */
export function cosignatureSigner(name: string, key: SigningKey, now: () => number = () => Math.floor(Date.now() / 1000)): NoteSigner {
  if (!isValidKeyName(name)) throw new NoteError(`Invalid key name ${JSON.stringify(name)}`);
  return {
    name,
    keyId: keyIdOf(name, SIG_COSIGNATURE_V1, key.publicKey),
    sign: (text) => {
      const time = BigInt(now());
      const stamp = Buffer.alloc(8);
      stamp.writeBigUInt64BE(time);
      return Buffer.concat([stamp, sign(key, cosignedMessage(text, time))]);
    },
  };
}

/** The timestamp of a cosignature/v1 signature (POSIX seconds). */
export function cosignatureTime(signature: NoteSignature): number {
  const raw = Buffer.from(signature.base64, 'base64');
  if (raw.length !== 4 + 8 + 64) throw new NoteError('Not a cosignature/v1 signature');
  return Number(raw.readBigUInt64BE(4));
}

export function signatureLine(signer: NoteSigner, text: Buffer): string {
  const id = Buffer.alloc(4);
  id.writeUInt32BE(signer.keyId);
  return `— ${signer.name} ${Buffer.concat([id, signer.sign(text)]).toString('base64')}\n`;
}

/** Signs text (which must end in a newline) and returns the whole note. */
export function signNote(text: string, signers: readonly NoteSigner[], existing: readonly NoteSignature[] = []): string {
  if (!text.endsWith('\n')) throw new NoteError('A note text ends with a newline');
  checkCharacters(text);
  const bytes = Buffer.from(text, 'utf8');
  const fresh = new Set(signers.map((s) => `${s.name}+${s.keyId}`));
  const kept = existing.filter((s) => !fresh.has(`${s.name}+${s.keyId}`)).map((s) => s.line);
  return `${text}\n${kept.join('')}${signers.map((s) => signatureLine(s, bytes)).join('')}`;
}

function checkCharacters(text: string): void {
  // No ASCII control characters other than newline; well-formed Unicode only.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) throw new NoteError('Malformed note: control character');
  }
  if (!isWellFormed(text)) throw new NoteError('Malformed note: ill-formed Unicode');
}

/** Splits a note into text and signature lines, checking its form but no signature. */
export function parseNote(message: string | Uint8Array): ParsedNote {
  let msg: string;
  if (typeof message === 'string') msg = message;
  else {
    try {
      msg = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(message);
    } catch {
      throw new NoteError('Malformed note: not UTF-8');
    }
  }
  checkCharacters(msg);
  const split = msg.lastIndexOf('\n\n');
  if (split < 0) throw new NoteError('Malformed note: no blank line before the signatures');
  const text = msg.slice(0, split + 1);
  let rest = msg.slice(split + 2);
  if (rest === '' || !rest.endsWith('\n')) throw new NoteError('Malformed note: the signatures must end with a newline');
  const signatures: NoteSignature[] = [];
  while (rest !== '') {
    const end = rest.indexOf('\n');
    const line = rest.slice(0, end);
    rest = rest.slice(end + 1);
    if (!line.startsWith('— ')) throw new NoteError(`Malformed note: signature line ${JSON.stringify(line)} does not start with an em dash`);
    const body = line.slice(2);
    const space = body.indexOf(' ');
    const name = space < 0 ? body : body.slice(0, space);
    const base64 = space < 0 ? '' : body.slice(space + 1);
    const raw = decodeBase64Strict(base64);
    if (!isValidKeyName(name) || base64 === '' || !raw || raw.length < 5) throw new NoteError(`Malformed note: bad signature line ${JSON.stringify(line)}`);
    if (signatures.length === MAX_SIGNATURES) throw new NoteError(`Malformed note: more than ${MAX_SIGNATURES} signatures`);
    signatures.push({ name, keyId: raw.readUInt32BE(0), base64, line: `${line}\n` });
  }
  return { text, signatures };
}

/**
 * Verifies a note against known keys, as Go's `note.Open`: signatures from unknown keys are
 * set aside, a known key's bad signature rejects the whole note, and at least one known key
 * must have signed.
 */
export function openNote(message: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  const parsed = parseNote(message);
  const text = Buffer.from(parsed.text, 'utf8');
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seen = new Set<string>();
  const seenUnverified = new Set<string>();
  for (const sig of parsed.signatures) {
    const matches = verifiers.filter((v) => v.name === sig.name && v.keyId === sig.keyId);
    if (matches.length > 1) throw new NoteError(`Ambiguous key ${sig.name}+${hex8(sig.keyId)}`);
    const verifier = matches[0];
    if (!verifier) {
      if (!seenUnverified.has(sig.line)) unverified.push(sig);
      seenUnverified.add(sig.line);
      continue;
    }
    const id = `${sig.name}+${sig.keyId}`;
    if (seen.has(id)) continue;
    seen.add(id);
    if (!verifier.verify(text, Buffer.from(sig.base64, 'base64').subarray(4))) {
      throw new NoteError(`Invalid signature for key ${sig.name}+${hex8(sig.keyId)}`);
    }
    verified.push(sig);
  }
  if (verified.length === 0) throw new NoteError('The note has no signature from a known key');
  return { ...parsed, verified, unverified };
}

export function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}
