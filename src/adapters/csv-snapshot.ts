/**
 * One CSV export read whole into memory, with an index for each set of columns that
 * operations look rows up by. A snapshot is immutable once built: the CSV adapter swaps the
 * whole snapshot at once, so a request sees either the old export or the new one, never a mix.
 */
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';

export interface FileIdentity {
  name: string;
  size: number;
  mtimeMs: number;
}

export interface CsvSnapshot {
  file: FileIdentity;
  loadedAt: string;
  header: readonly string[];
  rows: readonly (readonly string[])[];
  /** index key (columns joined) → value key (values joined) → row numbers, in file order. */
  indexes: ReadonlyMap<string, ReadonlyMap<string, readonly number[]>>;
}

export interface CsvReadOptions {
  delimiter: string;
  encoding: 'utf-8' | 'latin1';
  requiredColumns: readonly string[];
  /** Column sets to index, e.g. [['nik'], ['kode_wilayah', 'no_urut']]. */
  indexes: readonly (readonly string[])[];
}

// A separator that cannot occur in decoded CSV text, to join several columns into one key.
const SEPARATOR = '\u0000';

export function indexKey(columns: readonly string[]): string {
  return columns.join(SEPARATOR);
}
export function valueKey(values: readonly string[]): string {
  return values.join(SEPARATOR);
}

/** Reads and checks a whole export; throws an Error saying what is wrong with the file and where. */
export async function readCsvSnapshot(path: string, file: FileIdentity, options: CsvReadOptions): Promise<CsvSnapshot> {
  const parser = createReadStream(path).pipe(
    parse({
      delimiter: options.delimiter,
      encoding: options.encoding === 'latin1' ? 'latin1' : 'utf8',
      bom: true,
      skip_empty_lines: true,
      max_record_size: 1024 * 1024,
    }),
  );
  let header: string[] | undefined;
  const rows: string[][] = [];
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (!header) {
        header = record.map((name) => name.trim());
        checkHeader(header, options.requiredColumns);
        continue;
      }
      if (record.length !== header.length) {
        throw new Error(`line ${parser.info.lines}: ${record.length} fields where the header has ${header.length}`);
      }
      rows.push(record);
    }
  } catch (error) {
    const e = error as Error & { code?: string; lines?: number };
    // csv-parse errors carry a code (CSV_QUOTE_NOT_CLOSED, …) and a message naming the line.
    throw new Error(e.code ? `${e.message} (${e.code})` : e.message, { cause: error });
  }
  if (!header) throw new Error('the file is empty: it has no header row');

  const position = new Map(header.map((name, i) => [name, i]));
  const indexes = new Map<string, Map<string, number[]>>();
  for (const columns of options.indexes) {
    const at = columns.map((column) => position.get(column));
    if (at.some((i) => i === undefined)) throw new Error(`the header has no column ${columns.find((c) => !position.has(c))}, which an operation looks rows up by`);
    const index = new Map<string, number[]>();
    rows.forEach((row, n) => {
      const key = valueKey(at.map((i) => (row[i as number] as string).trim()));
      const list = index.get(key);
      if (list) list.push(n);
      else index.set(key, [n]);
    });
    indexes.set(indexKey(columns), index);
  }
  return { file, loadedAt: new Date().toISOString(), header, rows, indexes };
}

function checkHeader(header: string[], required: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of header) {
    if (name === '') throw new Error('the header row has an empty column name');
    if (seen.has(name)) throw new Error(`the header row names the column ${JSON.stringify(name)} twice`);
    seen.add(name);
  }
  const missing = required.filter((name) => !seen.has(name));
  if (missing.length > 0) throw new Error(`the header row lacks the column(s) ${missing.map((m) => JSON.stringify(m)).join(', ')}`);
}

/** A row as the mapping sees it: column name → text. */
export function rowObject(snapshot: CsvSnapshot, row: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  snapshot.header.forEach((name, i) => {
    out[name] = row[i] ?? '';
  });
  return out;
}
