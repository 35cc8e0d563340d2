/**
 * A feed source that reads an EventFeed in the same process, without a gateway: for the
 * publisher's own systems (which need no exchange to read their own outbox) and for tests of
 * the subscriber's logic. Another agency always reads through its gateway (GatewayFeedSource).
 */
import { EVENTS_FEED_FORMAT } from './events-backend.js';
import type { EventFeed } from './feed.js';
import type { FeedFetch, FeedSource, FetchedPage } from './gateway-feed-source.js';

export class LocalFeedSource implements FeedSource {
  readonly service: string;
  readonly #feed: EventFeed;
  readonly #publisher: string;

  constructor(feed: EventFeed, service: string) {
    this.#feed = feed;
    this.service = service;
    this.#publisher = service.split('/').slice(0, 4).join('/');
  }

  async fetch(request: FeedFetch): Promise<FetchedPage> {
    const page = await this.#feed.read({ after: request.after, limit: request.limit, types: request.types, waitMs: request.waitMs, signal: request.signal });
    return { page: { format: EVENTS_FEED_FORMAT, publisher: this.#publisher, after: request.after, ...page }, exchangeId: null, legalBasis: null };
  }
}
