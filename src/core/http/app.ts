/**
 * The base every Simpul HTTP API is built on: Fastify with TypeBox schemas, OpenAPI 3.1 at
 * `/openapi.json`, `/healthz` and `/readyz`, JSON-line logs, and RFC 9457 problem+json errors.
 */
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { SimpulError, problem, type ProblemDocument } from '../errors.js';

export type HttpApp = FastifyInstance<
  Server,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface HttpAppOptions {
  /** Shown in the OpenAPI document and in log lines. */
  title: string;
  description?: string;
  version?: string;
  /** Log level; 'silent' in tests. */
  logLevel?: string;
  bodyLimit?: number;
  /** Extra readiness check; `/readyz` answers 503 while it returns false. */
  ready?: () => boolean | Promise<boolean>;
  fastify?: FastifyServerOptions;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export async function createHttpApp(options: HttpAppOptions): Promise<HttpApp> {
  const app = Fastify({
    logger: { level: options.logLevel ?? process.env.SIMPUL_LOG_LEVEL ?? 'info', base: { component: options.title } },
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    // Request lines are the gateway's exchange records' job; per-request log lines would only cost.
    logController: new LogController({ disableRequestLogging: true }),
    ...options.fastify,
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as HttpApp;

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: options.title, description: options.description ?? '', version: options.version ?? '1' },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
    },
  });

  app.setErrorHandler((error, request, reply) => {
    const doc = toProblem(error, request.url);
    if (doc.status >= 500) request.log.error({ err: error }, 'request failed');
    void reply.code(doc.status).type(PROBLEM_CONTENT_TYPE).send(doc);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).type(PROBLEM_CONTENT_TYPE).send(problem('request.not_found', `No route ${request.method} ${request.url}`));
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const ok = options.ready ? await options.ready() : true;
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'starting' });
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}

export function toProblem(error: unknown, instance?: string): ProblemDocument {
  if (error instanceof SimpulError) return error.toProblem(instance);
  const e = error as { validation?: unknown; statusCode?: number; code?: string; message?: string };
  if (e.validation) return problem('request.invalid', e.message, instance ? { instance } : {});
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return problem('request.body_too_large', e.message);
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || (e.statusCode === 400)) {
    return problem('request.invalid', e.message);
  }
  return problem('internal.error', 'An internal error occurred; it has been logged.');
}

/** Listens and returns the base URL; `port` 0 picks a free port. */
export async function listen(app: HttpApp, port: number, host = '127.0.0.1'): Promise<string> {
  await app.listen({ port, host });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('Server has no TCP address');
  return `http://${host}:${address.port}`;
}
