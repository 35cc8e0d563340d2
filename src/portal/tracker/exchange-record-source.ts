/**
 * Where the data tracker reads the exchanges about a citizen. The federation feeds it from
 * the gateways' exchange records (provider and consumer side) with the subject resolved;
 * the portal only reads.
 */
import type { Nik } from '../../core/ids.js';

export interface TrackedExchange {
  /** Milliseconds since the epoch. */
  time: number;
  /** The client subsystem that asked, e.g. `ID/GOV/KOMINFO/PORTAL`. */
  client: string;
  /** The service that answered, e.g. `ID/GOV/DUKCAPIL/SIAK/person`. */
  service: string;
  purpose: string | null;
  legalBasis: string | null;
  outcome: 'ok' | 'refused' | 'error';
  /** A link to the exchange's log receipt (C2SP tlog-proof), when the log has one. */
  receiptUrl?: string;
  /** The exchange's id (Simpul-Id), when the source knows it. */
  exchangeId?: string;
}

/** A page of the tracker; `unavailable` names the members whose gateways did not answer. */
export type TrackedExchanges = TrackedExchange[] & { unavailable?: string[] };

export interface ExchangeRecordSource {
  /** Newest first; `before` (ms since epoch, exclusive) pages back in time. */
  listBySubject(nik: Nik, options: { limit: number; before?: number }): Promise<TrackedExchanges>;
}

/** The source used until the federation wires one in: it knows of no exchange. */
export const noExchangeRecords: ExchangeRecordSource & { readonly connected: false } = {
  connected: false,
  async listBySubject() {
    return [];
  },
};
