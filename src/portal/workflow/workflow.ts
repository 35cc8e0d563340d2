/**
 * The multi-agency workflow of a submitted application: its steps run in order, each an
 * exchange (or a few) through the portal's gateway with the application's purpose, the
 * citizen as data subject when personal data moves, its own time limit per attempt and a
 * working-day deadline for the agency. A failed step stops the workflow where it is, stays
 * visible on the timeline with its reason, and can be retried; the last step issues the permit.
 *
 * Steps run in the background of the request that submitted (the timeline page follows them);
 * a step is claimed with a conditional update, so a retry click and the maintenance timer
 * cannot run the same step twice.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { SimpulError } from '../../core/errors.js';
import type { ExchangeId, Nik, PurposeCode, ServiceId, SubsystemId } from '../../core/ids.js';
import type { WorkingCalendar } from '../complaints/working-days.js';
import { seal, unseal, type PortalContext } from '../context.js';
import type { Applications, ApplicationView } from '../consent/applications.js';
import type { ApplicationKind, WorkflowStepSpec } from '../consent/catalogue.js';
import type { GatewayClient, GatewayRequest, GatewayResponse } from '../gateway-client.js';
import { maskNik, type PermitContent, type Permits } from '../permits/permits.js';
import { checkKbli } from './kbli-check.js';
import type { SavedNibForm } from './nib-form.js';
import { StepFailure } from './step-failure.js';
import { normaliseName } from '../names.js';

const LICENSING_NAME = 'Kementerian Investasi/BKPM (OSS)';

export interface WorkflowOptions {
  client: SubsystemId;
  calendar: WorkingCalendar;
  /** Replaces every step's own time limit (tests use a short one). */
  stepTimeoutMs?: number;
  /** Where background failures that are bugs, not step failures, are reported. */
  onError?: (error: unknown, applicationId: string) => void;
}

interface StepInput {
  applicationId: string;
  accountId: string;
  accountName: string;
  nik: Nik;
  kind: ApplicationKind;
  view: ApplicationView;
  form: SavedNibForm;
  /** Results of the steps already done, by step code. */
  results: Record<string, unknown>;
  /** One exchange of this step; checks the consent first when it carries personal data. */
  call<T>(request: Omit<GatewayRequest, 'purpose' | 'exchangeId' | 'timeoutMs'>): Promise<GatewayResponse<T>>;
  timeoutMs: number;
  now: Date;
}

interface StepOutcome {
  result: unknown;
  exchangeIds?: string[];
  /** A signed permit to store with the step's completion. */
  permitJws?: string;
}

type StepHandler = (input: StepInput) => Promise<StepOutcome>;

interface LicensingAnswer {
  id: string;
  status: string;
  nib: string;
  riskLevel: string;
  requiredPermits: string[];
}

export class Workflow {
  readonly #ctx: PortalContext;
  readonly #gateway: GatewayClient;
  readonly #applications: Applications;
  readonly #permits: Permits;
  readonly #options: WorkflowOptions;
  readonly #running = new Map<string, Promise<void>>();
  /** Applications kicked while their run was ending: run again once it has. */
  readonly #again = new Set<string>();
  #closed = false;
  readonly #handlers: Record<string, StepHandler>;

  constructor(ctx: PortalContext, gateway: GatewayClient, applications: Applications, permits: Permits, options: WorkflowOptions) {
    this.#ctx = ctx;
    this.#gateway = gateway;
    this.#applications = applications;
    this.#permits = permits;
    this.#options = options;
    this.#handlers = { identity: (i) => this.#identity(i), risk: (i) => this.#risk(i), issuance: (i) => this.#issuance(i) };
  }

  /**
   * The citizen submits: the form must be complete and every data item fetched. The steps get
   * their working-day deadlines one after the other from now, and the workflow starts.
   */
  async submit(accountId: string, applicationId: string): Promise<void> {
    const view = await this.#applications.view(accountId, applicationId);
    if (view.submittedAt) throw new SimpulError('request.conflict', 'The application was already submitted.');
    if (!view.form) throw new SimpulError('request.invalid', 'Complete the application form first.', { field: 'form' });
    if (view.values.some((v) => v.value === null)) throw new SimpulError('request.invalid', 'The data from the source agencies has not been fetched yet.', { field: 'prefill' });
    const now = this.#ctx.now();
    let due = now;
    const deadlines = view.kind.steps.map((s) => (due = this.#options.calendar.addWorkingDays(due, s.withinWorkingDays)));
    await this.#ctx.db.transaction().execute(async (trx) => {
      const updated = await trx.updateTable('application').set({ status: 'submitted', submitted_at: now, updated_at: now })
        .where('id', '=', applicationId).where('account_id', '=', accountId).where('submitted_at', 'is', null).executeTakeFirst();
      if (updated.numUpdatedRows === 0n) throw new SimpulError('request.conflict', 'The application was already submitted.');
      for (const [i, dueAt] of deadlines.entries()) {
        await trx.updateTable('application_step').set({ due_at: dueAt }).where('application_id', '=', applicationId).where('seq', '=', i + 1).execute();
      }
    });
    this.kick(applicationId);
  }

  /** Puts the failed step back in the queue and resumes the workflow from it. */
  async retry(accountId: string, applicationId: string): Promise<void> {
    const owned = await this.#ctx.db.selectFrom('application').select('id').where('id', '=', applicationId).where('account_id', '=', accountId).executeTakeFirst();
    if (!owned) throw new SimpulError('request.not_found', 'No such application.');
    const updated = await this.#ctx.db.updateTable('application_step').set({ status: 'pending' })
      .where('application_id', '=', applicationId).where('status', '=', 'failed').executeTakeFirst();
    if (updated.numUpdatedRows === 0n) throw new SimpulError('request.conflict', 'No step of this application has failed.');
    this.kick(applicationId);
  }

  /** Runs the application's pending steps in the background, once at a time per application. */
  kick(applicationId: string): void {
    if (this.#closed) return;
    if (this.#running.has(applicationId)) {
      // The run may be past the step just put back in the queue: look again when it ends.
      this.#again.add(applicationId);
      return;
    }
    const run = this.advance(applicationId)
      .catch((error: unknown) => this.#options.onError?.(error, applicationId))
      .finally(() => {
        this.#running.delete(applicationId);
        if (this.#again.delete(applicationId)) this.kick(applicationId);
      });
    this.#running.set(applicationId, run);
  }

  /** Resolves when no workflow runs in the background (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running.values());
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.idle();
  }

  /** Runs the steps from the first one not done until one fails or all are done. */
  async advance(applicationId: string): Promise<void> {
    for (;;) {
      const app = await this.#ctx.db.selectFrom('application').select(['account_id', 'status', 'submitted_at']).where('id', '=', applicationId).executeTakeFirst();
      if (!app?.submitted_at || app.status === 'issued' || app.status === 'rejected' || app.status === 'withdrawn') return;
      const step = await this.#ctx.db.selectFrom('application_step').selectAll().where('application_id', '=', applicationId)
        .where('status', '!=', 'done').orderBy('seq').executeTakeFirst();
      if (!step || step.status !== 'pending') return;
      const now = this.#ctx.now();
      const claimed = await this.#ctx.db.updateTable('application_step')
        .set({ status: 'running', attempts: sql`attempts + 1`, started_at: now, error_code: null, error_sealed: null })
        .where('id', '=', step.id).where('status', '=', 'pending').executeTakeFirst();
      if (claimed.numUpdatedRows === 0n) return;
      await this.#ctx.db.updateTable('application').set({ status: 'in_progress', updated_at: now }).where('id', '=', applicationId).execute();
      const ok = await this.#runStep(app.account_id, applicationId, step.seq, step.code);
      if (!ok) return;
    }
  }

  /**
   * What the maintenance timer does: a step left `running` by a stopped portal (older than its
   * time limit and a margin) becomes failed and retryable; submitted workflows with a pending
   * step and nothing running for them start again.
   */
  async recover(): Promise<{ interrupted: number; resumed: number }> {
    const now = this.#ctx.now();
    const stale = await this.#ctx.db.selectFrom('application_step').innerJoin('application', 'application.id', 'application_step.application_id')
      .select(['application_step.id', 'application_step.application_id', 'application_step.seq', 'application_step.code', 'application_step.started_at', 'application.kind'])
      .where('application_step.status', '=', 'running').execute();
    let interrupted = 0;
    for (const s of stale) {
      if (this.#running.has(s.application_id)) continue;
      const spec = this.#applications.kind(s.kind).steps.find((k) => k.code === s.code);
      const limit = this.#options.stepTimeoutMs ?? spec?.timeoutMs ?? 60_000;
      if (s.started_at && now.getTime() - s.started_at.getTime() < 2 * limit) continue;
      const updated = await this.#ctx.db.updateTable('application_step')
        .set({ status: 'failed', finished_at: now, error_code: 'workflow.interrupted', error_sealed: seal(this.#ctx, 'The portal stopped while this step ran.', `step:${s.application_id}:${s.seq}:error`) })
        .where('id', '=', s.id).where('status', '=', 'running').executeTakeFirst();
      interrupted += Number(updated.numUpdatedRows);
    }
    const waiting = await this.#ctx.db.selectFrom('application').innerJoin('application_step', 'application_step.application_id', 'application.id')
      .select('application.id').distinct()
      .where('application.status', 'in', ['submitted', 'in_progress']).where('application_step.status', '=', 'pending').execute();
    let resumed = 0;
    for (const { id } of waiting) {
      if (this.#running.has(id)) continue;
      const blocked = await this.#ctx.db.selectFrom('application_step').select('id').where('application_id', '=', id).where('status', 'in', ['failed', 'running']).executeTakeFirst();
      if (blocked) continue;
      this.kick(id);
      resumed++;
    }
    return { interrupted, resumed };
  }

  async #runStep(accountId: string, applicationId: string, seq: number, code: string): Promise<boolean> {
    const ctx = this.#ctx;
    const view = await this.#applications.view(accountId, applicationId);
    const spec = view.kind.steps.find((s) => s.code === code) as WorkflowStepSpec;
    const exchangeIds: string[] = [];
    let outcome: StepOutcome;
    try {
      const input = await this.#input(accountId, applicationId, view, spec, exchangeIds);
      const handler = this.#handlers[code];
      if (!handler) throw new StepFailure('workflow.unknown_step', `No handler for step ${code}.`);
      outcome = await handler(input);
    } catch (error) {
      const failure = StepFailure.from(error);
      if (!failure) {
        this.#options.onError?.(error, applicationId);
      }
      const f = failure ?? new StepFailure('internal.error', 'The portal could not run this step.');
      await ctx.db.updateTable('application_step').set({
        status: 'failed', finished_at: ctx.now(), error_code: f.code,
        error_sealed: seal(ctx, f.message, `step:${applicationId}:${seq}:error`),
        exchange_id: exchangeIds.length ? exchangeIds.join(' ') : null,
      }).where('application_id', '=', applicationId).where('seq', '=', seq).execute();
      await ctx.db.updateTable('application').set({ updated_at: ctx.now() }).where('id', '=', applicationId).execute();
      return false;
    }
    const now = ctx.now();
    const last = seq === view.kind.steps.length;
    await ctx.db.transaction().execute(async (trx) => {
      await trx.updateTable('application_step').set({
        status: 'done', finished_at: now, result_sealed: seal(ctx, JSON.stringify(outcome.result), `step:${applicationId}:${seq}:result`),
        exchange_id: [...exchangeIds, ...(outcome.exchangeIds ?? [])].join(' ') || null,
      }).where('application_id', '=', applicationId).where('seq', '=', seq).execute();
      if (outcome.permitJws) await this.#permits.insert(trx, { jws: outcome.permitJws, applicationId, accountId });
      await trx.updateTable('application').set({ status: last ? 'issued' : 'in_progress', updated_at: now }).where('id', '=', applicationId).execute();
    });
    return true;
  }

  async #input(accountId: string, applicationId: string, view: ApplicationView, spec: WorkflowStepSpec, exchangeIds: string[]): Promise<StepInput> {
    const ctx = this.#ctx;
    const account = await ctx.db.selectFrom('account').select(['nik_sealed', 'name_sealed']).where('id', '=', accountId).executeTakeFirstOrThrow();
    if (!account.nik_sealed || !view.form || !view.consent) throw new StepFailure('workflow.incomplete', 'The application has no applicant NIK, form or consent.');
    const nik = unseal(ctx, account.nik_sealed, `account:${accountId}:nik`) as Nik;
    const steps = await ctx.db.selectFrom('application_step').select(['code', 'result_sealed', 'seq']).where('application_id', '=', applicationId).where('status', '=', 'done').execute();
    const results = Object.fromEntries(steps.map((s) => [s.code, JSON.parse(unseal(ctx, s.result_sealed!, `step:${applicationId}:${s.seq}:result`)) as unknown]));
    const timeoutMs = this.#options.stepTimeoutMs ?? spec.timeoutMs;
    const purpose = view.kind.purpose;
    const consentId = view.consent.id;
    const call = async <T>(request: Omit<GatewayRequest, 'purpose' | 'exchangeId' | 'timeoutMs'>): Promise<GatewayResponse<T>> => {
      // Personal data moves only under a consent in force that covers the service.
      if (request.subject) await this.#applications.assertConsent(accountId, consentId, request.service, purpose);
      const exchangeId = randomUUID() as ExchangeId;
      exchangeIds.push(exchangeId);
      return withDeadline(this.#gateway.call<T>({ ...request, purpose: purpose as PurposeCode, exchangeId, timeoutMs }), timeoutMs);
    };
    return {
      applicationId, accountId, nik, kind: view.kind, view, form: view.form, results, call, timeoutMs, now: ctx.now(),
      accountName: unseal(ctx, account.name_sealed, `account:${accountId}:name`),
    };
  }

  /** DUKCAPIL: the NIK exists, the person is alive, and the registry's name is the account holder's. */
  async #identity(input: StepInput): Promise<StepOutcome> {
    const person = (await input.call<Record<string, unknown>>({ service: 'ID/GOV/DUKCAPIL/SIAK/person' as ServiceId, method: 'GET', path: `/${input.nik}`, subject: input.nik })).body;
    if (person.nik !== input.nik) throw new StepFailure('identity.mismatch', 'The population registry answered for another NIK.');
    if (person.deathDate) throw new StepFailure('identity.deceased', 'The population registry records this person as deceased.');
    const fullName = String(person.fullName ?? '');
    if (normaliseName(fullName) !== normaliseName(input.accountName)) {
      throw new StepFailure('identity.mismatch', 'The name in the population registry differs from the name of the account.');
    }
    return { result: { fullName, verifiedAt: input.now.toISOString() } };
  }

  /** OSS: the risk level of each activity, checked again at submission (the table may have changed). */
  async #risk(input: StepInput): Promise<StepOutcome> {
    const check = await checkKbli(input.call, input.form.kbli);
    return { result: { activities: check.activities, riskLevel: check.riskLevel } };
  }

  /** OSS: the NIB application; the answer becomes the signed permit. */
  async #issuance(input: StepInput): Promise<StepOutcome> {
    const identity = input.results.identity as { fullName: string } | undefined;
    const risk = input.results.risk as { activities: SavedNibForm['activities']; riskLevel: SavedNibForm['riskLevel'] } | undefined;
    if (!identity || !risk) throw new StepFailure('workflow.incomplete', 'Identity and risk checks must be done first.');
    const form = input.form;
    const answer = (await input.call<LicensingAnswer>({
      service: 'ID/GOV/LICENSING/OSS/applications' as ServiceId, method: 'POST', subject: input.nik,
      // One reference per application, the same on every attempt: when OSS's answer was lost and
      // the step is retried, OSS returns the application it already made (ADR 0090).
      body: { ownerNik: input.nik, ownerName: identity.fullName, businessName: form.businessName, kbli: form.kbli, address: form.location, investment: form.capital, employees: form.employees, reference: issuanceReference(input.applicationId) },
    })).body;
    if (typeof answer?.nib !== 'string' || typeof answer.id !== 'string') throw new StepFailure('provider.malformed_answer', 'OSS answered without an NIB.');
    const content: PermitContent = {
      v: 1,
      type: 'NIB',
      number: answer.nib,
      issuedAt: input.now.toISOString(),
      issuer: { member: 'ID/GOV/LICENSING', name: LICENSING_NAME },
      signer: this.#options.client,
      holder: { name: identity.fullName, nikMasked: maskNik(input.nik) },
      business: {
        name: form.businessName, scale: 'MIKRO',
        activities: risk.activities.map(({ code, title, riskLevel }) => ({ code, title, riskLevel })),
        riskLevel: risk.riskLevel, requiredPermits: Array.isArray(answer.requiredPermits) ? answer.requiredPermits : [],
        location: form.location, capital: form.capital, employees: form.employees,
      },
      licensing: { application: answer.id, status: answer.status },
    };
    return { result: answer, permitJws: await this.#permits.sign(content) };
  }
}

/** The portal's reference for an application at OSS (the licensing service's idempotency key). */
export function issuanceReference(applicationId: string): string {
  return `simpul-portal:${applicationId}`;
}

/** Fails with provider.timeout when the exchange outlives the step's time limit, whatever the client does. */
async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new StepFailure('provider.timeout', `No answer within ${ms} ms.`)), ms + 250);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
