/**
 * Outgoing connections to other gateways: HTTP/2 over mutual TLS, one long-lived session per
 * peer address. Connection set-up (TLS handshake with certificate verification) is paid once
 * per peer, not once per exchange. Exchanges travel on the session's exchange channel, one
 * long-lived stream carrying framed messages (ADR 0006); other messages, and exchanges to a
 * peer that does not speak the channel, each take a stream of their own.
 */
import http2, { type ClientHttp2Session } from 'node:http2';
import { SimpulError } from '../core/errors.js';
import { ExchangeChannel } from './channel-client.js';

export interface PeerTls {
  keyPem: string;
  certPem: string;
  caPem: string;
}

export interface PeerRequest {
  method: string;
  /** Path and query as sent. */
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

export interface PeerResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

// A peer that refused the channel is asked again after this long (it may have been upgraded).
const CHANNEL_RETRY_MS = 60_000;

export class PeerClient {
  readonly #tls: PeerTls;
  readonly #sessions = new Map<string, ClientHttp2Session>();
  readonly #channels = new Map<string, ExchangeChannel>();
  readonly #noChannelUntil = new Map<string, number>();
  readonly #useChannel: boolean;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;

  constructor(tls: PeerTls, options: { timeoutMs?: number; maxResponseBytes?: number; channel?: boolean } = {}) {
    this.#tls = tls;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#maxBytes = options.maxResponseBytes ?? 10 * 1024 * 1024;
    this.#useChannel = options.channel ?? true;
  }

  /** Sends one message and resolves with the peer's answer. */
  send(address: string, request: PeerRequest): Promise<PeerResponse> {
    if (this.#useChannel && request.path.startsWith('/r1/') && (this.#noChannelUntil.get(address) ?? 0) < Date.now()) {
      const channel = this.#channel(address);
      if (channel) return channel.send(request);
    }
    return this.#sendOnStream(address, request);
  }

  #channel(address: string): ExchangeChannel | undefined {
    const existing = this.#channels.get(address);
    if (existing?.open) return existing;
    let session: ClientHttp2Session;
    try {
      session = this.#session(address);
    } catch {
      return undefined; // the stream path reports the connection failure
    }
    const channel = new ExchangeChannel(address, session, {
      timeoutMs: this.#timeoutMs,
      maxResponseBytes: this.#maxBytes,
      resend: (request) => this.#sendOnStream(address, request),
      events: {
        unsupported: () => {
          this.#noChannelUntil.set(address, Date.now() + CHANNEL_RETRY_MS);
          if (this.#channels.get(address) === channel) this.#channels.delete(address);
        },
        closed: () => {
          if (this.#channels.get(address) === channel) this.#channels.delete(address);
        },
      },
    });
    this.#channels.set(address, channel);
    return channel;
  }

  #session(address: string): ClientHttp2Session {
    const existing = this.#sessions.get(address);
    if (existing && !existing.closed && !existing.destroyed) return existing;
    const session = http2.connect(address, {
      key: this.#tls.keyPem,
      cert: this.#tls.certPem,
      ca: this.#tls.caPem,
      rejectUnauthorized: true,
      // Let many exchanges share the connection without flow-control stalls.
      settings: { initialWindowSize: 4 * 1024 * 1024 },
      // Without it a request frame on a quiet connection waits for the peer's delayed ACK.
      noDelay: true,
    } as http2.SecureClientSessionOptions);
    session.setMaxListeners(0);
    const forget = () => {
      if (this.#sessions.get(address) === session) this.#sessions.delete(address);
    };
    session.on('close', forget);
    session.on('goaway', forget);
    session.on('error', forget);
    this.#sessions.set(address, session);
    return session;
  }

  #sendOnStream(address: string, request: PeerRequest): Promise<PeerResponse> {
    return new Promise((resolve, reject) => {
      let session: ClientHttp2Session;
      try {
        session = this.#session(address);
      } catch (error) {
        reject(new SimpulError('provider.unreachable', `Cannot connect to gateway ${address}: ${(error as Error).message}`));
        return;
      }
      const headers: http2.OutgoingHttpHeaders = { ...request.headers, ':method': request.method, ':path': request.path };
      const stream = session.request(headers, { endStream: !request.body || request.body.length === 0 });
      stream.setTimeout(this.#timeoutMs, () => stream.close(http2.constants.NGHTTP2_CANCEL));
      let status = 502;
      const responseHeaders: Record<string, string> = {};
      const chunks: Buffer[] = [];
      let size = 0;
      let timedOut = false;
      stream.on('timeout', () => (timedOut = true));
      stream.on('response', (h) => {
        status = Number(h[':status']);
        for (const [k, v] of Object.entries(h)) if (!k.startsWith(':') && v !== undefined) responseHeaders[k] = Array.isArray(v) ? v.join(', ') : String(v);
      });
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > this.#maxBytes) {
          stream.close(http2.constants.NGHTTP2_CANCEL);
          reject(new SimpulError('provider.error', `The provider gateway's response exceeds ${this.#maxBytes} bytes.`));
          return;
        }
        chunks.push(chunk);
      });
      stream.on('end', () => resolve({ status, headers: responseHeaders, body: Buffer.concat(chunks) }));
      stream.on('close', () => {
        if (timedOut) reject(new SimpulError('provider.timeout', `Gateway ${address} did not answer within ${this.#timeoutMs} ms.`));
        else if (stream.rstCode && stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR) reject(new SimpulError('provider.unreachable', `Gateway ${address} reset the stream (${stream.rstCode}).`));
      });
      stream.on('error', (error) => reject(new SimpulError('provider.unreachable', `Gateway ${address} could not be reached: ${error.message}`)));
      if (request.body && request.body.length > 0) stream.end(request.body);
    });
  }

  close(): void {
    for (const c of this.#channels.values()) c.close();
    this.#channels.clear();
    for (const s of this.#sessions.values()) s.close();
    this.#sessions.clear();
  }
}
