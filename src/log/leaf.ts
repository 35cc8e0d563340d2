/**
 * The exchange leaf: the canonical bytes of an {@link ExchangeRecord} that become one leaf of
 * a gateway's log. Specified byte by byte in docs/protocols/log.md ("Leaf format"), in the
 * struct notation of RFC 8446 §3 that RFC 6962 uses for its own leaves.
 *
 * A leaf holds identifiers, digests and a keyed commitment to the data subject — never
 * personal data — so shredding a subject's data (destroying the commitment key and the
 * gateway's encrypted records) leaves the tree intact and verifiable.
 *
 * Version 1 layout (all integers big-endian):
 *
 *   uint8  version = 1
 *   opaque id[16]                      UUID bytes
 *   uint8  side                        0 consumer, 1 provider
 *   uint64 time                        ms since the epoch
 *   opaque client<0..2^16-1>           UTF-8
 *   opaque service<0..2^16-1>          UTF-8
 *   Optional<opaque purpose<0..2^16-1>>
 *   Optional<opaque legal_basis<0..2^16-1>>
 *   Optional<opaque subject_commitment[32]>
 *   uint8  outcome                     0 ok, 1 refused, 2 error
 *   uint16 status
 *   Optional<opaque code<0..2^16-1>>
 *   opaque request_hash[32]
 *   Optional<opaque response_hash[32]>
 *   Optional<opaque peer<0..2^16-1>>
 *   uint32 duration_ms
 *
 * where Optional<T> is a uint8 0 (absent) or 1 (present) followed by T when present.
 */
import type { ProblemCode } from '../core/errors.js';
import type { ExchangeId, ExchangeOutcome, ExchangeRecord, ExchangeSide } from '../gateway/exchange-record.js';

export const EXCHANGE_LEAF_V1 = 1;

const SIDES: readonly ExchangeSide[] = ['consumer', 'provider'];
const OUTCOMES: readonly ExchangeOutcome[] = ['ok', 'refused', 'error'];
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_TEXT = 0xffff;
const MAX_U32 = 0xffffffff;

export class LeafError extends Error {
  override readonly name = 'LeafError';
}

class Writer {
  readonly #parts: Buffer[] = [];

  u8(n: number): void {
    this.#parts.push(Buffer.from([n]));
  }

  u16(n: number): void {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(n);
    this.#parts.push(b);
  }

  u32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    this.#parts.push(b);
  }

  u64(n: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(n));
    this.#parts.push(b);
  }

  fixed(bytes: Uint8Array, length: number, field: string): void {
    if (bytes.length !== length) throw new LeafError(`${field} must be ${length} bytes, got ${bytes.length}`);
    this.#parts.push(Buffer.from(bytes));
  }

  text(value: string, field: string): void {
    if (/\p{Surrogate}/u.test(value)) throw new LeafError(`${field} is not well-formed Unicode`);
    const bytes = Buffer.from(value, 'utf8');
    if (bytes.length > MAX_TEXT) throw new LeafError(`${field} is longer than ${MAX_TEXT} bytes`);
    this.u16(bytes.length);
    this.#parts.push(bytes);
  }

  optional<T>(value: T | null | undefined, write: (v: T) => void): void {
    if (value === null || value === undefined) return this.u8(0);
    this.u8(1);
    write(value);
  }

  bytes(): Buffer {
    return Buffer.concat(this.#parts);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// Decoding runs once per entry in full audits: fields are read in place, without views or BigInts.
class Reader {
  #at = 0;
  constructor(readonly buf: Buffer) {}

  /** The offset of the next n bytes, which must exist. */
  #next(n: number, field: string): number {
    const at = this.#at;
    if (at + n > this.buf.length) throw new LeafError(`Leaf ends inside ${field}`);
    this.#at = at + n;
    return at;
  }

  #take(n: number, field: string): Buffer {
    const at = this.#next(n, field);
    return this.buf.subarray(at, at + n);
  }

  u8(field: string): number {
    return this.buf[this.#next(1, field)]!;
  }

  u16(field: string): number {
    return this.buf.readUInt16BE(this.#next(2, field));
  }

  u32(field: string): number {
    return this.buf.readUInt32BE(this.#next(4, field));
  }

  u64(field: string): number {
    const at = this.#next(8, field);
    const high = this.buf.readUInt32BE(at);
    // 2^53 - 1 = 0x1fffff_ffffffff
    if (high > 0x1fffff) throw new LeafError(`${field} is out of range`);
    return high * 2 ** 32 + this.buf.readUInt32BE(at + 4);
  }

  fixed(n: number, field: string): Buffer {
    return Buffer.from(this.#take(n, field));
  }

  text(field: string): string {
    const length = this.u16(field);
    const at = this.#next(length, field);
    const buf = this.buf;
    // Identifiers are ASCII, which is UTF-8 as it is: only other text needs the strict decoder.
    let ascii = true;
    for (let i = at; i < at + length; i++) {
      if (buf[i]! > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) return buf.toString('latin1', at, at + length);
    try {
      return utf8.decode(buf.subarray(at, at + length));
    } catch {
      throw new LeafError(`${field} is not UTF-8`);
    }
  }

  optional<T>(field: string, read: () => T): T | null {
    const flag = this.u8(field);
    if (flag > 1) throw new LeafError(`${field} has presence byte ${flag}; only 0 or 1 are allowed`);
    return flag === 1 ? read() : null;
  }

  end(): void {
    if (this.#at !== this.buf.length) throw new LeafError(`${this.buf.length - this.#at} trailing byte(s) after the leaf`);
  }
}

function uuidBytes(id: string): Buffer {
  if (!UUID_TEXT.test(id)) throw new LeafError(`The exchange id ${JSON.stringify(id)} is not a UUID`);
  return Buffer.from(id.replaceAll('-', ''), 'hex');
}

function uuidText(bytes: Buffer): string {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * The canonical leaf bytes of an exchange record. `time` must be a whole number of
 * milliseconds; `durationMs` is rounded to whole milliseconds (capped at 2^32−1).
 */
export function encodeExchangeLeaf(record: ExchangeRecord): Buffer {
  const w = new Writer();
  w.u8(EXCHANGE_LEAF_V1);
  w.fixed(uuidBytes(record.id), 16, 'id');
  const side = SIDES.indexOf(record.side);
  if (side < 0) throw new LeafError(`Unknown side ${String(record.side)}`);
  w.u8(side);
  if (!Number.isSafeInteger(record.time) || record.time < 0) throw new LeafError(`time must be whole milliseconds since the epoch, got ${record.time}`);
  w.u64(record.time);
  w.text(record.client, 'client');
  w.text(record.service, 'service');
  w.optional(record.purpose, (v) => w.text(v, 'purpose'));
  w.optional(record.legalBasis, (v) => w.text(v, 'legalBasis'));
  w.optional(record.subjectCommitment, (v) => w.fixed(v, 32, 'subjectCommitment'));
  const outcome = OUTCOMES.indexOf(record.outcome);
  if (outcome < 0) throw new LeafError(`Unknown outcome ${String(record.outcome)}`);
  w.u8(outcome);
  if (!Number.isInteger(record.status) || record.status < 0 || record.status > 0xffff) throw new LeafError(`Bad status ${record.status}`);
  w.u16(record.status);
  w.optional(record.code, (v) => w.text(v, 'code'));
  w.fixed(record.requestHash, 32, 'requestHash');
  w.optional(record.responseHash, (v) => w.fixed(v, 32, 'responseHash'));
  w.optional(record.peer, (v) => w.text(v, 'peer'));
  if (!Number.isFinite(record.durationMs) || record.durationMs < 0) throw new LeafError(`Bad durationMs ${record.durationMs}`);
  w.u32(Math.min(Math.round(record.durationMs), MAX_U32));
  const bytes = w.bytes();
  // C2SP tlog-tiles entry bundles length-prefix each leaf with a uint16.
  if (bytes.length > MAX_TEXT) throw new LeafError(`An exchange leaf is at most ${MAX_TEXT} bytes, this one would be ${bytes.length}`);
  return bytes;
}

/** Decodes leaf bytes strictly: any byte that the encoder would not produce is refused. */
export function decodeExchangeLeaf(leaf: Uint8Array): ExchangeRecord {
  const r = new Reader(Buffer.from(leaf.buffer, leaf.byteOffset, leaf.byteLength));
  const version = r.u8('version');
  if (version !== EXCHANGE_LEAF_V1) throw new LeafError(`Unknown leaf version ${version}`);
  const id = uuidText(r.fixed(16, 'id')) as ExchangeId;
  const side = SIDES[r.u8('side')];
  if (!side) throw new LeafError('Unknown side');
  const time = r.u64('time');
  const client = r.text('client');
  const service = r.text('service');
  const purpose = r.optional('purpose', () => r.text('purpose'));
  const legalBasis = r.optional('legalBasis', () => r.text('legalBasis'));
  const subjectCommitment = r.optional('subjectCommitment', () => r.fixed(32, 'subjectCommitment'));
  const outcome = OUTCOMES[r.u8('outcome')];
  if (!outcome) throw new LeafError('Unknown outcome');
  const status = r.u16('status');
  const code = r.optional('code', () => r.text('code')) as ProblemCode | null;
  const requestHash = r.fixed(32, 'requestHash');
  const responseHash = r.optional('responseHash', () => r.fixed(32, 'responseHash'));
  const peer = r.optional('peer', () => r.text('peer'));
  const durationMs = r.u32('durationMs');
  r.end();
  return { id, side, time, client, service, purpose, legalBasis, subjectCommitment, outcome, status, code, requestHash, responseHash, peer, durationMs };
}

/** The exchange id of a leaf, read without decoding the rest (for the id → index map). */
export function leafExchangeId(leaf: Uint8Array): string {
  if (leaf.length < 17 || leaf[0] !== EXCHANGE_LEAF_V1) throw new LeafError('Not a version 1 exchange leaf');
  return uuidText(Buffer.from(leaf.subarray(1, 17)));
}
