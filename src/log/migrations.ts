/**
 * The exchange log's tables, kept in the gateway's own schema under a migration history of
 * their own (`migrate(db, schema, logMigrations, 'log')`). Design: docs/adr/0020-log-storage.md.
 */
import { sql, type Kysely } from 'kysely';
import { migrate, type Migrations } from '../core/storage/migrate.js';

export const logMigrations: Migrations = {
  '0001_log': {
    async up(db: Kysely<unknown>) {
      // One row: the tree size and its right edge (compact range). Appenders lock it, so
      // indices are handed out in commit order with no gap and never twice.
      await sql`CREATE TABLE log_head (
        id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        size bigint NOT NULL,
        frontier bytea NOT NULL
      )`.execute(db);
      await sql`INSERT INTO log_head (id, size, frontier) VALUES (1, 0, ''::bytea)`.execute(db);
      await sql`CREATE TABLE log_leaf (
        idx bigint PRIMARY KEY,
        exchange_id uuid NOT NULL,
        leaf bytea NOT NULL
      )`.execute(db);
      await sql`CREATE INDEX log_leaf_exchange ON log_leaf (exchange_id, idx)`.execute(db);
      // Strips: up to 256 consecutive hashes of one tree level, append-only.
      await sql`CREATE TABLE log_hash (
        level smallint NOT NULL,
        block bigint NOT NULL,
        hashes bytea NOT NULL,
        PRIMARY KEY (level, block)
      )`.execute(db);
      // Hashes and leaves do not compress; spare PostgreSQL the attempt.
      await sql`ALTER TABLE log_hash ALTER COLUMN hashes SET STORAGE EXTERNAL`.execute(db);
      await sql`ALTER TABLE log_leaf ALTER COLUMN leaf SET STORAGE EXTERNAL`.execute(db);
      // The last signed checkpoint: a signer only ever extends it.
      await sql`CREATE TABLE log_signer (
        id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        origin text NOT NULL,
        vkey text NOT NULL,
        size bigint NOT NULL,
        root bytea NOT NULL,
        signed_at timestamptz NOT NULL DEFAULT now()
      )`.execute(db);
      await sql`CREATE TABLE log_checkpoint (
        size bigint PRIMARY KEY,
        root bytea NOT NULL,
        note text NOT NULL,
        signed_at timestamptz NOT NULL DEFAULT now(),
        final_at timestamptz
      )`.execute(db);
      await sql`CREATE INDEX log_checkpoint_final ON log_checkpoint (size) WHERE final_at IS NOT NULL`.execute(db);
      await sql`CREATE TABLE log_cosignature (
        size bigint NOT NULL REFERENCES log_checkpoint (size),
        witness text NOT NULL,
        line text NOT NULL,
        cosigned_at bigint NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (size, witness)
      )`.execute(db);
      // The log side's belief of the latest size each witness has cosigned.
      await sql`CREATE TABLE log_witness_view (
        witness text PRIMARY KEY,
        size bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`.execute(db);
      // The witness side: the latest checkpoint each witness key of this gateway cosigned for
      // each other log (keyed by the witness's verifier key, so a rotated key starts afresh).
      await sql`CREATE TABLE log_witnessed (
        witness text NOT NULL,
        origin text NOT NULL,
        size bigint NOT NULL,
        root bytea NOT NULL,
        note text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (witness, origin)
      )`.execute(db);
      // Signed checkpoints a witness refused: evidence of a log showing two histories.
      await sql`CREATE TABLE log_witness_refusal (
        id bigserial PRIMARY KEY,
        witness text NOT NULL,
        origin text NOT NULL,
        reason text NOT NULL,
        request text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`.execute(db);
    },
  },
  '0002_log_exchange_hash_index': {
    async up(db: Kysely<unknown>) {
      // Receipts look exchange ids up by equality only. A hash index costs appenders less than
      // a B-tree of random UUIDs (about a fifth of PostgreSQL's CPU per appended leaf, measured
      // in docs/benchmarks/log.md); the few leaves of one id are sorted by idx at lookup.
      await sql`DROP INDEX log_leaf_exchange`.execute(db);
      await sql`CREATE INDEX log_leaf_exchange ON log_leaf USING hash (exchange_id)`.execute(db);
    },
  },
};

/** Creates or upgrades the log's tables in `schema`. */
export function migrateLog(db: Kysely<unknown>, schema: string): Promise<string[]> {
  return migrate(db, schema, logMigrations, 'log');
}
