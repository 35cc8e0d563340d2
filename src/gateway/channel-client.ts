/**
 * The consumer's end of an exchange channel to one provider gateway: requests are framed onto
 * one long-lived HTTP/2 stream, written once per event-loop turn, and matched to their
 * responses by correlation number (ADR 0006).
 */
import http2, { type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { SimpulError } from '../core/errors.js';
import { CHANNEL_CONTENT_TYPE, CHANNEL_PATH, FrameKind, FrameReader, HEADER_ALLOWANCE, encodeFrame } from './channel-frames.js';
import type { PeerRequest, PeerResponse } from './peer-client.js';

interface Pending {
  resolve: (r: PeerResponse) => void;
  reject: (e: unknown) => void;
  deadline: number;
  request: PeerRequest;
}

// Correlation numbers wrap below 2^32; in-flight ones are never reused.
const MAX_CORRELATION = 0xffff_ffff;
// A gateway that does not speak the channel takes it for an exchange whose body never ends and
// never answers: this long without the channel's 200, and the peer is taken not to speak it.
const ACCEPT_TIMEOUT_MS = 5000;

export interface ChannelEvents {
  /** The peer answered the channel request with something else than a channel: it does not speak it. */
  unsupported: () => void;
  /** The channel is over (closed, reset, failed); its unanswered requests have been rejected. */
  closed: () => void;
}

export class ExchangeChannel {
  readonly #address: string;
  readonly #stream: ClientHttp2Stream;
  readonly #pending = new Map<number, Pending>();
  readonly #reader: FrameReader;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #sweep: NodeJS.Timeout;
  #out: Buffer[] = [];
  #scheduled = false;
  #next = 1;
  #over = false;
  // Frames are held until the peer accepts the channel, so none reaches a gateway that would misread them.
  #accepted = false;

  constructor(address: string, session: ClientHttp2Session, options: { timeoutMs: number; maxResponseBytes: number; events: ChannelEvents; resend: (request: PeerRequest) => Promise<PeerResponse> }) {
    this.#address = address;
    this.#timeoutMs = options.timeoutMs;
    this.#maxBytes = options.maxResponseBytes;
    this.#reader = new FrameReader(options.maxResponseBytes + HEADER_ALLOWANCE);
    this.#stream = session.request({ ':method': 'POST', ':path': CHANNEL_PATH, 'content-type': CHANNEL_CONTENT_TYPE }, { endStream: false });
    const refused = () => {
      // Nothing was written to the stream yet: every waiting request can take a stream of its own.
      const unanswered = [...this.#pending.values()];
      this.#pending.clear();
      this.#finish();
      this.#stream.close(http2.constants.NGHTTP2_CANCEL);
      options.events.unsupported();
      for (const p of unanswered) options.resend(p.request).then(p.resolve, p.reject);
    };
    const acceptance = setTimeout(refused, Math.min(ACCEPT_TIMEOUT_MS, this.#timeoutMs));
    acceptance.unref();
    this.#stream.on('response', (headers) => {
      clearTimeout(acceptance);
      if (this.#over) return;
      if (Number(headers[':status']) !== 200 || !String(headers['content-type'] ?? '').startsWith(CHANNEL_CONTENT_TYPE)) return refused();
      this.#accepted = true;
      this.#flush();
    });
    this.#stream.on('close', () => clearTimeout(acceptance));
    this.#stream.on('data', (chunk: Buffer) => this.#receive(chunk));
    const end = (reason: string) => {
      if (this.#over) return;
      this.#fail(new SimpulError('provider.unreachable', `The exchange channel to ${address} ended: ${reason}.`));
      // Our half too, or the session would wait for this stream forever when it closes.
      if (!this.#stream.closed) this.#stream.close(http2.constants.NGHTTP2_NO_ERROR);
      options.events.closed();
    };
    this.#stream.on('end', () => end('the provider gateway closed it'));
    this.#stream.on('close', () => end(this.#stream.rstCode ? `reset (${this.#stream.rstCode})` : 'closed'));
    this.#stream.on('error', (error) => end(error.message));
    this.#sweep = setInterval(() => this.#expire(), Math.min(1000, this.#timeoutMs));
    this.#sweep.unref();
  }

  get open(): boolean {
    return !this.#over;
  }

  send(request: PeerRequest): Promise<PeerResponse> {
    if (this.#over) return Promise.reject(new SimpulError('provider.unreachable', `The exchange channel to ${this.#address} is closed.`));
    return new Promise((resolve, reject) => {
      let correlation = this.#next;
      while (this.#pending.has(correlation)) correlation = correlation >= MAX_CORRELATION ? 1 : correlation + 1;
      this.#next = correlation >= MAX_CORRELATION ? 1 : correlation + 1;
      this.#pending.set(correlation, { resolve, reject, deadline: Date.now() + this.#timeoutMs, request });
      this.#out.push(encodeFrame({ kind: FrameKind.request, correlation, header: { ...request.headers, ':method': request.method, ':path': request.path }, body: request.body ?? EMPTY }));
      if (!this.#scheduled && this.#accepted) {
        this.#scheduled = true;
        // Everything sent in this turn of the event loop leaves in one write.
        setImmediate(() => this.#flush());
      }
    });
  }

  close(): void {
    if (this.#over) return;
    this.#fail(new SimpulError('provider.unreachable', `The exchange channel to ${this.#address} was closed by this gateway.`));
    this.#stream.close(http2.constants.NGHTTP2_NO_ERROR);
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#over || this.#out.length === 0) return;
    const bytes = this.#out.length === 1 ? this.#out[0]! : Buffer.concat(this.#out);
    this.#out = [];
    this.#stream.write(bytes);
  }

  #receive(chunk: Buffer): void {
    let results;
    try {
      results = this.#reader.push(chunk);
    } catch (error) {
      this.#fail(new SimpulError('provider.unreachable', `The exchange channel to ${this.#address} broke: ${(error as Error).message}.`));
      this.#stream.close(http2.constants.NGHTTP2_PROTOCOL_ERROR);
      return;
    }
    for (const result of results) {
      if ('frame' in result) {
        const pending = this.#pending.get(result.frame.correlation);
        if (!pending || result.frame.kind !== FrameKind.response) continue;
        this.#pending.delete(result.frame.correlation);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(result.frame.header)) if (!k.startsWith(':')) headers[k] = v;
        pending.resolve({ status: Number(result.frame.header[':status']) || 502, headers, body: result.frame.body });
      } else {
        const correlation = 'oversized' in result ? result.oversized.correlation : result.malformed.correlation;
        const pending = this.#pending.get(correlation);
        if (!pending) continue;
        this.#pending.delete(correlation);
        pending.reject(
          'oversized' in result
            ? new SimpulError('provider.error', `The provider gateway's response exceeds ${this.#maxBytes} bytes.`)
            : new SimpulError('provider.error', `The provider gateway sent a malformed response frame: ${result.malformed.reason}.`),
        );
      }
    }
  }

  #expire(): void {
    const now = Date.now();
    for (const [correlation, p] of this.#pending) {
      if (p.deadline > now) continue;
      this.#pending.delete(correlation);
      p.reject(new SimpulError('provider.timeout', `Gateway ${this.#address} did not answer within ${this.#timeoutMs} ms.`));
    }
  }

  #fail(error: SimpulError): void {
    this.#finish();
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
  }

  #finish(): void {
    this.#over = true;
    this.#out = [];
    clearInterval(this.#sweep);
  }
}

const EMPTY = Buffer.alloc(0);
