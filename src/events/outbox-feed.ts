/**
 * The embedded feed: the outbox table read in position order. A long poll waits on the head
 * position, which one shared poller reads only while someone is waiting, so any number of
 * waiting subscribers cost one indexed query per interval.
 */
import type { Kysely } from 'kysely';
import { nextPosition, type EventFeed, type FeedPage, type FeedRequest } from './feed.js';
import { outboxHead, readOutbox } from './outbox.js';

export interface OutboxFeedOptions {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>;
  /** How often the head is read while a long poll waits. */
  pollMs?: number;
}

interface Waiter {
  after: number;
  wake: () => void;
}

export class OutboxFeed implements EventFeed {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly #db: Kysely<any>;
  readonly #pollMs: number;
  readonly #waiters = new Set<Waiter>();
  #timer: NodeJS.Timeout | undefined;
  #polling = false;
  #closed = false;

  constructor(options: OutboxFeedOptions) {
    this.#db = options.db;
    this.#pollMs = options.pollMs ?? 20;
  }

  async read(request: FeedRequest): Promise<FeedPage> {
    const deadline = Date.now() + request.waitMs;
    let after = request.after;
    for (;;) {
      const page = await readOutbox(this.#db, after, request.limit, request.types);
      const next = nextPosition(after, request.limit, page.events, page.head);
      const remaining = deadline - Date.now();
      if (page.events.length > 0 || remaining <= 0 || this.#closed || request.signal?.aborted) return { events: page.events, head: page.head, next };
      // Filtered-out events need not be scanned again while waiting.
      after = next;
      await this.#waitBeyond(after, remaining, request.signal);
    }
  }

  notify(): void {
    if (this.#waiters.size > 0) void this.#poll();
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const w of this.#waiters) w.wake();
    this.#waiters.clear();
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #waitBeyond(after: number, ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        after,
        wake: () => {
          clearTimeout(timeout);
          signal?.removeEventListener('abort', waiter.wake);
          this.#waiters.delete(waiter);
          if (this.#waiters.size === 0 && this.#timer) {
            clearInterval(this.#timer);
            this.#timer = undefined;
          }
          resolve();
        },
      };
      const timeout = setTimeout(waiter.wake, ms);
      signal?.addEventListener('abort', waiter.wake, { once: true });
      this.#waiters.add(waiter);
      this.#timer ??= setInterval(() => void this.#poll(), this.#pollMs);
    });
  }

  async #poll(): Promise<void> {
    if (this.#polling || this.#closed) return;
    this.#polling = true;
    try {
      const head = await outboxHead(this.#db);
      for (const w of [...this.#waiters]) if (head > w.after) w.wake();
    } catch {
      // A failed poll is retried at the next tick; the waiter's own deadline still holds.
    } finally {
      this.#polling = false;
    }
  }
}
