/**
 * The plain HTTP backend: the provider gateway forwards the request to the agency system's
 * HTTP API as it is. Connections are kept alive and pooled; the response is read whole (up
 * to a limit) because the gateway signs its digest before answering.
 */
import http from 'node:http';
import https from 'node:https';
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

export function createHttpBackend(config: HttpBackendConfig): Backend {
  const base = new URL(config.url);
  const secure = base.protocol === 'https:';
  const agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 128 }) : new http.Agent({ keepAlive: true, maxSockets: 128 });
  const request = secure ? https.request : http.request;
  const basePath = base.pathname.replace(/\/$/, '');
  const timeoutMs = config.timeoutMs ?? 30_000;
  const maxBytes = config.maxResponseBytes ?? 10 * 1024 * 1024;

  return {
    call(req: BackendRequest): Promise<BackendResponse> {
      return new Promise((resolve, reject) => {
        const headers: Record<string, string> = { ...req.headers, ...config.headers };
        if (req.body) headers['content-length'] = String(req.body.length);
        const outgoing = request(
          {
            agent,
            protocol: base.protocol,
            hostname: base.hostname,
            port: base.port,
            method: req.method,
            path: (basePath + req.path || '/') + (req.query ? `?${req.query}` : ''),
            headers,
            timeout: timeoutMs,
          },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (chunk: Buffer) => {
              size += chunk.length;
              if (size > maxBytes) {
                res.destroy();
                reject(new SimpulError('provider.error', `The agency system's response exceeds ${maxBytes} bytes.`));
                return;
              }
              chunks.push(chunk);
            });
            res.on('end', () => {
              const out: Record<string, string> = {};
              const type = res.headers['content-type'];
              if (type) out['content-type'] = type;
              resolve({ status: res.statusCode ?? 502, headers: out, body: Buffer.concat(chunks) });
            });
            res.on('error', reject);
          },
        );
        outgoing.on('timeout', () => outgoing.destroy(new SimpulError('provider.timeout', `The agency system did not answer within ${timeoutMs} ms.`)));
        outgoing.on('error', (error) => reject(error instanceof SimpulError ? error : new SimpulError('provider.unreachable', `The agency system at ${base.origin} could not be reached: ${error.message}`)));
        outgoing.end(req.body);
      });
    },
    async close() {
      agent.destroy();
    },
  };
}
