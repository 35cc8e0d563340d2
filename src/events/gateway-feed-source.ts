/**
 * A subscriber reads its publisher's feed through its OWN consumer gateway, like any exchange:
 * its subsystem token, Simpul-Client and Simpul-Purpose; the gateways sign, check the access
 * right (the subscription) and record the exchange on both sides.
 */
import { SimpulError, isProblemCode, type ProblemCode } from '../core/errors.js';
import type { EventType } from './event.js';
import { EVENTS_FEED_FORMAT, type FeedResponseBody } from './events-backend.js';

export interface FetchedPage {
  page: FeedResponseBody;
  /** The exchange id both gateways recorded the delivery under. */
  exchangeId: string | null;
  legalBasis: string | null;
}

export interface FeedFetch {
  after: number;
  limit: number;
  waitMs: number;
  types?: readonly EventType[] | undefined;
  signal?: AbortSignal | undefined;
}

export interface FeedSource {
  /** The events service, e.g. `ID/GOV/DUKCAPIL/SIAK/events`. */
  readonly service: string;
  fetch(request: FeedFetch): Promise<FetchedPage>;
}

/** A feed that answered with an error; `retriable` is false for refusals no retry will change. */
export class FeedError extends Error {
  readonly status: number;
  readonly code: ProblemCode | null;

  constructor(message: string, status: number, code: ProblemCode | null) {
    super(message);
    this.name = 'FeedError';
    this.status = status;
    this.code = code;
  }
}

export interface GatewayFeedSourceOptions {
  /** The subscriber's own gateway, consumer side, e.g. `http://127.0.0.1:4030`. */
  gatewayUrl: string;
  /** Bearer token of the subscribing subsystem at its gateway. */
  token: string;
  /** The subscribing subsystem, e.g. `ID/GOV/BPS/SENSUS`. */
  client: string;
  /** The purpose the subscription (access right) grants. */
  purpose: string;
  service: string;
}

export class GatewayFeedSource implements FeedSource {
  readonly service: string;
  readonly #options: GatewayFeedSourceOptions;

  constructor(options: GatewayFeedSourceOptions) {
    this.#options = options;
    this.service = options.service;
  }

  async fetch(request: FeedFetch): Promise<FetchedPage> {
    const query = new URLSearchParams({ after: String(request.after), limit: String(request.limit), wait: String(request.waitMs) });
    if (request.types?.length) query.set('types', request.types.join(','));
    const url = `${this.#options.gatewayUrl.replace(/\/$/, '')}/r1/${this.service.split('/').map(encodeURIComponent).join('/')}?${query}`;
    // The long poll plus the time a busy gateway may take; the gateways' own timeout is 30 s.
    const timeout = AbortSignal.timeout(request.waitMs + 30_000);
    const response = await fetch(url, {
      headers: {
        authorization: `Bearer ${this.#options.token}`,
        'simpul-client': this.#options.client,
        'simpul-purpose': this.#options.purpose,
        accept: 'application/json',
      },
      signal: request.signal ? AbortSignal.any([request.signal, timeout]) : timeout,
    });
    const text = await response.text();
    if (!response.ok) {
      let code: ProblemCode | null = null;
      let detail = text.slice(0, 300);
      try {
        const doc = JSON.parse(text) as { code?: unknown; detail?: unknown; title?: unknown };
        if (isProblemCode(doc.code)) code = doc.code;
        detail = String(doc.detail ?? doc.title ?? detail);
      } catch {
        // Not problem+json: keep the start of the body for the operator.
      }
      throw new FeedError(`The feed answered ${response.status}${code ? ` ${code}` : ''}: ${detail}`, response.status, code);
    }
    let page: FeedResponseBody;
    try {
      page = JSON.parse(text) as FeedResponseBody;
    } catch {
      throw new FeedError('The feed answered with a body that is not JSON.', 502, null);
    }
    if (page.format !== EVENTS_FEED_FORMAT || !Array.isArray(page.events) || !Number.isSafeInteger(page.next) || !Number.isSafeInteger(page.head)) {
      throw new FeedError(`The feed page is not in the ${EVENTS_FEED_FORMAT} format.`, 502, null);
    }
    const legalBasis = response.headers.get('simpul-legal-basis');
    return { page, exchangeId: response.headers.get('simpul-id'), legalBasis: legalBasis ? decodeURIComponent(legalBasis) : null };
  }
}

/** Refusals that a retry will not change: the operator must grant a right or fix configuration. */
export function isPermanentRefusal(error: unknown): boolean {
  if (!(error instanceof FeedError) && !(error instanceof SimpulError)) return false;
  return error.status === 401 || error.status === 403 || error.status === 404 || error.status === 400;
}
