/**
 * The portal's own tables, in its own schema. Columns ending in `_sealed` hold personal data
 * encrypted with the portal's DataKeyring (AES-256-GCM, key id inside the value, the row's id
 * as additional data); columns ending in `_index` hold keyed HMACs so that a row can be found
 * by a NIK or an IP address without storing it in clear.
 */
import { sql, type ColumnType, type Generated, type Kysely } from 'kysely';
import type { Migrations } from '../../core/storage/migrate.js';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Int8 = ColumnType<number, number | bigint, number | bigint>;

export type AccountKind = 'citizen' | 'officer' | 'agency_staff';

export interface AccountTable {
  id: string;
  kind: AccountKind;
  /** HMAC of `nik:<NIK>` for citizens, `staff:<username>` for staff. */
  login_index: string;
  nik_sealed: string | null;
  name_sealed: string;
  /** The member (agency) a staff account works for, e.g. ID/GOV/DUKCAPIL. */
  agency: string | null;
  password_hash: string;
  totp_secret_sealed: string | null;
  /** The last TOTP time step accepted: a code is accepted once only. */
  totp_last_step: Int8 | null;
  totp_enrolled_at: Timestamp | null;
  created_at: Timestamp;
  /** Null while a self-registered account awaits its out-of-band activation code (ADR 0069). */
  activated_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** The one live activation code of an account, hashed; burnt after too many wrong tries. */
export interface ActivationCodeTable {
  account_id: string;
  code_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  attempts: number;
}

export interface RecoveryCodeTable {
  id: Generated<number>;
  account_id: string;
  code_hash: string;
  used_at: Timestamp | null;
}

export interface PasskeyTable {
  /** base64url credential id. */
  id: string;
  account_id: string;
  public_key: string;
  counter: Int8;
  transports: string;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
}

/** A sign-in in progress: password checked and awaiting the second factor, or a WebAuthn challenge. */
export interface AuthFlowTable {
  id_hash: string;
  kind: 'second_factor' | 'enrol_totp' | 'reenrol_totp' | 'passkey_sign_in' | 'passkey_register';
  account_id: string | null;
  challenge: string | null;
  /** The TOTP secret offered during enrolment, sealed, until the first code confirms it. */
  pending_secret_sealed: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface SessionTable {
  id_hash: string;
  account_id: string;
  /** The officer acting on the citizen's behalf at a service counter, when assisted. */
  actor_id: string | null;
  /** The officer's own session that started this assisted one; resumed when it ends. */
  parent_id_hash: string | null;
  method: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  ended_at: Timestamp | null;
}

export interface SignInEventTable {
  id: Generated<number>;
  time: Timestamp;
  account_id: string | null;
  login_index: string | null;
  ip_index: string;
  event: string;
  outcome: 'success' | 'failure' | 'refused';
  actor_id: string | null;
  detail: string | null;
}

export interface ComplaintTable {
  id: string;
  tracking_id: string;
  account_id: string | null;
  /** Set when an officer filed it at a counter on the citizen's behalf. */
  actor_id: string | null;
  category: string;
  agency: string;
  title_sealed: string;
  body_sealed: string;
  location_sealed: string;
  status: 'submitted' | 'verified' | 'responded' | 'closed';
  created_at: Timestamp;
  verify_due: Timestamp;
  follow_up_due: Timestamp | null;
  close_due: Timestamp | null;
  closed_at: Timestamp | null;
}

export interface ComplaintEventTable {
  id: Generated<number>;
  complaint_id: string;
  time: Timestamp;
  status: string;
  actor: 'citizen' | 'agency' | 'system' | 'officer';
  actor_id: string | null;
  note_sealed: string | null;
}

export interface ConsentTable {
  id: string;
  account_id: string;
  application_id: string | null;
  purpose: string;
  /** The compact JWS the citizen was given (it names the subject), sealed. */
  jws_sealed: string;
  services: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface ApplicationTable {
  id: string;
  account_id: string;
  actor_id: string | null;
  kind: string;
  status: 'draft' | 'prefilled' | 'submitted' | 'in_progress' | 'issued' | 'rejected' | 'withdrawn';
  consent_id: string | null;
  /** The form the citizen completes (business name, KBLI code, …), sealed JSON. */
  form_sealed: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** When the citizen submitted the application and its workflow started. */
  submitted_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** One step of the multi-agency workflow; each step is an exchange through the gateways. */
export interface ApplicationStepTable {
  id: Generated<number>;
  application_id: string;
  seq: number;
  code: string;
  agency: string;
  service: string;
  status: 'pending' | 'running' | 'done' | 'failed';
  due_at: Timestamp | null;
  exchange_id: string | null;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  result_sealed: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  /** Why the last attempt failed: a problem code (gateway, provider or workflow check). */
  error_code: ColumnType<string | null, string | null | undefined, string | null>;
  /** The failure's detail, sealed (a provider's message can name the citizen). */
  error_sealed: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface PrefillValueTable {
  application_id: string;
  item: string;
  service: string;
  value_sealed: string;
  exchange_id: string;
  fetched_at: Timestamp;
  /** The item's parts (an address's street, RT, RW, …) as sealed JSON, for forms that need them. */
  structured_sealed: ColumnType<string | null, string | null | undefined, string | null>;
}

/** An issued permit: the signed document behind the PDF and the public verification page. */
export interface PermitTable {
  /** The permit number printed on the document, e.g. the NIB. */
  number: string;
  kind: string;
  application_id: string;
  account_id: string;
  /** The compact JWS over the permit content (portal permit key), sealed: it names the holder. */
  jws_sealed: string;
  issued_at: Timestamp;
  status: 'valid' | 'revoked';
}

export interface CorrectionRequestTable {
  id: string;
  account_id: string;
  application_id: string | null;
  agency: string;
  service: string;
  item: string;
  current_sealed: string;
  claimed_sealed: string;
  reason_sealed: string;
  /** open: in the portal's back office only; forwarded: filed with the agency (filed_id), awaiting its decision. */
  status: 'open' | 'forwarded' | 'resolved' | 'rejected';
  created_at: Timestamp;
  /** The request id at the owning agency's correction queue (ADR 0092). */
  filed_id: string | null;
  decided_at: Timestamp | null;
  decision_note_sealed: string | null;
}

export interface PortalTables {
  account: AccountTable;
  recovery_code: RecoveryCodeTable;
  passkey: PasskeyTable;
  auth_flow: AuthFlowTable;
  session: SessionTable;
  sign_in_event: SignInEventTable;
  complaint: ComplaintTable;
  complaint_event: ComplaintEventTable;
  consent: ConsentTable;
  application: ApplicationTable;
  application_step: ApplicationStepTable;
  prefill_value: PrefillValueTable;
  correction_request: CorrectionRequestTable;
  permit: PermitTable;
  activation_code: ActivationCodeTable;
}

const tz = 'timestamptz' as const;

export const portalMigrations: Migrations = {
  '0001_accounts_and_sessions': {
    async up(db: Kysely<unknown>) {
      await db.schema.createTable('account')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('citizen','officer','agency_staff')`))
        .addColumn('login_index', 'text', (c) => c.notNull().unique())
        .addColumn('nik_sealed', 'text')
        .addColumn('name_sealed', 'text', (c) => c.notNull())
        .addColumn('agency', 'text')
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('totp_secret_sealed', 'text')
        .addColumn('totp_last_step', 'bigint')
        .addColumn('totp_enrolled_at', tz)
        .addColumn('created_at', tz, (c) => c.notNull())
        .execute();
      await db.schema.createTable('recovery_code')
        .addColumn('id', 'serial', (c) => c.primaryKey())
        .addColumn('account_id', 'uuid', (c) => c.notNull().references('account.id').onDelete('cascade'))
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addColumn('used_at', tz)
        .execute();
      await db.schema.createIndex('recovery_code_account').on('recovery_code').columns(['account_id']).execute();
      await db.schema.createTable('passkey')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'uuid', (c) => c.notNull().references('account.id').onDelete('cascade'))
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('counter', 'bigint', (c) => c.notNull())
        .addColumn('transports', 'text', (c) => c.notNull())
        .addColumn('created_at', tz, (c) => c.notNull())
        .addColumn('last_used_at', tz)
        .execute();
      await db.schema.createTable('auth_flow')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('account_id', 'uuid', (c) => c.references('account.id').onDelete('cascade'))
        .addColumn('challenge', 'text')
        .addColumn('pending_secret_sealed', 'text')
        .addColumn('created_at', tz, (c) => c.notNull())
        .addColumn('expires_at', tz, (c) => c.notNull())
        .execute();
      await db.schema.createTable('session')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'uuid', (c) => c.notNull().references('account.id').onDelete('cascade'))
        .addColumn('actor_id', 'uuid', (c) => c.references('account.id'))
        .addColumn('parent_id_hash', 'text')
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('created_at', tz, (c) => c.notNull())
        .addColumn('last_seen_at', tz, (c) => c.notNull())
        .addColumn('expires_at', tz, (c) => c.notNull())
        .addColumn('ended_at', tz)
        .execute();
      await db.schema.createTable('sign_in_event')
        .addColumn('id', 'serial', (c) => c.primaryKey())
        .addColumn('time', tz, (c) => c.notNull())
        .addColumn('account_id', 'uuid')
        .addColumn('login_index', 'text')
        .addColumn('ip_index', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'uuid')
        .addColumn('detail', 'text')
        .execute();
      // Rate limiting counts recent failures per account and per IP.
      await db.schema.createIndex('sign_in_event_login').on('sign_in_event').columns(['login_index', 'time']).execute();
      await db.schema.createIndex('sign_in_event_ip').on('sign_in_event').columns(['ip_index', 'time']).execute();
      await db.schema.createIndex('sign_in_event_account').on('sign_in_event').columns(['account_id', 'time']).execute();
    },
  },
  '0002_complaints': {
    async up(db: Kysely<unknown>) {
      await db.schema.createTable('complaint')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('tracking_id', 'text', (c) => c.notNull().unique())
        .addColumn('account_id', 'uuid', (c) => c.references('account.id'))
        .addColumn('actor_id', 'uuid')
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('agency', 'text', (c) => c.notNull())
        .addColumn('title_sealed', 'text', (c) => c.notNull())
        .addColumn('body_sealed', 'text', (c) => c.notNull())
        .addColumn('location_sealed', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', tz, (c) => c.notNull())
        .addColumn('verify_due', tz, (c) => c.notNull())
        .addColumn('follow_up_due', tz)
        .addColumn('close_due', tz)
        .addColumn('closed_at', tz)
        .execute();
      await db.schema.createIndex('complaint_agency').on('complaint').columns(['agency', 'created_at']).execute();
      await db.schema.createIndex('complaint_account').on('complaint').columns(['account_id', 'created_at']).execute();
      await db.schema.createTable('complaint_event')
        .addColumn('id', 'serial', (c) => c.primaryKey())
        .addColumn('complaint_id', 'uuid', (c) => c.notNull().references('complaint.id').onDelete('cascade'))
        .addColumn('time', tz, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'uuid')
        .addColumn('note_sealed', 'text')
        .execute();
      await db.schema.createIndex('complaint_event_complaint').on('complaint_event').columns(['complaint_id', 'id']).execute();
    },
  },
  '0003_consent_and_applications': {
    async up(db: Kysely<unknown>) {
      await db.schema.createTable('application')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('account_id', 'uuid', (c) => c.notNull().references('account.id'))
        .addColumn('actor_id', 'uuid')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('consent_id', 'uuid')
        .addColumn('form_sealed', 'text')
        .addColumn('created_at', tz, (c) => c.notNull())
        .addColumn('updated_at', tz, (c) => c.notNull())
        .execute();
      await db.schema.createTable('consent')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('account_id', 'uuid', (c) => c.notNull().references('account.id'))
        .addColumn('application_id', 'uuid', (c) => c.references('application.id'))
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('jws_sealed', 'text', (c) => c.notNull())
        .addColumn('services', 'text', (c) => c.notNull())
        .addColumn('created_at', tz, (c) => c.notNull())
        .addColumn('expires_at', tz, (c) => c.notNull())
        .addColumn('revoked_at', tz)
        .execute();
      await db.schema.createTable('application_step')
        .addColumn('id', 'serial', (c) => c.primaryKey())
        .addColumn('application_id', 'uuid', (c) => c.notNull().references('application.id').onDelete('cascade'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('agency', 'text', (c) => c.notNull())
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('due_at', tz)
        .addColumn('exchange_id', 'text')
        .addColumn('started_at', tz)
        .addColumn('finished_at', tz)
        .addColumn('result_sealed', 'text')
        .addUniqueConstraint('application_step_seq', ['application_id', 'seq'])
        .execute();
      await db.schema.createTable('prefill_value')
        .addColumn('application_id', 'uuid', (c) => c.notNull().references('application.id').onDelete('cascade'))
        .addColumn('item', 'text', (c) => c.notNull())
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('value_sealed', 'text', (c) => c.notNull())
        .addColumn('exchange_id', 'text', (c) => c.notNull())
        .addColumn('fetched_at', tz, (c) => c.notNull())
        .addPrimaryKeyConstraint('prefill_value_pk', ['application_id', 'item'])
        .execute();
      await db.schema.createTable('correction_request')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('account_id', 'uuid', (c) => c.notNull().references('account.id'))
        .addColumn('application_id', 'uuid')
        .addColumn('agency', 'text', (c) => c.notNull())
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('item', 'text', (c) => c.notNull())
        .addColumn('current_sealed', 'text', (c) => c.notNull())
        .addColumn('claimed_sealed', 'text', (c) => c.notNull())
        .addColumn('reason_sealed', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', tz, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('correction_request_agency').on('correction_request').columns(['agency', 'created_at']).execute();
    },
  },
  '0004_workflow_and_permits': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('application').addColumn('submitted_at', tz).execute();
      await db.schema.alterTable('application_step').addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('application_step').addColumn('error_code', 'text').execute();
      await db.schema.alterTable('application_step').addColumn('error_sealed', 'text').execute();
      await db.schema.alterTable('prefill_value').addColumn('structured_sealed', 'text').execute();
      // The maintenance timer looks for workflows to resume by status.
      await db.schema.createIndex('application_status').on('application').columns(['status', 'updated_at']).execute();
      await db.schema.createTable('permit')
        .addColumn('number', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('application_id', 'uuid', (c) => c.notNull().unique().references('application.id'))
        .addColumn('account_id', 'uuid', (c) => c.notNull().references('account.id'))
        .addColumn('jws_sealed', 'text', (c) => c.notNull())
        .addColumn('issued_at', tz, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('valid','revoked')`))
        .execute();
    },
  },
  '0005_sign_up': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('account').addColumn('activated_at', tz).execute();
      // Accounts made before sign-up existed were created by operators: already active.
      await (db as Kysely<PortalTables>).updateTable('account').set({ activated_at: sql`created_at` }).execute();
      await db.schema.createTable('activation_code')
        .addColumn('account_id', 'uuid', (c) => c.primaryKey().references('account.id').onDelete('cascade'))
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', tz, (c) => c.notNull())
        .addColumn('expires_at', tz, (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .execute();
    },
  },
  '0006_dispute_filing': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('correction_request').addColumn('filed_id', 'text').execute();
      await db.schema.alterTable('correction_request').addColumn('decided_at', tz).execute();
      await db.schema.alterTable('correction_request').addColumn('decision_note_sealed', 'text').execute();
    },
  },
};
