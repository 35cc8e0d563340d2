/**
 * The CSV adapter: an agency system drops an export into a folder now and then; the adapter
 * serves the newest one as a queryable service (lookups by key columns, equality filters,
 * paging). A new file is read whole and checked before it replaces the old one, so requests
 * never see a half-read export, and a malformed file is refused while the last good one keeps
 * being served: the operator sees why in the backend status (docs/adr/0043).
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SimpulError } from '../core/errors.js';
import type { BackendRequest, BackendResponse, BackendStatus, ReportingBackend } from './backend.js';
import type { CsvBackendConfig, CsvOperation } from './config.js';
import { indexKey, readCsvSnapshot, rowObject, valueKey, type CsvSnapshot, type FileIdentity } from './csv-snapshot.js';
import { compileMapping, type Mapping } from './mapping.js';
import { OperationRouter, jsonResponse } from './operation-router.js';

export interface CsvBackend extends ReportingBackend {
  /** Looks for a new export now (the adapter also does every pollIntervalMs) and returns the status after. */
  reload(): Promise<BackendStatus>;
}

interface Refusal extends FileIdentity {
  reason: string;
  at: string;
}

const DEFAULT_PAGE_SIZE = 50;
const DEFAULT_MAX_PAGE_SIZE = 500;

export async function createCsvBackend(config: CsvBackendConfig): Promise<CsvBackend> {
  const folder = config.folder;
  const pattern = globToRegExp(config.file ?? '*.csv');
  const settleMs = config.settleMs ?? 2000;
  const maxFileBytes = config.maxFileBytes ?? 256 * 1024 * 1024;
  const router = new OperationRouter<CsvOperation>(config.operations, config.maxRequestBytes);
  const mappings = new Map<CsvOperation, Mapping | undefined>(
    config.operations.map((operation, i) => [operation, operation.response ? compileMapping(operation.response, `operations[${i}].response`) : undefined]),
  );
  // A JSONata evaluation costs a fraction of a millisecond; rows of a snapshot never change, so
  // a mapping that reads only the row is evaluated once per row and operation, then reused.
  // Keyed by the row itself, so the records of a replaced snapshot go with it.
  // Promises are kept, so concurrent requests for the same rows share one evaluation.
  const mapped = new Map<CsvOperation, WeakMap<readonly string[], Promise<unknown>>>(config.operations.map((operation) => [operation, new WeakMap()]));
  const lookupColumns = config.operations.filter((op) => op.match && Object.keys(op.match).length > 0).map((op) => Object.keys(op.match ?? {}));
  const filterColumns = config.operations.flatMap((op) => Object.keys(op.filters ?? {}));
  const readOptions = {
    delimiter: config.delimiter ?? ',',
    encoding: config.encoding ?? 'utf-8',
    // Every column an operation depends on must be in the header, or the file is refused.
    requiredColumns: [...new Set([...(config.columns ?? []), ...lookupColumns.flat(), ...filterColumns])],
    indexes: lookupColumns,
  };

  let current: CsvSnapshot | undefined;
  let refused: Refusal | undefined;
  let status: BackendStatus = { state: 'unavailable', message: `No export has been read from ${folder} yet.`, since: now() };
  const setStatus = (state: BackendStatus['state'], message: string, details: Record<string, unknown>) => {
    status = { state, message, since: status.state === state && status.message === message ? status.since : now(), details };
  };

  function report(): void {
    const serving = current ? { file: current.file.name, rows: current.rows.length, loadedAt: current.loadedAt } : undefined;
    const refusal = refused ? { refusedFile: refused.name, refusedReason: refused.reason, refusedAt: refused.at } : {};
    if (current && refused) {
      setStatus('degraded', `Serving ${current.file.name}; the newer export ${refused.name} was refused: ${refused.reason}`, { ...serving, ...refusal });
    } else if (current) {
      setStatus('ok', `Serving ${current.file.name} (${current.rows.length} rows).`, { ...serving });
    } else if (refused) {
      setStatus('unavailable', `No good export to serve: ${refused.name} was refused: ${refused.reason}`, { ...refusal });
    } else {
      setStatus('unavailable', `No export matching ${config.file ?? '*.csv'} in ${folder} yet.`, {});
    }
  }

  async function newestSettledFile(): Promise<FileIdentity | undefined> {
    let names: string[];
    try {
      names = (await readdir(folder)).filter((name) => pattern.test(name));
    } catch (error) {
      throw new Error(`the folder ${folder} cannot be read: ${(error as Error).message}`, { cause: error });
    }
    let newest: FileIdentity | undefined;
    for (const name of names) {
      const info = await stat(join(folder, name)).catch(() => undefined);
      if (!info?.isFile()) continue;
      const candidate = { name, size: info.size, mtimeMs: info.mtimeMs };
      if (!newest || candidate.mtimeMs > newest.mtimeMs || (candidate.mtimeMs === newest.mtimeMs && name > newest.name)) newest = candidate;
    }
    // A file still being written is left for a later look, and the previous one kept meanwhile.
    if (newest && Date.now() - newest.mtimeMs < settleMs) return undefined;
    return newest;
  }

  async function load(): Promise<void> {
    let file: FileIdentity | undefined;
    try {
      file = await newestSettledFile();
    } catch (error) {
      refused = undefined;
      setStatus(current ? 'degraded' : 'unavailable', `Cannot look for exports: ${(error as Error).message}`, {});
      return;
    }
    if (!file || (current && same(file, current.file)) || (refused && same(file, refused))) {
      report();
      return;
    }
    try {
      if (file.size > maxFileBytes) throw new Error(`the file has ${file.size} bytes; at most ${maxFileBytes} are accepted`);
      const snapshot = await readCsvSnapshot(join(folder, file.name), file, readOptions);
      const after = await stat(join(folder, file.name));
      // Written to while we read it: not malformed, just not finished. Read it again later.
      if (after.size !== file.size || after.mtimeMs !== file.mtimeMs) return;
      current = snapshot;
      refused = undefined;
    } catch (error) {
      refused = { ...file, reason: (error as Error).message, at: now() };
    }
    report();
  }

  // One look at a time: a slow read must not overlap the next poll.
  let looking: Promise<void> = Promise.resolve();
  const reload = async (): Promise<BackendStatus> => {
    looking = looking.then(load, load);
    await looking;
    return status;
  };

  await reload();
  const timer = setInterval(() => void reload(), config.pollIntervalMs ?? 5000);
  timer.unref();

  return {
    async call(request: BackendRequest): Promise<BackendResponse> {
      const { operation, where, params } = router.bind(request);
      // Taken once: the whole answer comes from one export even if a reload lands meanwhile.
      const snapshot = current;
      if (!snapshot) throw new SimpulError('adapter.unavailable', status.message);
      const mapping = mappings.get(operation);
      const memo = mapping && !mapping.usesRequest ? mapped.get(operation) : undefined;
      const map = (row: readonly string[]): Promise<unknown> => {
        const kept = memo?.get(row);
        if (kept) return kept;
        const record = rowObject(snapshot, row);
        const value = mapping ? mapping.evaluate(record, { params }) : Promise.resolve(record);
        // A failed evaluation is not kept: the next request tries again and reports it again.
        memo?.set(row, value);
        value.catch(() => memo?.delete(row));
        return value;
      };
      const rows = select(snapshot, operation, params, where);

      if (operation.result === 'one') {
        const row = rows.next();
        if (row.done) throw new SimpulError('request.not_found', 'No row of the export matches.');
        const record = await map(row.value);
        if (record === undefined) throw new SimpulError('request.not_found', 'No row of the export matches.');
        return jsonResponse(record);
      }
      const limit = pageParam(params.limit, 'limit', operation.pageSize ?? DEFAULT_PAGE_SIZE, 1, operation.maxPageSize ?? DEFAULT_MAX_PAGE_SIZE);
      const offset = pageParam(params.offset, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
      const items: unknown[] = [];
      let total = 0;
      for (const row of rows) {
        if (total >= offset && items.length < limit) {
          const record = await map(row);
          if (record !== undefined) items.push(record);
        }
        total += 1;
      }
      return jsonResponse({ items, total, offset, limit, source: { file: snapshot.file.name, loadedAt: snapshot.loadedAt } });
    },
    status: () => status,
    reload,
    async close() {
      clearInterval(timer);
      await looking;
    },
  };
}

/** The rows an operation selects, in file order: by index when it matches on columns, then filtered. */
function* select(snapshot: CsvSnapshot, operation: CsvOperation, params: Record<string, unknown>, where: string): Generator<readonly string[]> {
  const position = new Map(snapshot.header.map((name, i) => [name, i]));
  const filters = Object.entries(operation.filters ?? {})
    .filter(([, param]) => params[param] !== undefined && params[param] !== '')
    .map(([column, param]) => [position.get(column) as number, String(params[param]).trim()] as const);
  const keep = (row: readonly string[]) => filters.every(([i, value]) => (row[i] as string).trim() === value);

  const match = Object.entries(operation.match ?? {});
  if (match.length > 0) {
    const values = match.map(([column, param]) => {
      const value = params[param];
      if (value === undefined || value === null || value === '') throw new SimpulError('request.invalid', `The operation ${where} needs the parameter ${param} (matched against column ${column}).`);
      return String(value).trim();
    });
    const index = snapshot.indexes.get(indexKey(match.map(([column]) => column)));
    for (const n of index?.get(valueKey(values)) ?? []) {
      const row = snapshot.rows[n] as readonly string[];
      if (keep(row)) yield row;
    }
    return;
  }
  for (const row of snapshot.rows) if (keep(row)) yield row;
}

function pageParam(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new SimpulError('request.invalid', `${name} must be an integer from ${min} to ${max}.`);
  return n;
}

function same(a: FileIdentity, b: FileIdentity): boolean {
  return a.name === b.name && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`);
}

function now(): string {
  return new Date().toISOString();
}
