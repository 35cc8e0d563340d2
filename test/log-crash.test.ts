/**
 * Crash safety of the log store alone: a child process appends leaves in transactions (as a
 * gateway's group commit would) and reports each append once its transaction committed; it
 * is killed with SIGKILL at random moments and restarted. Every acknowledged append must be
 * in the log at the index it was given, indices must be contiguous and unique, and the
 * stored tree must recompute to the same hashes. On PostgreSQL two appenders run at once.
 *
 * This file is also the child: with SIMPUL_LOG_CRASH_CHILD set it appends until killed.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, type DatabaseOptions } from '../src/core/storage/database.js';
import { testBackends } from '../src/core/storage/testing.js';
import { generateSigningKey } from '../src/core/crypto.js';
import { Checkpointer } from '../src/log/checkpointer.js';
import { fsck } from '../src/log/fsck.js';
import { encodeExchangeLeaf } from '../src/log/leaf.js';
import { migrateLog } from '../src/log/migrations.js';
import { LogStore, appendLeaves, type AnyDb } from '../src/log/store.js';
import { sampleRecord } from '../src/log/testing.js';

const CHILD = 'SIMPUL_LOG_CRASH_CHILD';

if (process.env[CHILD]) {
  const options = JSON.parse(process.env[CHILD]) as DatabaseOptions;
  const database = await openDatabase<unknown>(options);
  const db = database.db as AnyDb;
  writeSync(1, 'ready\n');
  for (let n = 0; ; n++) {
    const batch = Array.from({ length: 1 + (n % 17) }, (_, i) => sampleRecord(n * 17 + i, { id: randomUUID() as never }));
    const indices = await db.transaction().execute(async (trx) => {
      // Some other work of the exchange in the same transaction, then the log, last.
      await sql`SELECT pg_sleep(0.001)`.execute(trx);
      return appendLeaves(trx, batch.map((r) => ({ exchangeId: r.id, leaf: encodeExchangeLeaf(r) })));
    });
    // Only now is the append acknowledged: this is what a client would have been told.
    writeSync(1, `ack ${indices[0]} ${batch.map((r) => r.id).join(',')}\n`);
  }
}

interface Ack {
  index: number;
  ids: string[];
}

function startChild(options: DatabaseOptions, acks: Ack[]): { child: ChildProcess; ready: Promise<void>; firstAck: Promise<void>; exited: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, [CHILD]: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buffer = '';
  let markReady: () => void;
  let markAck: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const firstAck = new Promise<void>((resolve) => (markAck = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let end;
    while ((end = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
      if (line === 'ready') markReady();
      const m = /^ack (\d+) (.+)$/.exec(line);
      if (m) {
        acks.push({ index: Number(m[1]), ids: m[2]!.split(',') });
        markAck();
      }
    }
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return { child, ready, firstAck, exited };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (!process.env[CHILD]) {
  for (const backend of testBackends()) {
    describe(`log store crash safety on ${backend.kind}`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'simpul-log-crash-'));
      const schema = backend.kind === 'pglite' ? 'gateway' : `log_crash_${process.pid}`;
      const options: DatabaseOptions = backend.kind === 'pglite' ? { dataDir: join(dir, 'db'), schema } : { url: backend.url, schema, poolSize: 2 };
      after(() => rmSync(dir, { recursive: true, force: true }));

      it('keeps every acknowledged append, contiguous, across SIGKILLs', { timeout: 240_000 }, async () => {
        const setup = await openDatabase<unknown>(options);
        await migrateLog(setup.db as never, schema);
        await setup.close();
        const acks: Ack[] = [];
        const rounds = backend.kind === 'pglite' ? 3 : 4;
        const appenders = backend.kind === 'pglite' ? 1 : 2;
        for (let round = 0; round < rounds; round++) {
          const children = Array.from({ length: appenders }, () => startChild(options, acks));
          await Promise.all(children.map((c) => c.ready));
          // Killed at a random moment once appending is under way, mid-transaction or not.
          await Promise.all(children.map(async (c) => {
            await Promise.race([c.firstAck, c.exited]);
            await sleep(50 + Math.random() * 700);
            c.child.kill('SIGKILL');
            await c.exited;
          }));
        }

        const database = await openDatabase<unknown>(options);
        try {
          const db = database.db as AnyDb;
          const rows = await sql<{ idx: number; exchange_id: string }>`SELECT idx, exchange_id FROM log_leaf ORDER BY idx`.execute(db);
          const byIndex = new Map(rows.rows.map((r) => [Number(r.idx), r.exchange_id]));
          assert.deepEqual(rows.rows.map((r) => Number(r.idx)), rows.rows.map((_, i) => i), 'indices are contiguous from 0');
          assert.ok(acks.length >= rounds, 'the appenders made progress between kills');
          let acknowledged = 0;
          for (const ack of acks) {
            ack.ids.forEach((id, k) => assert.equal(byIndex.get(ack.index + k), id, `acknowledged exchange ${id} at ${ack.index + k}`));
            acknowledged += ack.ids.length;
          }
          const store = new LogStore(db);
          assert.equal((await store.head()).size, rows.rows.length);
          assert.ok(rows.rows.length >= acknowledged);
          const report = await fsck({ db });
          assert.deepEqual(report.problems, []);
          // The recovered log is signable: head, hashes and leaves agree.
          const signed = await new Checkpointer({ store, key: generateSigningKey(), origin: 'simpul.go.id/ID/GOV/TEST/gw1' }).signNow();
          assert.equal(signed?.checkpoint.size, rows.rows.length);
        } finally {
          if (backend.kind === 'postgres') await sql.raw(`DROP SCHEMA ${schema} CASCADE`).execute(database.db);
          await database.close();
        }
      });
    });
  }
}
