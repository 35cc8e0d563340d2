/**
 * A subscriber's own tables, in the same database as the copy its events update, so that an
 * event's effect, its inbox row (the idempotency key) and the new position commit together.
 */
import { CompiledQuery, sql, type Kysely } from 'kysely';
import { migrate, type Migrations } from '../core/storage/migrate.js';
import type { ChangeEvent } from './event.js';

const migrations: Migrations = {
  '0001_subscriptions': {
    async up(db: Kysely<unknown>) {
      await sql.raw(`
        create table event_subscription (
          name text primary key,
          service text not null,
          position bigint not null default 0,
          head bigint not null default 0,
          last_event_time text,
          last_applied_at bigint,
          last_polled_at bigint,
          last_error text,
          updated_at bigint not null
        );
        create table event_inbox (
          subscription text not null,
          event_id uuid not null,
          position bigint not null,
          subject text not null,
          type text not null,
          exchange_id text,
          applied_at bigint not null,
          primary key (subscription, event_id)
        );
        create index event_inbox_position on event_inbox (subscription, position);
        create index event_inbox_subject on event_inbox (subject);
        create table event_dead_letter (
          id bigserial primary key,
          subscription text not null,
          position bigint not null,
          event_id text not null,
          subject text not null,
          type text not null,
          event jsonb not null,
          state text not null check (state in ('failed', 'held', 'replayed')),
          reason text not null,
          attempts integer not null,
          exchange_id text,
          created_at bigint not null,
          resolved_at bigint
        );
        create index event_dead_letter_open on event_dead_letter (subscription, subject) where state in ('failed', 'held');
        create index event_dead_letter_position on event_dead_letter (subscription, position);
      `).execute(db);
    },
  },
};

export async function migrateSubscriptionStore(db: Kysely<unknown>, schema: string): Promise<void> {
  await migrate(db, schema, migrations, 'events_subscriber');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDb = Kysely<any>;

export interface SubscriptionStatus {
  name: string;
  service: string;
  /** The last position applied (or dead-lettered). */
  position: number;
  /** The publisher's head when last polled. */
  head: number;
  /** Events published but not yet applied, as of the last poll. */
  behind: number;
  /** Time of the last applied event at the publisher (ISO 8601). */
  lastEventTime: string | null;
  /** Milliseconds from the last applied event's time at the publisher to its effect here. */
  lastLagMs: number | null;
  lastAppliedAt: string | null;
  lastPolledAt: string | null;
  lastError: string | null;
  /** Dead letters not yet replayed: failed events and the events held behind them. */
  openDeadLetters: number;
}

export interface DeadLetter {
  id: number;
  subscription: string;
  position: number;
  eventId: string;
  subject: string;
  type: string;
  state: 'failed' | 'held' | 'replayed';
  reason: string;
  attempts: number;
  exchangeId: string | null;
  createdAt: string;
  resolvedAt: string | null;
  event: ChangeEvent;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

export async function ensureSubscription(db: AnyDb, name: string, service: string): Promise<void> {
  await db.executeQuery(CompiledQuery.raw('insert into event_subscription (name, service, updated_at) values ($1, $2, $3) on conflict (name) do nothing', [name, service, Date.now()]));
}

export async function subscriptionStatus(db: AnyDb, name?: string): Promise<SubscriptionStatus[]> {
  const { rows } = await db.executeQuery<{
    name: string; service: string; position: number; head: number; last_event_time: string | null; last_applied_at: number | null;
    last_polled_at: number | null; last_error: string | null; open: number;
  }>(
    CompiledQuery.raw(
      `select s.*, (select count(*)::int from event_dead_letter d where d.subscription = s.name and d.state in ('failed', 'held')) as open
       from event_subscription s where ($1::text is null or s.name = $1) order by s.name`,
      [name ?? null],
    ),
  );
  return rows.map((r) => {
    const position = Number(r.position);
    const head = Number(r.head);
    const applied = r.last_applied_at === null ? null : Number(r.last_applied_at);
    return {
      name: r.name,
      service: r.service,
      position,
      head,
      behind: Math.max(0, head - position),
      lastEventTime: r.last_event_time,
      lastLagMs: applied !== null && r.last_event_time ? Math.max(0, applied - Date.parse(r.last_event_time)) : null,
      lastAppliedAt: iso(applied),
      lastPolledAt: iso(r.last_polled_at === null ? null : Number(r.last_polled_at)),
      lastError: r.last_error,
      openDeadLetters: Number(r.open),
    };
  });
}

export async function listDeadLetters(db: AnyDb, options: { subscription?: string | undefined; includeReplayed?: boolean; limit?: number } = {}): Promise<DeadLetter[]> {
  const { rows } = await db.executeQuery<{
    id: number; subscription: string; position: number; event_id: string; subject: string; type: string; state: DeadLetter['state'];
    reason: string; attempts: number; exchange_id: string | null; created_at: number; resolved_at: number | null; event: ChangeEvent;
  }>(
    CompiledQuery.raw(
      `select * from event_dead_letter
       where ($1::text is null or subscription = $1) and ($2::boolean or state in ('failed', 'held'))
       order by subscription, position, id limit $3`,
      [options.subscription ?? null, options.includeReplayed ?? false, options.limit ?? 1000],
    ),
  );
  return rows.map((r) => ({
    id: Number(r.id),
    subscription: r.subscription,
    position: Number(r.position),
    eventId: r.event_id,
    subject: r.subject,
    type: r.type,
    state: r.state,
    reason: r.reason,
    attempts: r.attempts,
    exchangeId: r.exchange_id,
    createdAt: iso(Number(r.created_at))!,
    resolvedAt: iso(r.resolved_at === null ? null : Number(r.resolved_at)),
    event: r.event,
  }));
}

export interface ReplayResult {
  subscription: string;
  /** The position the subscription will continue after (from - 1). */
  position: number;
  /** Dead letters at or after `from` that were closed so their events are tried again. */
  reopened: number;
  /** Inbox entries forgotten (only with `reapply`), so those events take effect again. */
  forgotten: number;
}

/**
 * Rewinds a subscription so it reads again from position `from`. Events already applied are
 * skipped by their ids (effect once) unless `reapply` forgets them; dead letters from `from` on
 * are closed as "replayed" so their events, and those held behind them, are tried again.
 * A running subscriber notices at its next step: it compares positions before every commit.
 */
export async function replaySubscription(db: AnyDb, name: string, from: number, options: { reapply?: boolean } = {}): Promise<ReplayResult> {
  if (!Number.isSafeInteger(from) || from < 1) throw new RangeError('Replay starts at a position of 1 or more.');
  return db.transaction().execute(async (trx) => {
    const { rows } = await trx.executeQuery(CompiledQuery.raw('update event_subscription set position = $2, last_error = null, updated_at = $3 where name = $1 returning name', [name, from - 1, Date.now()]));
    if (rows.length === 0) throw new RangeError(`No subscription named ${name}.`);
    const reopened = await trx.executeQuery(CompiledQuery.raw(`update event_dead_letter set state = 'replayed', resolved_at = $3 where subscription = $1 and position >= $2 and state in ('failed', 'held')`, [name, from, Date.now()]));
    let forgotten = 0;
    if (options.reapply) {
      const deleted = await trx.executeQuery(CompiledQuery.raw('delete from event_inbox where subscription = $1 and position >= $2', [name, from]));
      forgotten = Number(deleted.numAffectedRows ?? 0);
    }
    return { subscription: name, position: from - 1, reopened: Number(reopened.numAffectedRows ?? 0), forgotten };
  });
}
