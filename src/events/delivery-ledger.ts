/**
 * The publisher's record of which events went out in which exchange. A feed page concerns
 * many data subjects while an exchange record names at most one, so the per-subject trail
 * that UU 27/2022 asks for is kept here: each delivered page is one row (exchange id, client,
 * purpose, position range), and joined with the outbox it answers "which agencies received
 * events about this NIK, when, for what purpose, in which signed and logged exchange" (ADR 0071).
 */
import { CompiledQuery, sql, type Kysely, type Migration } from 'kysely';
import { migrate } from '../core/storage/migrate.js';
import type { EventType } from './event.js';

export const deliveryLedgerMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await sql.raw(`
      create table if not exists event_delivery (
        exchange_id text primary key,
        time bigint not null,
        client text not null,
        service text not null,
        purpose text not null,
        after_position bigint not null,
        last_position bigint not null,
        count integer not null,
        types text[]
      );
      create index if not exists event_delivery_range on event_delivery (last_position, after_position);
    `).execute(db);
  },
};

export async function migrateDeliveryLedger(db: Kysely<unknown>, schema: string): Promise<void> {
  await migrate(db, schema, { '0001_event_delivery': deliveryLedgerMigration }, 'events_delivery');
}

export interface Delivery {
  exchangeId: string;
  /** Milliseconds since the epoch. */
  time: number;
  client: string;
  service: string;
  purpose: string;
  afterPosition: number;
  lastPosition: number;
  count: number;
  types: readonly EventType[] | undefined;
}

/**
 * One delivery of an event about a subject; the fields of the portal's `TrackedExchange`
 * (time, client, service, purpose, legalBasis, outcome) plus the event and the exchange id
 * that links to the gateways' signed records and log receipts.
 */
export interface SubjectDelivery {
  time: number;
  client: string;
  service: string;
  purpose: string;
  /** The legal basis is in the gateway's record of the exchange; the backend never sees it. */
  legalBasis: null;
  outcome: 'ok';
  exchangeId: string;
  position: number;
  eventType: EventType;
}

export class DeliveryLedger {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly #db: Kysely<any>;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  constructor(db: Kysely<any>) {
    this.#db = db;
  }

  async record(d: Delivery): Promise<void> {
    await this.#db.executeQuery(
      CompiledQuery.raw(
        `insert into event_delivery (exchange_id, time, client, service, purpose, after_position, last_position, count, types)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict (exchange_id) do nothing`,
        [d.exchangeId, d.time, d.client, d.service, d.purpose, d.afterPosition, d.lastPosition, d.count, d.types ? [...d.types] : null],
      ),
    );
  }

  /** Newest first; `before` (ms since epoch, exclusive) pages back in time. */
  async listBySubject(subject: string, options: { limit: number; before?: number }): Promise<SubjectDelivery[]> {
    const { rows } = await this.#db.executeQuery<{ time: number; client: string; service: string; purpose: string; exchange_id: string; position: number; type: EventType }>(
      CompiledQuery.raw(
        `select d.time, d.client, d.service, d.purpose, d.exchange_id, e.position, e.type
         from event_outbox e
         join event_delivery d on d.last_position >= e.position and d.after_position < e.position and (d.types is null or e.type = any(d.types))
         where e.subject = $1 and ($2::bigint is null or d.time < $2::bigint)
         order by d.time desc, e.position desc
         limit $3`,
        [subject, options.before ?? null, options.limit],
      ),
    );
    return rows.map((r) => ({
      time: Number(r.time),
      client: r.client,
      service: r.service,
      purpose: r.purpose,
      legalBasis: null,
      outcome: 'ok',
      exchangeId: r.exchange_id,
      position: Number(r.position),
      eventType: r.type,
    }));
  }
}
