/**
 * Versioned migrations, kept in code beside the component that owns the tables.
 * A component lists its migrations in order; names sort lexically (`0001_…`).
 */
import { Migrator, type Kysely, type Migration } from 'kysely';

export type Migrations = Record<string, Migration>;

export async function migrate(db: Kysely<unknown>, schema: string, migrations: Migrations): Promise<string[]> {
  const migrator = new Migrator({
    db,
    migrationTableSchema: schema,
    provider: { getMigrations: async () => migrations },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`Migration ${failed?.migrationName ?? '?'} of schema ${schema} failed: ${String(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
