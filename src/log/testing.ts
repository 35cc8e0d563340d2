/**
 * Test support for the log's storage suites: starting PGlite costs seconds, so a suite opens
 * one database per backend and empties the log's tables before each test.
 */
import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { ExchangeId, ExchangeRecord } from '../gateway/exchange-record.js';
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

/** A plausible exchange record for tests: only commitments and digests, as the gateway writes. */
export function sampleRecord(n: number, overrides: Partial<ExchangeRecord> = {}): ExchangeRecord {
  return {
    id: randomUUID() as ExchangeId,
    side: n % 2 === 0 ? 'provider' : 'consumer',
    time: 1_767_225_600_000 + n,
    client: 'ID/GOV/BPS/SENSUS',
    service: 'ID/GOV/DUKCAPIL/SIAK/person',
    purpose: 'STATISTIK-SENSUS',
    legalBasis: 'UU 16/1997 Statistik',
    subjectCommitment: createHash('sha256').update(`subject ${n}`).digest(),
    outcome: 'ok',
    status: 200,
    code: null,
    requestHash: createHash('sha256').update(`request ${n}`).digest(),
    responseHash: createHash('sha256').update(`response ${n}`).digest(),
    peer: 'ID/GOV/BPS/gw1',
    durationMs: 3 + (n % 40),
    ...overrides,
  };
}
