/**
 * The SQL adapter: a read-only source in the agency's own PostgreSQL (a table or, better, a
 * view made for the purpose). Only declared queries run, each with its parameters bound by
 * the database driver ($1, $2, … from named parameters); request values never become SQL
 * text. Every query runs in a READ ONLY transaction under a statement timeout, wrapped so it
 * returns at most maxRows + 1 rows as JSON built by PostgreSQL itself (docs/adr/0044).
 */
import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { SimpulError } from '../core/errors.js';
import type { BackendRequest, BackendResponse, BackendStatus, ReportingBackend } from './backend.js';
import { resolveEnv, type SqlBackendConfig, type SqlOperation } from './config.js';
import { compileMapping, type Mapping } from './mapping.js';
import { OperationRouter, jsonResponse } from './operation-router.js';
import { StatusTracker } from './status-tracker.js';

export interface SqlBackendOptions {
  /** Embedded databases the host process opened, by the name a declaration's `database` gives. */
  databases?: Record<string, Kysely<unknown>>;
}

interface PreparedOperation {
  /** The declared query wrapped: `SELECT to_jsonb(declared) … LIMIT $n`. */
  text: string;
  bind: readonly string[];
  mapping: Mapping | undefined;
}

const DEFAULT_STATEMENT_TIMEOUT_MS = 5000;
const DEFAULT_MAX_ROWS = 1000;

export async function createSqlBackend(config: SqlBackendConfig, options: SqlBackendOptions = {}): Promise<ReportingBackend> {
  const statementTimeoutMs = config.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const maxRows = config.maxRows ?? DEFAULT_MAX_ROWS;
  const router = new OperationRouter<SqlOperation>(config.operations, config.maxRequestBytes);
  const prepared = new Map<SqlOperation, PreparedOperation>(config.operations.map((operation, i) => [operation, prepare(operation, i)]));

  let db: Kysely<unknown>;
  let owned = false;
  if (config.database !== undefined) {
    const embedded = options.databases?.[config.database];
    if (!embedded) throw new SimpulError('request.invalid', `The sql backend names the embedded database ${JSON.stringify(config.database)}, which this process did not open.`);
    db = embedded;
  } else {
    const pool = new pg.Pool({
      connectionString: resolveEnv(config.url as string, 'url'),
      max: config.poolSize ?? 4,
      // Belt and braces: every transaction of these connections is read-only by default too.
      options: '-c default_transaction_read_only=on',
      connectionTimeoutMillis: statementTimeoutMs,
    });
    // The agency's server closed an idle connection: the pool replaces it on next use, and that
    // query reports its own failure. Without a listener the error would end the gateway.
    pool.on('error', (error) => setStatus('degraded', `The database closed an idle connection: ${error.message}`));
    db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
    owned = true;
  }

  const status = new StatusTracker('ok', 'Not used yet.');
  const setStatus = (state: BackendStatus['state'], message: string) => status.set(state, message);

  async function run(query: PreparedOperation, values: unknown[], limit: number): Promise<unknown[]> {
    return db
      .transaction()
      .setAccessMode('read only')
      .execute(async (trx) => {
        // set_config(…, true) is SET LOCAL with bindable values: it ends with the transaction.
        await trx.executeQuery(CompiledQuery.raw('SELECT set_config($1, $2, true), set_config($3, $4, true)', ['statement_timeout', String(statementTimeoutMs), 'search_path', `${config.schema}, public`]));
        const result = await trx.executeQuery<{ row: unknown }>(CompiledQuery.raw(query.text, [...values, limit]));
        return result.rows.map((r) => r.row);
      });
  }

  // Each declared query is planned once at start-up (with no rows asked for), so a misspelt
  // view or column stops the gateway there. An unreachable database only marks the status.
  for (const [index, operation] of config.operations.entries()) {
    const query = prepared.get(operation) as PreparedOperation;
    try {
      await run(query, query.bind.map(() => null), 0);
      setStatus('ok', 'Connected; every declared query plans.');
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (/^(42|22|0A)/.test(code)) {
        if (owned) await db.destroy();
        throw new SimpulError('request.invalid', `operations[${index}].sql does not run against schema ${config.schema}: ${(error as Error).message} (SQLSTATE ${code}).`);
      }
      setStatus('unavailable', `The database cannot be reached: ${(error as Error).message}`);
      break;
    }
  }

  return {
    async call(request: BackendRequest): Promise<BackendResponse> {
      const { operation, where, params } = router.bind(request);
      const query = prepared.get(operation) as PreparedOperation;
      // A parameter the request leaves out binds NULL; the params schema says which are required.
      const values = query.bind.map((name) => params[name] ?? null);
      let rows: unknown[];
      try {
        rows = await run(query, values, operation.result === 'one' ? 1 : maxRows + 1);
        status.succeeded('Connected; the last query ran.');
      } catch (error) {
        // The operator's status keeps the database's own message; the consumer gets the code.
        throw sqlFailure(error, where, statementTimeoutMs, setStatus);
      }
      const map = (row: unknown) => (query.mapping ? query.mapping.evaluate(row, { params }) : Promise.resolve(row));
      if (operation.result === 'one') {
        const mapped = rows.length > 0 ? await map(rows[0]) : undefined;
        if (mapped === undefined) throw new SimpulError('request.not_found', 'No row matches.');
        return jsonResponse(mapped);
      }
      const truncated = rows.length > maxRows;
      const items: unknown[] = [];
      for (const row of truncated ? rows.slice(0, maxRows) : rows) {
        const mapped = await map(row);
        if (mapped !== undefined) items.push(mapped);
      }
      return jsonResponse({ items, truncated, ...(truncated ? { maxRows } : {}) });
    },
    status: () => status.get(),
    async close() {
      if (owned) await db.destroy();
    },
  };
}

function prepare(operation: SqlOperation, index: number): PreparedOperation {
  const where = `operations[${index}]`;
  // A trailing semicolon is a habit, not a second statement; anything else stays a syntax error.
  const declared = operation.sql.trim().replace(/;+\s*$/, '');
  const bind = operation.bind ?? [];
  const highest = Math.max(0, ...[...declared.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
  if (highest > bind.length) {
    throw new SimpulError('request.invalid', `${where}.sql uses $${highest} but bind names only ${bind.length} parameter(s).`);
  }
  return {
    // The declared text is configuration, never request data; as a subquery it can only be a
    // query (no INSERT/UPDATE/DELETE, no second statement), and the outer LIMIT caps the rows.
    text: `SELECT to_jsonb(declared) AS "row" FROM (\n${declared}\n) AS declared LIMIT $${bind.length + 1}`,
    bind,
    mapping: operation.response ? compileMapping(operation.response, `${where}.response`) : undefined,
  };
}

function sqlFailure(error: unknown, where: string, timeoutMs: number, setStatus: (state: BackendStatus['state'], message: string) => void): SimpulError {
  if (error instanceof SimpulError) return error;
  const e = error as { code?: string; message?: string };
  const code = e.code ?? '';
  if (code === '57014') return new SimpulError('provider.timeout', `The query of ${where} ran longer than ${timeoutMs} ms and was cancelled.`);
  if (code === '25006') {
    setStatus('degraded', `The query of ${where} tried to write in a read-only transaction: ${e.message}`);
    return new SimpulError('provider.error', 'The declared query tried to change data; it was refused.', { sqlstate: code });
  }
  if (/^(08|57P|53)/.test(code) || /ECONNREFUSED|ECONNRESET|ETIMEDOUT|timeout exceeded when trying to connect/i.test(e.message ?? '')) {
    setStatus('unavailable', `The database cannot be reached: ${e.message}`);
    return new SimpulError('provider.unreachable', 'The agency database could not be reached.');
  }
  // The consumer gets the SQLSTATE only; the operator sees the database's message in the status.
  setStatus('degraded', `The query of ${where} failed: ${e.message} (SQLSTATE ${code || '?'})`);
  return new SimpulError('provider.error', `The declared query failed (SQLSTATE ${code || 'unknown'}).`, { sqlstate: code || null });
}
