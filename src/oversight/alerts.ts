/**
 * The alert desk: alerts raised by the security rules, listed, acknowledged and closed with
 * a note, every step recorded with who did it; a new alert can be posted to a webhook
 * (signed with HMAC-SHA256 so the receiver can tell it came from here).
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { SimpulError } from '../core/errors.js';
import type { OversightTables } from './schema.js';

export type AlertStatus = 'open' | 'acknowledged' | 'closed';
export type Severity = 'high' | 'medium';
export type Alert = Selectable<OversightTables['alert']>;

export interface RaisedAlert {
  rule: string;
  subjectKey: string;
  member: string | null;
  severity: Severity;
  title: string;
  detail: string;
  evidence: Record<string, unknown>;
  windowStart: number;
  windowEnd: number;
}

export interface Webhook {
  url: string;
  /** Shared secret for the `Simpul-Signature` header; unsigned when absent. */
  secret?: string;
  fetch?: typeof fetch;
}

export interface AlertFilter {
  status?: AlertStatus;
  /** Only alerts about this member (an agency administrator's view). */
  member?: string;
  rule?: string;
}

export class AlertDesk {
  readonly #db: Kysely<OversightTables>;
  readonly #now: () => number;
  readonly #webhook: Webhook | undefined;

  constructor(options: { db: Kysely<OversightTables>; now?: () => number; webhook?: Webhook }) {
    this.#db = options.db;
    this.#now = options.now ?? Date.now;
    this.#webhook = options.webhook;
  }

  /**
   * Raises an alert, or extends the one not yet closed for the same rule and subject: a burst
   * that lasts an hour is one alert, not six. Returns the alert and whether it is new.
   */
  async raise(a: RaisedAlert): Promise<{ alert: Alert; created: boolean }> {
    const now = this.#now();
    const current = await this.#db.selectFrom('alert').selectAll()
      .where('rule', '=', a.rule).where('subject_key', '=', a.subjectKey).where('status', '<>', 'closed')
      .orderBy('raised_at', 'desc').executeTakeFirst();
    if (current) {
      const updated = await this.#db.updateTable('alert')
        .set({ window_end: Math.max(Number(current.window_end), a.windowEnd), detail: a.detail, evidence: JSON.stringify(a.evidence), updated_at: now })
        .where('id', '=', current.id).returningAll().executeTakeFirstOrThrow();
      return { alert: updated, created: false };
    }
    const alert = await this.#db.insertInto('alert').values({
      id: randomUUID(), rule: a.rule, subject_key: a.subjectKey, member: a.member, severity: a.severity, title: a.title, detail: a.detail,
      evidence: JSON.stringify(a.evidence), window_start: a.windowStart, window_end: a.windowEnd, status: 'open', raised_at: now, updated_at: now,
      acknowledged_by: null, closed_by: null, close_note: null, webhook_status: null,
    }).returningAll().executeTakeFirstOrThrow();
    if (this.#webhook) return { alert: await this.#notify(alert, this.#webhook), created: true };
    return { alert, created: true };
  }

  async list(filter: AlertFilter = {}): Promise<Alert[]> {
    let q = this.#db.selectFrom('alert').selectAll();
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.member) q = q.where('member', '=', filter.member);
    if (filter.rule) q = q.where('rule', '=', filter.rule);
    return q.orderBy('raised_at', 'desc').limit(500).execute();
  }

  async get(id: string): Promise<Alert> {
    const alert = await this.#db.selectFrom('alert').selectAll().where('id', '=', id).executeTakeFirst();
    if (!alert) throw new SimpulError('request.not_found', `No alert ${id}.`);
    return alert;
  }

  async acknowledge(id: string, by: string): Promise<Alert> {
    const alert = await this.get(id);
    if (alert.status !== 'open') throw new SimpulError('oversight.alert_state', `Alert ${id} is ${alert.status}; only an open alert can be acknowledged.`);
    return this.#db.updateTable('alert').set({ status: 'acknowledged', acknowledged_by: by, updated_at: this.#now() }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  }

  async close(id: string, by: string, note: string): Promise<Alert> {
    const text = note.trim();
    if (text.length < 3) throw new SimpulError('request.invalid', 'Closing an alert needs a note saying what was found or done.');
    const alert = await this.get(id);
    if (alert.status === 'closed') throw new SimpulError('oversight.alert_state', `Alert ${id} is already closed.`);
    return this.#db.updateTable('alert').set({ status: 'closed', closed_by: by, close_note: text.slice(0, 2000), acknowledged_by: alert.acknowledged_by ?? by, updated_at: this.#now() }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  }

  async #notify(alert: Alert, webhook: Webhook): Promise<Alert> {
    const status = await postWebhook(webhook, { type: 'simpul.oversight.alert', alert: publicAlert(alert) });
    return this.#db.updateTable('alert').set({ webhook_status: status }).where('id', '=', alert.id).returningAll().executeTakeFirstOrThrow();
  }
}

/**
 * Posts one event to the webhook, signed with HMAC-SHA256 over the exact body in
 * `Simpul-Signature` when a secret is set. Returns what happened (`sent 200`, `failed …`) for
 * the record; it never throws, so a receiver that is down does not stop the round.
 */
export async function postWebhook(webhook: Webhook, event: { type: string } & Record<string, unknown>): Promise<string> {
  const body = JSON.stringify(event);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (webhook.secret) headers['simpul-signature'] = `sha256=${createHmac('sha256', webhook.secret).update(body).digest('hex')}`;
  try {
    const response = await (webhook.fetch ?? fetch)(webhook.url, { method: 'POST', body, headers, signal: AbortSignal.timeout(5000) });
    return response.ok ? `sent ${response.status}` : `failed ${response.status}`;
  } catch (error) {
    return `failed: ${(error as Error).message}`.slice(0, 200);
  }
}

/** The alert as the API and the webhook show it. */
export function publicAlert(a: Alert) {
  return {
    id: a.id, rule: a.rule, subject: a.subject_key, member: a.member, severity: a.severity, title: a.title, detail: a.detail,
    evidence: JSON.parse(a.evidence) as unknown, windowStart: new Date(Number(a.window_start)).toISOString(), windowEnd: new Date(Number(a.window_end)).toISOString(),
    status: a.status, raisedAt: new Date(Number(a.raised_at)).toISOString(), acknowledgedBy: a.acknowledged_by, closedBy: a.closed_by, closeNote: a.close_note, webhook: a.webhook_status,
  };
}
