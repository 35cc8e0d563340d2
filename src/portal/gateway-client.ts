/**
 * How the portal reaches agencies: only through its own consumer gateway, like any agency
 * system. Every call names the portal's subsystem as client, a purpose and, for personal
 * data, the citizen as data subject (docs/portal.md, "Gateway protocol").
 */
import { randomUUID } from 'node:crypto';
import type { ExchangeId, Nik, PurposeCode, ServiceId, SubsystemId } from '../core/ids.js';

export interface GatewayRequest {
  service: ServiceId;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Appended after the service code; starts with '/' when present, e.g. `/3201…`. */
  path?: string;
  query?: Record<string, string>;
  purpose: PurposeCode;
  subject?: Nik;
  body?: unknown;
  /** Chosen by the caller to tie its own records to the gateway's; generated when absent. */
  exchangeId?: ExchangeId;
  /** This exchange's deadline; the client's default when absent. */
  timeoutMs?: number;
}

export interface GatewayResponse<T = unknown> {
  status: number;
  exchangeId: ExchangeId;
  body: T;
}

export interface GatewayClient {
  call<T = unknown>(request: GatewayRequest): Promise<GatewayResponse<T>>;
}

/** A refusal or failure reported by the gateway or the provider, with its problem code when given. */
export class GatewayCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    detail: string,
    readonly exchangeId: ExchangeId,
    /** The problem document as received, with any extension members (e.g. a conflicting record's id). */
    readonly problem: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'GatewayCallError';
  }
}

export interface HttpGatewayClientOptions {
  /** The consumer gateway's base URL, e.g. `http://127.0.0.1:8443`. */
  baseUrl: string;
  /** The portal subsystem's bearer token at its gateway. */
  token: string;
  /** The portal's subsystem, e.g. `ID/GOV/KOMINFO/PORTAL`. */
  client: SubsystemId;
  timeoutMs?: number;
}

export class HttpGatewayClient implements GatewayClient {
  readonly #options: Required<HttpGatewayClientOptions>;

  constructor(options: HttpGatewayClientOptions) {
    this.#options = Object.freeze({ timeoutMs: 10_000, ...options, baseUrl: options.baseUrl.replace(/\/+$/, '') });
  }

  async call<T = unknown>(request: GatewayRequest): Promise<GatewayResponse<T>> {
    const exchangeId = request.exchangeId ?? (randomUUID() as ExchangeId);
    const query = request.query && Object.keys(request.query).length > 0 ? `?${new URLSearchParams(request.query).toString()}` : '';
    const url = `${this.#options.baseUrl}/r1/${request.service}${request.path ?? ''}${query}`;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#options.token}`,
      'simpul-client': this.#options.client,
      'simpul-purpose': request.purpose,
      'simpul-id': exchangeId,
      accept: 'application/json',
    };
    if (request.subject) headers['simpul-subject'] = request.subject;
    let body: string | undefined;
    if (request.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.body);
    }
    let response: Response;
    let text: string;
    try {
      // The deadline covers the whole answer, body included.
      response = await fetch(url, { method: request.method ?? 'GET', headers, body, signal: AbortSignal.timeout(request.timeoutMs ?? this.#options.timeoutMs) });
      text = await response.text();
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      throw new GatewayCallError(timedOut ? 504 : 502, timedOut ? 'provider.timeout' : 'provider.unreachable', `Gateway ${this.#options.baseUrl} ${timedOut ? 'did not answer in time' : 'could not be reached'}`, exchangeId);
    }
    const parsed = parseJson(text);
    if (!response.ok) {
      const problem = (parsed !== null && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>;
      const detail = typeof problem.detail === 'string' ? problem.detail : typeof problem.title === 'string' ? problem.title : `HTTP ${response.status}`;
      throw new GatewayCallError(response.status, typeof problem.code === 'string' ? problem.code : undefined, detail, exchangeId, problem);
    }
    return { status: response.status, exchangeId, body: (parsed ?? text) as T };
  }
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
