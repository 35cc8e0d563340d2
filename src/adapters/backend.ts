/**
 * The provider gateway's view of an agency system. The gateway has decided access and
 * verified the message; a Backend turns the request into whatever the agency system speaks
 * (plain HTTP, REST with mapping, SOAP, a CSV export, a SQL view) and back.
 */
import type { ExchangeId, PurposeCode, ServiceId, SubsystemId } from '../core/ids.js';

export interface BackendRequest {
  method: string;
  /** The part after the service code, starting with '/' or empty: `/r1/ID/GOV/X/SYS/person/3201…` → `/3201…`. */
  path: string;
  /** Raw query string without '?', possibly empty. */
  query: string;
  /** Request headers to pass on (lower-case names; Simpul-* and hop-by-hop headers removed). */
  headers: Record<string, string>;
  body: Buffer | undefined;
  service: ServiceId;
  client: SubsystemId;
  purpose: PurposeCode;
  subject: string | undefined;
  exchangeId: ExchangeId;
}

export interface BackendResponse {
  status: number;
  /** Lower-case header names. `content-type` at least when there is a body. */
  headers: Record<string, string>;
  body: Buffer;
}

export interface Backend {
  call(request: BackendRequest): Promise<BackendResponse>;
  close(): Promise<void>;
}

/**
 * What an adapter tells the operator about itself (a CSV export that failed to load, a WSDL
 * that could not be read). `ok` serves normally; `degraded` still serves, from older data or
 * with a warning; `unavailable` cannot serve at all.
 */
export interface BackendStatus {
  state: 'ok' | 'degraded' | 'unavailable';
  /** One line for the operator. */
  message: string;
  /** When the state last changed (ISO 8601). */
  since: string;
  details?: Record<string, unknown>;
}

/** A backend that reports its status: gateways show it to their operators. */
export interface ReportingBackend extends Backend {
  status(): BackendStatus;
}

export function reportsStatus(backend: Backend): backend is ReportingBackend {
  return typeof (backend as Partial<ReportingBackend>).status === 'function';
}
