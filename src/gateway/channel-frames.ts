/**
 * The exchange channel's framing (docs/protocols/exchange.md, "Exchange channel"): many
 * exchanges between two gateways carried as length-prefixed frames on one long-lived HTTP/2
 * stream, so that a busy gateway writes the messages of one event-loop turn in one write
 * instead of opening a stream (and paying its headers, objects and socket write) per exchange.
 *
 *   frame   := length:u32  kind:u8  correlation:u32  headerLength:u32  header  body
 *   length  := 9 + headerLength + bodyLength          (the bytes after the length field)
 *   header  := UTF-8 JSON object of string values: the message's HTTP/2 header fields,
 *              pseudo-headers included (":method", ":path" in requests, ":status" in responses)
 *
 * All integers are unsigned big-endian. Signatures are untouched by the framing: a message
 * signs the same digest whichever transport carries it.
 */

export const CHANNEL_PATH = '/channel/v1';
export const CHANNEL_CONTENT_TYPE = 'application/vnd.simpul.frames';

export const FrameKind = { request: 1, response: 2 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export interface Frame {
  kind: FrameKind;
  correlation: number;
  header: Record<string, string>;
  body: Buffer;
}

const PREFIX = 4 + 1 + 4 + 4;
/** Room for a message's header block on top of its body limit, when sizing a FrameReader. */
export const HEADER_ALLOWANCE = 64 * 1024;

export function encodeFrame(frame: Frame): Buffer {
  const header = Buffer.from(JSON.stringify(frame.header), 'utf8');
  const out = Buffer.allocUnsafe(PREFIX + header.length + frame.body.length);
  out.writeUInt32BE(9 + header.length + frame.body.length, 0);
  out.writeUInt8(frame.kind, 4);
  out.writeUInt32BE(frame.correlation, 5);
  out.writeUInt32BE(header.length, 9);
  header.copy(out, PREFIX);
  frame.body.copy(out, PREFIX + header.length);
  return out;
}

/** What the reader hands on: a whole frame, or the notice that one was too large (and skipped). */
export type ReadResult = { frame: Frame } | { oversized: { kind: number; correlation: number; length: number } } | { malformed: { correlation: number; reason: string } };

/**
 * Cuts a byte stream into frames. A frame larger than `maxFrameBytes` is not buffered: the
 * reader reports it with its correlation and discards its bytes, so the channel survives one
 * oversized message.
 */
export class FrameReader {
  readonly #maxFrameBytes: number;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #skip = 0;

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  push(chunk: Buffer): ReadResult[] {
    const out: ReadResult[] = [];
    if (this.#skip > 0) {
      const dropped = Math.min(this.#skip, chunk.length);
      this.#skip -= dropped;
      chunk = chunk.subarray(dropped);
    }
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    while (this.#buffered >= PREFIX) {
      const head = this.#peek(PREFIX);
      const length = head.readUInt32BE(0);
      const kind = head.readUInt8(4);
      const correlation = head.readUInt32BE(5);
      const headerLength = head.readUInt32BE(9);
      if (length < 9 || headerLength > length - 9) {
        // The framing itself is broken: nothing after this point can be trusted.
        throw new FramingError(`frame ${correlation}: header length ${headerLength} does not fit frame length ${length}`);
      }
      if (length > this.#maxFrameBytes) {
        const available = Math.min(this.#buffered, 4 + length);
        this.#take(available);
        this.#skip = 4 + length - available;
        out.push({ oversized: { kind, correlation, length } });
        continue;
      }
      if (this.#buffered < 4 + length) break;
      const bytes = this.#take(4 + length);
      const headerBytes = bytes.subarray(PREFIX, PREFIX + headerLength);
      const body = bytes.subarray(PREFIX + headerLength);
      const header = parseHeader(headerBytes);
      if (kind !== FrameKind.request && kind !== FrameKind.response) out.push({ malformed: { correlation, reason: `unknown frame kind ${kind}` } });
      else if (!header) out.push({ malformed: { correlation, reason: 'the frame header is not a JSON object of strings' } });
      else out.push({ frame: { kind, correlation, header, body } });
    }
    return out;
  }

  #peek(n: number): Buffer {
    if (this.#chunks[0]!.length >= n) return this.#chunks[0]!;
    this.#chunks = [Buffer.concat(this.#chunks)];
    return this.#chunks[0]!;
  }

  #take(n: number): Buffer {
    const first = this.#chunks[0]!;
    let taken: Buffer;
    if (first.length >= n) {
      taken = first.subarray(0, n);
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.#chunks);
      taken = all.subarray(0, n);
      this.#chunks = all.length > n ? [all.subarray(n)] : [];
    }
    this.#buffered -= n;
    return taken;
  }
}

export class FramingError extends Error {}

function parseHeader(bytes: Buffer): Record<string, string> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  for (const v of Object.values(value)) if (typeof v !== 'string') return undefined;
  return value as Record<string, string>;
}
