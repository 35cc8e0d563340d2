/**
 * Reconciliation in the demo federation (ADR 0036): a reconciliation service that links the
 * person records of BPS, KEMENKES, KEMENDIKBUD and the licensing agency to DUKCAPIL's registry
 * when the demo starts (in the background: the federation answers meanwhile) and again on an
 * operator's demand, writes the report files under `<dataDir>/reconcile/report`, raises
 * correction requests addressed to the agency that owns each record, and serves the report,
 * the requests and the oversight overview over HTTP with a bearer token per agency.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { DataKeyring } from '../core/crypto.js';
import { createHttpApp, listen } from '../core/http/app.js';
import { openDatabase, type Database } from '../core/storage/database.js';
import { CorrectionStore, demoAgencyRecords, registerReconcileRoutes, ReconcileService, type CorrectionTables, type ReconcilePrincipal, type ReconcileRunStatus, type ReportFiles } from '../reconcile/index.js';
import type { FederationData } from './data/types.js';

/** The reconciliation service's port: the registry's base + 7 (events + 5, oversight + 6, portal + 8; agencies from base + 10). */
export function reconcilePort(portBase: number): number {
  return portBase + 7;
}

/** The operator's token is under `operator`; each agency's under its code (`BPS`, …). Demo fixtures. */
export type DemoReconcileTokens = Record<string, string>;

/** What demo.json says about reconciliation. */
export interface DemoReconcileManifest {
  /** The service: its API is under `/reconcile`, OpenAPI at `/openapi.json`. */
  url: string;
  report: { json: string; html: string };
  overview: string;
  corrections: string;
  /** The report files the latest run wrote. */
  files: ReportFiles;
  /** Bearer tokens (demo fixtures): `operator` sees everything; an agency sees its own requests; `portal` files citizens' disputes. */
  tokens: DemoReconcileTokens;
}

export interface DemoReconcileOptions {
  dataDir: string;
  portBase: number;
  host: string;
  databaseUrl?: string | undefined;
  data: FederationData;
  agencies: readonly string[];
  previousTokens?: DemoReconcileTokens | undefined;
  logLevel?: string;
}

export interface DemoReconciliation {
  manifest: DemoReconcileManifest;
  service: ReconcileService;
  /** The run started with the demo; resolves when its report is served. */
  ready: Promise<ReconcileRunStatus>;
  close(): Promise<void>;
}

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

/** The service's data key, in a file beside (never inside) its database; created 0600 on first start. */
function serviceKeyring(dir: string): DataKeyring {
  const file = join(dir, 'keyring.json');
  if (existsSync(file)) return DataKeyring.import(JSON.parse(readFileSync(file, 'utf8')) as ReturnType<DataKeyring['export']>);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyring = DataKeyring.generate();
  writeFileSync(`${file}.tmp`, `${JSON.stringify(keyring.export())}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  return keyring;
}

export async function startDemoReconciliation(options: DemoReconcileOptions): Promise<DemoReconciliation> {
  const dir = join(options.dataDir, 'reconcile');
  const database = await openDatabase<CorrectionTables>({ url: options.databaseUrl, dataDir: options.databaseUrl ? undefined : join(dir, 'db'), schema: 'reconcile' });
  const closers: (() => Promise<unknown>)[] = [() => database.close()];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const tokens: DemoReconcileTokens = { ...options.previousTokens };
    for (const who of ['operator', 'portal', ...options.agencies]) tokens[who] ??= randomBytes(24).toString('base64url');
    const principals = Object.entries(tokens).map(([who, token]): [Buffer, ReconcilePrincipal] => [
      digest(token),
      who === 'operator' ? { user: 'operator', agency: 'SIMPUL', role: 'operator' }
        // The citizen portal files its citizens' disputes and reads back their decisions (ADR 0092).
        : who === 'portal' ? { user: 'portal', agency: 'KOMINFO', role: 'portal' }
        : { user: `petugas-${who.toLowerCase()}`, agency: who, role: 'agency' },
    ]);
    const authenticate = (request: FastifyRequest): ReconcilePrincipal | undefined => {
      const presented = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      const principal = presented === undefined ? undefined : principals.find(([hash]) => timingSafeEqual(hash, digest(presented)))?.[1];
      const entry = { authorization: principal ? 'granted' : 'refused', principal: principal ? `${principal.user} (${principal.agency})` : null, route: request.url };
      if (principal) request.log.info(entry, 'reconcile access');
      else request.log.warn(entry, 'reconcile access refused');
      return principal;
    };

    const store = await CorrectionStore.open(database as Database<CorrectionTables>, { keyring: serviceKeyring(dir) });
    const reportDir = join(dir, 'report');
    const app = await createHttpApp({ title: 'Simpul reconciliation (demo)', description: 'Discrepancy report across the demo agencies and correction requests', logLevel: options.logLevel ?? 'warn' });
    // The data is generated from the same seed the agencies' systems were seeded with (ADR 0036).
    const service = new ReconcileService({ store, reportDir, requestedBy: 'simpul-reconcile (demo)', collect: async () => demoAgencyRecords(options.data), onRun: (status) => app.log.info({ status }, 'reconciliation run') });
    registerReconcileRoutes(app, { store, report: () => service.report(), authenticate, overview: () => service.overview(), status: () => service.status(), run: () => service.run() });
    const url = await listen(app, reconcilePort(options.portBase), options.host);
    closers.push(() => app.close());
    const ready = service.run();
    // Closing waits for a run under way: its engine and store must not be pulled from under it.
    closers.push(() => service.idle());
    const api = `${url}/reconcile`;
    const files: ReportFiles = { json: join(reportDir, 'report.json'), html: join(reportDir, 'report.html'), quality: join(reportDir, 'quality.csv'), conflicts: join(reportDir, 'conflicts.csv'), unmatched: join(reportDir, 'unmatched.csv'), duplicates: join(reportDir, 'duplicates.csv') };
    return {
      manifest: { url, report: { json: `${api}/report`, html: `${api}/report.html` }, overview: `${api}/overview`, corrections: `${api}/corrections`, files, tokens },
      service,
      ready,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
