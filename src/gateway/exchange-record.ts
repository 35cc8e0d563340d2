/**
 * What a gateway records about every exchange and every refusal, durably, before the
 * client gets its answer. Personal data never appears here in clear: the data subject is a
 * keyed commitment (see core/crypto `commitment`), so the gateway's exchange log can hold
 * these records as leaves and a subject's data can be shredded without breaking the log.
 */
import type { ExchangeId, PurposeCode, ServiceId, SubsystemId } from '../core/ids.js';
import type { ProblemCode } from '../core/errors.js';

export type ExchangeSide = 'consumer' | 'provider';
export type ExchangeOutcome = 'ok' | 'refused' | 'error';

export interface ExchangeRecord {
  id: ExchangeId;
  side: ExchangeSide;
  /** Milliseconds since the epoch, when the gateway received the request. */
  time: number;
  /** The client subsystem named by the request (as claimed when refused before authentication). */
  client: string;
  service: string;
  purpose: string | null;
  /** The legal basis of the access right that allowed it; null when refused. */
  legalBasis: string | null;
  /** Keyed commitment (32 bytes) to the data subject; null when the request names none. */
  subjectCommitment: Buffer | null;
  outcome: ExchangeOutcome;
  /** HTTP status returned to the client. */
  status: number;
  /** Problem code of a refusal or error. */
  code: ProblemCode | null;
  /** SHA-256 of the canonical request digest input (docs/protocols/exchange.md). */
  requestHash: Buffer;
  /** SHA-256 of the canonical response digest input, when there was a response. */
  responseHash: Buffer | null;
  /** The other gateway's id, when known. */
  peer: string | null;
  durationMs: number;
}

export type { ExchangeId, PurposeCode, ServiceId, SubsystemId };
