/**
 * The relay moves committed outbox rows into the publisher's JetStream stream, in position
 * order. Each event is published with `Nats-Msg-Id` = its id (the broker drops a duplicate
 * within its window) and with the expected last sequence = position - 1, so the stream's
 * sequence is the outbox position and no event is ever published twice or out of place.
 * The outbox row counts as relayed only once the broker has acknowledged it (stored it); after
 * a crash or a broker restart the relay asks the stream how far it got and goes on from there.
 *
 * @example
 *   const nats = await connectNats();
 *   const relay = await JetStreamRelay.start({ db: dukcapil.db, nats, publisher: 'ID/GOV/DUKCAPIL/SIAK' });
 *   …
 *   await relay.close();
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type PubAck } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { CompiledQuery, type Kysely } from 'kysely';
import { ensureStream, subjectPrefix, type StreamSettings } from './jetstream.js';
import { outboxHead, readOutbox } from './outbox.js';

export interface JetStreamRelayOptions {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>;
  nats: NatsConnection;
  /** The publishing subsystem, e.g. `ID/GOV/DUKCAPIL/SIAK`. */
  publisher: string;
  /** Events per round of pipelined publishes; 1000 by default. */
  batch?: number;
  /** How often the outbox is read when idle; 20 ms by default (notify() wakes it sooner). */
  idleMs?: number;
  stream?: StreamSettings;
  onError?: (error: unknown) => void;
}

/** The stream holds fewer events than the outbox says were acknowledged: it was purged or replaced. */
export class StreamBehindOutbox extends Error {}

export class JetStreamRelay {
  readonly stream: string;
  readonly #o: JetStreamRelayOptions;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #prefix: string;
  #relayed = 0;
  #closed = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  readonly #waiters = new Set<{ position: number; resolve: () => void }>();

  private constructor(options: JetStreamRelayOptions, stream: string, jsm: JetStreamManager) {
    this.#o = options;
    this.stream = stream;
    this.#jsm = jsm;
    this.#js = jetstream(options.nats);
    this.#prefix = subjectPrefix(options.publisher, options.stream?.namespace);
  }

  static async start(options: JetStreamRelayOptions): Promise<JetStreamRelay> {
    const jsm = await jetstreamManager(options.nats);
    const stream = await ensureStream(jsm, options.publisher, options.stream);
    const relay = new JetStreamRelay(options, stream, jsm);
    await relay.#sync();
    relay.#loop = relay.#run();
    return relay;
  }

  /** The highest position the broker has acknowledged and the outbox has marked relayed. */
  get relayed(): number {
    return this.#relayed;
  }

  /** New events committed: relay them now rather than at the next idle poll. */
  notify(): void {
    this.#wake?.();
  }

  waitForRelayed(position: number, timeoutMs = 30_000): Promise<void> {
    if (this.#relayed >= position) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { position, resolve: () => (clearTimeout(timer), this.#waiters.delete(waiter), resolve()) };
      const timer = setTimeout(() => (this.#waiters.delete(waiter), reject(new Error(`The relay did not reach ${position} within ${timeoutMs} ms (at ${this.#relayed}).`))), timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    await this.#loop;
  }

  /** Learns from the stream how far relaying got, and marks the outbox to match. */
  async #sync(): Promise<void> {
    const info = await this.#jsm.streams.info(this.stream);
    const inStream = info.state.last_seq;
    const { rows } = await this.#o.db.executeQuery<{ position: number }>(CompiledQuery.raw('select position from event_relay where name = $1', [this.stream]));
    const marked = Number(rows[0]?.position ?? 0);
    const head = await outboxHead(this.#o.db);
    if (inStream > head) throw new StreamBehindOutbox(`Stream ${this.stream} holds ${inStream} events but the outbox only ${head}: this stream belongs to another outbox.`);
    if (inStream < marked) throw new StreamBehindOutbox(`Stream ${this.stream} ends at ${inStream} but the outbox had ${marked} acknowledged: the stream was purged or replaced. Restore it, or recreate it from the outbox.`);
    if (inStream !== marked || rows.length === 0) await this.#mark(inStream);
    this.#advance(inStream);
  }

  async #mark(position: number): Promise<void> {
    await this.#o.db.executeQuery(
      CompiledQuery.raw(
        `insert into event_relay (name, position, updated_at) values ($1, $2, $3)
         on conflict (name) do update set position = greatest(event_relay.position, excluded.position), updated_at = excluded.updated_at`,
        [this.stream, position, new Date().toISOString()],
      ),
    );
  }

  #advance(position: number): void {
    this.#relayed = Math.max(this.#relayed, position);
    for (const w of [...this.#waiters]) if (this.#relayed >= w.position) w.resolve();
  }

  async #idle(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
    this.#wake = undefined;
  }

  async #run(): Promise<void> {
    let failures = 0;
    let needSync = false;
    while (!this.#closed) {
      try {
        if (needSync) {
          await this.#sync();
          needSync = false;
        }
        const page = await readOutbox(this.#o.db, this.#relayed, this.#o.batch ?? 1000);
        if (page.events.length === 0) {
          await this.#idle(this.#o.idleMs ?? 20);
          continue;
        }
        // Pipelined: the broker handles one connection's messages in order, so each expectation holds.
        const acks: Promise<PubAck>[] = page.events.map((e) =>
          this.#js.publish(`${this.#prefix}.${e.type}`, JSON.stringify(e), { msgID: e.id, expect: { lastSequence: e.position - 1 } }),
        );
        const settled = await Promise.allSettled(acks);
        let acknowledged = this.#relayed;
        for (const [i, s] of settled.entries()) {
          if (s.status === 'rejected' || s.value.seq !== page.events[i]!.position) break;
          acknowledged = s.value.seq;
        }
        if (acknowledged > this.#relayed) {
          await this.#mark(acknowledged);
          this.#advance(acknowledged);
        }
        const failed = settled.find((s) => s.status === 'rejected');
        if (failed) throw failed.reason;
        failures = 0;
      } catch (error) {
        if (this.#closed) break;
        failures += 1;
        needSync = true;
        this.#o.onError?.(error);
        await sleep(Math.min(2000, 50 * 2 ** Math.min(failures, 6)));
      }
    }
  }
}
