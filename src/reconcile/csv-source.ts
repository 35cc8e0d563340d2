/**
 * Reading agencies' CSV files (RFC 4180) without being told their dialect.
 *
 * csv-parse inspects the head of the file: it detects the delimiter (`,` `;` tab `|`, and
 * FEBRL's `, `) and reads the header. DuckDB's CSV reader then loads the whole file with that
 * dialect fixed and strict RFC 4180 checking, in parallel (ADR 0030 explains the split: the
 * bulk read is 20–40× faster in DuckDB). Before either runs, the file is checked to be UTF-8
 * so that a Latin-1 export fails with its line number rather than with mangled names.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { parse as parseSync } from 'csv-parse/sync';
import { parse as parseStream } from 'csv-parse';
import { SimpulError } from '../core/errors.js';
import { lit } from './normalize-sql.js';

export interface CsvLayout {
  path: string;
  /** The field separator, possibly two characters (`, ` in FEBRL files). */
  delimiter: string;
  /** Column names from the header, trimmed; blank names become `column_<n>`. */
  header: string[];
}

const DELIMITERS = [',', ';', '\t', '|'] as const;
const SAMPLE_BYTES = 256 * 1024;

function invalid(detail: string): SimpulError {
  return new SimpulError('reconcile.invalid_input', detail);
}

/** Checks a file is readable, non-empty UTF-8, and works out its dialect and header. */
export async function inspectCsv(path: string): Promise<CsvLayout> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw invalid(`${path} is not a file.`);
    size = info.size;
  } catch (error) {
    if (error instanceof SimpulError) throw error;
    throw invalid(`${path} cannot be read: ${(error as Error).message}`);
  }
  if (size === 0) throw invalid(`${path} is empty: expected a header line and at least one record.`);
  const head = await readHead(path, Math.min(size, SAMPLE_BYTES));
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    throw invalid(`${path}, line 1: the file is UTF-16 encoded; save it as UTF-8.`);
  }
  await checkUtf8(path);
  let text = head.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (size > SAMPLE_BYTES) {
    const lastNewline = text.lastIndexOf('\n');
    if (lastNewline > 0) text = text.slice(0, lastNewline + 1);
  }
  if (text.trim() === '') throw invalid(`${path} holds only blank space: expected a header line and at least one record.`);
  const delimiter = detectDelimiter(text);
  const firstRecords = parseSample(text, delimiter.trim() === '' ? delimiter : delimiter.trimEnd(), 2);
  const raw = firstRecords[0] ?? [];
  if (firstRecords.length < 2) throw invalid(`${path} has a header line but no records.`);
  const seen = new Map<string, number>();
  const header = raw.map((name, i) => {
    let base = name.trim() || `column_${i + 1}`;
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    if (count > 0) base = `${base}_${count + 1}`;
    return base;
  });
  return { path, delimiter, header };
}

async function readHead(path: string, bytes: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function parseSample(text: string, delimiter: string, toLine?: number): string[][] {
  try {
    return parseSync(text, {
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      ltrim: true,
      rtrim: true,
      ...(toLine ? { to: toLine } : {}),
    }) as string[][];
  } catch {
    return [];
  }
}

/**
 * The delimiter whose split gives the most rows with the header's column count (at least two
 * columns), preferring more columns. When every delimiter in the sample is followed by a space,
 * as in FEBRL files, the space belongs to the delimiter so that quoted fields still parse.
 */
export function detectDelimiter(sample: string): string {
  let best: { delimiter: string; score: number; columns: number } = { delimiter: ',', score: -1, columns: 0 };
  for (const delimiter of DELIMITERS) {
    const rows = parseSample(sample, delimiter);
    const columns = rows[0]?.length ?? 0;
    if (columns < 2) continue;
    const consistent = rows.filter((r) => r.length === columns).length / rows.length;
    if (consistent > best.score + 1e-9 || (Math.abs(consistent - best.score) < 1e-9 && columns > best.columns)) {
      best = { delimiter, score: consistent, columns };
    }
  }
  const d = best.delimiter;
  if (d !== '\t') {
    const occurrences = sample.split(d).length - 1;
    const withSpace = sample.split(`${d} `).length - 1;
    if (occurrences > 0 && occurrences === withSpace) return `${d} `;
  }
  return d;
}

/** Streams the file through a UTF-8 check and names the line of the first bad byte. */
async function checkUtf8(path: string): Promise<void> {
  let carry = Buffer.alloc(0);
  let line = 1;
  for await (const piece of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const chunk = carry.length ? Buffer.concat([carry, piece as Buffer]) : (piece as Buffer);
    const cut = incompleteTail(chunk);
    const body = chunk.subarray(0, chunk.length - cut);
    if (!isUtf8(body)) {
      const at = firstInvalidByte(body);
      const before = body.subarray(0, at);
      const lineStart = before.lastIndexOf(0x0a) + 1;
      const column = before.subarray(lineStart).toString('utf8').length + 1;
      throw invalid(`${path}, line ${line + count(before, 0x0a)}, column ${column}: byte 0x${(body[at] ?? 0).toString(16).toUpperCase()} is not UTF-8. Save the file as UTF-8 (it looks like ${(body[at] ?? 0) >= 0x80 ? 'Latin-1 or Windows-1252' : 'binary data'}).`);
    }
    line += count(body, 0x0a);
    carry = Buffer.from(chunk.subarray(chunk.length - cut));
  }
  if (carry.length) throw invalid(`${path}, line ${line}: the file ends inside a multi-byte character; it is not valid UTF-8.`);
}

function count(buffer: Buffer, byte: number): number {
  let n = 0;
  for (let i = buffer.indexOf(byte); i !== -1; i = buffer.indexOf(byte, i + 1)) n++;
  return n;
}

/** Bytes at the end of a chunk that start a multi-byte character the chunk does not finish. */
function incompleteTail(chunk: Buffer): number {
  for (let back = 1; back <= Math.min(3, chunk.length); back++) {
    const b = chunk[chunk.length - back] as number;
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

function firstInvalidByte(buffer: Buffer): number {
  let i = 0;
  while (i < buffer.length) {
    const b = buffer[i] as number;
    const need = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (need === 0) return i;
    for (let k = 1; k < need; k++) if (((buffer[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    if (!isUtf8(buffer.subarray(i, i + need))) return i;
    i += need;
  }
  return i;
}

/** A DuckDB `read_csv` call that reads the file with its dialect fixed and every value as text. */
export function readCsvSql(layout: CsvLayout): string {
  const columns = layout.header.map((name) => `${lit(name)}: 'VARCHAR'`).join(', ');
  return `read_csv(${lit(layout.path)}, delim = ${lit(layout.delimiter)}, quote = '"', escape = '"', header = true,
    auto_detect = false, strict_mode = true, null_padding = false, encoding = 'utf-8', columns = {${columns}})`;
}

/** Turns DuckDB's CSV error into one line naming the file and line. */
export function csvError(layout: CsvLayout, error: unknown): SimpulError {
  const message = (error as Error).message ?? String(error);
  const line = /CSV Error on Line: (\d+)/.exec(message)?.[1];
  const columns = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  const original = /Original Line: ([^\n]*)/.exec(message)?.[1];
  let what: string;
  if (columns) what = `expected ${columns[1]} fields, found ${columns[2]}`;
  else if (/unterminated quote/i.test(message)) what = 'a quoted field is never closed';
  else if (/unicode|utf-8/i.test(message)) what = 'the text is not UTF-8';
  else what = (message.split('\n').find((l) => l.trim() && !/^(Invalid Input Error|CSV Error on Line|Original Line)/.test(l)) ?? message).trim();
  const excerpt = original ? `: ${JSON.stringify(original.length > 120 ? `${original.slice(0, 120)}…` : original)}` : '';
  return new SimpulError('reconcile.invalid_input', `${layout.path}${line ? `, line ${line}` : ''}: ${what}${excerpt}.`, {}, { cause: error });
}

/**
 * The line on which a given column of the file first holds a blank value, for error messages
 * about records (the bulk reader does not keep line numbers). Reads the file with csv-parse.
 */
export async function lineOfFirstBlank(layout: CsvLayout, column: string): Promise<number | undefined> {
  const index = layout.header.indexOf(column);
  if (index < 0) return undefined;
  const parser = createReadStream(layout.path).pipe(
    parseStream({ delimiter: layout.delimiter.trimEnd() || layout.delimiter, bom: true, ltrim: true, rtrim: true, relax_column_count: true, from_line: 2, info: true }),
  );
  for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    if ((item.record[index] ?? '').trim() === '') {
      parser.destroy();
      return item.info.lines;
    }
  }
  return undefined;
}
