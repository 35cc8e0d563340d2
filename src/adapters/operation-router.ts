/**
 * Matches a request to one of the operations a backend declares, and binds its parameters:
 * path segments and query parameters become one object, checked and coerced against the
 * operation's JSON Schema before any of it reaches the agency system. Routing is find-my-way
 * (Fastify's router) with OpenAPI-style `{name}` templates.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import FindMyWay from 'find-my-way';
import { SimpulError } from '../core/errors.js';
import { addSimpulFormats } from '../core/model/formats.js';
import type { BackendRequest, BackendResponse } from './backend.js';

export interface DeclaredOperation {
  method?: string | undefined;
  path: string;
  params?: Record<string, unknown> | undefined;
}

export interface BoundOperation<Op extends DeclaredOperation> {
  operation: Op;
  /** `operations[i]`, for messages. */
  where: string;
  params: Record<string, unknown>;
  /** The request body parsed as JSON; undefined when there was none. */
  body: unknown;
}

export const DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

interface Route {
  index: number;
  validate: ValidateFunction | undefined;
}

type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export class OperationRouter<Op extends DeclaredOperation> {
  readonly #operations: readonly Op[];
  readonly #router = FindMyWay({ ignoreTrailingSlash: true, caseSensitive: true, maxParamLength: 200 });
  readonly #maxRequestBytes: number;

  constructor(operations: readonly Op[], maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES) {
    this.#operations = operations;
    this.#maxRequestBytes = maxRequestBytes;
    const ajv = new Ajv2020({ allErrors: true, coerceTypes: 'array', useDefaults: true, strict: true, strictTypes: false, allowUnionTypes: true });
    addFormats(ajv);
    addSimpulFormats(ajv);
    operations.forEach((operation, index) => {
      const where = `operations[${index}]`;
      let validate: ValidateFunction | undefined;
      if (operation.params) {
        try {
          validate = ajv.compile(operation.params);
        } catch (error) {
          throw new SimpulError('request.invalid', `${where}.params is not a usable JSON Schema: ${(error as Error).message}`);
        }
      }
      const method = (operation.method ?? 'GET') as HttpMethod;
      const path = toRouterPath(operation.path);
      try {
        this.#router.on(method, path, () => undefined, { index, validate } satisfies Route);
      } catch (error) {
        throw new SimpulError('request.invalid', `${where} (${method} ${operation.path}) conflicts with another operation: ${(error as Error).message}`);
      }
    });
  }

  /** Throws `request.body_too_large`, `request.not_found` or `request.invalid`. */
  bind(request: BackendRequest): BoundOperation<Op> {
    if (request.body && request.body.length > this.#maxRequestBytes) {
      throw new SimpulError('request.body_too_large', `This service accepts request bodies up to ${this.#maxRequestBytes} bytes; this one has ${request.body.length}.`);
    }
    const method = request.method.toUpperCase() as HttpMethod;
    const found = this.#router.find(method, request.path || '/');
    if (!found) throw new SimpulError('request.not_found', `This service has no operation ${method} ${request.path || '/'}.`);
    const route = found.store as Route;
    const operation = this.#operations[route.index] as Op;
    const where = `operations[${route.index}]`;

    const params: Record<string, unknown> = {};
    for (const [name, value] of new URLSearchParams(request.query)) {
      const seen = params[name];
      params[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
    }
    // Path parameters win: a query parameter cannot override the record the path names.
    for (const [name, value] of Object.entries(found.params)) if (value !== undefined) params[name] = value;
    if (route.validate && !route.validate(params)) {
      const errors = (route.validate.errors ?? []).slice(0, 20).map((e) => ({ path: e.instancePath, message: e.message ?? 'is invalid' }));
      throw new SimpulError('request.invalid', `Invalid parameters: ${errors.map((e) => `${e.path.slice(1) || 'parameters'} ${e.message}`).join('; ')}.`, { errors });
    }
    return { operation, where, params, body: parseBody(request) };
  }
}

function toRouterPath(template: string): string {
  const path = template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1');
  return path.startsWith('/') ? path : `/${path}`;
}

function parseBody(request: BackendRequest): unknown {
  if (!request.body || request.body.length === 0) return undefined;
  const type = request.headers['content-type'] ?? 'application/json';
  if (!/\bjson\b/i.test(type)) throw new SimpulError('request.invalid', `Send the request body as JSON (application/json), not ${type}.`);
  try {
    return JSON.parse(request.body.toString('utf8')) as unknown;
  } catch (error) {
    throw new SimpulError('request.invalid', `The request body is not valid JSON: ${(error as Error).message}`);
  }
}

/** A JSON answer from an adapter. */
export function jsonResponse(value: unknown, status = 200): BackendResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: Buffer.from(JSON.stringify(value)) };
}

/** RFC 6570 level-1 expansion: `{name}` becomes the percent-encoded parameter value. */
export function expandTemplate(template: string, params: Record<string, unknown>, where: string): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined || value === null) throw new SimpulError('adapter.mapping_failed', `${where} uses {${name}}, which this request does not give.`);
    return encodeURIComponent(String(value));
  });
}
