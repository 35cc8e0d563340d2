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
