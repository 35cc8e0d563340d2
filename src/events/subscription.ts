/**
 * A subscription runner in a subscribing agency: it reads the publisher's feed through its
 * own gateway and applies each event to the agency's copy through a handler, in the same
 * transaction as the event's inbox row and the new position, so that
 *   - an event applied twice has one effect (its id is the idempotency key),
 *   - a restart resumes exactly after the last committed effect,
 *   - events apply in position order, hence in order per subject,
 *   - an event that keeps failing is retried with backoff, then put in the dead-letter table
 *     with its reason and attempts, and later events of the same subject are held behind it
 *     (dead-lettered as "held") so that no subject's copy ever applies changes out of order,
 *   - `replay(from)` rewinds the position (ADR 0072).
 *
 * @example
 *   const subscription = await Subscription.open({
 *     name: 'dukcapil-person', database: bpsDatabase,
 *     source: new GatewayFeedSource({ gatewayUrl, token, client: 'ID/GOV/BPS/SENSUS', purpose: 'PEMUTAKHIRAN-DATA', service: 'ID/GOV/DUKCAPIL/SIAK/events' }),
 *     handler: bpsRespondentHandler,
 *   });
 *   subscription.start();
 *   …
 *   await subscription.stop();
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CompiledQuery } from 'kysely';
import type { Database } from '../core/storage/database.js';
import { eventProblem, type ChangeEvent, type EventType } from './event.js';
import { isPermanentRefusal, type FeedSource, type FetchedPage } from './gateway-feed-source.js';
import {
  ensureSubscription,
  listDeadLetters,
  migrateSubscriptionStore,
  replaySubscription,
  subscriptionStatus,
  type AnyDb,
  type DeadLetter,
  type ReplayResult,
  type SubscriptionStatus,
} from './subscription-store.js';

export interface EventHandler {
  /** The event types this handler applies; the feed is asked for these only. All when absent. */
  types?: readonly EventType[];
  /** Applies one event inside the subscriber's transaction. Throwing refuses it: it is retried, then dead-lettered. */
  apply(event: ChangeEvent, trx: AnyDb): Promise<void>;
  /**
   * Optional fast path: applies events (in position order, none seen before) in one go. Must
   * have the same effect as `apply` on each in turn; when it throws, the runner falls back to
   * `apply` one event at a time to find the one that fails.
   */
  applyBatch?(events: readonly ChangeEvent[], trx: AnyDb): Promise<void>;
}

export interface SubscriptionOptions {
  /** Names the subscription in this database (several may share it). */
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  database: Database<any>;
  source: FeedSource;
  handler: EventHandler;
  /** Events per page; 500 by default. */
  batchSize?: number;
  /** Long-poll time when caught up; 10 s by default. */
  waitMs?: number;
  /** Attempts before an event is dead-lettered; 5 by default. */
  maxAttempts?: number;
  /** First retry delay, doubled each time up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  onError?: (error: unknown) => void;
  /** Called after each commit with the events that took effect in it (benchmarks, metrics). */
  onApplied?: (events: readonly ChangeEvent[]) => void;
}

/** The stored position is not the one this runner holds: someone replayed; start over from it. */
class PositionMoved extends Error {}
/** The fast path cannot take this page (a malformed event, a held subject): go one by one. */
class NeedsCareful extends Error {}

export class Subscription {
  readonly name: string;
  readonly #db: AnyDb;
  readonly #o: Required<Pick<SubscriptionOptions, 'batchSize' | 'waitMs' | 'maxAttempts' | 'backoffMs' | 'maxBackoffMs'>> & SubscriptionOptions;
  #running: Promise<void> | undefined;
  #stopping = false;
  #abort = new AbortController();
  #position = 0;
  readonly #positionWaiters = new Set<{ position: number; resolve: () => void }>();

  private constructor(options: SubscriptionOptions) {
    this.name = options.name;
    this.#db = options.database.db;
    this.#o = { batchSize: 500, waitMs: 10_000, maxAttempts: 5, backoffMs: 50, maxBackoffMs: 5000, ...options };
  }

  static async open(options: SubscriptionOptions): Promise<Subscription> {
    await migrateSubscriptionStore(options.database.db, options.database.schema);
    await ensureSubscription(options.database.db, options.name, options.source.service);
    return new Subscription(options);
  }

  start(): void {
    if (this.#running) return;
    this.#stopping = false;
    this.#abort = new AbortController();
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
    });
  }

  /** Stops after the transaction in progress; the position is durable, a restart resumes after it. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#abort.abort();
    await this.#running;
  }

  get running(): boolean {
    return this.#running !== undefined;
  }

  async status(): Promise<SubscriptionStatus> {
    const [status] = await subscriptionStatus(this.#db, this.name);
    return status!;
  }

  deadLetters(options: { includeReplayed?: boolean } = {}): Promise<DeadLetter[]> {
    return listDeadLetters(this.#db, { subscription: this.name, ...options });
  }

  /** Rewinds to read again from position `from` (see replaySubscription); a waiting long poll is cut short. */
  async replay(from: number, options: { reapply?: boolean } = {}): Promise<ReplayResult> {
    const result = await replaySubscription(this.#db, this.name, from, options);
    this.#position = result.position;
    if (this.#running) {
      // Cut a waiting long poll short; the loop then reads the new position.
      this.#abort.abort();
      this.#abort = new AbortController();
    }
    return result;
  }

  /** Resolves once the subscription has passed `position` (applied or dead-lettered it). */
  waitForPosition(position: number, timeoutMs = 30_000): Promise<void> {
    if (this.#position >= position) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          this.#positionWaiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.#positionWaiters.delete(waiter);
        reject(new Error(`Subscription ${this.name} did not reach position ${position} within ${timeoutMs} ms (at ${this.#position}).`));
      }, timeoutMs);
      this.#positionWaiters.add(waiter);
    });
  }

  #reached(position: number): void {
    this.#position = position;
    for (const w of [...this.#positionWaiters]) if (position >= w.position) w.resolve();
  }

  async #readPosition(): Promise<number> {
    const { rows } = await this.#db.executeQuery<{ position: number }>(CompiledQuery.raw('select position from event_subscription where name = $1', [this.name]));
    const position = Number(rows[0]?.position ?? 0);
    this.#reached(position);
    return position;
  }

  #fetch(after: number): Promise<FetchedPage> {
    const fetched = this.#o.source.fetch({ after, limit: this.#o.batchSize, waitMs: this.#o.waitMs, types: this.#o.handler.types, signal: this.#abort.signal });
    fetched.catch(() => undefined); // a prefetch may be dropped unread
    return fetched;
  }

  #backoff(attempt: number): number {
    return Math.min(this.#o.maxBackoffMs, this.#o.backoffMs * 2 ** (attempt - 1));
  }

  async #pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.#abort.signal }).catch(() => undefined);
  }

  async #run(): Promise<void> {
    let failures = 0;
    let position = -1;
    let prefetch: { after: number; page: Promise<FetchedPage> } | undefined;
    while (!this.#stopping) {
      try {
        if (position < 0) position = await this.#readPosition();
        const pending = prefetch?.after === position ? prefetch.page : this.#fetch(position);
        prefetch = undefined;
        const fetched = await pending;
        const { page } = fetched;
        if (page.after !== position) throw new PositionMoved();
        // While this page applies, the next one travels (the stream is in order, so its start is known).
        if (page.events.length > 0 && !this.#stopping) prefetch = { after: page.next, page: this.#fetch(page.next) };
        position = await this.#applyPage(position, fetched);
        failures = 0;
      } catch (error) {
        prefetch = undefined;
        position = -1;
        if (this.#stopping) break;
        if (error instanceof PositionMoved) continue;
        if ((error as Error).name === 'AbortError') continue; // a replay cut the long poll short
        failures += 1;
        this.#o.onError?.(error);
        await this.#noteError(error).catch(() => undefined);
        // A refusal (no right, wrong purpose) will not mend by itself: retry slowly.
        await this.#pause(isPermanentRefusal(error) ? this.#o.maxBackoffMs : this.#backoff(failures));
      }
    }
  }

  async #noteError(error: unknown): Promise<void> {
    const message = (error as Error)?.message ?? String(error);
    await this.#db.executeQuery(CompiledQuery.raw('update event_subscription set last_error = $2, updated_at = $3 where name = $1', [this.name, message.slice(0, 1000), Date.now()]));
  }

  async #applyPage(position: number, fetched: FetchedPage): Promise<number> {
    const { page } = fetched;
    let last = position;
    for (const e of page.events) {
      if (!e || typeof e.position !== 'number' || e.position <= last) throw new Error(`The feed page is out of order at position ${String(e?.position)} (after ${last}).`);
      last = e.position;
    }
    if (page.next < last) throw new Error(`The feed page says next ${page.next} but holds position ${last}.`);
    if (page.events.length === 0) {
      await this.#commit(position, page.next, page.head, null, async () => undefined);
      return page.next;
    }
    try {
      await this.#applyFast(position, fetched);
      return page.next;
    } catch (error) {
      if (error instanceof PositionMoved) throw error;
      if (!(error instanceof NeedsCareful)) this.#o.onError?.(error);
    }
    let current = position;
    for (const e of page.events) {
      await this.#applyOne(current, e, fetched);
      current = e.position;
    }
    if (page.next > current) await this.#commit(current, page.next, page.head, null, async () => undefined);
    return page.next;
  }

  /** Runs `work` in a transaction that first checks the stored position and then moves it. */
  async #commit(expected: number, next: number, head: number, lastEvent: ChangeEvent | null, work: (trx: AnyDb) => Promise<readonly ChangeEvent[] | undefined>): Promise<void> {
    let applied: readonly ChangeEvent[] | undefined;
    await this.#db.transaction().execute(async (trx) => {
      const { rows } = await trx.executeQuery<{ position: number }>(CompiledQuery.raw('select position from event_subscription where name = $1 for update', [this.name]));
      if (Number(rows[0]?.position) !== expected) throw new PositionMoved();
      applied = await work(trx);
      const now = Date.now();
      await trx.executeQuery(
        CompiledQuery.raw(
          `update event_subscription set position = $2, head = greatest(head, $3), last_polled_at = $4, last_error = null, updated_at = $4,
             last_event_time = coalesce($5, last_event_time), last_applied_at = case when $5::text is null then last_applied_at else $4 end
           where name = $1`,
          [this.name, next, head, now, lastEvent?.time ?? null],
        ),
      );
    });
    this.#reached(next);
    if (applied?.length) this.#o.onApplied?.(applied);
  }

  async #known(trx: AnyDb, ids: readonly string[]): Promise<Set<string>> {
    const { rows } = await trx.executeQuery<{ event_id: string }>(CompiledQuery.raw('select event_id from event_inbox where subscription = $1 and event_id = any($2::uuid[])', [this.name, ids]));
    return new Set(rows.map((r) => r.event_id));
  }

  async #remember(trx: AnyDb, events: readonly ChangeEvent[], exchangeId: string | null): Promise<void> {
    if (events.length === 0) return;
    await trx.executeQuery(
      CompiledQuery.raw(
        `insert into event_inbox (subscription, event_id, position, subject, type, exchange_id, applied_at)
         select $1, x.id, x.position, x.subject, x.type, $2, $3
         from jsonb_to_recordset($4::jsonb) as x(id uuid, position bigint, subject text, type text)`,
        [this.name, exchangeId, Date.now(), JSON.stringify(events.map((e) => ({ id: e.id, position: e.position, subject: e.subject, type: e.type })))],
      ),
    );
  }

  async #applyFast(position: number, fetched: FetchedPage): Promise<void> {
    const { page } = fetched;
    if (page.events.some((e) => eventProblem(e) !== undefined)) throw new NeedsCareful();
    await this.#commit(position, page.next, page.head, page.events[page.events.length - 1]!, async (trx) => {
      const known = await this.#known(trx, page.events.map((e) => e.id));
      const fresh = page.events.filter((e) => !known.has(e.id));
      if (fresh.length === 0) return [];
      const { rows: held } = await trx.executeQuery(
        CompiledQuery.raw(`select 1 from event_dead_letter where subscription = $1 and state in ('failed', 'held') and subject = any($2::text[]) limit 1`, [this.name, [...new Set(fresh.map((e) => e.subject))]]),
      );
      if (held.length > 0) throw new NeedsCareful();
      const { handler } = this.#o;
      if (handler.applyBatch) await handler.applyBatch(fresh, trx);
      else for (const e of fresh) await handler.apply(e, trx);
      await this.#remember(trx, fresh, fetched.exchangeId);
      return fresh;
    });
  }

  async #deadLetter(trx: AnyDb, e: ChangeEvent, state: 'failed' | 'held', reason: string, attempts: number, exchangeId: string | null): Promise<void> {
    await trx.executeQuery(
      CompiledQuery.raw(
        `insert into event_dead_letter (subscription, position, event_id, subject, type, event, state, reason, attempts, exchange_id, created_at)
         values ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11)`,
        [this.name, e.position, String(e.id), String(e.subject), String(e.type), JSON.stringify(e), state, reason.slice(0, 2000), attempts, exchangeId, Date.now()],
      ),
    );
  }

  async #applyOne(expected: number, e: ChangeEvent, fetched: FetchedPage): Promise<void> {
    const { page, exchangeId } = fetched;
    const problem = eventProblem(e);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#commit(expected, e.position, page.head, e, async (trx) => {
          if (problem === undefined && (await this.#known(trx, [e.id])).size > 0) return [];
          const { rows } = await trx.executeQuery<{ position: number }>(
            CompiledQuery.raw(`select min(position) as position from event_dead_letter where subscription = $1 and state in ('failed', 'held') and subject = $2`, [this.name, String(e.subject)]),
          );
          const blockedBy = rows[0]?.position;
          if (blockedBy !== null && blockedBy !== undefined) {
            await this.#deadLetter(trx, e, 'held', `Held behind the dead letter at position ${blockedBy} of the same subject, to keep its order; replay from ${blockedBy} once that is fixed.`, 0, exchangeId);
            return [];
          }
          if (problem !== undefined) {
            // A malformed event will be as malformed on the next attempt: no retry.
            await this.#deadLetter(trx, e, 'failed', `Malformed event: ${problem}`, 1, exchangeId);
            return [];
          }
          await this.#o.handler.apply(e, trx);
          await this.#remember(trx, [e], exchangeId);
          return [e];
        });
        return;
      } catch (error) {
        if (error instanceof PositionMoved || this.#stopping) throw error;
        if (attempt >= this.#o.maxAttempts) {
          const reason = (error as Error)?.message ?? String(error);
          await this.#commit(expected, e.position, page.head, null, async (trx) => {
            await this.#deadLetter(trx, e, 'failed', reason, attempt, exchangeId);
            return [];
          });
          return;
        }
        await this.#pause(this.#backoff(attempt));
        if (this.#stopping) throw error;
      }
    }
  }
}
