/**
 * Access-right expiry reminders. The rights and their expiry come from the registry's signed
 * global configuration (the rights in force), so no one's token is needed to read them. When a
 * right will expire within one of the thresholds (30, 7 and 1 days by default), one reminder is
 * sent to the agencies concerned — the client's and the provider's — through the webhook
 * (`simpul.oversight.access_right_expiry`, signed as the alerts are) and listed in the console
 * for those agencies' administrators.
 *
 * A reminder is recorded before it is delivered, keyed by right, expiry and threshold: a restart
 * does not send it again, and a renewed right (another expiry, or a new right) is reminded
 * afresh. A right first seen when several thresholds are already crossed gets the nearest
 * one only: "expires within 30 days" is no news five days before the end.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { memberOf, type ServiceId, type SubsystemId } from '../core/ids.js';
import type { AccessRightEntry } from '../registry/global-conf.js';
import { postWebhook, type Webhook } from './alerts.js';
import type { OversightTables } from './schema.js';

export const DEFAULT_REMINDER_DAYS: readonly number[] = [30, 7, 1];
export const REMINDER_EVENT = 'simpul.oversight.access_right_expiry';
/** A delivery that failed is tried again on later rounds, this many times in all. */
const MAX_ATTEMPTS = 5;
const DAY_MS = 86_400_000;

export type Reminder = Selectable<OversightTables['expiry_reminder']>;

export interface ExpiryRemindersOptions {
  db: Kysely<OversightTables>;
  /** The rights in force (the registry's signed configuration). */
  rights: () => readonly AccessRightEntry[];
  /** Days before expiry at which a reminder goes out. Default 30, 7, 1. */
  days?: readonly number[];
  webhook?: Webhook;
  now?: () => number;
}

/** Checks reminder thresholds: whole days, at least one, none repeated. */
export function reminderDays(days: readonly number[] | undefined): number[] {
  const list = [...(days ?? DEFAULT_REMINDER_DAYS)];
  if (list.length === 0 || list.some((d) => !Number.isInteger(d) || d < 1 || d > 366) || new Set(list).size !== list.length) {
    throw new RangeError(`Expiry reminder thresholds are distinct whole days between 1 and 366; got ${JSON.stringify(list)}.`);
  }
  return list.sort((a, b) => a - b);
}

export class ExpiryReminders {
  readonly #o: ExpiryRemindersOptions;
  readonly #now: () => number;
  /** Ascending. */
  readonly days: number[];

  constructor(options: ExpiryRemindersOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.days = reminderDays(options.days);
  }

  /** Sends the reminders that are due and retries failed deliveries; returns the ones created now. */
  async run(): Promise<Reminder[]> {
    const now = this.#now();
    const db = this.#o.db;
    const sent = await db.selectFrom('expiry_reminder').select(['right_id', 'expires_at', 'threshold_days']).where('expires_at', '>', now).execute();
    const reached = new Map<string, number>();
    for (const r of sent) {
      const key = `${r.right_id} ${Number(r.expires_at)}`;
      reached.set(key, Math.min(reached.get(key) ?? Infinity, Number(r.threshold_days)));
    }
    const created: Reminder[] = [];
    for (const right of this.#o.rights()) {
      if (!right.expiresAt) continue;
      const expiresAt = Date.parse(right.expiresAt);
      const left = expiresAt - now;
      if (!(left > 0)) continue;
      const threshold = this.days.find((d) => left <= d * DAY_MS);
      if (threshold === undefined) continue;
      // Already reminded at this threshold or a nearer one for this expiry.
      if ((reached.get(`${right.id} ${expiresAt}`) ?? Infinity) <= threshold) continue;
      const row = await db.insertInto('expiry_reminder').values({
        id: randomUUID(), right_id: right.id, client: right.client, client_member: memberOf(right.client as SubsystemId), service: right.service,
        provider_member: memberOf(right.service as ServiceId), purpose: right.purpose, legal_basis: right.legalBasis, expires_at: expiresAt,
        threshold_days: threshold, created_at: now, webhook_status: null, webhook_attempts: 0,
      }).onConflict((oc) => oc.columns(['right_id', 'expires_at', 'threshold_days']).doNothing()).returningAll().executeTakeFirst();
      if (row) created.push(row);
    }
    if (this.#o.webhook) {
      const undelivered = await db.selectFrom('expiry_reminder').selectAll()
        .where('expires_at', '>', now).where('webhook_attempts', '<', MAX_ATTEMPTS)
        .where((eb) => eb.or([eb('webhook_status', 'is', null), eb('webhook_status', 'not like', 'sent%')]))
        .orderBy('created_at').execute();
      for (const r of undelivered) await this.#deliver(r, this.#o.webhook);
    }
    return created;
  }

  /** Reminders, newest first; `member` limits them to those concerning one agency. */
  async list(filter: { member?: string } = {}): Promise<Reminder[]> {
    let q = this.#o.db.selectFrom('expiry_reminder').selectAll();
    if (filter.member !== undefined) {
      const member = filter.member;
      q = q.where((eb) => eb.or([eb('client_member', '=', member), eb('provider_member', '=', member)]));
    }
    return q.orderBy('created_at', 'desc').orderBy('expires_at').limit(500).execute();
  }

  async #deliver(r: Reminder, webhook: Webhook): Promise<void> {
    const status = await postWebhook(webhook, { type: REMINDER_EVENT, reminder: publicReminder(r) });
    await this.#o.db.updateTable('expiry_reminder').set({ webhook_status: status, webhook_attempts: Number(r.webhook_attempts) + 1 }).where('id', '=', r.id).execute();
  }
}

/** The reminder as the API and the webhook show it. */
export function publicReminder(r: Reminder) {
  return {
    id: r.id, right: r.right_id, client: r.client, service: r.service, purpose: r.purpose, legalBasis: r.legal_basis,
    expiresAt: new Date(Number(r.expires_at)).toISOString(), withinDays: Number(r.threshold_days),
    agencies: [...new Set([r.client_member, r.provider_member])], createdAt: new Date(Number(r.created_at)).toISOString(), webhook: r.webhook_status,
  };
}
