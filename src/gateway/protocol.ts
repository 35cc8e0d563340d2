/**
 * The exchange protocol between gateways (docs/protocols/exchange.md): header names, the
 * canonical digests of requests and responses, and the signature header.
 *
 * A message is signed through its digest. Digests are leaves of a small Merkle tree (a
 * batch); the sender signs the batch root once and gives each message its audit path, so a
 * gateway under load signs once per batch instead of once per message. A batch of one is a
 * plain signature over that message's leaf hash.
 */
import { b64, sha256 } from '../core/crypto.js';
import { SimpulError } from '../core/errors.js';

export const H = {
  client: 'simpul-client',
  purpose: 'simpul-purpose',
  subject: 'simpul-subject',
  id: 'simpul-id',
  time: 'simpul-time',
  sender: 'simpul-sender',
  bodyDigest: 'simpul-body-digest',
  signature: 'simpul-signature',
  requestHash: 'simpul-request-hash',
  legalBasis: 'simpul-legal-basis',
} as const;

export interface RequestDigestInput {
  method: string;
  /** `/r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE[/path]`, percent-encoded as sent. */
  path: string;
  /** Raw query string without '?'. */
  query: string;
  client: string;
  purpose: string;
  subject: string;
  id: string;
  /** Milliseconds since the epoch, decimal. */
  time: number;
  /** Id of the sending gateway. */
  sender: string;
  bodyDigest: Buffer;
}

export interface ResponseDigestInput {
  status: number;
  contentType: string;
  id: string;
  requestHash: Buffer;
  time: number;
  sender: string;
  bodyDigest: Buffer;
}

// Values are single-line by construction (headers cannot carry LF); reject CR/LF anyway so
// that two different messages can never produce the same canonical text.
function line(value: string): string {
  if (/[\r\n]/.test(value)) throw new SimpulError('request.malformed_header', 'Header values must not contain line breaks.');
  return value + '\n';
}

export function requestDigest(m: RequestDigestInput): Buffer {
  return sha256(
    'simpul-request/1\n' +
      line(m.method.toUpperCase()) +
      line(m.path) +
      line(m.query) +
      line(m.client) +
      line(m.purpose) +
      line(m.subject) +
      line(m.id) +
      line(String(m.time)) +
      line(m.sender) +
      line(b64.encode(m.bodyDigest)),
  );
}

export function responseDigest(m: ResponseDigestInput): Buffer {
  return sha256(
    'simpul-response/1\n' +
      line(String(m.status)) +
      line(m.contentType) +
      line(m.id) +
      line(b64.encode(m.requestHash)) +
      line(String(m.time)) +
      line(m.sender) +
      line(b64.encode(m.bodyDigest)),
  );
}

export function bodyDigest(body: Uint8Array | undefined): Buffer {
  return sha256(body ?? Buffer.alloc(0));
}

// Batch tree: RFC 6962 hashing over message digests.
const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);
export function batchLeaf(digest: Uint8Array): Buffer {
  return sha256(LEAF, digest);
}
export function batchNode(left: Uint8Array, right: Uint8Array): Buffer {
  return sha256(NODE, left, right);
}
/** What the Ed25519 key signs: a domain-separated batch root. */
export function batchSigningInput(root: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from('simpul-batch/1\n'), root]);
}

export interface MessageSignature {
  /** Signing gateway id. */
  key: string;
  index: number;
  size: number;
  /** Audit path from the leaf to the root, leaf side first. */
  path: Buffer[];
  signature: Buffer;
}

/** `key=<gw>; i=<index>; n=<size>; path=<b64>,<b64>; sig=<b64>` */
export function formatSignature(s: MessageSignature): string {
  return `key=${s.key}; i=${s.index}; n=${s.size}; path=${s.path.map((p) => b64.encode(p)).join(',')}; sig=${b64.encode(s.signature)}`;
}

export function parseSignature(text: string | undefined): MessageSignature {
  const bad = (why: string) => new SimpulError('message.signature_invalid', `Malformed Simpul-Signature: ${why}.`);
  if (!text) throw bad('missing');
  const fields = new Map<string, string>();
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw bad('expected key=value pairs');
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const key = fields.get('key');
  const index = Number(fields.get('i'));
  const size = Number(fields.get('n'));
  const sig = fields.get('sig');
  const path = fields.get('path');
  if (!key || !sig || path === undefined) throw bad('key, i, n, path and sig are required');
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || size < 1 || index >= size || size > 1 << 16) throw bad('bad index or size');
  const hashes = path === '' ? [] : path.split(',').map((p) => b64.decode(p));
  if (hashes.some((h) => h.length !== 32)) throw bad('path hashes are 32 bytes');
  const signature = b64.decode(sig);
  if (signature.length !== 64) throw bad('signature is 64 bytes');
  return { key, index, size, path: hashes, signature };
}

/**
 * Recomputes the batch root from a leaf and its audit path (RFC 9162 §2.1.3.2 inclusion
 * verification). Returns undefined when the path length does not fit (index, size).
 */
export function rootFromPath(leafHash: Buffer, index: number, size: number, path: Buffer[]): Buffer | undefined {
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of path) {
    if (sn === 0) return undefined;
    if ((fn & 1) === 1 || fn === sn) {
      r = batchNode(p, r);
      if ((fn & 1) === 0) {
        while ((fn & 1) === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = batchNode(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 ? r : undefined;
}

/** Builds the batch tree over leaf hashes; returns the root and each leaf's audit path. */
export function buildBatch(leaves: Buffer[]): { root: Buffer; paths: Buffer[][] } {
  if (leaves.length === 0) throw new Error('empty batch');
  const paths: Buffer[][] = leaves.map(() => []);
  const root = subtree(leaves, 0, leaves.length, paths);
  return { root, paths };
}

// RFC 6962 split: the left subtree holds the largest power of two smaller than n.
function subtree(leaves: Buffer[], start: number, n: number, paths: Buffer[][]): Buffer {
  if (n === 1) return leaves[start]!;
  let k = 1;
  while (k * 2 < n) k *= 2;
  const left = subtree(leaves, start, k, paths);
  const right = subtree(leaves, start + k, n - k, paths);
  for (let i = start; i < start + k; i++) paths[i]!.push(right);
  for (let i = start + k; i < start + n; i++) paths[i]!.push(left);
  return batchNode(left, right);
}
