/**
 * Complaints, LAPOR!-style: a citizen files a report with a category and a location; it is
 * routed to the agency responsible for the category and gets a public tracking id. The
 * agency verifies it within 3 working days and follows up within 5 after verification; once
 * the agency has answered, the report closes by itself after 10 working days without a reply
 * from the citizen. Every change is a row in the status history.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { SimpulError } from '../../core/errors.js';
import type { MemberId } from '../../core/ids.js';
import { seal, unseal, type PortalContext } from '../context.js';
import type { Selectable, Updateable } from 'kysely';
import type { ComplaintTable } from '../storage/schema.js';

type ComplaintRow = Selectable<ComplaintTable>;
import { DEFAULT_COMPLAINT_CATEGORIES, type ComplaintCategory } from './routing.js';
import { WorkingCalendar } from './working-days.js';

export const VERIFY_WITHIN_WORKING_DAYS = 3;
export const FOLLOW_UP_WITHIN_WORKING_DAYS = 5;
export const CLOSE_AFTER_WORKING_DAYS = 10;

export type ComplaintStatus = ComplaintRow['status'];

export interface ComplaintHistoryEntry {
  time: Date;
  status: string;
  actor: 'citizen' | 'agency' | 'system' | 'officer';
  note: string | null;
}

export interface ComplaintSummary {
  id: string;
  trackingId: string;
  category: string;
  agency: MemberId;
  status: ComplaintStatus;
  createdAt: Date;
  /** The deadline that applies now: verification, follow-up or automatic closing. */
  dueAt: Date | null;
  overdue: boolean;
}

export interface ComplaintDetail extends ComplaintSummary {
  title: string;
  body: string;
  location: string;
  /** True when an officer filed it at a counter on the citizen's behalf. */
  assisted: boolean;
  history: ComplaintHistoryEntry[];
}

export interface NewComplaint {
  accountId: string;
  actorId?: string | null;
  category: string;
  title: string;
  body: string;
  location: string;
}

const TRACKING_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function trackingId(): string {
  const chars = [...randomBytes(10)].map((b) => TRACKING_ALPHABET[b & 31]).join('');
  return `LPR-${chars.slice(0, 5)}-${chars.slice(5)}`;
}

function text(value: string, field: string, min: number, max: number): string {
  const trimmed = value.trim();
  if (trimmed.length < min || trimmed.length > max) throw new SimpulError('request.invalid', `${field} must have ${min} to ${max} characters.`, { field });
  return trimmed;
}

export class ComplaintDesk {
  readonly #ctx: PortalContext;
  readonly #calendar: WorkingCalendar;
  readonly categories: readonly ComplaintCategory[];

  constructor(ctx: PortalContext, options: { categories?: readonly ComplaintCategory[]; calendar?: WorkingCalendar } = {}) {
    this.#ctx = ctx;
    this.categories = options.categories ?? DEFAULT_COMPLAINT_CATEGORIES;
    this.#calendar = options.calendar ?? new WorkingCalendar();
  }

  get calendar(): WorkingCalendar {
    return this.#calendar;
  }

  async submit(input: NewComplaint): Promise<ComplaintSummary> {
    const category = this.categories.find((c) => c.code === input.category);
    if (!category) throw new SimpulError('request.invalid', `Unknown complaint category ${JSON.stringify(input.category)}.`, { field: 'category' });
    const title = text(input.title, 'title', 5, 150);
    const body = text(input.body, 'body', 20, 4000);
    const location = text(input.location, 'location', 3, 200);
    const ctx = this.#ctx;
    const id = randomUUID();
    const now = ctx.now();
    const row = {
      id,
      tracking_id: trackingId(),
      account_id: input.accountId,
      actor_id: input.actorId ?? null,
      category: category.code,
      agency: category.agency,
      title_sealed: seal(ctx, title, `complaint:${id}:title`),
      body_sealed: seal(ctx, body, `complaint:${id}:body`),
      location_sealed: seal(ctx, location, `complaint:${id}:location`),
      status: 'submitted' as const,
      created_at: now,
      verify_due: this.#calendar.addWorkingDays(now, VERIFY_WITHIN_WORKING_DAYS),
      follow_up_due: null,
      close_due: null,
      closed_at: null,
    };
    await ctx.db.transaction().execute(async (trx) => {
      await trx.insertInto('complaint').values(row).execute();
      await trx.insertInto('complaint_event').values({ complaint_id: id, time: now, status: 'submitted', actor: input.actorId ? 'officer' : 'citizen', actor_id: input.actorId ?? input.accountId, note_sealed: null }).execute();
    });
    return this.#summary(row);
  }

  async listForAccount(accountId: string): Promise<ComplaintSummary[]> {
    const rows = await this.#ctx.db.selectFrom('complaint').selectAll().where('account_id', '=', accountId).orderBy('created_at', 'desc').limit(100).execute();
    return rows.map((r) => this.#summary(r));
  }

  async listForAgency(agency: MemberId, status?: ComplaintStatus): Promise<ComplaintSummary[]> {
    let query = this.#ctx.db.selectFrom('complaint').selectAll().where('agency', '=', agency);
    if (status) query = query.where('status', '=', status);
    const rows = await query.orderBy('created_at', 'asc').limit(200).execute();
    return rows.map((r) => this.#summary(r));
  }

  /** What anyone holding the tracking id sees: status and dates, no personal data. */
  async publicStatus(tracking: string): Promise<(ComplaintSummary & { history: { time: Date; status: string }[] }) | undefined> {
    const row = await this.#ctx.db.selectFrom('complaint').selectAll().where('tracking_id', '=', tracking.trim().toUpperCase()).executeTakeFirst();
    if (!row) return undefined;
    const history = await this.#history(row.id);
    return { ...this.#summary(row), history: history.map(({ time, status }) => ({ time, status })) };
  }

  async detailForAccount(accountId: string, tracking: string): Promise<ComplaintDetail | undefined> {
    const row = await this.#ctx.db.selectFrom('complaint').selectAll().where('tracking_id', '=', tracking).where('account_id', '=', accountId).executeTakeFirst();
    return row ? this.#detail(row) : undefined;
  }

  async detailForAgency(agency: MemberId, id: string): Promise<ComplaintDetail | undefined> {
    const row = await this.#ctx.db.selectFrom('complaint').selectAll().where('id', '=', id).where('agency', '=', agency).executeTakeFirst();
    return row ? this.#detail(row) : undefined;
  }

  /** The agency accepts the report as a genuine one it must handle; the follow-up clock starts. */
  async verify(agency: MemberId, staffId: string, id: string, note?: string): Promise<void> {
    await this.#transition(agency, id, ['submitted'], 'verified', { actor: 'agency', actorId: staffId, note }, (now) => ({ follow_up_due: this.#calendar.addWorkingDays(now, FOLLOW_UP_WITHIN_WORKING_DAYS) }));
  }

  /** The agency's follow-up answer; the citizen has 10 working days to reply before it closes. */
  async respond(agency: MemberId, staffId: string, id: string, answer: string): Promise<void> {
    const note = text(answer, 'answer', 5, 4000);
    await this.#transition(agency, id, ['verified'], 'responded', { actor: 'agency', actorId: staffId, note }, (now) => ({ close_due: this.#calendar.addWorkingDays(now, CLOSE_AFTER_WORKING_DAYS) }));
  }

  /** The citizen replies: satisfied closes it; otherwise the agency owes a new follow-up. */
  async reply(accountId: string, tracking: string, message: string, satisfied: boolean): Promise<void> {
    const row = await this.#ctx.db.selectFrom('complaint').select(['id', 'agency']).where('tracking_id', '=', tracking).where('account_id', '=', accountId).executeTakeFirst();
    if (!row) throw new SimpulError('request.not_found', 'No such complaint.');
    const note = message.trim() ? text(message, 'message', 1, 4000) : undefined;
    if (satisfied) {
      await this.#transition(row.agency as MemberId, row.id, ['responded'], 'closed', { actor: 'citizen', actorId: accountId, note }, (now) => ({ closed_at: now, close_due: null }));
    } else {
      await this.#transition(row.agency as MemberId, row.id, ['responded'], 'verified', { actor: 'citizen', actorId: accountId, note }, (now) => ({ follow_up_due: this.#calendar.addWorkingDays(now, FOLLOW_UP_WITHIN_WORKING_DAYS), close_due: null }));
    }
  }

  /** Closes every answered report whose citizen did not reply in time; returns how many. */
  async closeStale(): Promise<number> {
    const now = this.#ctx.now();
    const due = await this.#ctx.db.selectFrom('complaint').select(['id', 'agency']).where('status', '=', 'responded').where('close_due', '<', now).execute();
    for (const row of due) {
      await this.#transition(row.agency as MemberId, row.id, ['responded'], 'closed', { actor: 'system', actorId: null, note: 'closed: no reply within 10 working days' }, () => ({ closed_at: now }));
    }
    return due.length;
  }

  async #transition(
    agency: MemberId,
    id: string,
    from: ComplaintStatus[],
    to: ComplaintStatus,
    by: { actor: ComplaintHistoryEntry['actor']; actorId: string | null; note?: string | undefined },
    extra: (now: Date) => Pick<Updateable<ComplaintTable>, 'follow_up_due' | 'close_due' | 'closed_at'>,
  ): Promise<void> {
    const ctx = this.#ctx;
    const now = ctx.now();
    await ctx.db.transaction().execute(async (trx) => {
      const updated = await trx.updateTable('complaint').set({ status: to, ...extra(now) })
        .where('id', '=', id).where('agency', '=', agency).where('status', 'in', from).executeTakeFirst();
      if (updated.numUpdatedRows === 0n) {
        const exists = await trx.selectFrom('complaint').select('status').where('id', '=', id).where('agency', '=', agency).executeTakeFirst();
        if (!exists) throw new SimpulError('request.not_found', 'No such complaint for this agency.');
        throw new SimpulError('request.conflict', `The complaint is ${exists.status}; it cannot become ${to}.`);
      }
      await trx.insertInto('complaint_event').values({
        complaint_id: id, time: now, status: to, actor: by.actor, actor_id: by.actorId,
        note_sealed: by.note ? seal(ctx, by.note, `complaint:${id}:note`) : null,
      }).execute();
    });
  }

  async #history(id: string): Promise<ComplaintHistoryEntry[]> {
    const rows = await this.#ctx.db.selectFrom('complaint_event').selectAll().where('complaint_id', '=', id).orderBy('id', 'asc').execute();
    return rows.map((r) => ({ time: r.time, status: r.status, actor: r.actor, note: r.note_sealed ? unseal(this.#ctx, r.note_sealed, `complaint:${id}:note`) : null }));
  }

  async #detail(row: ComplaintRow): Promise<ComplaintDetail> {
    const ctx = this.#ctx;
    return {
      ...this.#summary(row),
      title: unseal(ctx, row.title_sealed, `complaint:${row.id}:title`),
      body: unseal(ctx, row.body_sealed, `complaint:${row.id}:body`),
      location: unseal(ctx, row.location_sealed, `complaint:${row.id}:location`),
      assisted: row.actor_id !== null,
      history: await this.#history(row.id),
    };
  }

  #summary(row: ComplaintRow): ComplaintSummary {
    const dueAt = row.status === 'submitted' ? row.verify_due : row.status === 'verified' ? row.follow_up_due : row.status === 'responded' ? row.close_due : null;
    return {
      id: row.id,
      trackingId: row.tracking_id,
      category: row.category,
      agency: row.agency as MemberId,
      status: row.status,
      createdAt: row.created_at,
      dueAt,
      // An answered report past its date is the citizen's silence, not the agency's delay.
      overdue: dueAt !== null && row.status !== 'responded' && dueAt.getTime() < this.#ctx.now().getTime(),
    };
  }
}
