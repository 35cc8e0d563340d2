/**
 * The storage backends a test suite runs against: PGlite always, and a real PostgreSQL
 * server whenever `DATABASE_URL` (or `SIMPUL_TEST_DATABASE_URL`) is set, as CI does.
 * Each opened database gets a fresh schema so tests never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import { dropSchema, openDatabase, type Database, type StorageKind } from './database.js';

export interface TestBackend {
  readonly kind: StorageKind;
  /** The connection URL for the server backend; undefined for PGlite. */
  readonly url: string | undefined;
  open<DB>(prefix: string): Promise<Database<DB>>;
}

export function serverUrl(): string | undefined {
  return process.env.SIMPUL_TEST_DATABASE_URL || process.env.DATABASE_URL || undefined;
}

export function testBackends(): TestBackend[] {
  const backends: TestBackend[] = [
    { kind: 'pglite', url: undefined, open: (prefix) => openDatabase({ schema: prefix }) },
  ];
  const url = serverUrl();
  if (url) {
    backends.push({
      kind: 'postgres',
      url,
      async open<DB>(prefix: string) {
        const schema = `${prefix}_${randomBytes(4).toString('hex')}`;
        const database = await openDatabase<DB>({ url, schema, poolSize: 4 });
        return {
          ...database,
          close: async () => {
            await dropSchema(database.db as never, schema);
            await database.close();
          },
        };
      },
    });
  }
  return backends;
}
