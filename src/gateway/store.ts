/**
 * The gateway's own database: exchange records and local client credentials.
 *
 * Records are written by group commit: every record that arrives while a transaction is
 * being committed waits for the next one, so a busy gateway commits many records per
 * transaction while each caller still learns only after its record is durable.
 */
import { sql, type Generated, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../core/storage/database.js';
import { migrate, type Migrations } from '../core/storage/migrate.js';
import type { ExchangeRecord } from './exchange-record.js';

export interface GatewayTables {
  exchange_record: {
    seq: Generated<number>;
    id: string;
    side: string;
    time: number;
    client: string;
    service: string;
    purpose: string | null;
    legal_basis: string | null;
    subject_commitment: Buffer | null;
    outcome: string;
    status: number;
    code: string | null;
    request_hash: Buffer;
    response_hash: Buffer | null;
    peer: string | null;
    duration_ms: number;
  };
  client_credential: {
    subsystem: string;
    token_hash: Buffer;
    created_at: string;
  };
}

export const gatewayMigrations: Migrations = {
  '0001_exchange_record': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('exchange_record')
        .addColumn('seq', 'bigserial', (c) => c.primaryKey())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('side', 'text', (c) => c.notNull())
        .addColumn('time', 'bigint', (c) => c.notNull())
        .addColumn('client', 'text', (c) => c.notNull())
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text')
        .addColumn('legal_basis', 'text')
        .addColumn('subject_commitment', 'bytea')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('code', 'text')
        .addColumn('request_hash', 'bytea', (c) => c.notNull())
        .addColumn('response_hash', 'bytea')
        .addColumn('peer', 'text')
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .execute();
      // At most one accepted exchange per id and side: the durable backstop of replay detection.
      await sql`create unique index exchange_record_accepted_id on exchange_record (id, side) where outcome <> 'refused'`.execute(db);
      await db.schema.createIndex('exchange_record_subject').on('exchange_record').columns(['subject_commitment', 'time']).execute();
      await db.schema.createIndex('exchange_record_time').on('exchange_record').column('time').execute();
      await db.schema
        .createTable('client_credential')
        .addColumn('subsystem', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'bytea', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
};

/** Called inside the group-commit transaction, e.g. to append the records to the exchange log. */
export type CommitHook = (trx: Transaction<GatewayTables>, records: ExchangeRecord[]) => Promise<void>;

interface Waiting {
  record: ExchangeRecord;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class GatewayStore {
  readonly #database: Database<GatewayTables>;
  readonly #hooks: CommitHook[] = [];
  #queue: Waiting[] = [];
  #inFlight = 0;
  #scheduled = false;
  readonly #maxInFlight: number;
  readonly #idle: (() => void)[] = [];
  #closed = false;

  private constructor(database: Database<GatewayTables>) {
    this.#database = database;
    // On a server, several group commits in flight let PostgreSQL merge their WAL flushes, so
    // throughput is not capped at one batch per fsync. PGlite is one connection: one at a time.
    this.#maxInFlight = database.kind === 'postgres' ? 4 : 1;
  }

  static async open(database: Database<GatewayTables>): Promise<GatewayStore> {
    await migrate(database.db as Kysely<unknown>, database.schema, gatewayMigrations);
    return new GatewayStore(database);
  }

  get db(): Kysely<GatewayTables> {
    return this.#database.db;
  }

  addCommitHook(hook: CommitHook): void {
    this.#hooks.push(hook);
  }

  /** Resolves once the record is committed. */
  record(record: ExchangeRecord): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('Gateway store is closed'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ record, resolve, reject });
      this.#schedule();
    });
  }

  // Records of the same event-loop turn join one batch; a batch starts whenever a commit slot
  // is free, and takes everything queued by then.
  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= this.#maxInFlight || this.#queue.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      while (this.#inFlight < this.#maxInFlight && this.#queue.length > 0) void this.#flush(this.#queue.splice(0, 1000));
    });
  }

  async #flush(batch: Waiting[]): Promise<void> {
    this.#inFlight++;
    try {
      await this.#commit(batch.map((w) => w.record));
      for (const w of batch) w.resolve();
    } catch (error) {
      if (batch.length > 1 && isUniqueViolation(error)) {
        // One record broke the accepted-once rule (the same exchange accepted twice, e.g. by two
        // gateway processes on one database): it alone fails, the rest of its batch is kept.
        for (const w of batch) await this.#commit([w.record]).then(w.resolve, w.reject);
      } else {
        for (const w of batch) w.reject(error);
      }
    } finally {
      this.#inFlight--;
      if (this.#inFlight === 0 && this.#queue.length === 0) for (const done of this.#idle.splice(0)) done();
      this.#schedule();
    }
  }

  // One statement with constant text whatever the batch size (PostgreSQL parses the same
  // shape every time), and without hooks no explicit transaction: a single INSERT is atomic,
  // so a batch costs one round trip instead of three.
  async #commit(records: ExchangeRecord[]): Promise<void> {
    const column = <T>(pick: (r: ExchangeRecord) => T) => records.map(pick);
    const insert = sql`
      insert into exchange_record (id, side, time, client, service, purpose, legal_basis, subject_commitment,
        outcome, status, code, request_hash, response_hash, peer, duration_ms)
      select * from unnest(
        ${column((r) => r.id)}::text[], ${column((r) => r.side)}::text[], ${column((r) => r.time)}::bigint[],
        ${column((r) => r.client)}::text[], ${column((r) => r.service)}::text[], ${column((r) => r.purpose)}::text[],
        ${column((r) => r.legalBasis)}::text[], ${column((r) => r.subjectCommitment)}::bytea[], ${column((r) => r.outcome)}::text[],
        ${column((r) => r.status)}::integer[], ${column((r) => r.code)}::text[], ${column((r) => r.requestHash)}::bytea[],
        ${column((r) => r.responseHash)}::bytea[], ${column((r) => r.peer)}::text[], ${column((r) => Math.round(r.durationMs))}::integer[])`;
    if (this.#hooks.length === 0) {
      await insert.execute(this.#database.db);
      return;
    }
    await this.#database.db.transaction().execute(async (trx) => {
      await insert.execute(trx);
      for (const hook of this.#hooks) await hook(trx, records);
    });
  }

  /** Ids accepted on the provider side since `since` (ms): to rebuild replay memory at start. */
  async recentProviderIds(since: number): Promise<string[]> {
    const rows = await this.db.selectFrom('exchange_record').select('id').where('side', '=', 'provider').where('outcome', '<>', 'refused').where('time', '>=', since).execute();
    return rows.map((r) => r.id);
  }

  async setClientCredential(subsystem: string, tokenHash: Buffer): Promise<void> {
    await this.db
      .insertInto('client_credential')
      .values({ subsystem, token_hash: tokenHash, created_at: new Date().toISOString() })
      .onConflict((oc) => oc.column('subsystem').doUpdateSet({ token_hash: tokenHash, created_at: new Date().toISOString() }))
      .execute();
  }

  async clientCredentials(): Promise<{ subsystem: string; tokenHash: Buffer }[]> {
    const rows = await this.db.selectFrom('client_credential').select(['subsystem', 'token_hash']).execute();
    return rows.map((r) => ({ subsystem: r.subsystem, tokenHash: r.token_hash }));
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#inFlight > 0 || this.#queue.length > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
    await this.#database.close();
  }
}

// PostgreSQL's unique_violation (PGlite reports the same SQLSTATE).
function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}
