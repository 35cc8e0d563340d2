/**
 * The registry's data keyring lives in a file beside its data, never in the database: a copy of
 * the database alone (a backup, a replica) does not reveal the CA or the signing key.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataKeyring } from '../core/crypto.js';

export const KEYRING_FILE = 'registry-keyring.json';

/** Loads the keyring from `keyDir`, creating it (mode 0600) on first use; `undefined` gives an ephemeral one. */
export function loadOrCreateKeyring(keyDir: string | undefined): DataKeyring {
  if (keyDir === undefined) return DataKeyring.generate();
  const file = join(keyDir, KEYRING_FILE);
  if (existsSync(file)) return DataKeyring.import(JSON.parse(readFileSync(file, 'utf8')) as ReturnType<DataKeyring['export']>);
  mkdirSync(keyDir, { recursive: true, mode: 0o700 });
  const keyring = DataKeyring.generate();
  // Write then rename, so a crash never leaves a half-written key file behind.
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(keyring.export(), null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  renameSync(partial, file);
  return keyring;
}
