/**
 * Starts an agency's sample backend: its own schema, migrated, seeded from the generated
 * federation only when empty (so a restarted demo keeps its data and changes), served over HTTP
 * with OpenAPI 3.1 at /openapi.json.
 *
 * @example
 * const data = generateFederationData();
 * const database = await openAgencyDatabase('DUKCAPIL', { dataDir: '.simpul' });
 * const backend = await startAgencyBackend('DUKCAPIL', { database, data, port: 4101 });
 * await fetch(`${backend.url}/persons/${data.showcaseNik}`);
 * await backend.close();
 * await database.close();
 */
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { createHttpApp, listen, type HttpApp } from '../../core/http/app.js';
import { openDatabase, type Database } from '../../core/storage/database.js';
import { migrate } from '../../core/storage/migrate.js';
import type { Agency, FederationData } from '../data/types.js';
import type { AgencyModule } from './agency-module.js';
import { bps } from './bps.js';
import { dukcapil } from './dukcapil.js';
import { kemendikbud } from './kemendikbud.js';
import { kemenkes } from './kemenkes.js';
import { licensing } from './licensing.js';
import { seedIfEmpty } from './seed.js';

export const AGENCIES: readonly Agency[] = ['DUKCAPIL', 'BPS', 'KEMENKES', 'KEMENDIKBUD', 'LICENSING'];

const MODULES: Record<Agency, AgencyModule> = { DUKCAPIL: dukcapil, BPS: bps, KEMENKES: kemenkes, KEMENDIKBUD: kemendikbud, LICENSING: licensing };

/** The schema an agency's backend keeps its tables in: `backend_dukcapil`, `backend_bps`, … */
export function agencySchema(agency: Agency): string {
  return `backend_${agency.toLowerCase()}`;
}

export interface AgencyDatabaseOptions {
  /** PostgreSQL URL; without one the backend runs on embedded PGlite. */
  url?: string | undefined;
  /** The demo's data directory; PGlite keeps this backend in `<dataDir>/backend-<agency>`. Memory when absent. */
  dataDir?: string | undefined;
}

export async function openAgencyDatabase(agency: Agency, options: AgencyDatabaseOptions = {}): Promise<Database<unknown>> {
  const schema = agencySchema(agency);
  return openDatabase({
    url: options.url,
    dataDir: options.url || !options.dataDir ? undefined : join(options.dataDir, `backend-${agency.toLowerCase()}`),
    schema,
    poolSize: 4,
  });
}

export interface AgencyBackendOptions {
  // The backend owns its tables in whatever schema the database was opened with.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  database: Database<any>;
  data: FederationData;
  logLevel?: string;
}

export interface StartAgencyBackendOptions extends AgencyBackendOptions {
  port: number;
  host?: string;
}

export interface AgencyBackend {
  url: string;
  app: HttpApp;
  /** Stops the HTTP server; the database stays open, it belongs to the caller. */
  close(): Promise<void>;
}

/** Builds the backend without listening (tests use `app.inject()`); migrates and seeds first. */
export async function buildAgencyBackend(agency: Agency, options: AgencyBackendOptions): Promise<{ app: HttpApp; seeded: boolean }> {
  const module = MODULES[agency];
  if (!module) throw new Error(`Unknown agency ${String(agency)}; expected one of ${AGENCIES.join(', ')}`);
  const db = options.database.db as Kysely<unknown>;
  await migrate(db, options.database.schema, module.migrations, 'backend');
  const seeded = await seedIfEmpty(db, { table: module.seedTable, fill: (trx) => module.fill(trx, options.data) });
  const app = await createHttpApp({
    title: module.title,
    description: module.description,
    logLevel: options.logLevel,
  });
  module.routes(app, db);
  await app.ready();
  if (seeded) app.log.info({ agency, seed: options.data.seed, persons: options.data.persons.length }, 'seeded from the synthetic federation');
  return { app, seeded };
}

export async function startAgencyBackend(agency: Agency, options: StartAgencyBackendOptions): Promise<AgencyBackend> {
  const { app } = await buildAgencyBackend(agency, options);
  const url = await listen(app, options.port, options.host ?? '127.0.0.1');
  return { url, app, close: () => app.close() };
}
