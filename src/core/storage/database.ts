/**
 * One SQL dialect (PostgreSQL), two engines:
 * - embedded: PGlite (Postgres compiled to WebAssembly) in a data directory, for `npm start`;
 * - server: a real PostgreSQL given by a connection URL, for production and CI.
 *
 * Both are reached through node-postgres and Kysely, so every query is the same text on both.
 * Each component (the registry, each gateway, each demo backend) owns a schema of its own;
 * with a server URL they may share a database or each have one.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';

export type StorageKind = 'pglite' | 'postgres';

export interface DatabaseOptions {
  /** PostgreSQL connection URL. When absent, PGlite is used. */
  url?: string | undefined;
  /** PGlite data directory; `memory://` or undefined keeps it in memory. */
  dataDir?: string | undefined;
  /** The component's schema: all its tables live there. */
  schema: string;
  /** Pool size for a server connection (PGlite is always one connection). */
  poolSize?: number;
}

export interface Database<DB> {
  readonly db: Kysely<DB>;
  readonly kind: StorageKind;
  readonly schema: string;
  close(): Promise<void>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

// pg returns int8 as string by default; our counters fit in a JS number (2^53).
pg.types.setTypeParser(20, (v) => Number(v));

export async function openDatabase<DB>(options: DatabaseOptions): Promise<Database<DB>> {
  if (!SCHEMA_NAME.test(options.schema)) throw new Error(`Bad schema name ${options.schema}`);
  const schema = options.schema;
  if (options.url) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      options: `-c search_path=${schema},public`,
    });
    // An idle connection the server closed (restart, administrator, network) is dropped by the
    // pool and replaced on next use; without a listener its error would end the process.
    pool.on('error', (error) => process.emitWarning(`PostgreSQL closed an idle connection of schema ${schema}: ${error.message}`, { code: 'SIMPUL_PG_IDLE_CONNECTION' }));
    // Create the schema before handing the pool out; concurrent creators race harmlessly.
    const client = await pool.connect();
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } catch (error) {
      if ((error as { code?: string }).code !== '23505') throw error;
    } finally {
      client.release();
    }
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', schema, close: () => db.destroy() };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { createPgConfig } = await import('@electric-sql/pglite/node-postgres');
  const dataDir = options.dataDir && options.dataDir !== 'memory://' ? options.dataDir : undefined;
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const fresh = !dataDir || !existsSync(join(dataDir, 'PG_VERSION'));
  const lite = new PGlite(dataDir, fresh ? { loadDataDir: await freshCluster() } : {});
  await lite.waitReady;
  await lite.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema}, public;`);
  const pool = new pg.Pool({ ...(createPgConfig(lite) as object), max: 1 });
  // Every new pooled connection must see the component's schema first.
  pool.on('connect', (client) => {
    void client.query(`SET search_path TO ${schema}, public`);
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    kind: 'pglite',
    schema,
    close: async () => {
      await db.destroy();
      await lite.close();
    },
  };
}

// Creating a cluster (initdb) is the slowest part of opening PGlite. A fresh cluster is made
// once, dumped, and every new cluster starts from the dump: the demo has eleven components,
// and every test process opens several. The dump is also kept in the temp directory, keyed by
// the PGlite version, so later processes skip initdb too.
let template: Promise<Blob> | undefined;
function freshCluster(): Promise<Blob> {
  template ??= (async () => {
    const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite'); // …/pglite/dist/index.cjs
    const version = (JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }).version;
    const cached = join(tmpdir(), `simpul-pglite-cluster-${version}.tar`);
    if (existsSync(cached)) return new Blob([readFileSync(cached)]);
    const { PGlite } = await import('@electric-sql/pglite');
    const lite = new PGlite();
    await lite.waitReady;
    const dump = await lite.dumpDataDir('none');
    await lite.close();
    const partial = `${cached}.${process.pid}`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, cached);
    return dump;
  })();
  return template;
}

/** Drops a component's schema: for tests against a shared server. */
export async function dropSchema(db: Kysely<unknown>, schema: string): Promise<void> {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`Bad schema name ${schema}`);
  await sql.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).execute(db);
}
