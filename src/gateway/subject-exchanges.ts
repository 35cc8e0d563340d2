/**
 * The gateway's own service: the exchanges this gateway recorded about one data subject
 * (ADR 0068). Subject commitments are salted per gateway, so only the gateway that holds the
 * salt can find a subject's records; it answers through the exchange like any agency system,
 * so the question is access-checked against a right (purpose and legal basis) and is itself
 * recorded and logged.
 *
 * The subject asked about is the exchange's own Simpul-Subject: a client cannot ask about one
 * person while the records name another.
 */
import type { Backend, BackendRequest, BackendResponse } from '../adapters/backend.js';
import { SimpulError } from '../core/errors.js';
import type { ServiceId } from '../core/ids.js';
import { subjectCommitment, type GatewayIdentity } from './context.js';
import type { GatewayStore } from './store.js';

export const SUBJECT_EXCHANGES_MAX_LIMIT = 200;

/** One record as the service answers it: what, who, why and how, never the payload. */
export interface SubjectExchange {
  id: string;
  side: 'consumer' | 'provider';
  /** Milliseconds since the epoch. */
  time: number;
  client: string;
  service: string;
  purpose: string | null;
  legalBasis: string | null;
  outcome: 'ok' | 'refused' | 'error';
  status: number;
  code: string | null;
  /** The other gateway of the exchange, when known. */
  peer: string | null;
}

export interface SubjectExchangesAnswer {
  /** The gateway that recorded these exchanges (and whose log holds their receipts). */
  gateway: string;
  exchanges: SubjectExchange[];
}

export class SubjectExchangesBackend implements Backend {
  constructor(
    private readonly store: GatewayStore,
    private readonly identity: GatewayIdentity,
    /** This service's own id: reads of the list are recorded but not listed (each read would add a line). */
    private readonly service: ServiceId,
  ) {}

  async call(request: BackendRequest): Promise<BackendResponse> {
    if (request.method !== 'GET') throw new SimpulError('request.invalid', `${this.service} answers GET only.`);
    if (request.path !== '' && request.path !== '/') throw new SimpulError('request.not_found', `${this.service} has no sub-resource ${request.path}.`);
    if (!request.subject) throw new SimpulError('request.subject_required', `${this.service} answers about the exchange's data subject: name it in Simpul-Subject.`);
    const params = new URLSearchParams(request.query);
    const limit = integerParam(params, 'limit', 50);
    const before = integerParam(params, 'before', undefined);
    if (limit < 1 || limit > SUBJECT_EXCHANGES_MAX_LIMIT) throw new SimpulError('request.invalid', `limit must be between 1 and ${SUBJECT_EXCHANGES_MAX_LIMIT}.`);
    let query = this.store.db
      .selectFrom('exchange_record')
      .select(['id', 'side', 'time', 'client', 'service', 'purpose', 'legal_basis', 'outcome', 'status', 'code', 'peer'])
      .where('subject_commitment', '=', subjectCommitment(this.identity, request.subject)!)
      .where('service', '<>', this.service);
    if (before !== undefined) query = query.where('time', '<', before);
    const rows = await query.orderBy('time', 'desc').orderBy('seq', 'desc').limit(limit).execute();
    const answer: SubjectExchangesAnswer = {
      gateway: this.identity.id,
      exchanges: rows.map((r) => ({
        id: r.id,
        side: r.side as SubjectExchange['side'],
        time: Number(r.time),
        client: r.client,
        service: r.service,
        purpose: r.purpose,
        legalBasis: r.legal_basis,
        outcome: r.outcome as SubjectExchange['outcome'],
        status: r.status,
        code: r.code,
        peer: r.peer,
      })),
    };
    return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(answer)) };
  }

  async close(): Promise<void> {}
}

function integerParam(params: URLSearchParams, name: string, fallback: number): number;
function integerParam(params: URLSearchParams, name: string, fallback: undefined): number | undefined;
function integerParam(params: URLSearchParams, name: string, fallback: number | undefined): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d{1,16}$/.test(raw)) throw new SimpulError('request.invalid', `${name} must be a non-negative integer, got ${JSON.stringify(raw)}.`);
  return Number(raw);
}
