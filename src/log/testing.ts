/**
 * Test support for the log's storage suites: starting PGlite costs seconds, so a suite opens
 * one database per backend and empties the log's tables before each test.
 */
import { sql } from 'kysely';
import type { Database } from '../core/storage/database.js';
import type { TestBackend } from '../core/storage/testing.js';
import { migrateLog } from './migrations.js';
import type { AnyDb } from './store.js';

export async function openLogDatabase(backend: TestBackend, prefix: string): Promise<Database<unknown> & { any: AnyDb }> {
  const database = await backend.open<unknown>(prefix);
  await migrateLog(database.db as never, database.schema);
  return Object.assign(database, { any: database.db as AnyDb });
}

export async function emptyLog(db: AnyDb): Promise<void> {
  await sql`TRUNCATE log_cosignature, log_checkpoint, log_signer, log_leaf, log_hash, log_witness_view, log_witnessed, log_witness_refusal`.execute(db);
  await sql`UPDATE log_head SET size = 0, frontier = ''::bytea`.execute(db);
}
