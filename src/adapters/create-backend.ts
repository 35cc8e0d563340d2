/**
 * The one entry point a gateway uses: a service's backend declaration in, a Backend out.
 */
import type { Kysely } from 'kysely';
import type { Backend } from './backend.js';
import { parseBackendConfig, type BackendConfig } from './config.js';
import { createCsvBackend } from './csv.js';
import { createHttpBackend } from './http.js';
import { createRestBackend } from './rest.js';
import { createSoapBackend } from './soap.js';
import { createSqlBackend } from './sql.js';

export interface CreateBackendOptions {
  /** Embedded databases the host process opened, for `sql` declarations that name one. */
  databases?: Record<string, Kysely<unknown>>;
}

/** A declaration as read from a settings file, not yet checked. */
export interface UncheckedDeclaration {
  type: string;
  [setting: string]: unknown;
}

/**
 * Checks the declaration (it may come straight from JSON) and builds its backend. Throws
 * `request.invalid` naming what is wrong: a bad declaration stops the gateway at start-up.
 *
 * @example
 *   const backend = await createBackend({ type: 'csv', folder: '/data/bps', operations: [...] });
 *   const response = await backend.call(request);
 *   // As a gateway's backend factory: startGatewayFromSettings(file, { backendFactory: createBackend })
 */
export async function createBackend(config: BackendConfig | UncheckedDeclaration, options: CreateBackendOptions = {}): Promise<Backend> {
  const checked = parseBackendConfig(config);
  switch (checked.type) {
    case 'http':
      return createHttpBackend(checked);
    case 'rest':
      return createRestBackend(checked);
    case 'soap':
      return createSoapBackend(checked);
    case 'csv':
      return createCsvBackend(checked);
    case 'sql':
      return createSqlBackend(checked, options);
  }
}
