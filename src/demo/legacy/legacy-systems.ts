/**
 * The three legacy systems of the demo federation, started together: the education ministry's
 * SOAP student service, the statistics office's CSV export folder, and the licensing agency's
 * database with its view. Returns the backend declaration each agency's gateway uses, so the
 * demo orchestrator only feeds records in and hands declarations to the gateways.
 */
import type { Kysely } from 'kysely';
import type { CsvBackendConfig, SoapBackendConfig, SqlBackendConfig } from '../../adapters/config.js';
import type { CreateBackendOptions } from '../../adapters/create-backend.js';
import type { Business } from '../../core/model/schemas/business.js';
import type { Permit } from '../../core/model/schemas/permit.js';
import type { Respondent } from '../../core/model/schemas/respondent.js';
import type { Student } from '../../core/model/schemas/student.js';
import type { Database } from '../../core/storage/database.js';
import { respondentCsvBackendConfig, writeCsvExport } from './csv-respondent-export.js';
import { createLicensingSqlSource, licensingSqlBackendConfig } from './licensing-sql-source.js';
import { startSoapStudentService, studentSoapBackendConfig, type SoapStudentService } from './soap-student-service.js';

export interface LegacySystemsOptions {
  students: readonly Student[];
  respondents: readonly Respondent[];
  businesses: readonly Business[];
  permits?: readonly Permit[];
  /** The folder the statistics office's exports land in. */
  exportFolder: string;
  /** The licensing agency's own database (its schema holds the legacy tables). */
  licensingDatabase: Database<unknown>;
  /** The PostgreSQL URL of `licensingDatabase`, when it is a server; omit for embedded PGlite. */
  licensingDatabaseUrl?: string;
  /** Port of the SOAP service; 0 (default) picks a free one. */
  soapPort?: number;
  /** How often the CSV adapter looks for a new export (default 5000 ms). */
  csvPollIntervalMs?: number;
}

export interface LegacySystems {
  soap: SoapStudentService;
  /** One declaration per service, for the gateways' `backends`. */
  declarations: { student: SoapBackendConfig; respondent: CsvBackendConfig; business: SqlBackendConfig };
  /** The second argument of `createBackend` for these declarations (the embedded licensing database). */
  backendOptions: CreateBackendOptions;
  /** Writes a new statistics export, as the nightly job would; the CSV adapter takes it up. */
  exportRespondents(rows: readonly Respondent[]): Promise<string>;
  close(): Promise<void>;
}

/**
 * @example
 *   const legacy = await startLegacySystems({ students, respondents, businesses, exportFolder, licensingDatabase });
 *   const studentBackend = await createBackend(legacy.declarations.student, legacy.backendOptions);
 */
export async function startLegacySystems(options: LegacySystemsOptions): Promise<LegacySystems> {
  const soap = await startSoapStudentService({ students: options.students, port: options.soapPort ?? 0 });
  try {
    // Written a minute in the past so the adapter takes it at once instead of waiting for it to settle.
    await writeCsvExport(options.exportFolder, options.respondents, { at: new Date(Date.now() - 60_000) });
    await createLicensingSqlSource(options.licensingDatabase, options.businesses, options.permits ?? []);
  } catch (error) {
    await soap.close();
    throw error;
  }
  const connection = options.licensingDatabaseUrl ? { url: options.licensingDatabaseUrl } : { database: 'licensing' };
  return {
    soap,
    declarations: {
      student: studentSoapBackendConfig(soap.wsdlUrl),
      respondent: respondentCsvBackendConfig(options.exportFolder, { pollIntervalMs: options.csvPollIntervalMs ?? 5000, settleMs: 1000 }),
      business: licensingSqlBackendConfig(connection, options.licensingDatabase.schema),
    },
    backendOptions: { databases: { licensing: options.licensingDatabase.db as Kysely<unknown> } },
    exportRespondents: (rows) => writeCsvExport(options.exportFolder, rows),
    close: () => soap.close(),
  };
}
