/** Test helpers: a small federation, and an agency backend on each storage kind. */
import type { HttpApp } from '../../core/http/app.js';
import type { Database } from '../../core/storage/database.js';
import type { TestBackend } from '../../core/storage/testing.js';
import { generateFederationData } from '../data/generate.js';
import type { Agency, FederationData } from '../data/types.js';
import { buildAgencyBackend } from './agency-backend.js';

/** 300 persons: enough for every kind of record, small enough to seed twice per storage kind quickly. */
export const testData: FederationData = generateFederationData({ seed: 5, persons: 300 });

export interface BackendUnderTest {
  app: HttpApp;
  database: Database<unknown>;
  seeded: boolean;
  close(): Promise<void>;
}

export async function backendUnderTest(agency: Agency, storage: TestBackend, data: FederationData = testData): Promise<BackendUnderTest> {
  const database = await storage.open<unknown>(`test_${agency.toLowerCase()}`);
  const { app, seeded } = await buildAgencyBackend(agency, { database, data, logLevel: 'silent' });
  return {
    app,
    database,
    seeded,
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}
