/** What each agency's sample backend provides to the common starter. */
import type { Kysely } from 'kysely';
import type { HttpApp } from '../../core/http/app.js';
import type { Migrations } from '../../core/storage/migrate.js';
import type { Agency, FederationData } from '../data/types.js';

export interface AgencyModule {
  agency: Agency;
  title: string;
  description: string;
  migrations: Migrations;
  /** Empty means "never seeded". */
  seedTable: string;
  fill(db: Kysely<unknown>, data: FederationData): Promise<void>;
  routes(app: HttpApp, db: Kysely<unknown>): void;
}
