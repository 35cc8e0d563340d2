/**
 * Once-only applications: consent first, then the prefill through the portal's gateway with
 * the citizen as data subject and the application's purpose, then a preview in which any
 * value can be disputed (a correction request addressed to the agency that owns it).
 *
 * Before every gateway call the consent is checked again (signature, expiry, revocation, and
 * that it covers the service): revoking consent stops further access at once.
 */
import { randomUUID } from 'node:crypto';
import { SimpulError } from '../../core/errors.js';
import type { ExchangeId, MemberId, Nik, ServiceId, SubsystemId } from '../../core/ids.js';
import { seal, unseal, type PortalContext } from '../context.js';
import { GatewayCallError, type GatewayClient } from '../gateway-client.js';
import type { CorrectionChannel, DisputeDecision } from './correction-channel.js';
import { APPLICATION_KINDS, type ApplicationKind, type DataItemSpec } from './catalogue.js';
import { signConsent, verifyConsent, type ConsentClaims } from './consent-artefact.js';
import type { WorkingCalendar } from '../complaints/working-days.js';
import type { ApplicationTable } from '../storage/schema.js';
import type { SavedNibForm } from '../workflow/nib-form.js';

export interface ConsentView {
  id: string;
  applicationId: string | null;
  purpose: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  state: 'active' | 'expired' | 'revoked';
  jws: string;
  claims: ConsentClaims;
}

export interface PrefilledValue {
  spec: DataItemSpec;
  value: string | null;
  exchangeId: string | null;
  disputed: boolean;
  /** The latest dispute of this value and how far it got at the owning agency. */
  dispute: DisputeView | null;
}

export interface DisputeView {
  /** The portal's reference, also quoted in the agency's queue. */
  reference: string;
  agency: string;
  /** `filed`: with the agency, awaiting its decision; `local`: kept in the portal's back office only. */
  status: 'local' | 'filed' | 'accepted' | 'rejected';
  decidedAt: Date | null;
  note: string | null;
}

export interface StepView {
  seq: number;
  code: string;
  agency: string;
  service: string;
  status: 'pending' | 'running' | 'done' | 'failed';
  label: { id: string; en: string };
  dueAt: Date | null;
  /** Not finished and past its working-day deadline. */
  overdue: boolean;
  startedAt: Date | null;
  finishedAt: Date | null;
  attempts: number;
  errorCode: string | null;
  errorDetail: string | null;
  exchangeIds: string[];
}

export interface ApplicationView {
  id: string;
  kind: ApplicationKind;
  status: ApplicationStatus;
  createdAt: Date;
  submittedAt: Date | null;
  assisted: boolean;
  consent: ConsentView | null;
  values: PrefilledValue[];
  /** The parts of prefilled items that have them (the address), to fill forms. */
  parts: Record<string, Record<string, string>>;
  form: SavedNibForm | null;
  steps: StepView[];
  permitNumber: string | null;
}

export type ApplicationStatus = ApplicationTable['status'];

export class Applications {
  readonly #ctx: PortalContext;
  readonly #gateway: GatewayClient;
  readonly #client: SubsystemId;
  readonly #calendar: WorkingCalendar;
  readonly #corrections: CorrectionChannel | undefined;

  constructor(ctx: PortalContext, gateway: GatewayClient, options: { client: SubsystemId; calendar: WorkingCalendar; corrections?: CorrectionChannel | undefined }) {
    this.#ctx = ctx;
    this.#gateway = gateway;
    this.#client = options.client;
    this.#calendar = options.calendar;
    this.#corrections = options.corrections;
  }

  kind(kind: string): ApplicationKind {
    const found = APPLICATION_KINDS.find((k) => k.kind === kind);
    if (!found) throw new SimpulError('request.not_found', `No application kind ${kind}.`);
    return found;
  }

  /** The citizen agrees on the consent screen: the application and its signed consent are created. */
  async start(input: { accountId: string; nik: Nik; kind: string; actorId?: string | null }): Promise<{ applicationId: string; consentId: string }> {
    const kind = this.kind(input.kind);
    const ctx = this.#ctx;
    const now = ctx.now();
    const applicationId = randomUUID();
    const consentId = randomUUID();
    const claims: ConsentClaims = {
      jti: consentId,
      iss: this.#client,
      sub: input.nik,
      iat: Math.floor(now.getTime() / 1000),
      exp: Math.floor(now.getTime() / 1000) + kind.consentDays * 86_400,
      purpose: kind.purpose,
      legal_basis: kind.legalBasis,
      items: [...kind.items, ...kind.workflowUses].map(({ item, service, agency }) => ({ item, service, agency })),
      application: applicationId,
    };
    const jws = await signConsent(ctx.keys.consent, claims);
    await ctx.db.transaction().execute(async (trx) => {
      await trx.insertInto('application').values({
        id: applicationId, account_id: input.accountId, actor_id: input.actorId ?? null, kind: kind.kind, status: 'draft',
        consent_id: consentId, form_sealed: null, created_at: now, updated_at: now,
      }).execute();
      await trx.insertInto('consent').values({
        id: consentId, account_id: input.accountId, application_id: applicationId, purpose: kind.purpose,
        jws_sealed: seal(ctx, jws, `consent:${consentId}:jws`), services: [...new Set(claims.items.map((i) => i.service))].join(' '),
        created_at: now, expires_at: new Date(claims.exp * 1000), revoked_at: null,
      }).execute();
      await trx.insertInto('application_step').values(kind.steps.map((s, i) => ({
        application_id: applicationId, seq: i + 1, code: s.code, agency: s.agency, service: s.service, status: 'pending' as const,
        due_at: null, exchange_id: null, started_at: null, finished_at: null, result_sealed: null,
      }))).execute();
    });
    return { applicationId, consentId };
  }

  /**
   * Checks the consent in force for a call: it exists, belongs to the account, is not revoked,
   * verifies, has not expired, and covers the service and purpose. Throws a consent.* problem.
   */
  async assertConsent(accountId: string, consentId: string, service: ServiceId, purpose: string): Promise<ConsentClaims> {
    const row = await this.#ctx.db.selectFrom('consent').selectAll().where('id', '=', consentId).where('account_id', '=', accountId).executeTakeFirst();
    if (!row) throw new SimpulError('consent.required', 'No consent was given for this application.');
    if (row.revoked_at) throw new SimpulError('consent.revoked', `The consent was revoked at ${row.revoked_at.toISOString()}.`);
    const claims = await verifyConsent(this.#ctx.keys.consent.publicKey, unseal(this.#ctx, row.jws_sealed, `consent:${consentId}:jws`), this.#ctx.now());
    if (claims.purpose !== purpose || !claims.items.some((i) => i.service === service)) {
      throw new SimpulError('consent.required', `The consent does not cover ${service} for purpose ${purpose}.`);
    }
    return claims;
  }

  /** Fetches every consented item through the gateway, one call per source service. */
  async prefill(accountId: string, applicationId: string): Promise<void> {
    const app = await this.#application(accountId, applicationId);
    const kind = this.kind(app.kind);
    if (!app.consent_id) throw new SimpulError('consent.required', 'The application has no consent.');
    if (app.submitted_at) throw new SimpulError('request.conflict', 'The application was submitted; its data can no longer be fetched again.');
    const services = [...new Set(kind.items.map((i) => i.service))];
    for (const service of services) {
      const claims = await this.assertConsent(accountId, app.consent_id, service, kind.purpose);
      const exchangeId = randomUUID() as ExchangeId;
      const response = await this.#gateway.call<Record<string, unknown>>({
        service, method: 'GET', path: `/${claims.sub}`, purpose: kind.purpose, subject: claims.sub, exchangeId,
      });
      const now = this.#ctx.now();
      // Keep only the consented items: the rest of the record is dropped here (data minimisation).
      const consented = new Set(claims.items.filter((i) => i.service === service).map((i) => i.item));
      for (const spec of kind.items.filter((i) => i.service === service && consented.has(i.item))) {
        const value = spec.read(response.body);
        const parts = spec.readParts ? seal(this.#ctx, JSON.stringify(spec.readParts(response.body)), `prefill:${applicationId}:${spec.item}:parts`) : null;
        await this.#ctx.db.insertInto('prefill_value').values({
          application_id: applicationId, item: spec.item, service, value_sealed: seal(this.#ctx, value, `prefill:${applicationId}:${spec.item}`),
          exchange_id: response.exchangeId, fetched_at: now, structured_sealed: parts,
        }).onConflict((c) => c.columns(['application_id', 'item']).doUpdateSet({
          value_sealed: (eb) => eb.ref('excluded.value_sealed'), exchange_id: (eb) => eb.ref('excluded.exchange_id'), fetched_at: now,
          structured_sealed: (eb) => eb.ref('excluded.structured_sealed'),
        })).execute();
      }
    }
    await this.#ctx.db.updateTable('application').set({ status: 'prefilled', updated_at: this.#ctx.now() }).where('id', '=', applicationId).where('status', 'in', ['draft', 'prefilled']).execute();
  }

  /** Prefill, turning a gateway refusal into a message kept for the preview instead of an error page. */
  async tryPrefill(accountId: string, applicationId: string): Promise<string | undefined> {
    try {
      await this.prefill(accountId, applicationId);
      return undefined;
    } catch (error) {
      if (error instanceof GatewayCallError) return error.code ?? `http.${error.status}`;
      if (error instanceof SimpulError && error.code.startsWith('consent.')) return error.code;
      throw error;
    }
  }

  async revokeConsent(accountId: string, consentId: string): Promise<void> {
    const updated = await this.#ctx.db.updateTable('consent').set({ revoked_at: this.#ctx.now() })
      .where('id', '=', consentId).where('account_id', '=', accountId).where('revoked_at', 'is', null).executeTakeFirst();
    if (updated.numUpdatedRows === 0n) {
      const exists = await this.#ctx.db.selectFrom('consent').select('id').where('id', '=', consentId).where('account_id', '=', accountId).executeTakeFirst();
      if (!exists) throw new SimpulError('request.not_found', 'No such consent.');
    }
  }

  /**
   * Files a correction request with the agency that owns the disputed value, through the
   * correction channel when the portal has one (otherwise it stays in the portal's back office).
   * It is filed before it is stored: when the agency's queue cannot be reached nothing is kept
   * and the citizen can try again.
   */
  async dispute(input: { accountId: string; applicationId: string; item: string; claimed: string; reason: string }): Promise<string> {
    const app = await this.#application(input.accountId, input.applicationId);
    const spec = this.kind(app.kind).items.find((i) => i.item === input.item);
    if (!spec) throw new SimpulError('request.invalid', `No data item ${input.item} in this application.`, { field: 'item' });
    const current = await this.#ctx.db.selectFrom('prefill_value').selectAll().where('application_id', '=', input.applicationId).where('item', '=', input.item).executeTakeFirst();
    if (!current) throw new SimpulError('request.conflict', 'This value has not been fetched yet.');
    const claimed = input.claimed.trim();
    const reason = input.reason.trim();
    if (claimed.length < 1 || claimed.length > 500) throw new SimpulError('request.invalid', 'The correct value must have 1 to 500 characters.', { field: 'claimed' });
    if (reason.length > 1000) throw new SimpulError('request.invalid', 'The explanation can have up to 1000 characters.', { field: 'reason' });
    const id = randomUUID();
    const ctx = this.#ctx;
    const held = unseal(ctx, current.value_sealed, `prefill:${input.applicationId}:${spec.item}`);
    let filedId: string | null = null;
    if (this.#corrections) {
      const consent = app.consent_id ? await ctx.db.selectFrom('consent').selectAll().where('id', '=', app.consent_id).executeTakeFirst() : undefined;
      if (!consent) throw new SimpulError('consent.required', 'The application has no consent.');
      const subject = this.#consentView(consent).claims.sub;
      filedId = (await this.#corrections.file({ reference: id, applicationId: input.applicationId, agency: spec.agency, item: spec.item, subject, held, claimed, explanation: reason })).id;
    }
    await ctx.db.insertInto('correction_request').values({
      id, account_id: input.accountId, application_id: input.applicationId, agency: spec.agency, service: spec.service, item: spec.item,
      current_sealed: seal(ctx, held, `correction:${id}:current`),
      claimed_sealed: seal(ctx, claimed, `correction:${id}:claimed`),
      reason_sealed: seal(ctx, reason, `correction:${id}:reason`),
      status: filedId ? 'forwarded' : 'open', created_at: ctx.now(), filed_id: filedId, decided_at: null, decision_note_sealed: null,
    }).execute();
    return id;
  }

  /** Correction requests addressed to an agency, for its back office (and later its gateway). */
  async correctionsForAgency(agency: MemberId): Promise<{ id: string; item: string; current: string; claimed: string; reason: string; status: string; createdAt: Date }[]> {
    const rows = await this.#ctx.db.selectFrom('correction_request').selectAll().where('agency', '=', agency).orderBy('created_at', 'desc').limit(200).execute();
    return rows.map((r) => ({
      id: r.id, item: r.item, status: r.status, createdAt: r.created_at,
      current: unseal(this.#ctx, r.current_sealed, `correction:${r.id}:current`),
      claimed: unseal(this.#ctx, r.claimed_sealed, `correction:${r.id}:claimed`),
      reason: unseal(this.#ctx, r.reason_sealed, `correction:${r.id}:reason`),
    }));
  }

  async list(accountId: string): Promise<{ id: string; kind: ApplicationKind; status: ApplicationStatus; createdAt: Date }[]> {
    const rows = await this.#ctx.db.selectFrom('application').selectAll().where('account_id', '=', accountId).orderBy('created_at', 'desc').limit(100).execute();
    return rows.map((r) => ({ id: r.id, kind: this.kind(r.kind), status: r.status, createdAt: r.created_at }));
  }

  async consents(accountId: string): Promise<ConsentView[]> {
    const rows = await this.#ctx.db.selectFrom('consent').selectAll().where('account_id', '=', accountId).orderBy('created_at', 'desc').limit(100).execute();
    return rows.map((r) => this.#consentView(r));
  }

  async view(accountId: string, applicationId: string): Promise<ApplicationView> {
    const app = await this.#application(accountId, applicationId);
    const kind = this.kind(app.kind);
    const ctx = this.#ctx;
    const consentRow = app.consent_id ? await ctx.db.selectFrom('consent').selectAll().where('id', '=', app.consent_id).executeTakeFirst() : undefined;
    const stored = await ctx.db.selectFrom('prefill_value').selectAll().where('application_id', '=', applicationId).execute();
    const disputes = await this.#disputes(applicationId);
    const steps = await ctx.db.selectFrom('application_step').selectAll().where('application_id', '=', applicationId).orderBy('seq').execute();
    const permit = await ctx.db.selectFrom('permit').select('number').where('application_id', '=', applicationId).executeTakeFirst();
    const now = ctx.now().getTime();
    return {
      id: app.id,
      kind,
      status: app.status,
      createdAt: app.created_at,
      submittedAt: app.submitted_at,
      assisted: app.actor_id !== null,
      consent: consentRow ? this.#consentView(consentRow) : null,
      values: kind.items.map((spec) => {
        const row = stored.find((s) => s.item === spec.item);
        return { spec, value: row ? unseal(ctx, row.value_sealed, `prefill:${applicationId}:${spec.item}`) : null, exchangeId: row?.exchange_id ?? null, disputed: disputes.has(spec.item), dispute: disputes.get(spec.item) ?? null };
      }),
      parts: Object.fromEntries(stored.filter((r) => r.structured_sealed).map((r) => [r.item, JSON.parse(unseal(ctx, r.structured_sealed!, `prefill:${applicationId}:${r.item}:parts`)) as Record<string, string>])),
      form: app.form_sealed ? JSON.parse(unseal(ctx, app.form_sealed, `application:${applicationId}:form`)) as SavedNibForm : null,
      steps: steps.map((s) => ({
        seq: s.seq, code: s.code, agency: s.agency, service: s.service, status: s.status,
        label: kind.steps.find((k) => k.code === s.code)?.label ?? { id: s.code, en: s.code },
        dueAt: s.due_at, overdue: s.status !== 'done' && s.due_at !== null && s.due_at.getTime() < now,
        startedAt: s.started_at, finishedAt: s.finished_at, attempts: s.attempts,
        errorCode: s.error_code, errorDetail: s.error_sealed ? unseal(ctx, s.error_sealed, `step:${applicationId}:${s.seq}:error`) : null,
        exchangeIds: s.exchange_id ? s.exchange_id.split(' ') : [],
      })),
      permitNumber: permit?.number ?? null,
    };
  }

  /** Keeps the completed form (checked, with its KBLI risk check) until the citizen submits. */
  async saveForm(accountId: string, applicationId: string, form: SavedNibForm): Promise<void> {
    const app = await this.#application(accountId, applicationId);
    if (app.submitted_at) throw new SimpulError('request.conflict', 'The application was already submitted.');
    await this.#ctx.db.updateTable('application')
      .set({ form_sealed: seal(this.#ctx, JSON.stringify(form), `application:${applicationId}:form`), updated_at: this.#ctx.now() })
      .where('id', '=', applicationId).where('submitted_at', 'is', null).execute();
  }

  /** The working-day deadline of a workflow step that starts at `from`. */
  stepDeadline(kind: ApplicationKind, code: string, from: Date): Date {
    const step = kind.steps.find((s) => s.code === code);
    if (!step) throw new SimpulError('request.not_found', `No step ${code}.`);
    return this.#calendar.addWorkingDays(from, step.withinWorkingDays);
  }

  /**
   * The latest dispute per item. Those still awaiting the agency are asked about once more; a
   * decision is kept, so the page does not depend on the agency's service once it is known.
   */
  async #disputes(applicationId: string): Promise<Map<string, DisputeView>> {
    const ctx = this.#ctx;
    const rows = await ctx.db.selectFrom('correction_request').selectAll().where('application_id', '=', applicationId).orderBy('created_at', 'asc').execute();
    const views = new Map<string, DisputeView>();
    for (const row of rows) {
      let status: DisputeDecision | 'local' = row.status === 'resolved' ? 'accepted' : row.status === 'rejected' ? 'rejected' : row.filed_id ? 'open' : 'local';
      let decidedAt = row.decided_at;
      let note = row.decision_note_sealed ? unseal(ctx, row.decision_note_sealed, `correction:${row.id}:note`) : null;
      if (status === 'open' && this.#corrections && row.filed_id) {
        // An unreachable agency service leaves the dispute shown as awaiting its decision.
        const latest = await this.#corrections.status(row.filed_id).catch(() => undefined);
        if (latest && latest.status !== 'open') {
          ({ status, decidedAt, note } = latest);
          await ctx.db.updateTable('correction_request').set({
            status: latest.status === 'accepted' ? 'resolved' : 'rejected', decided_at: latest.decidedAt ?? ctx.now(),
            decision_note_sealed: latest.note ? seal(ctx, latest.note, `correction:${row.id}:note`) : null,
          }).where('id', '=', row.id).execute();
        }
      }
      views.set(row.item, { reference: row.id, agency: row.agency, status: status === 'open' ? 'filed' : status, decidedAt, note });
    }
    return views;
  }

  async #application(accountId: string, applicationId: string) {
    const row = await this.#ctx.db.selectFrom('application').selectAll().where('id', '=', applicationId).where('account_id', '=', accountId).executeTakeFirst();
    if (!row) throw new SimpulError('request.not_found', 'No such application.');
    return row;
  }

  #consentView(row: { id: string; application_id: string | null; purpose: string; created_at: Date; expires_at: Date; revoked_at: Date | null; jws_sealed: string }): ConsentView {
    const jws = unseal(this.#ctx, row.jws_sealed, `consent:${row.id}:jws`);
    const claims = JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8')) as ConsentClaims;
    const state = row.revoked_at ? 'revoked' : row.expires_at.getTime() <= this.#ctx.now().getTime() ? 'expired' : 'active';
    return { id: row.id, applicationId: row.application_id, purpose: row.purpose, createdAt: row.created_at, expiresAt: row.expires_at, revokedAt: row.revoked_at, state, jws, claims };
  }
}
