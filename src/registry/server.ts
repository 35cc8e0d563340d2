/**
 * Running a registry as a process: its settings file in the data directory, first-time
 * initialisation (keys, CA, first administrator) and the HTTP server.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { b64 } from '../core/crypto.js';
import { listen, type HttpApp } from '../core/http/app.js';
import { parseInstanceId } from '../core/ids.js';
import { openDatabase, type Database } from '../core/storage/database.js';
import { buildRegistryApp } from './app.js';
import { Registry } from './registry.js';
import type { RegistryTables } from './schema.js';

export const SETTINGS_FILE = 'registry.json';
export const DEFAULT_REGISTRY_PORT = 4400;

export interface RegistrySettings {
  instance: string;
  host: string;
  port: number;
  /** PostgreSQL URL; absent means embedded PGlite under `<data dir>/db`. */
  databaseUrl?: string;
  schema: string;
  configTtlSeconds: number;
}

export interface InitOptions {
  dataDir: string;
  instance?: string;
  databaseUrl?: string;
  port?: number;
  host?: string;
  adminUsername?: string;
  /** Chosen password for the first administrator; generated when absent. */
  adminPassword?: string;
}

export interface InitResult {
  settings: RegistrySettings;
  /** The trust anchor to hand to gateways: raw Ed25519 public key, base64. */
  anchor: string;
  admin: { username: string; password: string };
}

export function readSettings(dataDir: string): RegistrySettings {
  const file = join(dataDir, SETTINGS_FILE);
  if (!existsSync(file)) throw new Error(`No registry in ${resolve(dataDir)}: run \`simpul registry init --data-dir ${dataDir}\` first.`);
  return JSON.parse(readFileSync(file, 'utf8')) as RegistrySettings;
}

async function openRegistryDatabase(dataDir: string, settings: RegistrySettings): Promise<Database<RegistryTables>> {
  const url = settings.databaseUrl ?? undefined;
  return openDatabase<RegistryTables>({ url, dataDir: url ? undefined : join(dataDir, 'db'), schema: settings.schema });
}

/**
 * Creates a registry in `dataDir`: settings, key file, database with its CA and signing key,
 * and the first registry-admin, whose password is returned once and stored only as a hash.
 */
export async function initRegistry(opts: InitOptions): Promise<InitResult> {
  if (existsSync(join(opts.dataDir, SETTINGS_FILE))) throw new Error(`${resolve(opts.dataDir)} already holds a registry.`);
  const settings: RegistrySettings = {
    instance: parseInstanceId(opts.instance ?? 'ID'),
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? DEFAULT_REGISTRY_PORT,
    ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}),
    schema: 'registry',
    configTtlSeconds: 600,
  };
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const database = await openRegistryDatabase(opts.dataDir, settings);
  try {
    const registry = await Registry.open({ db: database, instance: settings.instance, keyDir: opts.dataDir, configTtlSeconds: settings.configTtlSeconds });
    const username = opts.adminUsername ?? 'admin';
    const { password } = await registry.addAdminUser('cli:init', { username, role: 'registry-admin', ...(opts.adminPassword ? { password: opts.adminPassword } : {}) });
    await registry.publishedConfiguration();
    writeFileSync(join(opts.dataDir, SETTINGS_FILE), JSON.stringify(settings, null, 2) + '\n', { mode: 0o600 });
    return { settings, anchor: b64.encode(registry.publicKey), admin: { username, password } };
  } finally {
    await database.close();
  }
}

export interface RunningRegistry {
  registry: Registry;
  app: HttpApp;
  url: string;
  close(): Promise<void>;
}

/** Opens the registry in `dataDir` and serves its API until `close()`. */
export async function startRegistry(opts: { dataDir: string; port?: number; host?: string; logLevel?: string }): Promise<RunningRegistry> {
  const settings = readSettings(opts.dataDir);
  const database = await openRegistryDatabase(opts.dataDir, settings);
  try {
    const registry = await Registry.open({ db: database, instance: settings.instance, keyDir: opts.dataDir, configTtlSeconds: settings.configTtlSeconds });
    const app = await buildRegistryApp(registry, opts.logLevel ? { logLevel: opts.logLevel } : {});
    const url = await listen(app, opts.port ?? settings.port, opts.host ?? settings.host);
    return {
      registry,
      app,
      url,
      close: async () => {
        await app.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
