/**
 * The REST adapter: the agency system speaks JSON over HTTP, but in its own shape. Each
 * declared operation says which upstream URL to call (a URI template over the parameters),
 * what body to send (JSONata), and how to turn the answer into the common model (JSONata).
 */
import { SimpulError } from '../core/errors.js';
import type { BackendRequest, BackendResponse, ReportingBackend } from './backend.js';
import { resolveEnv, type RestBackendConfig, type RestOperation } from './config.js';
import { compileMapping, type Mapping } from './mapping.js';
import { OperationRouter, expandTemplate, jsonResponse } from './operation-router.js';
import { StatusTracker } from './status-tracker.js';
import { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT_MS, fetchFailure, readLimited } from './upstream-body.js';

interface CompiledOperation {
  body: Mapping | undefined;
  response: Mapping | undefined;
  notFound: ReadonlySet<number>;
}

export function createRestBackend(config: RestBackendConfig): ReportingBackend {
  const baseUrl = resolveEnv(config.baseUrl, 'baseUrl').replace(/\/+$/, '');
  const origin = new URL(baseUrl).origin;
  const headers = Object.fromEntries(Object.entries(config.headers ?? {}).map(([name, value]) => [name.toLowerCase(), resolveEnv(value, `headers.${name}`)]));
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxResponseBytes = config.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const router = new OperationRouter<RestOperation>(config.operations, config.maxRequestBytes);
  const compiled = new Map<RestOperation, CompiledOperation>(
    config.operations.map((operation, i) => [
      operation,
      {
        body: operation.upstream.body ? compileMapping(operation.upstream.body, `operations[${i}].upstream.body`) : undefined,
        response: operation.response ? compileMapping(operation.response, `operations[${i}].response`) : undefined,
        notFound: new Set(operation.notFoundStatus ?? [404]),
      },
    ]),
  );

  const status = new StatusTracker('ok', `Not used yet; calls ${origin}.`);

  async function call(request: BackendRequest): Promise<BackendResponse> {
    const { operation, where, params, body } = router.bind(request);
    const { body: bodyMapping, response: responseMapping, notFound } = compiled.get(operation) as CompiledOperation;
    const context = { params, client: request.client, purpose: request.purpose, subject: request.subject, exchangeId: request.exchangeId };

    const url = new URL(baseUrl + expandTemplate(operation.upstream.path, params, `${where}.upstream.path`));
    for (const [name, template] of Object.entries(operation.upstream.query ?? {})) {
      url.searchParams.set(name, decodeURIComponent(expandTemplate(template, params, `${where}.upstream.query.${name}`)));
    }
    const outgoing = bodyMapping ? await bodyMapping.evaluate(body, context) : body;
    const method = operation.upstream.method ?? operation.method ?? 'GET';

    let answer: Response;
    let bytes: Buffer;
    try {
      answer = await fetch(url, {
        method,
        headers: { accept: 'application/json', ...(outgoing !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(outgoing !== undefined && method !== 'GET' ? { body: JSON.stringify(outgoing) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      bytes = await readLimited(answer, maxResponseBytes);
    } catch (error) {
      throw fetchFailure(error, origin, timeoutMs);
    }

    if (notFound.has(answer.status)) throw new SimpulError('request.not_found', 'The agency system has no such record.');
    if (answer.status >= 400) {
      throw new SimpulError('provider.error', `The agency system answered ${answer.status} ${answer.statusText}.`, { upstreamStatus: answer.status });
    }
    let json: unknown;
    try {
      json = bytes.length === 0 ? null : (JSON.parse(bytes.toString('utf8')) as unknown);
    } catch (error) {
      throw new SimpulError('adapter.malformed_upstream', `The agency system's answer is not valid JSON: ${(error as Error).message}`, {
        upstreamContentType: answer.headers.get('content-type'),
      });
    }
    if (!responseMapping) return jsonResponse(json, answer.status);
    const upstreamHeaders = Object.fromEntries(answer.headers);
    const mapped = await responseMapping.evaluate(json, { ...context, status: answer.status, headers: upstreamHeaders });
    if (mapped === undefined) throw new SimpulError('request.not_found', 'The agency system has no such record.');
    return jsonResponse(mapped);
  }

  return {
    async call(request) {
      try {
        const response = await call(request);
        status.succeeded();
        return response;
      } catch (error) {
        throw status.failed(error);
      }
    },
    status: () => status.get(),
    async close() {
      // fetch keeps no per-backend state: nothing to release.
    },
  };
}
