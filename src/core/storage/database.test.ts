import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sql, type Generated, type Kysely } from 'kysely';
import pg from 'pg';
import { openDatabase } from './database.js';
import { migrate } from './migrate.js';
import { serverUrl, testBackends } from './testing.js';

interface Notes { note: { id: Generated<number>; body: string } }

const migrations = {
  '0001_note': {
    async up(db: Kysely<unknown>) {
      await db.schema.createTable('note').addColumn('id', 'serial', (c) => c.primaryKey()).addColumn('body', 'text', (c) => c.notNull()).execute();
    },
  },
};

for (const backend of testBackends()) {
  describe(`storage on ${backend.kind}`, () => {
    it('applies migrations once and keeps rows in the component schema', async () => {
      const database = await backend.open<Notes>('storage_test');
      try {
        assert.deepEqual(await migrate(database.db as never, database.schema, migrations), ['0001_note']);
        assert.deepEqual(await migrate(database.db as never, database.schema, migrations), []);
        await database.db.insertInto('note').values({ body: 'halo' }).execute();
        const rows = await database.db.selectFrom('note').select(['body']).execute();
        assert.deepEqual(rows, [{ body: 'halo' }]);
        const where = await sql<{ schema: string }>`select table_schema as schema from information_schema.tables where table_name = 'note'`.execute(database.db);
        assert.ok(where.rows.some((r) => r.schema === database.schema));
      } finally {
        await database.close();
      }
    });

    it('rolls back a failed transaction without losing committed rows', async () => {
      const database = await backend.open<Notes>('storage_tx');
      try {
        await migrate(database.db as never, database.schema, migrations);
        await database.db.insertInto('note').values({ body: 'kept' }).execute();
        await assert.rejects(database.db.transaction().execute(async (trx) => {
          await trx.insertInto('note').values({ body: 'lost' }).execute();
          throw new Error('boom');
        }));
        const rows = await database.db.selectFrom('note').select('body').execute();
        assert.deepEqual(rows.map((r) => r.body), ['kept']);
      } finally {
        await database.close();
      }
    });
  });
}

describe('embedded storage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'simpul-store-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps data in its data directory across restarts', async () => {
    const first = await openDatabase<Notes>({ dataDir: dir, schema: 'persist' });
    await migrate(first.db as never, first.schema, migrations);
    await first.db.insertInto('note').values({ body: 'survives' }).execute();
    await first.close();
    const second = await openDatabase<Notes>({ dataDir: dir, schema: 'persist' });
    try {
      assert.deepEqual(await migrate(second.db as never, second.schema, migrations), []);
      const rows = await second.db.selectFrom('note').select('body').execute();
      assert.deepEqual(rows.map((r) => r.body), ['survives']);
    } finally {
      await second.close();
    }
  });
});

const server = serverUrl();
if (server) {
  describe('storage on a PostgreSQL server that drops connections', () => {
    it('survives the server closing an idle connection, and the next query reconnects', async () => {
      const database = await openDatabase<Notes>({ url: server, schema: `storage_idle_${process.pid}` });
      const admin = new pg.Client({ connectionString: server });
      await admin.connect();
      try {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(database.db);
        // The connection is idle in the pool now; the server (an administrator, a restart) ends it.
        await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
        await new Promise((resolve) => setTimeout(resolve, 200));
        const again = await sql<{ one: number }>`select 1 as one`.execute(database.db);
        assert.equal(again.rows[0]!.one, 1);
      } finally {
        await admin.query(`drop schema if exists storage_idle_${process.pid} cascade`);
        await admin.end();
        await database.close();
      }
    });
  });
}
