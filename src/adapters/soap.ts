/**
 * The SOAP adapter: a legacy SOAP 1.1/1.2 service described by a WSDL, called through node-soap
 * (docs/adr/0042), its output mapped to the common model with JSONata. SOAP faults become
 * problem+json (`adapter.soap_fault`, or `request.not_found` when the declaration says the
 * fault means "no such record"); a malformed or non-SOAP answer becomes
 * `adapter.malformed_upstream`, never a crash or a silent empty record.
 */
import soap from 'soap';
import { SimpulError } from '../core/errors.js';
import type { BackendRequest, BackendResponse, ReportingBackend } from './backend.js';
import { resolveEnv, type SoapBackendConfig, type SoapOperation } from './config.js';
import { compileMapping, type Mapping } from './mapping.js';
import { OperationRouter, jsonResponse } from './operation-router.js';
import { StatusTracker } from './status-tracker.js';
import { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT_MS, tooLarge } from './upstream-body.js';

type SoapMethod = (args: unknown, options?: Record<string, unknown>) => Promise<[unknown, string?, unknown?, string?]>;

interface CompiledOperation {
  input: Mapping | undefined;
  response: Mapping | undefined;
  notFoundFault: Mapping | undefined;
}

/** What a SOAP fault said, the same for SOAP 1.1 (faultcode/faultstring) and 1.2 (Code/Reason). */
export interface SoapFault {
  code: string;
  reason: string;
  detail: unknown;
}

const ENVELOPE = /<(?:[A-Za-z_][\w.-]*:)?Envelope[\s>/]/;

export async function createSoapBackend(config: SoapBackendConfig): Promise<ReportingBackend> {
  const wsdl = resolveEnv(config.wsdl, 'wsdl');
  const endpoint = config.endpoint ? resolveEnv(config.endpoint, 'endpoint') : undefined;
  const headers = Object.entries(config.headers ?? {}).map(([name, value]) => [name, resolveEnv(value, `headers.${name}`)] as const);
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxResponseBytes = config.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const router = new OperationRouter<SoapOperation>(config.operations, config.maxRequestBytes);
  const compiled = new Map<SoapOperation, CompiledOperation>(
    config.operations.map((operation, i) => [
      operation,
      {
        input: operation.input ? compileMapping(operation.input, `operations[${i}].input`) : undefined,
        response: operation.response ? compileMapping(operation.response, `operations[${i}].response`) : undefined,
        notFoundFault: operation.notFoundFault ? compileMapping(operation.notFoundFault, `operations[${i}].notFoundFault`) : undefined,
      },
    ]),
  );
  const callOptions = { timeout: timeoutMs, maxContentLength: maxResponseBytes, maxRedirects: 0 };

  const status = new StatusTracker('unavailable', `The WSDL at ${wsdl} has not been read yet.`);

  let client: soap.Client | undefined;
  let loading: Promise<soap.Client> | undefined;

  // The WSDL is read at start-up so a wrong operation name stops the gateway there; if the
  // legacy system is down at that moment the gateway still starts and reads it on first use.
  async function load(): Promise<soap.Client> {
    const created = await soap.createClientAsync(wsdl, {
      ...(endpoint ? { endpoint } : {}),
      forceSoap12Headers: config.soapVersion === '1.2',
      disableCache: true,
      handleNilAsNull: true,
      wsdl_options: { timeout: timeoutMs, maxContentLength: maxResponseBytes, maxRedirects: 0 },
    });
    for (const [name, value] of headers) created.addHttpHeader(name, value);
    config.operations.forEach((operation, i) => {
      if (!findMethod(created, operation)) {
        throw new SimpulError('request.invalid', `operations[${i}] names the SOAP operation ${JSON.stringify(operation.operation)}, which the WSDL at ${wsdl} does not define (it defines ${listOperations(created).join(', ')}).`);
      }
    });
    status.set('ok', `WSDL read from ${wsdl}.`);
    return created;
  }

  async function ready(atStartup = false): Promise<soap.Client> {
    if (client) return client;
    loading ??= load().finally(() => {
      loading = undefined;
    });
    try {
      client = await loading;
      return client;
    } catch (error) {
      if (error instanceof SimpulError) {
        if (atStartup) throw error;
        // Read late (the service was down at start-up) and found not to match: the operator's to fix.
        status.set('unavailable', error.message);
        throw new SimpulError('provider.error', 'The backend declaration does not match the legacy service; its operator has been told.');
      }
      status.set('unavailable', `The WSDL at ${wsdl} could not be read: ${(error as Error).message}`);
      throw new SimpulError('provider.unreachable', `The legacy SOAP service's WSDL could not be read (${(error as Error).message}).`);
    }
  }

  try {
    await ready(true);
  } catch (error) {
    if ((error as SimpulError).code === 'request.invalid') throw error;
  }

  async function call(request: BackendRequest): Promise<BackendResponse> {
    const { operation, params, body } = router.bind(request);
    const mappings = compiled.get(operation) as CompiledOperation;
    const context = { params, body, client: request.client, purpose: request.purpose, subject: request.subject, exchangeId: request.exchangeId };
    const args = mappings.input ? await mappings.input.evaluate(params, context) : params;
    const method = findMethod(await ready(), operation) as SoapMethod;

    let result: unknown;
    let raw: string | undefined;
    try {
      [result, raw] = await method(args ?? {}, callOptions);
    } catch (error) {
      throw await soapFailure(error, mappings.notFoundFault, { timeoutMs, maxResponseBytes, operation: operation.operation });
    }
    if (typeof raw !== 'string' || !ENVELOPE.test(raw)) {
      throw new SimpulError('adapter.malformed_upstream', `The answer to ${operation.operation} is not a SOAP envelope.`);
    }
    if (result === undefined) {
      throw new SimpulError('adapter.malformed_upstream', `The answer to ${operation.operation} has no ${operation.operation}Response element.`);
    }
    if (!mappings.response) return jsonResponse(result);
    const mapped = await mappings.response.evaluate(result, context);
    if (mapped === undefined) throw new SimpulError('request.not_found', 'The legacy system has no such record.');
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
      client = undefined;
    },
  };
}

function findMethod(client: soap.Client, operation: SoapOperation): SoapMethod | undefined {
  const target = client as unknown as Record<string, unknown>;
  if (operation.service || operation.port) {
    const description = client.describe() as Record<string, Record<string, Record<string, unknown>>>;
    const service = operation.service ?? Object.keys(description)[0] ?? '';
    const port = operation.port ?? Object.keys(description[service] ?? {})[0] ?? '';
    if (!description[service]?.[port]?.[operation.operation]) return undefined;
    // node-soap exposes client[service][port][operation] with a callback; wrap it as a promise.
    const byPort = (target[service] as Record<string, Record<string, (...a: unknown[]) => void>>)[port]?.[operation.operation];
    if (!byPort) return undefined;
    return (args, options) =>
      new Promise((resolve, reject) => {
        byPort(args, (error: unknown, result: unknown, raw: string) => (error ? reject(error) : resolve([result, raw])), options);
      });
  }
  const method = target[`${operation.operation}Async`];
  return typeof method === 'function' ? (method.bind(client) as SoapMethod) : undefined;
}

function listOperations(client: soap.Client): string[] {
  const names = new Set<string>();
  const description = client.describe() as Record<string, Record<string, Record<string, unknown>>>;
  for (const ports of Object.values(description)) for (const operations of Object.values(ports)) for (const name of Object.keys(operations)) names.add(name);
  return [...names];
}

/** Reads a fault from node-soap's parsed envelope, SOAP 1.1 or 1.2. */
export function readFault(fault: Record<string, unknown>): SoapFault {
  const text = (value: unknown): string => {
    if (value === undefined || value === null) return '';
    if (typeof value === 'object' && '$value' in (value as object)) return String((value as { $value: unknown }).$value);
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  };
  if ('faultcode' in fault || 'faultstring' in fault) {
    return { code: text(fault.faultcode), reason: text(fault.faultstring), detail: fault.detail ?? null };
  }
  const code = fault.Code as { Value?: unknown; Subcode?: { Value?: unknown } } | undefined;
  const reason = fault.Reason as { Text?: unknown } | undefined;
  const reasonText = Array.isArray(reason?.Text) ? reason?.Text[0] : reason?.Text;
  return {
    code: [text(code?.Value), text(code?.Subcode?.Value)].filter(Boolean).join(' / '),
    reason: text(reasonText),
    detail: fault.Detail ?? null,
  };
}

async function soapFailure(
  error: unknown,
  notFoundFault: Mapping | undefined,
  limits: { timeoutMs: number; maxResponseBytes: number; operation: string },
): Promise<SimpulError> {
  if (error instanceof SimpulError) return error;
  const e = error as {
    root?: { Envelope?: { Body?: { Fault?: Record<string, unknown> } } };
    Fault?: { faultstring?: string; detail?: string };
    code?: string;
    message?: string;
    response?: { status?: number };
  };
  const faultElement = e?.root?.Envelope?.Body?.Fault;
  if (faultElement) {
    const fault = readFault(faultElement);
    if (notFoundFault && (await notFoundFault.evaluate(fault)) === true) {
      return new SimpulError('request.not_found', `The legacy system has no such record (${fault.reason}).`);
    }
    return new SimpulError('adapter.soap_fault', `The legacy SOAP service answered ${limits.operation} with a fault: ${fault.code}: ${fault.reason}`, {
      faultCode: fault.code,
      faultReason: fault.reason,
    });
  }
  // node-soap reports XML it cannot parse as a synthetic "Invalid XML" fault object.
  if (e?.Fault?.faultstring === 'Invalid XML') {
    return new SimpulError('adapter.malformed_upstream', `The answer to ${limits.operation} is not well-formed XML: ${firstLine(e.Fault.detail)}`);
  }
  if (e?.message === 'Cannot parse response') {
    return new SimpulError('adapter.malformed_upstream', `The answer to ${limits.operation} is not a SOAP envelope.`);
  }
  if (e?.code === 'ECONNABORTED' || e?.code === 'ETIMEDOUT') {
    return new SimpulError('provider.timeout', `The legacy SOAP service did not answer within ${limits.timeoutMs} ms.`);
  }
  if (e?.code === 'ERR_BAD_RESPONSE' && /maxContentLength/.test(e.message ?? '')) return tooLarge(limits.maxResponseBytes);
  if (e?.code && /^E[A-Z]+$/.test(e.code)) {
    return new SimpulError('provider.unreachable', `The legacy SOAP service could not be reached (${e.code}).`);
  }
  if (e?.response?.status && e.response.status >= 400) {
    return new SimpulError('provider.error', `The legacy SOAP service answered HTTP ${e.response.status} without a SOAP fault.`, { upstreamStatus: e.response.status });
  }
  return new SimpulError('adapter.malformed_upstream', `The answer to ${limits.operation} could not be read: ${firstLine(e?.message ?? String(error))}`);
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0]?.slice(0, 200) ?? '';
}
