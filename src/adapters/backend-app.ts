/**
 * Serves one Backend over plain HTTP, without a gateway: for an integration engineer trying
 * a declaration against the legacy system (`simpul adapter serve`), and for tests. Errors come
 * back as problem+json exactly as the gateway would return them.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHttpApp, type HttpApp } from '../core/http/app.js';
import type { ExchangeId, PurposeCode, ServiceId, SubsystemId } from '../core/ids.js';
import { reportsStatus, type Backend } from './backend.js';

export interface BackendAppOptions {
  /** Service id the requests claim; only for messages. */
  service?: string;
  logLevel?: string;
  /** Bodies above this are refused by the HTTP layer itself (default 64 MiB, far above any adapter's limit). */
  bodyLimit?: number;
}

const SKIPPED_HEADERS = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'content-length']);

export async function createBackendApp(backend: Backend, options: BackendAppOptions = {}): Promise<HttpApp> {
  const app = await createHttpApp({
    title: 'Simpul adapter (local trial)',
    logLevel: options.logLevel ?? 'silent',
    bodyLimit: options.bodyLimit ?? 64 * 1024 * 1024,
    ready: () => !reportsStatus(backend) || backend.status().state !== 'unavailable',
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.get('/_status', { schema: { hide: true } }, async () => (reportsStatus(backend) ? backend.status() : { state: 'ok', message: 'This backend reports no status.' }));
  const forward = async (request: FastifyRequest, reply: FastifyReply) => {
    const url = new URL(request.url, 'http://local');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string' && !SKIPPED_HEADERS.has(name) && !name.startsWith('simpul-')) headers[name] = value;
    }
    const response = await backend.call({
      method: request.method,
      path: url.pathname.slice('/service'.length),
      query: url.search.slice(1),
      headers,
      body: Buffer.isBuffer(request.body) && request.body.length > 0 ? request.body : undefined,
      service: (options.service ?? 'LOCAL/TRIAL/ADAPTER/SYSTEM/service') as ServiceId,
      client: 'LOCAL/TRIAL/ADAPTER/CLIENT' as SubsystemId,
      purpose: 'ADAPTER-TRIAL' as PurposeCode,
      subject: typeof request.headers['simpul-subject'] === 'string' ? request.headers['simpul-subject'] : undefined,
      exchangeId: randomUUID() as ExchangeId,
    });
    return reply.code(response.status).headers(response.headers).send(response.body);
  };
  app.all('/service', { schema: { hide: true } }, forward);
  app.all('/service/*', { schema: { hide: true } }, forward);
  return app;
}
