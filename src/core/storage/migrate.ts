/**
 * Versioned migrations, kept in code beside the component that owns the tables.
 * A component lists its migrations in order; names sort lexically (`0001_…`).
 */
import { Migrator, type Kysely, type Migration } from 'kysely';

export type Migrations = Record<string, Migration>;

/**
 * Applies `migrations` not yet applied. `set` names the migration history: parts that share a
 * component's schema (a gateway's tables and its exchange log's, say) each keep their own.
 */
export async function migrate(db: Kysely<unknown>, schema: string, migrations: Migrations, set = 'main'): Promise<string[]> {
  if (!/^[a-z][a-z0-9_]*$/.test(set)) throw new Error(`Bad migration set name ${set}`);
  const migrator = new Migrator({
    db,
    migrationTableSchema: schema,
    migrationTableName: `migrations_${set}`,
    migrationLockTableName: `migrations_${set}_lock`,
    provider: { getMigrations: async () => migrations },
  });
  let { error, results } = await migrator.migrateToLatest();
  // Kysely's migrator finds its own tables by listing every schema's tables with
  // has_schema_privilege(name); on a shared server a schema dropped meanwhile by someone else
  // (another component's tests) makes that listing fail. Nothing was applied then: try again.
  for (let attempt = 1; error && attempt < 5 && droppedMeanwhile(error, schema); attempt++) {
    ({ error, results } = await migrator.migrateToLatest());
  }
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`Migration ${failed?.migrationName ?? '?'} of schema ${schema} failed: ${String(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

function droppedMeanwhile(error: unknown, ours: string): boolean {
  const cause = error as { code?: string; message?: string };
  return cause.code === '3F000' && typeof cause.message === 'string' && !cause.message.includes(`"${ours}"`);
}
