/**
 * The plain HTTP backend: the provider gateway forwards the request to the agency system's
 * HTTP API as it is. Connections are kept alive and pooled; the response is read whole (up
 * to a limit) because the gateway signs its digest before answering.
 */
import { Pool, errors } from 'undici';
import { SimpulError } from '../core/errors.js';
import type { Backend, BackendRequest, BackendResponse } from './backend.js';

export interface HttpBackendConfig {
  type: 'http';
  /** Base URL of the agency system; the request path is appended. */
  url: string;
  timeoutMs?: number;
  maxResponseBytes?: number;
  /** Extra headers the agency system needs (e.g. its own API key). */
  headers?: Record<string, string>;
}

// undici rather than node:http: the provider gateway makes one backend call per exchange, and
// undici's pooled client costs a fraction of http.request's CPU per call.
export function createHttpBackend(config: HttpBackendConfig): Backend {
  const base = new URL(config.url);
  const pool = new Pool(base.origin, { connections: 128 });
  const basePath = base.pathname.replace(/\/$/, '');
  const timeoutMs = config.timeoutMs ?? 30_000;
  const maxBytes = config.maxResponseBytes ?? 10 * 1024 * 1024;

  return {
    async call(req: BackendRequest): Promise<BackendResponse> {
      const headers: Record<string, string> = { ...req.headers, ...config.headers };
      let response;
      try {
        response = await pool.request({
          method: req.method as 'GET',
          path: (basePath + req.path || '/') + (req.query ? `?${req.query}` : ''),
          headers,
          body: req.body && req.body.length > 0 ? req.body : null,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
      } catch (error) {
        throw backendError(error, base.origin, timeoutMs);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of response.body as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > maxBytes) {
            response.body.destroy();
            throw new SimpulError('provider.error', `The agency system's response exceeds ${maxBytes} bytes.`);
          }
          chunks.push(chunk);
        }
      } catch (error) {
        throw backendError(error, base.origin, timeoutMs);
      }
      const out: Record<string, string> = {};
      const type = response.headers['content-type'];
      if (type) out['content-type'] = Array.isArray(type) ? type.join(', ') : type;
      return { status: response.statusCode, headers: out, body: Buffer.concat(chunks) };
    },
    async close() {
      await pool.destroy();
    },
  };
}

function backendError(error: unknown, origin: string, timeoutMs: number): SimpulError {
  if (error instanceof SimpulError) return error;
  if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) {
    return new SimpulError('provider.timeout', `The agency system did not answer within ${timeoutMs} ms.`);
  }
  return new SimpulError('provider.unreachable', `The agency system at ${origin} could not be reached: ${(error as Error).message}`);
}
