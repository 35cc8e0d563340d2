/**
 * The reconciliation API: the latest discrepancy report, correction requests — listed, raised
 * and decided — and, when given, the oversight overview and runs on demand. The demo's
 * reconciliation service mounts it (src/demo/reconcile.ts); whoever mounts it supplies
 * `authenticate`, which tells who is calling:
 *
 * - an operator sees everything and may raise requests, but decides none;
 * - an agency sees its own part of the report and the requests addressed to it or about its
 *   records, and only the agency a request is addressed to may accept or reject it.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { SimpulError } from '../core/errors.js';
import type { HttpApp } from '../core/http/app.js';
import type { CorrectionRequest, CorrectionStore } from './corrections.js';
import type { ReconcileOverview, ReconcileRunStatus } from './overview.js';
import { renderReportHtml } from './report-html.js';
import { CONFLICT_FIELDS, type DiscrepancyReport } from './report.js';

export interface ReconcilePrincipal {
  /** The user or system acting, recorded as who decided. */
  user: string;
  /** The agency the caller acts for (for an operator, the operating agency). */
  agency: string;
  /**
   * `portal`: the citizen portal, which files its citizens' disputes (`POST …/disputes`) and
   * reads back the requests it filed, nothing else (ADR 0092).
   */
  role: 'operator' | 'agency' | 'portal';
}

export interface ReconcileRoutesOptions {
  store: CorrectionStore;
  /** The latest report, when one has been built. */
  report: () => DiscrepancyReport | undefined;
  authenticate: (request: FastifyRequest) => Promise<ReconcilePrincipal | undefined> | ReconcilePrincipal | undefined;
  /** Path prefix, default `/reconcile`. */
  prefix?: string;
  /** Scores, conflicts and correction backlog per agency (`GET …/overview`); see overview.ts. */
  overview?: () => Promise<ReconcileOverview>;
  /** The latest run's state, and a new run on an operator's demand (`GET`/`POST …/runs`). */
  status?: () => ReconcileRunStatus;
  run?: () => Promise<ReconcileRunStatus>;
}

const Problem = Type.Object({ type: Type.String(), title: Type.String(), status: Type.Integer(), code: Type.String(), detail: Type.Optional(Type.String()) }, { additionalProperties: true });
const Field = Type.Union(CONFLICT_FIELDS.map((f) => Type.Literal(f)));
const Correction = Type.Object({
  id: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  addressedTo: Type.String(),
  recordAgency: Type.String(),
  recordId: Type.String(),
  baseAgency: Type.String(),
  baseRecordId: Type.String(),
  field: Field,
  currentValue: Type.Union([Type.String(), Type.Null()]),
  proposedValue: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Union([Type.Literal('conflict_with_base'), Type.Literal('nik_supports_agency'), Type.Literal('citizen_dispute')]),
  evidence: Type.Object({
    matchProbability: Type.Number(),
    reportGeneratedAt: Type.Optional(Type.String()),
    otherValue: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    reference: Type.Optional(Type.String()),
    application: Type.Optional(Type.String()),
    subject: Type.Optional(Type.String()),
    explanation: Type.Optional(Type.String()),
  }),
  requestedBy: Type.String(),
  status: Type.Union([Type.Literal('open'), Type.Literal('accepted'), Type.Literal('rejected')]),
  decidedBy: Type.Union([Type.String(), Type.Null()]),
  decidedAt: Type.Union([Type.String(), Type.Null()]),
  decisionNote: Type.Union([Type.String(), Type.Null()]),
});
const NewCorrection = Type.Object(
  {
    addressedTo: Type.String({ minLength: 1, maxLength: 200 }),
    recordAgency: Type.String({ minLength: 1, maxLength: 200 }),
    recordId: Type.String({ minLength: 1, maxLength: 200 }),
    baseAgency: Type.String({ minLength: 1, maxLength: 200 }),
    baseRecordId: Type.String({ minLength: 1, maxLength: 200 }),
    field: Field,
    currentValue: Type.Union([Type.String({ maxLength: 1000 }), Type.Null()]),
    proposedValue: Type.Union([Type.String({ maxLength: 1000 }), Type.Null()]),
    matchProbability: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { additionalProperties: false },
);
/** A citizen's dispute, filed by the portal: the owning agency's record of the subject is to change. */
const NewDispute = Type.Object(
  {
    addressedTo: Type.String({ minLength: 1, maxLength: 200 }),
    field: Field,
    currentValue: Type.Union([Type.String({ maxLength: 1000 }), Type.Null()]),
    proposedValue: Type.String({ minLength: 1, maxLength: 1000 }),
    reference: Type.String({ minLength: 1, maxLength: 200 }),
    application: Type.String({ minLength: 1, maxLength: 200 }),
    subject: Type.String({ minLength: 1, maxLength: 64 }),
    explanation: Type.String({ maxLength: 2000 }),
  },
  { additionalProperties: false },
);
const Decision = Type.Object({ status: Type.Union([Type.Literal('accepted'), Type.Literal('rejected')]), note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });
const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('accepted'), Type.Literal('rejected')])),
    addressedTo: Type.Optional(Type.String()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    before: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const RunStatus = Type.Object({
  state: Type.Union([Type.Literal('idle'), Type.Literal('running'), Type.Literal('ready'), Type.Literal('failed')]),
  startedAt: Type.Union([Type.String(), Type.Null()]),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
  seconds: Type.Union([Type.Number(), Type.Null()]),
  records: Type.Union([Type.Integer(), Type.Null()]),
  corrections: Type.Union([Type.Object({ created: Type.Integer(), skipped: Type.Integer() }), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
});
const Ratio = Type.Number({ minimum: 0, maximum: 1 });
const Overview = Type.Object({
  reportGeneratedAt: Type.Union([Type.String(), Type.Null()]),
  base: Type.Union([Type.String(), Type.Null()]),
  run: RunStatus,
  agencies: Type.Array(
    Type.Object({
      agency: Type.String(),
      isBase: Type.Boolean(),
      records: Type.Integer(),
      linked: Type.Integer(),
      unmatched: Type.Integer(),
      duplicateClusters: Type.Integer(),
      score: Type.Number({ minimum: 0, maximum: 100 }),
      components: Type.Object({ completeness: Ratio, validity: Ratio, consistency: Ratio, linkage: Ratio, uniqueness: Ratio }),
      conflicts: Type.Integer(),
      conflictsByField: Type.Record(Type.String(), Type.Integer()),
      corrections: Type.Object({
        open: Type.Integer(),
        accepted: Type.Integer(),
        rejected: Type.Integer(),
        oldestOpenAt: Type.Union([Type.String(), Type.Null()]),
        oldestOpenAgeSeconds: Type.Union([Type.Integer(), Type.Null()]),
      }),
    }),
  ),
});

const secured = { security: [{ bearer: [] }] };
const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 503: Problem };

/** Who filed a request, as recorded in `requestedBy`. */
const filer = (principal: ReconcilePrincipal): string => `${principal.user} (${principal.agency})`;

function visible(principal: ReconcilePrincipal, c: CorrectionRequest): boolean {
  if (principal.role === 'portal') return c.reason === 'citizen_dispute' && c.requestedBy === filer(principal);
  return principal.role === 'operator' || c.addressedTo === principal.agency || c.recordAgency === principal.agency;
}

/** An agency's view of the report: every quality score, but only its own records' details. */
export function reportFor(principal: ReconcilePrincipal, report: DiscrepancyReport): DiscrepancyReport {
  if (principal.role === 'operator') return report;
  const own = principal.agency;
  return {
    ...report,
    conflicts: report.conflicts.filter((c) => c.agency === own || (own === report.base && c.nikSupports === 'agency')),
    unmatched: report.unmatched.filter((u) => u.agency === own),
    duplicates: report.duplicates.filter((d) => d.agency === own),
  };
}

/** Adds the reconciliation routes to an app built with createHttpApp. */
export function registerReconcileRoutes(app: HttpApp, options: ReconcileRoutesOptions): void {
  const prefix = options.prefix ?? '/reconcile';
  const who = async (request: FastifyRequest): Promise<ReconcilePrincipal> => {
    const principal = await options.authenticate(request);
    if (!principal) throw new SimpulError('auth.unauthenticated', 'Sign in to see reconciliation results.');
    return principal;
  };
  const latest = (): DiscrepancyReport => {
    const report = options.report();
    if (!report && options.status?.().state === 'running') throw new SimpulError('internal.unavailable', 'The first discrepancy report is being built; retry in a few seconds.');
    if (!report) throw new SimpulError('request.not_found', 'No discrepancy report has been built yet.');
    return report;
  };

  app.get(`${prefix}/report`, { schema: { tags: ['reconcile'], summary: 'The latest discrepancy report (an agency sees its own records)', ...secured, response: { 200: Type.Object({}, { additionalProperties: true }), ...errors } } }, async (request) =>
    reportFor(await who(request), latest()),
  );

  app.get(`${prefix}/report.html`, { schema: { tags: ['reconcile'], summary: 'The latest discrepancy report as a page with charts', ...secured } }, async (request, reply) => {
    const principal = await who(request);
    return reply.type('text/html; charset=utf-8').send(renderReportHtml(reportFor(principal, latest())));
  });

  const { overview, status, run } = options;
  if (overview) {
    app.get(`${prefix}/overview`, { schema: { tags: ['reconcile'], summary: 'Quality scores, conflicts and correction backlog per agency (for oversight)', ...secured, response: { 200: Overview, ...errors } } }, async (request) => {
      await who(request);
      return overview();
    });
  }
  if (status) {
    app.get(`${prefix}/runs/latest`, { schema: { tags: ['reconcile'], summary: 'The state of the latest reconciliation run', ...secured, response: { 200: RunStatus, ...errors } } }, async (request) => {
      await who(request);
      return status();
    });
  }
  if (run) {
    app.post(`${prefix}/runs`, { schema: { tags: ['reconcile'], summary: 'Run reconciliation again now (operators); answers when the run is over', ...secured, response: { 200: RunStatus, ...errors } } }, async (request) => {
      const principal = await who(request);
      if (principal.role !== 'operator') throw new SimpulError('auth.forbidden', 'Only an operator starts a reconciliation run.');
      return run();
    });
  }

  app.get(`${prefix}/corrections`, { schema: { tags: ['reconcile'], summary: 'Correction requests, newest first', ...secured, querystring: ListQuery, response: { 200: Type.Array(Correction), ...errors } } }, async (request) => {
    const principal = await who(request);
    const query = request.query as Static<typeof ListQuery>;
    if (principal.role === 'portal') throw new SimpulError('auth.forbidden', 'The portal reads the requests it filed one by one.');
    const addressedTo = principal.role === 'operator' ? query.addressedTo : principal.agency;
    if (principal.role !== 'operator' && query.addressedTo && query.addressedTo !== principal.agency) {
      throw new SimpulError('auth.forbidden', 'An agency sees the correction requests addressed to it.');
    }
    return options.store.list({ ...(addressedTo ? { addressedTo } : {}), ...(query.status ? { status: query.status } : {}), ...(query.limit ? { limit: query.limit } : {}), ...(query.before ? { before: query.before } : {}) });
  });

  app.get(`${prefix}/corrections/:id`, { schema: { tags: ['reconcile'], summary: 'One correction request', ...secured, params: Type.Object({ id: Type.String() }), response: { 200: Correction, ...errors } } }, async (request) => {
    const principal = await who(request);
    const correction = await options.store.get((request.params as { id: string }).id);
    if (!visible(principal, correction)) throw new SimpulError('request.not_found', 'No such correction request.');
    return correction;
  });

  app.post(`${prefix}/corrections`, { schema: { tags: ['reconcile'], summary: 'Raise a correction request', ...secured, body: NewCorrection, response: { 201: Correction, ...errors } } }, async (request, reply) => {
    const principal = await who(request);
    const body = request.body as Static<typeof NewCorrection>;
    if (principal.role === 'portal' || (principal.role !== 'operator' && body.recordAgency !== principal.agency && body.baseAgency !== principal.agency)) {
      throw new SimpulError('auth.forbidden', 'An agency raises corrections about records it holds or that its registry is the base for.');
    }
    const created = await options.store.propose({
      addressedTo: body.addressedTo,
      recordAgency: body.recordAgency,
      recordId: body.recordId,
      baseAgency: body.baseAgency,
      baseRecordId: body.baseRecordId,
      field: body.field,
      currentValue: body.currentValue,
      proposedValue: body.proposedValue,
      reason: 'conflict_with_base',
      evidence: { matchProbability: body.matchProbability },
      requestedBy: filer(principal),
    });
    return reply.code(201).send(created);
  });

  app.post(`${prefix}/disputes`, { schema: { tags: ['reconcile'], summary: "File a citizen's dispute of a value with the agency that owns it (the citizen portal)", ...secured, body: NewDispute, response: { 201: Correction, ...errors } } }, async (request, reply) => {
    const principal = await who(request);
    if (principal.role !== 'portal') throw new SimpulError('auth.forbidden', "Only the citizen portal files citizens' disputes.");
    const body = request.body as Static<typeof NewDispute>;
    request.log.info({ authorization: 'granted', principal: filer(principal), addressedTo: body.addressedTo, field: body.field, reference: body.reference }, 'citizen dispute filed');
    // The portal's reference is the record id: one open request per dispute, and no NIK in clear.
    const created = await options.store.propose({
      addressedTo: body.addressedTo,
      recordAgency: body.addressedTo,
      recordId: body.reference,
      baseAgency: body.addressedTo,
      baseRecordId: body.reference,
      field: body.field,
      currentValue: body.currentValue,
      proposedValue: body.proposedValue,
      reason: 'citizen_dispute',
      // The data subject disputes their own record: no linkage is involved.
      evidence: { matchProbability: 1, reference: body.reference, application: body.application, subject: body.subject, explanation: body.explanation },
      requestedBy: filer(principal),
    });
    return reply.code(201).send(created);
  });

  app.post(
    `${prefix}/corrections/:id/decision`,
    { schema: { tags: ['reconcile'], summary: 'Accept or reject a correction request (the agency it is addressed to)', ...secured, params: Type.Object({ id: Type.String() }), body: Decision, response: { 200: Correction, ...errors } } },
    async (request) => {
      const principal = await who(request);
      const id = (request.params as { id: string }).id;
      const correction = await options.store.get(id);
      if (!visible(principal, correction)) throw new SimpulError('request.not_found', 'No such correction request.');
      if (principal.role !== 'agency' || correction.addressedTo !== principal.agency) {
        throw new SimpulError('auth.forbidden', `Only ${correction.addressedTo} decides this request.`);
      }
      const body = request.body as Static<typeof Decision>;
      return options.store.decide(id, { status: body.status, by: filer(principal), ...(body.note ? { note: body.note } : {}) });
    },
  );
}
