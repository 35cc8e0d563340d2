/**
 * The publisher's events service as a gateway backend: `GET ?after=N&limit=L[&wait=ms][&types=…]`
 * answers the events after position N as one JSON page (docs/protocols/events.md). The
 * provider gateway has already checked the subscriber's access right and purpose, signs the
 * page and records the exchange; this backend adds the per-subject delivery ledger.
 *
 * @example
 *   const feed = new OutboxFeed({ db: dukcapil.db });
 *   const backend = createEventsBackend({ feed, publisher: 'ID/GOV/DUKCAPIL/SIAK', deliveries: new DeliveryLedger(dukcapil.db) });
 *   await Gateway.start({ ..., backends: new Map([['ID/GOV/DUKCAPIL/SIAK/events', backend]]) });
 */
import type { Backend, BackendRequest, BackendResponse } from '../adapters/backend.js';
import { SimpulError, problem } from '../core/errors.js';
import type { DeliveryLedger } from './delivery-ledger.js';
import { parseEventTypes, type ChangeEvent, type EventType } from './event.js';
import type { EventFeed } from './feed.js';

export const EVENTS_FEED_FORMAT = 'simpul-events/1';

export interface EventsBackendOptions {
  feed: EventFeed;
  /** The publishing subsystem, named in every page. */
  publisher: string;
  deliveries?: DeliveryLedger | undefined;
  /** Largest page; 1000 by default. */
  maxLimit?: number;
  /** Longest long poll; 20 s by default, under the gateways' 30 s exchange timeout. */
  maxWaitMs?: number;
  /**
   * Data minimisation: the event types a client may receive for a purpose; all when it
   * returns undefined. A request for other types is refused; without `types` it gets these.
   */
  allowedTypes?: (client: string, purpose: string) => readonly EventType[] | undefined;
  onError?: (error: unknown) => void;
}

export interface FeedResponseBody {
  format: typeof EVENTS_FEED_FORMAT;
  publisher: string;
  after: number;
  head: number;
  next: number;
  events: ChangeEvent[];
}

function integer(params: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d{1,15}$/.test(raw)) throw new SimpulError('request.invalid', `${name} must be a whole number, got ${JSON.stringify(raw)}.`);
  const value = Number(raw);
  if (value < min || value > max) throw new SimpulError('request.invalid', `${name} must be between ${min} and ${max}, got ${value}.`);
  return value;
}

function json(status: number, body: unknown, contentType = 'application/json'): BackendResponse {
  return { status, headers: { 'content-type': contentType }, body: Buffer.from(JSON.stringify(body)) };
}

export function createEventsBackend(options: EventsBackendOptions): Backend {
  const maxLimit = options.maxLimit ?? 1000;
  const maxWaitMs = options.maxWaitMs ?? 20_000;
  const closing = new AbortController();

  return {
    async call(request: BackendRequest): Promise<BackendResponse> {
      try {
        if (request.path !== '' && request.path !== '/') throw new SimpulError('request.not_found', `The events service has no resource ${request.path}; read the feed at the service itself.`);
        if (request.method !== 'GET') throw new SimpulError('request.invalid', `The events feed is read with GET, not ${request.method}.`);
        const params = new URLSearchParams(request.query);
        const after = integer(params, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
        const limit = integer(params, 'limit', 100, 1, maxLimit);
        const waitMs = integer(params, 'wait', 0, 0, maxWaitMs);
        const asked = parseEventTypes(params.get('types') ?? undefined);
        const allowed = options.allowedTypes?.(request.client, request.purpose);
        if (asked && allowed) {
          const refused = asked.filter((t) => !allowed.includes(t));
          if (refused.length > 0) throw new SimpulError('client.purpose_not_allowed', `For purpose ${request.purpose} ${request.client} may receive ${allowed.join(', ')}; not ${refused.join(', ')}.`);
        }
        const types = asked ?? allowed;
        const signal = AbortSignal.any([closing.signal, AbortSignal.timeout(waitMs + 1000)]);
        const page = await options.feed.read({ after, limit, types, waitMs, signal });
        if (page.events.length > 0 && options.deliveries) {
          await options.deliveries.record({
            exchangeId: request.exchangeId,
            time: Date.now(),
            client: request.client,
            service: request.service,
            purpose: request.purpose,
            afterPosition: after,
            lastPosition: page.events[page.events.length - 1]!.position,
            count: page.events.length,
            types,
          });
        }
        const body: FeedResponseBody = { format: EVENTS_FEED_FORMAT, publisher: options.publisher, after, head: page.head, next: page.next, events: page.events };
        return json(200, body);
      } catch (error) {
        if (error instanceof SimpulError) return json(error.status, error.toProblem(), 'application/problem+json');
        options.onError?.(error);
        return json(503, problem('internal.unavailable', 'The events feed could not be read; retry shortly.'), 'application/problem+json');
      }
    },
    async close() {
      closing.abort();
    },
  };
}
