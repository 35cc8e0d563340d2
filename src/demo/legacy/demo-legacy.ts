/**
 * The legacy systems of the running demo federation, each behind its adapter at its agency's
 * gateway: KEMENDIKBUD's pupils through a real SOAP service (reading the agency's own student
 * table), BPS's respondents through the CSV export its survey system writes from its
 * respondent table every so often, and the licensing agency's businesses through a read-only
 * SQL view in its database. Consumers get the common data model from all three.
 *
 * Because SOAP and CSV read the agencies' own tables, changes applied there by DUKCAPIL's
 * events show through the services: at once for SOAP, at the next export for CSV.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CompiledQuery, sql, type Kysely } from 'kysely';
import type { Backend } from '../../adapters/backend.js';
import { createBackend } from '../../adapters/create-backend.js';
import type { CsvBackend } from '../../adapters/csv.js';
import type { Database } from '../../core/storage/database.js';
import type { FederationData } from '../data/types.js';
import { respondentCsvBackendConfig, writeCsvExport } from './csv-respondent-export.js';
import { RESPONDENT_ROW_SQL, STUDENT_ROW_SQL, businessFromDemo, permitsFromDemo, respondentFromRow, studentFromRow, type RespondentRow, type StudentRow } from './demo-records.js';
import { createLicensingSqlSource, licensingSqlBackendConfig } from './licensing-sql-source.js';
import { startSoapStudentService, studentSoapBackendConfig, type SoapStudentService } from './soap-student-service.js';

/** Which demo services a legacy system provides, by the technology it speaks. */
export type LegacyKind = 'soap' | 'csv' | 'sql';

export const LEGACY_SERVICES = {
  student: 'ID/GOV/KEMENDIKBUD/DAPODIK/student',
  respondent: 'ID/GOV/BPS/SENSUS/respondent',
  business: 'ID/GOV/LICENSING/OSS/business',
} as const;

export interface DemoLegacyOptions {
  data: FederationData;
  /** The agencies' own databases, already migrated and seeded by their sample backends. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  databases: { BPS: Database<any>; KEMENDIKBUD: Database<any>; LICENSING: Database<any> };
  /** Folder BPS's survey system drops its exports into. */
  exportFolder: string;
  soapPort: number;
  host?: string;
  /** How often BPS exports its respondents (default 15 s; the real job runs nightly). 0: only on start and on request. */
  exportIntervalMs?: number;
  /** How often the CSV adapter looks for a new export (default 2 s). */
  csvPollIntervalMs?: number;
}

export interface DemoLegacy {
  /** Service id → the adapter backend the provider gateway mounts. */
  backends: Map<string, Backend>;
  soapUrl: string;
  exportFolder: string;
  /** Writes a new BPS export from the respondent table now and has the CSV adapter read it. */
  exportRespondents(): Promise<string>;
  close(): Promise<void>;
}

const KEEP_EXPORTS = 3;
const SETTLE_MS = 1000;

export async function startDemoLegacy(options: DemoLegacyOptions): Promise<DemoLegacy> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const education = options.databases.KEMENDIKBUD.db as Kysely<unknown>;
    const students = async (where: string, value: string) =>
      (await education.executeQuery<StudentRow>(CompiledQuery.raw(`${STUDENT_ROW_SQL} where ${where} = $1 order by s.nisn`, [value]))).rows.map(studentFromRow);
    const soap: SoapStudentService = await startSoapStudentService({
      directory: { byNisn: async (nisn) => (await students('s.nisn', nisn))[0], byNik: (nik) => students('s.nik', nik) },
      port: options.soapPort,
      host: options.host,
    });
    closers.push(() => soap.close());

    const statistics = options.databases.BPS.db as Kysely<unknown>;
    const exportNow = async (at?: Date) => {
      const { rows } = await statistics.executeQuery<RespondentRow>(CompiledQuery.raw(`${RESPONDENT_ROW_SQL} order by id`));
      const path = await writeCsvExport(options.exportFolder, rows.map(respondentFromRow), at ? { at } : {});
      await pruneExports(options.exportFolder);
      return path;
    };
    // Dated back past the settle time, so the adapter serves it from the first request.
    await exportNow(new Date(Date.now() - 60_000));
    const csv = (await createBackend(respondentCsvBackendConfig(options.exportFolder, { pollIntervalMs: options.csvPollIntervalMs ?? 2000, settleMs: SETTLE_MS }))) as CsvBackend;
    closers.push(() => csv.close());

    const licensing = options.databases.LICENSING;
    await seedLicensingSource(licensing, options.data);
    const business = await createBackend(licensingSqlBackendConfig({ database: 'licensing' }, licensing.schema), { databases: { licensing: licensing.db as Kysely<unknown> } });
    closers.push(() => business.close());
    const studentBackend = await createBackend(studentSoapBackendConfig(soap.wsdlUrl));
    closers.push(() => studentBackend.close());

    let timer: NodeJS.Timeout | undefined;
    const interval = options.exportIntervalMs ?? 15_000;
    if (interval > 0) {
      timer = setInterval(() => void exportNow().catch(() => undefined), interval);
      timer.unref();
      closers.push(async () => clearInterval(timer));
    }

    return {
      backends: new Map<string, Backend>([[LEGACY_SERVICES.student, studentBackend], [LEGACY_SERVICES.respondent, csv], [LEGACY_SERVICES.business, business]]),
      soapUrl: soap.url,
      exportFolder: options.exportFolder,
      async exportRespondents() {
        const path = await exportNow();
        // The adapter takes only settled files: a half-written export is never read.
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS + 50));
        await csv.reload();
        return path;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Loads the licensing tables once: a restarted demo keeps them as they are. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function seedLicensingSource(database: Database<any>, data: FederationData): Promise<void> {
  const db = database.db as Kysely<unknown>;
  const { rows } = await sql<{ present: boolean }>`select to_regclass(${`${database.schema}.perusahaan`}) is not null as present`.execute(db);
  const empty = !rows[0]?.present || !(await sql<{ any: boolean }>`select exists (select 1 from perusahaan) as any`.execute(db)).rows[0]?.any;
  const businesses = empty ? data.licensing.businesses : [];
  await createLicensingSqlSource(database, businesses.map(businessFromDemo), businesses.flatMap(permitsFromDemo));
}

async function pruneExports(folder: string): Promise<void> {
  const names = (await readdir(folder)).filter((n) => /^responden-.*\.csv$/.test(n)).sort();
  for (const name of names.slice(0, Math.max(0, names.length - KEEP_EXPORTS))) await rm(join(folder, name), { force: true });
}
