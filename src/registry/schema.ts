/**
 * The registry's tables and their migrations. All live in the registry's own schema.
 * Times are `timestamptz`; JSON documents are `jsonb`; identifiers are the X-Road-shaped text ids.
 */
import { sql, type ColumnType, type Generated, type Kysely } from 'kysely';
import type { Migrations } from '../core/storage/migrate.js';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface MemberTable {
  id: string;
  name: string;
  created_at: Timestamp;
}

export interface SubsystemTable {
  id: string;
  member: string;
  created_at: Timestamp;
}

export interface ServiceTable {
  id: string;
  subsystem: string;
  title: string;
  personal_data: boolean;
  openapi: Json<Record<string, unknown>> | null;
  data_model: string | null;
  enabled: boolean;
  created_at: Timestamp;
}

export interface GatewayTable {
  id: string;
  member: string;
  address: string;
  tls_certificate: string;
  /** Raw Ed25519 public key, base64. */
  signing_key: string;
  log_key: string | null;
  status: 'active' | 'revoked';
  registered_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface AccessRightTable {
  id: string;
  client: string;
  service: string;
  purpose: string;
  legal_basis: string;
  expires_at: Timestamp | null;
  granted_by: string;
  granted_at: Timestamp;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
}

export interface AuditEventTable {
  id: Generated<number>;
  at: Timestamp;
  actor: string;
  action: string;
  target: string;
  before: Json<unknown> | null;
  after: Json<unknown> | null;
}

/** Private key material sealed with the registry's data keyring; the public half in clear. */
export interface KeyMaterialTable {
  name: 'ca' | 'signing';
  public_part: string;
  sealed_private: string;
  created_at: Timestamp;
}

/** One row: the configuration version counter, bumped in the same transaction as each change. */
export interface ConfigurationStateTable {
  id: number;
  version: number;
}

/** The last signed configuration, so every registry process serves the same bytes. */
export interface PublishedConfigurationTable {
  id: number;
  version: number;
  generated_at: Timestamp;
  expires_at: Timestamp;
  /** Earliest expiry among the rights it lists: past it, the configuration is re-signed. */
  next_right_expiry: Timestamp | null;
  payload: string;
  signature: string;
  signer: string;
}

export interface AdminUserTable {
  username: string;
  password_hash: string;
  role: 'registry-admin' | 'agency-admin' | 'auditor';
  member: string | null;
  created_at: Timestamp;
  disabled_at: Timestamp | null;
}

export interface ApiTokenTable {
  /** SHA-256 of the bearer token, hex: a stolen database does not yield usable tokens. */
  token_hash: string;
  username: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface RegistryTables {
  member: MemberTable;
  subsystem: SubsystemTable;
  service: ServiceTable;
  gateway: GatewayTable;
  access_right: AccessRightTable;
  audit_event: AuditEventTable;
  key_material: KeyMaterialTable;
  configuration_state: ConfigurationStateTable;
  published_configuration: PublishedConfigurationTable;
  admin_user: AdminUserTable;
  api_token: ApiTokenTable;
}

const now = sql`now()`;

export const registryMigrations: Migrations = {
  '0001_registry': {
    async up(db: Kysely<unknown>) {
      await db.schema.createTable('member')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
        .execute();
      await db.schema.createTable('subsystem')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('member', 'text', (c) => c.notNull().references('member.id'))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
        .execute();
      await db.schema.createTable('service')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('subsystem', 'text', (c) => c.notNull().references('subsystem.id'))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('personal_data', 'boolean', (c) => c.notNull())
        .addColumn('openapi', 'jsonb')
        .addColumn('data_model', 'text')
        .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
        .execute();
      await db.schema.createTable('gateway')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('member', 'text', (c) => c.notNull().references('member.id'))
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('tls_certificate', 'text', (c) => c.notNull())
        .addColumn('signing_key', 'text', (c) => c.notNull())
        .addColumn('log_key', 'text')
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'revoked')`))
        .addColumn('registered_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
        .addColumn('revoked_at', 'timestamptz')
        .execute();
      await db.schema.createTable('access_right')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('client', 'text', (c) => c.notNull().references('subsystem.id'))
        .addColumn('service', 'text', (c) => c.notNull().references('service.id'))
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('legal_basis', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'timestamptz')
        .addColumn('granted_by', 'text', (c) => c.notNull())
        .addColumn('granted_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
        .addColumn('revoked_at', 'timestamptz')
        .addColumn('revoked_by', 'text')
        .execute();
      // One right in force per client, service and purpose; revoked ones stay for the record.
      await sql`create unique index access_right_in_force on access_right (client, service, purpose) where revoked_at is null`.execute(db);
      await db.schema.createTable('audit_event')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(now))
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('before', 'jsonb')
        .addColumn('after', 'jsonb')
        .execute();
      await db.schema.createIndex('audit_event_target').on('audit_event').columns(['target', 'id']).execute();
      await db.schema.createTable('key_material')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('public_part', 'text', (c) => c.notNull())
        .addColumn('sealed_private', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
        .execute();
      await db.schema.createTable('configuration_state')
        .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
        .addColumn('version', 'bigint', (c) => c.notNull())
        .execute();
      await sql`insert into configuration_state (id, version) values (1, 1)`.execute(db);
      await db.schema.createTable('published_configuration')
        .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
        .addColumn('version', 'bigint', (c) => c.notNull())
        .addColumn('generated_at', 'timestamptz', (c) => c.notNull())
        .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
        .addColumn('next_right_expiry', 'timestamptz')
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('signature', 'text', (c) => c.notNull())
        .addColumn('signer', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createTable('admin_user')
        .addColumn('username', 'text', (c) => c.primaryKey())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('registry-admin', 'agency-admin', 'auditor')`))
        .addColumn('member', 'text', (c) => c.references('member.id'))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
        .addColumn('disabled_at', 'timestamptz')
        .addCheckConstraint('agency_admin_has_member', sql`(role = 'agency-admin') = (member is not null)`)
        .execute();
      await db.schema.createTable('api_token')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull().references('admin_user.username'))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
        .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
        .execute();
    },
  },
};
