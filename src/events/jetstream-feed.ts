/**
 * The production feed: the publisher's JetStream stream, read by the events service. One
 * ordered consumer follows the stream's tail into a bounded in-memory window, so that the
 * subscribers' long polls are answered as soon as the relay's publish lands, at no broker cost
 * per request; a subscriber further behind than the window is served by a one-off ordered
 * consumer starting at its position.
 */
import { DeliverPolicy, jetstream, jetstreamManager, type ConsumerMessages, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ChangeEvent } from './event.js';
import { nextPosition, type EventFeed, type FeedPage, type FeedRequest } from './feed.js';
import { ensureStream, type StreamSettings } from './jetstream.js';

export interface JetStreamFeedOptions {
  nats: NatsConnection;
  /** The publishing subsystem, e.g. `ID/GOV/DUKCAPIL/SIAK`. */
  publisher: string;
  /** Events kept in memory from the tail; 50,000 by default. */
  window?: number;
  stream?: StreamSettings;
  onError?: (error: unknown) => void;
}

interface Waiter {
  after: number;
  wake: () => void;
}

export class JetStreamFeed implements EventFeed {
  readonly stream: string;
  readonly #js: JetStreamClient;
  readonly #window: number;
  readonly #onError: (error: unknown) => void;
  readonly #waiters = new Set<Waiter>();
  /** Events from position #first on, contiguous. */
  #cache: ChangeEvent[] = [];
  #first: number;
  #messages: ConsumerMessages | undefined;
  #following: Promise<void> | undefined;
  #closed = false;

  private constructor(options: JetStreamFeedOptions, stream: string, first: number) {
    this.stream = stream;
    this.#js = jetstream(options.nats);
    this.#window = options.window ?? 50_000;
    this.#onError = options.onError ?? (() => undefined);
    this.#first = first;
  }

  static async open(options: JetStreamFeedOptions): Promise<JetStreamFeed> {
    const jsm = await jetstreamManager(options.nats);
    const stream = await ensureStream(jsm, options.publisher, options.stream);
    const info = await jsm.streams.info(stream);
    const window = options.window ?? 50_000;
    const first = Math.max(1, info.state.first_seq, info.state.last_seq - window + 1);
    const feed = new JetStreamFeed(options, stream, first);
    await feed.#follow();
    return feed;
  }

  /** The last position the feed has seen in the stream. */
  get head(): number {
    return this.#first + this.#cache.length - 1;
  }

  async #follow(): Promise<void> {
    const consumer = await this.#js.consumers.get(this.stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.#first });
    const messages = await consumer.consume({ max_messages: 1000, expires: 5000, idle_heartbeat: 1000 });
    this.#messages = messages;
    this.#following = (async () => {
      try {
        for await (const m of messages) {
          const event = m.json<ChangeEvent>();
          if (event.position !== m.seq) this.#onError(new Error(`Stream ${this.stream} message ${m.seq} carries position ${event.position}: the stream does not match its outbox.`));
          if (this.#cache.length === 0) this.#first = m.seq;
          else if (m.seq !== this.head + 1) {
            // Expired or skipped sequences: restart the window at this message.
            this.#cache = [];
            this.#first = m.seq;
          }
          this.#cache.push(event);
          if (this.#cache.length > this.#window * 1.25) {
            const drop = this.#cache.length - this.#window;
            this.#cache = this.#cache.slice(drop);
            this.#first += drop;
          }
          for (const w of [...this.#waiters]) if (this.head > w.after) w.wake();
        }
      } catch (error) {
        if (!this.#closed) this.#onError(error);
      }
      // The library re-creates an ordered consumer by itself; should the iteration still end, follow anew.
      this.#first = this.head + 1;
      this.#cache = [];
      while (!this.#closed) {
        await new Promise((r) => setTimeout(r, 500));
        if (this.#closed) break;
        try {
          await this.#follow();
          break;
        } catch (error) {
          this.#onError(error);
        }
      }
    })();
  }

  async read(request: FeedRequest): Promise<FeedPage> {
    const deadline = Date.now() + request.waitMs;
    let after = request.after;
    for (;;) {
      const head = this.head;
      const page = after + 1 < this.#first && after < head ? await this.#readOlder(after, request) : this.#readWindow(after, request);
      const remaining = deadline - Date.now();
      if (page.events.length > 0 || remaining <= 0 || this.#closed || request.signal?.aborted) return page;
      after = page.next;
      await this.#waitBeyond(after, remaining, request.signal);
    }
  }

  #readWindow(after: number, request: FeedRequest): FeedPage {
    const events: ChangeEvent[] = [];
    const head = this.head;
    let scanned = after;
    for (let i = Math.max(0, after + 1 - this.#first); i < this.#cache.length && events.length < request.limit; i++) {
      const event = this.#cache[i]!;
      scanned = event.position;
      if (!request.types || request.types.includes(event.type)) events.push(event);
    }
    if (events.length < request.limit) scanned = Math.max(scanned, head);
    return { events, head, next: nextPosition(after, request.limit, events, scanned) };
  }

  /** Positions before the window: a one-off ordered consumer reads up to the window's start. */
  async #readOlder(after: number, request: FeedRequest): Promise<FeedPage> {
    const count = Math.min(request.limit, this.#first - 1 - after);
    const consumer = await this.#js.consumers.get(this.stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: after + 1 });
    const messages = await consumer.fetch({ max_messages: count, expires: 5000 });
    const events: ChangeEvent[] = [];
    let scanned = after;
    for await (const m of messages) {
      scanned = m.seq;
      const event = m.json<ChangeEvent>();
      if (!request.types || request.types.includes(event.type)) events.push(event);
      if (m.seq >= after + count || m.info.pending === 0) break;
    }
    await messages.close();
    return { events, head: this.head, next: nextPosition(after, request.limit, events, scanned) };
  }

  #waitBeyond(after: number, ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        after,
        wake: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', waiter.wake);
          this.#waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, ms);
      signal?.addEventListener('abort', waiter.wake, { once: true });
      this.#waiters.add(waiter);
      if (this.head > after) waiter.wake();
    });
  }

  notify(): void {
    // The tail follower learns of new events from the broker itself.
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const w of [...this.#waiters]) w.wake();
    await this.#messages?.close();
    await this.#following;
  }
}
