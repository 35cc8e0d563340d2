/**
 * Oversight's own database (its own schema): what the log monitor observed in the gateways'
 * public logs, the monitor's verified state per log, alerts and incidents. Observations hold
 * identifiers, outcomes and keyed subject commitments only — never personal data in clear.
 */
import { sql, type Generated, type Kysely } from 'kysely';
import type { Migrations } from '../core/storage/migrate.js';
import { rebuildRollups } from './rollups.js';

export interface OversightTables {
  /** One row per leaf of a monitored gateway log (docs/protocols/log.md §1). */
  observed_exchange: {
    gateway: string;
    idx: number;
    exchange_id: string;
    side: string;
    time: number;
    client: string;
    client_member: string;
    service: string;
    provider_member: string;
    purpose: string | null;
    legal_basis: string | null;
    /** Keyed commitment to the subject; distinct counts only, never shown. */
    subject: Buffer | null;
    outcome: string;
    status: number;
    code: string | null;
    duration_ms: number;
    /**
     * The leaf that counts for its exchange (the consumer side's when both were logged); decided
     * as leaves arrive, with the hourly rollups (rollups.ts).
     */
    counted: Generated<boolean>;
  };
  /**
   * Per hour (start, ms since the epoch), consumer member and service: outcome counts and the
   * answered exchanges' latency as an HDR histogram (compressed, base64). Kept after the raw
   * leaves are pruned (ADR 0084).
   */
  exchange_rollup: {
    hour: number;
    consumer: string;
    provider: string;
    service: string;
    total: number;
    ok: number;
    refused: number;
    error: number;
    latency: string;
  };
  /** Raw leaves before `raw_from` were pruned: figures for those hours come from the rollups. */
  monitor_retention: {
    id: number;
    raw_from: number;
  };
  /** The last checkpoint the monitor verified for each gateway log, and its compact range. */
  monitored_log: {
    gateway: string;
    member: string;
    origin: string;
    size: number;
    root: Buffer;
    frontier: Buffer;
    note: string;
    cosigners: string;
    verified_at: number;
    last_error: string | null;
    last_attempt_at: number | null;
  };
  /** Something wrong with a log: a fork, a rollback, a bad signature, a witness refusal. */
  log_event: {
    id: Generated<number>;
    gateway: string;
    kind: string;
    detail: string;
    evidence: string | null;
    time: number;
  };
  alert: {
    id: string;
    rule: string;
    /** What the alert is about (client subsystem, gateway, login…); with `rule`, the dedupe key. */
    subject_key: string;
    /** The member (agency) concerned, for an agency administrator's view; null when none. */
    member: string | null;
    severity: string;
    title: string;
    detail: string;
    /** JSON: the figures that made the rule fire. */
    evidence: string;
    window_start: number;
    window_end: number;
    status: string;
    raised_at: number;
    updated_at: number;
    acknowledged_by: string | null;
    closed_by: string | null;
    close_note: string | null;
    webhook_status: string | null;
  };
  /** An agency's request to consume a service, for the provider to approve (API Setu's model). */
  access_request: {
    id: string;
    client: string;
    client_member: string;
    service: string;
    provider_member: string;
    purpose: string;
    legal_basis: string;
    justification: string;
    expires_at: string | null;
    status: string;
    requested_by: string;
    requested_at: number;
    decided_by: string | null;
    decided_at: number | null;
    decision_note: string | null;
    right_id: string | null;
  };
  /** Console sign-in attempts, for the sign-in rule (the person's username as typed; no password). */
  sign_in_attempt: {
    id: Generated<number>;
    username: string;
    ip: string;
    ok: boolean;
    time: number;
  };
  /** Service levels per service: the p95 latency and error share it must stay within. */
  service_level: {
    service: string;
    p95_ms: number;
    max_error_rate: number;
    set_by: string;
    set_at: number;
  };
  /**
   * An access-right expiry reminder that was sent: one per right, expiry and threshold, so a
   * restart does not send it again and a renewed right (another expiry) is reminded afresh.
   */
  expiry_reminder: {
    id: string;
    right_id: string;
    client: string;
    client_member: string;
    service: string;
    provider_member: string;
    purpose: string;
    legal_basis: string;
    expires_at: number;
    /** The threshold crossed: the reminder says "expires within this many days". */
    threshold_days: number;
    created_at: number;
    webhook_status: string | null;
    webhook_attempts: number;
  };
  incident: {
    id: string;
    alert_id: string | null;
    member: string;
    title: string;
    data_categories: string;
    occurred_from: number;
    occurred_to: number;
    detected_at: number;
    how: string;
    subjects_count: number;
    /** JSON array of hex subject commitments, for the controller to resolve; never public. */
    subject_commitments: string;
    measures: string;
    contact: string;
    created_by: string;
    created_at: number;
  };
}

export const oversightMigrations: Migrations = {
  '0001_oversight': {
    async up(db: Kysely<unknown>) {
      await sql`CREATE TABLE observed_exchange (
        gateway text NOT NULL,
        idx bigint NOT NULL,
        exchange_id text NOT NULL,
        side text NOT NULL,
        time bigint NOT NULL,
        client text NOT NULL,
        client_member text NOT NULL,
        service text NOT NULL,
        provider_member text NOT NULL,
        purpose text,
        legal_basis text,
        subject bytea,
        outcome text NOT NULL,
        status integer NOT NULL,
        code text,
        duration_ms integer NOT NULL,
        PRIMARY KEY (gateway, idx)
      )`.execute(db);
      await sql`CREATE INDEX observed_exchange_time ON observed_exchange (time)`.execute(db);
      await sql`CREATE INDEX observed_exchange_client ON observed_exchange (client, time)`.execute(db);
      await sql`CREATE INDEX observed_exchange_id ON observed_exchange (exchange_id)`.execute(db);
      await sql`CREATE TABLE monitored_log (
        gateway text PRIMARY KEY,
        member text NOT NULL,
        origin text NOT NULL,
        size bigint NOT NULL,
        root bytea NOT NULL,
        frontier bytea NOT NULL,
        note text NOT NULL,
        cosigners text NOT NULL,
        verified_at bigint NOT NULL,
        last_error text,
        last_attempt_at bigint
      )`.execute(db);
      await sql`CREATE TABLE log_event (
        id bigserial PRIMARY KEY,
        gateway text NOT NULL,
        kind text NOT NULL,
        detail text NOT NULL,
        evidence text,
        time bigint NOT NULL
      )`.execute(db);
      await sql`CREATE TABLE alert (
        id text PRIMARY KEY,
        rule text NOT NULL,
        subject_key text NOT NULL,
        member text,
        severity text NOT NULL,
        title text NOT NULL,
        detail text NOT NULL,
        evidence text NOT NULL,
        window_start bigint NOT NULL,
        window_end bigint NOT NULL,
        status text NOT NULL,
        raised_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        acknowledged_by text,
        closed_by text,
        close_note text,
        webhook_status text
      )`.execute(db);
      await sql`CREATE INDEX alert_open ON alert (rule, subject_key, status)`.execute(db);
      await sql`CREATE TABLE incident (
        id text PRIMARY KEY,
        alert_id text,
        member text NOT NULL,
        title text NOT NULL,
        data_categories text NOT NULL,
        occurred_from bigint NOT NULL,
        occurred_to bigint NOT NULL,
        detected_at bigint NOT NULL,
        how text NOT NULL,
        subjects_count integer NOT NULL,
        subject_commitments text NOT NULL,
        measures text NOT NULL,
        contact text NOT NULL,
        created_by text NOT NULL,
        created_at bigint NOT NULL
      )`.execute(db);
    },
  },
  '0002_requests_and_service_levels': {
    async up(db: Kysely<unknown>) {
      await sql`CREATE TABLE access_request (
        id text PRIMARY KEY,
        client text NOT NULL,
        client_member text NOT NULL,
        service text NOT NULL,
        provider_member text NOT NULL,
        purpose text NOT NULL,
        legal_basis text NOT NULL,
        justification text NOT NULL,
        expires_at text,
        status text NOT NULL,
        requested_by text NOT NULL,
        requested_at bigint NOT NULL,
        decided_by text,
        decided_at bigint,
        decision_note text,
        right_id text
      )`.execute(db);
      await sql`CREATE TABLE sign_in_attempt (
        id bigserial PRIMARY KEY,
        username text NOT NULL,
        ip text NOT NULL,
        ok boolean NOT NULL,
        time bigint NOT NULL
      )`.execute(db);
      await sql`CREATE INDEX sign_in_attempt_time ON sign_in_attempt (time)`.execute(db);
      await sql`CREATE TABLE service_level (
        service text PRIMARY KEY,
        p95_ms integer NOT NULL,
        max_error_rate double precision NOT NULL,
        set_by text NOT NULL,
        set_at bigint NOT NULL
      )`.execute(db);
    },
  },
  '0003_expiry_reminders': {
    async up(db: Kysely<unknown>) {
      await sql`CREATE TABLE expiry_reminder (
        id text PRIMARY KEY,
        right_id text NOT NULL,
        client text NOT NULL,
        client_member text NOT NULL,
        service text NOT NULL,
        provider_member text NOT NULL,
        purpose text NOT NULL,
        legal_basis text NOT NULL,
        expires_at bigint NOT NULL,
        threshold_days integer NOT NULL,
        created_at bigint NOT NULL,
        webhook_status text,
        webhook_attempts integer NOT NULL,
        UNIQUE (right_id, expires_at, threshold_days)
      )`.execute(db);
      await sql`CREATE INDEX expiry_reminder_expires ON expiry_reminder (expires_at)`.execute(db);
    },
  },
  '0004_hourly_rollups': {
    async up(db: Kysely<unknown>) {
      await sql`ALTER TABLE observed_exchange ADD COLUMN counted boolean NOT NULL DEFAULT false`.execute(db);
      await sql`CREATE INDEX observed_exchange_counted_time ON observed_exchange (time) WHERE counted`.execute(db);
      await sql`CREATE TABLE exchange_rollup (
        hour bigint NOT NULL,
        consumer text NOT NULL,
        provider text NOT NULL,
        service text NOT NULL,
        total integer NOT NULL,
        ok integer NOT NULL,
        refused integer NOT NULL,
        error integer NOT NULL,
        latency text NOT NULL,
        PRIMARY KEY (hour, consumer, service)
      )`.execute(db);
      await sql`CREATE TABLE monitor_retention (
        id smallint PRIMARY KEY CHECK (id = 1),
        raw_from bigint NOT NULL
      )`.execute(db);
      await sql`INSERT INTO monitor_retention (id, raw_from) VALUES (1, 0)`.execute(db);
      // Leaves observed before this migration: decide which count, and roll them up.
      await rebuildRollups(db as Kysely<OversightTables>);
    },
  },
};
