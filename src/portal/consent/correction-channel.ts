/**
 * Where a citizen's dispute goes (ADR 0092): the portal files a correction request with the
 * agency that owns the disputed value and later asks how it was decided. The portal is given a
 * `CorrectionChannel`; `HttpCorrectionChannel` speaks the reconciliation API
 * (`POST /reconcile/disputes`, `GET /reconcile/corrections/:id`, docs/reconcile.md) with the
 * portal's bearer token, so the portal needs nothing of the reconciliation part but its API.
 */
import { SimpulError } from '../../core/errors.js';

export interface CitizenDispute {
  /** The portal's id of the dispute, quoted to the agency and back to the citizen. */
  reference: string;
  applicationId: string;
  /** The agency that owns the value (the prefilled item's source agency, e.g. ID/GOV/DUKCAPIL). */
  agency: string;
  /** The portal's data item (fullName, birthPlace, birthDate, sex, address). */
  item: string;
  /** The data subject's NIK. */
  subject: string;
  held: string;
  claimed: string;
  explanation: string;
}

export type DisputeDecision = 'open' | 'accepted' | 'rejected';

export interface DisputeStatus {
  status: DisputeDecision;
  decidedAt: Date | null;
  note: string | null;
}

export interface CorrectionChannel {
  /** Files the dispute with the owning agency; answers the agency-side request id. */
  file(dispute: CitizenDispute): Promise<{ id: string }>;
  status(id: string): Promise<DisputeStatus>;
}

/** The reconciliation API's field for each of the portal's disputable items. */
const FIELDS: Record<string, string> = { fullName: 'full_name', birthPlace: 'birth_place', birthDate: 'birth_date', sex: 'sex', address: 'address' };

export interface HttpCorrectionChannelOptions {
  /** The reconciliation service's URL (its API is under `/reconcile`). */
  url: string;
  token: string;
  /** The agency code the reconciliation service uses for a member (ID/GOV/DUKCAPIL → DUKCAPIL). */
  agencyCode?: (member: string) => string;
  timeoutMs?: number;
}

export class HttpCorrectionChannel implements CorrectionChannel {
  readonly #api: string;
  readonly #token: string;
  readonly #agencyCode: (member: string) => string;
  readonly #timeoutMs: number;

  constructor(options: HttpCorrectionChannelOptions) {
    this.#api = `${options.url.replace(/\/$/, '')}/reconcile`;
    this.#token = options.token;
    this.#agencyCode = options.agencyCode ?? ((member) => member.split('/').at(-1) ?? member);
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  async file(dispute: CitizenDispute): Promise<{ id: string }> {
    const field = FIELDS[dispute.item];
    if (!field) throw new SimpulError('request.invalid', `The value ${dispute.item} cannot be disputed with its agency.`, { field: 'item' });
    const created = await this.#call<{ id: string }>('/disputes', {
      method: 'POST',
      body: JSON.stringify({
        addressedTo: this.#agencyCode(dispute.agency), field, currentValue: dispute.held, proposedValue: dispute.claimed,
        reference: dispute.reference, application: dispute.applicationId, subject: dispute.subject, explanation: dispute.explanation,
      }),
    });
    return { id: created.id };
  }

  async status(id: string): Promise<DisputeStatus> {
    const c = await this.#call<{ status: DisputeDecision; decidedAt: string | null; decisionNote: string | null }>(`/corrections/${encodeURIComponent(id)}`);
    return { status: c.status, decidedAt: c.decidedAt ? new Date(c.decidedAt) : null, note: c.decisionNote };
  }

  async #call<T>(path: string, init: RequestInit = {}): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.#api}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${this.#token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new SimpulError('internal.unavailable', `The correction service cannot be reached: ${(error as Error).message}`);
    }
    const body = (await response.json().catch(() => ({}))) as T & { detail?: string; title?: string };
    if (!response.ok) throw new SimpulError('internal.unavailable', `The correction service refused the request (HTTP ${response.status}): ${body.detail ?? body.title ?? ''}`);
    return body;
  }
}
