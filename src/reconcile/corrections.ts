/**
 * Correction requests: a field-level conflict the discrepancy report found becomes a request,
 * addressed to the agency that must change its record, stored, listed, and accepted or
 * rejected — with who decided and when. The store lives in PostgreSQL (PGlite embedded), in
 * whichever component's schema hosts it (the oversight service in the federation), under its
 * own migration history `reconcile`.
 *
 * Routing (`routeConflict`): the base registry is the authority for identity fields, so a
 * conflict normally asks the *other* agency to take the base registry's value. The exception
 * is evidence against the registry itself: when the registry's own NIK encodes the birth date
 * or sex the agency wrote, and not the one the registry wrote, the request goes to the
 * registry instead.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Generated, type Kysely, type Selectable } from 'kysely';
import type { DataKeyring } from '../core/crypto.js';
import { SimpulError } from '../core/errors.js';
import type { Database } from '../core/storage/database.js';
import { migrate, type Migrations } from '../core/storage/migrate.js';
import type { ConflictField, DiscrepancyReport, FieldConflict } from './report.js';

export type CorrectionStatus = 'open' | 'accepted' | 'rejected';

export interface CorrectionTables {
  correction_request: {
    id: string;
    created_at: Generated<Date>;
    addressed_to: string;
    record_agency: string;
    record_id: string;
    base_agency: string;
    base_record_id: string;
    field: string;
    current_value: string | null;
    proposed_value: string | null;
    reason: string;
    evidence: string;
    requested_by: string;
    status: Generated<string>;
    decided_by: string | null;
    decided_at: Date | null;
    decision_note: string | null;
  };
}

export const correctionMigrations: Migrations = {
  '0001_correction_request': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('correction_request')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('addressed_to', 'text', (c) => c.notNull())
        .addColumn('record_agency', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('base_agency', 'text', (c) => c.notNull())
        .addColumn('base_record_id', 'text', (c) => c.notNull())
        .addColumn('field', 'text', (c) => c.notNull())
        .addColumn('current_value', 'text')
        .addColumn('proposed_value', 'text')
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('evidence', 'text', (c) => c.notNull())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('open').check(sql`status in ('open', 'accepted', 'rejected')`))
        .addColumn('decided_by', 'text')
        .addColumn('decided_at', 'timestamptz')
        .addColumn('decision_note', 'text')
        .execute();
      // One open request per record and field: raising the same conflict twice adds nothing.
      await sql`create unique index correction_request_open on correction_request (addressed_to, record_agency, record_id, field) where status = 'open'`.execute(db);
      await db.schema.createIndex('correction_request_queue').on('correction_request').columns(['addressed_to', 'status', 'created_at']).execute();
    },
  },
};

export type CorrectionReason = 'conflict_with_base' | 'nik_supports_agency' | 'citizen_dispute';

/**
 * What a citizen's dispute carries besides the two values (ADR 0092): the portal's reference and
 * application, the data subject's NIK and the citizen's explanation. Sealed with the evidence.
 */
export interface CitizenDisputeEvidence {
  reference: string;
  application: string;
  subject: string;
  explanation: string;
}

/** What the requester asks for: the record of `recordAgency` to change `field` to `proposedValue`. */
export interface CorrectionInput {
  addressedTo: string;
  recordAgency: string;
  recordId: string;
  baseAgency: string;
  baseRecordId: string;
  field: ConflictField;
  currentValue: string | null;
  proposedValue: string | null;
  /**
   * `conflict_with_base`, `nik_supports_agency` (the registry's own NIK contradicts it), or
   * `citizen_dispute` (the data subject disputed the value in the citizen portal; see
   * CitizenDisputeEvidence).
   */
  reason: CorrectionReason;
  /** Why the engine believes the two records are one person, and what else it knew. */
  evidence: { matchProbability: number; reportGeneratedAt?: string; otherValue?: string | null } & Partial<CitizenDisputeEvidence>;
  requestedBy: string;
}

export interface CorrectionRequest extends CorrectionInput {
  id: string;
  createdAt: string;
  status: CorrectionStatus;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
}

export interface CorrectionPolicy {
  /** The base registry's agency. */
  base: string;
  /** Fields the engine raises requests for; by default identity fields, not phone numbers. */
  fields?: readonly ConflictField[];
}

const DEFAULT_FIELDS: readonly ConflictField[] = ['nik', 'full_name', 'birth_date', 'sex', 'birth_place', 'address', 'locality', 'district', 'city'];

/** The request a conflict becomes, or undefined when the policy raises none for its field. */
export function routeConflict(conflict: FieldConflict, policy: CorrectionPolicy, requestedBy: string, reportGeneratedAt?: string): CorrectionInput | undefined {
  if (!(policy.fields ?? DEFAULT_FIELDS).includes(conflict.field)) return undefined;
  const common = {
    baseAgency: policy.base,
    baseRecordId: conflict.baseRecordId,
    field: conflict.field,
    requestedBy,
    evidence: { matchProbability: conflict.matchProbability, ...(reportGeneratedAt ? { reportGeneratedAt } : {}) },
  };
  if (conflict.nikSupports === 'agency') {
    return {
      ...common,
      addressedTo: policy.base,
      recordAgency: policy.base,
      recordId: conflict.baseRecordId,
      currentValue: conflict.baseValue,
      proposedValue: conflict.agencyValue,
      reason: 'nik_supports_agency',
      evidence: { ...common.evidence, otherValue: conflict.agencyValue },
    };
  }
  return {
    ...common,
    addressedTo: conflict.agency,
    recordAgency: conflict.agency,
    recordId: conflict.recordId,
    currentValue: conflict.agencyValue,
    proposedValue: conflict.baseValue,
    reason: 'conflict_with_base',
  };
}

const SEALED = /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/;

/**
 * Seals the personal data of a request (the disputed values and the evidence) when the store has
 * a keyring, bound to the request and column, so a value cannot be moved to another row.
 */
class Sealer {
  constructor(readonly keyring: DataKeyring | undefined) {}
  seal(id: string, column: string, value: string | null): string | null {
    return value === null || !this.keyring ? value : this.keyring.encrypt(value, `correction_request/${id}/${column}`);
  }
  open(id: string, column: string, value: string | null): string | null {
    // Rows written before the store had a keyring stay readable.
    return value === null || !this.keyring || !SEALED.test(value) ? value : this.keyring.decryptText(value, `correction_request/${id}/${column}`);
  }
}

function columnsOf(id: string, input: CorrectionInput, sealer: Sealer) {
  return {
    id,
    addressed_to: input.addressedTo,
    record_agency: input.recordAgency,
    record_id: input.recordId,
    base_agency: input.baseAgency,
    base_record_id: input.baseRecordId,
    field: input.field,
    current_value: sealer.seal(id, 'current_value', input.currentValue),
    proposed_value: sealer.seal(id, 'proposed_value', input.proposedValue),
    reason: input.reason,
    evidence: sealer.seal(id, 'evidence', JSON.stringify(input.evidence)) as string,
    requested_by: input.requestedBy,
  };
}

function toRequest(row: Selectable<CorrectionTables['correction_request']>, sealer: Sealer): CorrectionRequest {
  const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());
  return {
    id: row.id,
    createdAt: iso(row.created_at) as string,
    addressedTo: row.addressed_to,
    recordAgency: row.record_agency,
    recordId: row.record_id,
    baseAgency: row.base_agency,
    baseRecordId: row.base_record_id,
    field: row.field as ConflictField,
    currentValue: sealer.open(row.id, 'current_value', row.current_value),
    proposedValue: sealer.open(row.id, 'proposed_value', row.proposed_value),
    reason: row.reason as CorrectionInput['reason'],
    evidence: JSON.parse(sealer.open(row.id, 'evidence', row.evidence) as string) as CorrectionInput['evidence'],
    requestedBy: row.requested_by,
    status: row.status as CorrectionStatus,
    decidedBy: row.decided_by,
    decidedAt: iso(row.decided_at),
    decisionNote: row.decision_note,
  };
}

/** The correction backlog of one agency (see CorrectionStore.stats). */
export interface CorrectionStats {
  addressedTo: string;
  open: number;
  accepted: number;
  rejected: number;
  /** When the oldest open request was raised; null when none is open. */
  oldestOpenAt: string | null;
}

export interface CorrectionFilter {
  addressedTo?: string;
  recordAgency?: string;
  status?: CorrectionStatus;
  /** At most this many, newest first (default 100, at most 1000). */
  limit?: number;
  /** Only requests created before this one (paging). */
  before?: string;
}

export class CorrectionStore {
  readonly #db: Kysely<CorrectionTables>;
  readonly #sealer: Sealer;

  private constructor(db: Kysely<CorrectionTables>, sealer: Sealer) {
    this.#db = db;
    this.#sealer = sealer;
  }

  /**
   * Opens the store in a component's database, applying its migrations. With a keyring (the
   * hosting component's, kept outside the database), the disputed values and the evidence are
   * stored encrypted; record ids stay clear, as the queues are looked up by them.
   */
  static async open(database: Database<CorrectionTables>, options: { keyring?: DataKeyring } = {}): Promise<CorrectionStore> {
    await migrate(database.db as Kysely<unknown>, database.schema, correctionMigrations, 'reconcile');
    return new CorrectionStore(database.db, new Sealer(options.keyring));
  }

  /** Stores a request; refuses (request.conflict) a second open request for the same record and field. */
  async propose(input: CorrectionInput): Promise<CorrectionRequest> {
    try {
      const row = await this.#db
        .insertInto('correction_request')
        .values({ ...columnsOf(randomUUID(), input, this.#sealer), decided_by: null, decided_at: null, decision_note: null })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRequest(row, this.#sealer);
    } catch (error) {
      if ((error as { code?: string }).code === '23505') {
        throw new SimpulError('request.conflict', `An open correction request already asks ${input.addressedTo} to correct ${input.field} of record ${input.recordId}.`);
      }
      throw error;
    }
  }

  /**
   * Raises the requests a report's conflicts call for; conflicts that already have an open
   * request are skipped, so a report can be applied again after the next run, and so are those
   * an agency already decided on for the same two values (a decision stands until the values
   * change). Inserted in batches (a national report raises thousands).
   */
  async proposeFromReport(report: DiscrepancyReport, requestedBy: string, policy: Partial<CorrectionPolicy> = {}): Promise<{ created: CorrectionRequest[]; skipped: number }> {
    const inputs = report.conflicts.flatMap((conflict) => routeConflict(conflict, { base: report.base, ...policy }, requestedBy, report.generatedAt) ?? []);
    const created: CorrectionRequest[] = [];
    // Two conflicts may route to one request (the registry's own record, seen from two agencies).
    const seen = new Set<string>();
    const decided = await this.#db
      .selectFrom('correction_request')
      .select(['id', 'addressed_to', 'record_agency', 'record_id', 'field', 'current_value', 'proposed_value'])
      .where('status', '<>', 'open')
      .where('addressed_to', 'in', [...new Set(inputs.map((i) => i.addressedTo)), ''])
      .execute();
    const settled = new Set(
      decided.map((d) => JSON.stringify([d.addressed_to, d.record_agency, d.record_id, d.field, this.#sealer.open(d.id, 'current_value', d.current_value), this.#sealer.open(d.id, 'proposed_value', d.proposed_value)])),
    );
    const unique = inputs.filter((i) => {
      const key = JSON.stringify([i.addressedTo, i.recordAgency, i.recordId, i.field]);
      if (seen.has(key) || settled.has(JSON.stringify([i.addressedTo, i.recordAgency, i.recordId, i.field, i.currentValue, i.proposedValue]))) return false;
      seen.add(key);
      return true;
    });
    for (let i = 0; i < unique.length; i += 500) {
      const rows = await this.#db
        .insertInto('correction_request')
        .values(unique.slice(i, i + 500).map((input) => ({ ...columnsOf(randomUUID(), input, this.#sealer), decided_by: null, decided_at: null, decision_note: null })))
        .onConflict((oc) => oc.columns(['addressed_to', 'record_agency', 'record_id', 'field']).where('status', '=', 'open').doNothing())
        .returningAll()
        .execute();
      created.push(...rows.map((r) => toRequest(r, this.#sealer)));
    }
    return { created, skipped: inputs.length - created.length };
  }

  /**
   * Per addressed agency: how many requests are open, accepted and rejected, and when the
   * oldest open one was raised (what an oversight dashboard shows as the correction backlog).
   */
  async stats(): Promise<CorrectionStats[]> {
    const rows = await this.#db
      .selectFrom('correction_request')
      .select((eb) => [
        'addressed_to',
        eb.fn.countAll<number>().filterWhere('status', '=', 'open').as('open'),
        eb.fn.countAll<number>().filterWhere('status', '=', 'accepted').as('accepted'),
        eb.fn.countAll<number>().filterWhere('status', '=', 'rejected').as('rejected'),
        eb.fn.min<Date | null>('created_at').filterWhere('status', '=', 'open').as('oldest_open'),
      ])
      .groupBy('addressed_to')
      .orderBy('addressed_to')
      .execute();
    return rows.map((r) => ({
      addressedTo: r.addressed_to,
      open: Number(r.open),
      accepted: Number(r.accepted),
      rejected: Number(r.rejected),
      oldestOpenAt: r.oldest_open === null ? null : new Date(r.oldest_open).toISOString(),
    }));
  }

  async get(id: string): Promise<CorrectionRequest> {
    const row = await this.#db.selectFrom('correction_request').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new SimpulError('request.not_found', `No correction request ${id}.`);
    return toRequest(row, this.#sealer);
  }

  async list(filter: CorrectionFilter = {}): Promise<CorrectionRequest[]> {
    let query = this.#db.selectFrom('correction_request').selectAll();
    if (filter.addressedTo) query = query.where('addressed_to', '=', filter.addressedTo);
    if (filter.recordAgency) query = query.where('record_agency', '=', filter.recordAgency);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.before) {
      const before = await this.get(filter.before);
      query = query.where((eb) => eb.or([eb('created_at', '<', new Date(before.createdAt)), eb.and([eb('created_at', '=', new Date(before.createdAt)), eb('id', '<', before.id)])]));
    }
    const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => toRequest(r, this.#sealer));
  }

  /**
   * Accepts or rejects an open request, recording who and when; a decided request cannot be
   * decided again (reconcile.correction_decided).
   */
  async decide(id: string, decision: { status: 'accepted' | 'rejected'; by: string; note?: string }): Promise<CorrectionRequest> {
    const row = await this.#db
      .updateTable('correction_request')
      .set({ status: decision.status, decided_by: decision.by, decided_at: new Date(), decision_note: decision.note ?? null })
      .where('id', '=', id)
      .where('status', '=', 'open')
      .returningAll()
      .executeTakeFirst();
    if (row) return toRequest(row, this.#sealer);
    const existing = await this.get(id);
    throw new SimpulError('reconcile.correction_decided', `Correction request ${id} was already ${existing.status} by ${existing.decidedBy} at ${existing.decidedAt}.`);
  }
}
