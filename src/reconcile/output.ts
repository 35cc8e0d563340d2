/**
 * Writing results so that a file is either complete or absent: everything is written to a
 * temporary file beside the target and renamed over it at the end (rename is atomic within a
 * directory), and the temporary file is removed if anything fails.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { SimpulError } from '../core/errors.js';
import type { Engine } from './engine.js';
import { lit } from './normalize-sql.js';

function temporaryBeside(path: string): string {
  const target = resolve(path);
  const dir = dirname(target);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new SimpulError('reconcile.invalid_option', `Cannot create the output directory ${dir}: ${(error as Error).message}`);
  }
  return join(dir, `.${basename(target)}.${randomBytes(6).toString('hex')}.partial`);
}

async function atomically(path: string, write: (temporary: string) => Promise<void>): Promise<void> {
  const temporary = temporaryBeside(path);
  try {
    await write(temporary);
    await rename(temporary, resolve(path));
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Writes the result of `query` as RFC 4180 CSV with a header line, atomically. */
export async function writeQueryCsv(engine: Engine, query: string, path: string, stage = `menulis ${path}`): Promise<void> {
  await atomically(path, (temporary) => engine.run(`COPY (${query}) TO ${lit(temporary)} (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"')`, stage));
}

/** Writes text atomically. */
export async function writeTextFile(path: string, text: string): Promise<void> {
  await atomically(path, (temporary) => writeFile(temporary, text, 'utf8'));
}
