/**
 * The provider's end of an exchange channel (ADR 0006): request frames from one peer gateway
 * are handled exactly as exchanges on streams of their own (`provide`), and their signed answers
 * go back as response frames, the answers of one event-loop turn in one write.
 */
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import http2 from 'node:http2';
import { problem, type ProblemCode } from '../core/errors.js';
import { CHANNEL_CONTENT_TYPE, FrameKind, FrameReader, HEADER_ALLOWANCE, FramingError, encodeFrame, type Frame } from './channel-frames.js';
import type { GatewayContext, HttpResult } from './context.js';
import { provide } from './provider.js';

// Past this many unanswered requests the channel stops reading, and HTTP/2 flow control holds
// the peer back, as it would with streams past SETTINGS_MAX_CONCURRENT_STREAMS.
const MAX_IN_FLIGHT = 1000;
const METHOD = /^[A-Z]{1,16}$/;
const PATH = /^\/r1\/[\x21-\x7e]*$/;

/** A channel being served; `drain` stops taking requests, answers those in flight and ends it. */
export interface ServedChannel {
  drain(): Promise<void>;
}

export function serveChannel(ctx: GatewayContext, req: Http2ServerRequest, res: Http2ServerResponse, peerFingerprint: string | undefined): ServedChannel {
  res.writeHead(200, { 'content-type': CHANNEL_CONTENT_TYPE });
  const reader = new FrameReader(ctx.maxBodyBytes + HEADER_ALLOWANCE);
  let out: Buffer[] = [];
  let scheduled = false;
  let inFlight = 0;
  let ended = false;
  let paused = false;
  let draining = false;
  const done = new Promise<void>((resolve) => res.stream.once('close', resolve));

  const flush = () => {
    scheduled = false;
    if (out.length === 0 || res.stream.destroyed) return;
    const bytes = out.length === 1 ? out[0]! : Buffer.concat(out);
    out = [];
    res.write(bytes);
    if ((ended || draining) && inFlight === 0) res.end();
  };
  const answer = (correlation: number, result: HttpResult) => {
    out.push(encodeFrame({ kind: FrameKind.response, correlation, header: { ...result.headers, ':status': String(result.status) }, body: result.body }));
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  // Answers that are not the provider's signed word: the message never became an exchange.
  const unsigned = (correlation: number, code: ProblemCode, detail: string) => {
    const doc = problem(code, detail);
    answer(correlation, { status: doc.status, headers: { 'content-type': 'application/problem+json' }, body: Buffer.from(JSON.stringify(doc)) });
  };
  const handle = (frame: Frame) => {
    const method = frame.header[':method'] ?? '';
    const path = frame.header[':path'] ?? '';
    if (frame.kind !== FrameKind.request) return unsigned(frame.correlation, 'request.malformed_header', 'Only request frames may be sent to a provider gateway.');
    if (!METHOD.test(method) || !PATH.test(path)) return unsigned(frame.correlation, 'request.malformed_header', 'A request frame needs :method and an exchange :path (/r1/…) of visible ASCII.');
    // The frame limit leaves room for the header block; the body alone must keep to the body limit.
    if (frame.body.length > ctx.maxBodyBytes) return unsigned(frame.correlation, 'request.body_too_large', `Message bodies are limited to ${ctx.maxBodyBytes} bytes.`);
    const q = path.indexOf('?');
    inFlight++;
    provide(ctx, { method, path: q < 0 ? path : path.slice(0, q), query: q < 0 ? '' : path.slice(q + 1), headers: frame.header, body: frame.body.length > 0 ? frame.body : undefined, peerFingerprint })
      .then(
        (result) => answer(frame.correlation, result),
        (error: unknown) => {
          ctx.onInternalError(error);
          unsigned(frame.correlation, 'internal.error', 'The provider gateway could not handle this exchange.');
        },
      )
      .finally(() => {
        inFlight--;
        if (paused && inFlight < MAX_IN_FLIGHT / 2) {
          paused = false;
          req.resume();
        }
      });
  };

  req.on('data', (chunk: Buffer) => {
    // A draining gateway takes no new exchanges: the consumer learns from the channel's end
    // that these were never handled.
    if (draining) return;
    let results;
    try {
      results = reader.push(chunk);
    } catch (error) {
      if (!(error instanceof FramingError)) ctx.onInternalError(error);
      res.stream.close(http2.constants.NGHTTP2_PROTOCOL_ERROR);
      return;
    }
    for (const r of results) {
      if ('frame' in r) handle(r.frame);
      else if ('oversized' in r) unsigned(r.oversized.correlation, 'request.body_too_large', `Message bodies are limited to ${ctx.maxBodyBytes} bytes.`);
      else unsigned(r.malformed.correlation, 'request.malformed_header', `Malformed request frame: ${r.malformed.reason}.`);
    }
    if (inFlight >= MAX_IN_FLIGHT && !paused) {
      paused = true;
      req.pause();
    }
  });
  req.on('end', () => {
    ended = true;
    if (inFlight === 0 && !scheduled) res.end();
  });
  req.on('error', () => undefined);
  return {
    drain() {
      draining = true;
      if (paused) req.resume();
      if (inFlight === 0 && !scheduled && !res.writableEnded) res.end();
      return done;
    },
  };
}
