/**
 * The transactional outbox of a base registry: the change and its event are written in the
 * same transaction, so an event exists exactly when its change committed.
 *
 * Positions are given under a lock on one head row, taken as the transaction's last write: the
 * transaction that holds position p commits before any transaction can take p + 1, so
 * positions are gap-free and in commit order, and a reader that sees p sees every position
 * before it. Readers therefore never skip an event that commits late (ADR 0070).
 */
import { randomUUID } from 'node:crypto';
import { CompiledQuery, sql, type Kysely, type Migration } from 'kysely';
import { migrate } from '../core/storage/migrate.js';
import type { ChangeEvent, EventType, NewEvent } from './event.js';

/**
 * Creates the outbox tables when they are missing. Idempotent, so a publisher's own migration
 * history can include it (the demo population registry does) and `migrateOutbox` can run too.
 */
export const outboxMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await sql.raw(`
      create table if not exists event_outbox (
        position bigint primary key,
        id uuid not null unique,
        type text not null,
        subject text not null,
        time text not null,
        data jsonb not null
      );
      create index if not exists event_outbox_subject on event_outbox (subject, position);
      create table if not exists event_outbox_head (
        singleton boolean primary key default true check (singleton),
        position bigint not null
      );
      insert into event_outbox_head (singleton, position) values (true, 0) on conflict do nothing;
      create table if not exists event_relay (
        name text primary key,
        position bigint not null,
        updated_at text not null
      );
    `).execute(db);
  },
};

/** For a publisher whose own migrations do not include the outbox. */
export async function migrateOutbox(db: Kysely<unknown>, schema: string): Promise<void> {
  await migrate(db, schema, { '0001_event_outbox': outboxMigration }, 'events_outbox');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyKysely = Kysely<any>;

/**
 * Appends events to the outbox inside the caller's transaction, as its last write (the head
 * lock is held until commit). Returns the events with their positions.
 *
 * @example
 *   await db.transaction().execute(async (trx) => {
 *     await sql`update person set street = ${street} where nik = ${nik}`.execute(trx);
 *     await appendToOutbox(trx, [addressChanged(nik, previous, next)]);
 *   });
 */
export async function appendToOutbox(trx: AnyKysely, events: readonly NewEvent[]): Promise<ChangeEvent[]> {
  if (!trx.isTransaction) throw new Error('appendToOutbox must run inside the transaction of the change it announces');
  if (events.length === 0) return [];
  const { rows } = await trx.executeQuery<{ position: number }>(CompiledQuery.raw('update event_outbox_head set position = position + $1 returning position', [events.length]));
  const head = Number(rows[0]!.position);
  const now = new Date().toISOString();
  const stored: ChangeEvent[] = events.map((e, i) => ({
    position: head - events.length + 1 + i,
    id: e.id ?? randomUUID(),
    type: e.type,
    subject: e.subject,
    time: e.time ?? now,
    data: e.data,
  }));
  await trx.executeQuery(
    CompiledQuery.raw(
      `insert into event_outbox (position, id, type, subject, time, data)
       select x.position, x.id, x.type, x.subject, x.time, x.data
       from jsonb_to_recordset($1::jsonb) as x(position bigint, id uuid, type text, subject text, time text, data jsonb)`,
      [JSON.stringify(stored)],
    ),
  );
  return stored;
}

export interface OutboxPage {
  events: ChangeEvent[];
  /** The highest committed position when the page was read. */
  head: number;
}

interface OutboxRow {
  position: number;
  id: string;
  type: EventType;
  subject: string;
  time: string;
  data: ChangeEvent['data'];
}

/** Events after `after`, at most `limit`, of the given types (all when absent), in position order. */
export async function readOutbox(db: AnyKysely, after: number, limit: number, types?: readonly EventType[]): Promise<OutboxPage> {
  // The head first, then only positions up to it: everything at or below a visible head has
  // committed (ADR 0070). Two small statements rather than one lateral join, whose row estimate
  // on a young table makes PostgreSQL JIT-compile it at every call.
  const head = await outboxHead(db);
  if (head <= after) return { events: [], head };
  const filter = types ? 'and type = any($4::text[])' : '';
  const params: unknown[] = [after, head, limit];
  if (types) params.push(types);
  const { rows } = await db.executeQuery<OutboxRow>(
    CompiledQuery.raw(`select position, id, type, subject, time, data from event_outbox where position > $1 and position <= $2 ${filter} order by position limit $3`, params),
  );
  const events = rows.map((r) => ({ position: Number(r.position), id: r.id, type: r.type, subject: r.subject, time: r.time, data: r.data }));
  return { events, head };
}

export async function outboxHead(db: AnyKysely): Promise<number> {
  const { rows } = await db.executeQuery<{ position: number }>(CompiledQuery.raw('select position from event_outbox_head'));
  return Number(rows[0]?.position ?? 0);
}
