/**
 * Test support: a small instance whose gateways serve real exchange logs over HTTP (the log
 * library's store, checkpointer and public routes, no witnesses), the signed-configuration
 * view oversight reads, and an oversight service monitoring them.
 */
import { randomUUID } from 'node:crypto';
import { b64, commitment, generateSigningKey, sha256, type SigningKey } from '../core/crypto.js';
import type { ExchangeId } from '../core/ids.js';
import { createHttpApp, listen, type HttpApp } from '../core/http/app.js';
import type { Database } from '../core/storage/database.js';
import type { TestBackend } from '../core/storage/testing.js';
import type { ExchangeRecord } from '../gateway/exchange-record.js';
import { Checkpointer, LogStore, appendLeaves, encodeExchangeLeaf, logOrigin, migrateLog, registerLogRoutes, type AnyDb } from '../log/index.js';
import { GLOBAL_CONF_FORMAT, type GlobalConfiguration } from '../registry/global-conf.js';
import { sql } from 'kysely';
import { buildRegistryApp } from '../registry/app.js';
import { Registry } from '../registry/registry.js';
import type { RegistryTables } from '../registry/schema.js';
import { registryAuth } from './console-auth.js';
import { createOversight, type Oversight, type OversightOptions } from './oversight.js';

export const T0 = Date.UTC(2026, 0, 5, 3, 0, 0);

export interface TestLog {
  gatewayId: string;
  store: LogStore;
  checkpointer: Checkpointer;
  app: HttpApp;
  url: string;
  key: SigningKey;
  salt: Buffer;
  /** Appends records as leaves and signs a checkpoint over them. */
  append(records: ExchangeRecord[]): Promise<void>;
}

export interface OversightFixture {
  oversight: Oversight;
  logs: Map<string, TestLog>;
  conf: GlobalConfiguration;
  clock: { now: number };
  /** Replaces a gateway's served log (to show the monitor another history). */
  serve(gatewayId: string, url: string): void;
  openLog(gatewayId: string, key: SigningKey, prefix: string): Promise<TestLog>;
  close(): Promise<void>;
}

const MEMBERS = [
  { id: 'ID/GOV/DUKCAPIL', name: 'Direktorat Jenderal Kependudukan dan Pencatatan Sipil', subsystems: ['ID/GOV/DUKCAPIL/SIAK'] },
  { id: 'ID/GOV/BPS', name: 'Badan Pusat Statistik', subsystems: ['ID/GOV/BPS/SENSUS'] },
  { id: 'ID/GOV/KEMENKES', name: 'Kementerian Kesehatan', subsystems: ['ID/GOV/KEMENKES/SATUSEHAT'] },
];

export function exchange(overrides: Partial<ExchangeRecord> & { time: number }, salt: Buffer, nik?: string): ExchangeRecord {
  const id = randomUUID() as ExchangeId;
  return {
    id, side: 'consumer', client: 'ID/GOV/BPS/SENSUS', service: 'ID/GOV/DUKCAPIL/SIAK/person', purpose: 'STATISTIK-SENSUS', legalBasis: 'UU 16/1997 Statistik',
    subjectCommitment: nik ? commitment(salt, nik) : null, outcome: 'ok', status: 200, code: null,
    requestHash: sha256(`request ${id}`), responseHash: sha256(`response ${id}`), peer: 'ID/GOV/DUKCAPIL/gw1', durationMs: 12,
    ...overrides,
  };
}

export async function oversightFixture(backend: TestBackend, options: Partial<OversightOptions> = {}): Promise<OversightFixture> {
  const databases: Database<unknown>[] = [];
  const apps: HttpApp[] = [];
  const clock = { now: T0 };
  const urls: Record<string, string> = {};

  async function openLog(gatewayId: string, key: SigningKey, prefix: string): Promise<TestLog> {
    const database = await backend.open<unknown>(prefix);
    databases.push(database);
    await migrateLog(database.db as never, database.schema);
    const db = database.db as AnyDb;
    const store = new LogStore(db);
    const checkpointer = new Checkpointer({ store, key, origin: logOrigin(gatewayId) });
    const app = await createHttpApp({ title: `gateway ${gatewayId}`, logLevel: 'silent' });
    await registerLogRoutes(app, { store, verifierKey: checkpointer.verifierKey, quorum: 0, maxPageSize: 50 });
    apps.push(app);
    const url = await listen(app, 0);
    const salt = Buffer.from(sha256(`salt ${gatewayId}`));
    return {
      gatewayId, store, checkpointer, app, url, key, salt,
      async append(records) {
        await db.transaction().execute((trx) => appendLeaves(trx, records.map((r) => ({ exchangeId: r.id, leaf: encodeExchangeLeaf(r) }))));
        await checkpointer.signNow();
      },
    };
  }

  const logs = new Map<string, TestLog>();
  for (const member of MEMBERS.slice(0, 2)) {
    const id = `${member.id}/gw1`;
    const log = await openLog(id, generateSigningKey(), `ovl_${member.id.split('/')[2]!.toLowerCase()}`);
    logs.set(id, log);
    urls[id] = log.url;
  }
  const conf: GlobalConfiguration = {
    format: GLOBAL_CONF_FORMAT, instance: 'ID' as never, version: 1, generatedAt: new Date(T0).toISOString(), expiresAt: new Date(T0 + 86_400_000).toISOString(), caCertificate: '',
    members: MEMBERS as never,
    gateways: [...logs.values()].map((l) => ({ id: l.gatewayId, member: l.gatewayId.split('/').slice(0, 3).join('/') as never, address: 'https://127.0.0.1:1', tlsCertificate: '', signingKey: '', logKey: b64.encode(l.key.publicKey), status: 'active' as const })),
    services: [
      { id: 'ID/GOV/DUKCAPIL/SIAK/person' as never, title: 'Data penduduk', personalData: true, enabled: true },
      { id: 'ID/GOV/DUKCAPIL/SIAK/family' as never, title: 'Kartu keluarga', personalData: true, enabled: true },
    ],
    accessRights: [],
  };
  const database = await backend.open<unknown>('ovs');
  databases.push(database);
  const oversight = await createOversight({ database, configuration: () => conf, logUrls: () => urls, intervalMs: 0, now: () => clock.now, logLevel: 'silent', ...options });
  return {
    oversight, logs, conf, clock, openLog,
    serve(gatewayId, url) {
      urls[gatewayId] = url;
    },
    async close() {
      await oversight.close();
      for (const app of apps) await app.close();
      for (const d of databases) await d.close();
    },
  };
}

/** Signs in every role against a real registry and returns their bearer tokens. */
export async function registryWithRoles(database: Database<RegistryTables>): Promise<{ app: HttpApp; url: string; tokens: Record<string, string>; passwords: Record<string, string> }> {
  await sql.raw(`drop schema ${database.schema} cascade`).execute(database.db);
  await sql.raw(`create schema ${database.schema}`).execute(database.db);
  const registry = await Registry.open({ db: database, instance: 'ID', keyDir: undefined });
  await registry.addMember('test', { id: 'ID/GOV/DUKCAPIL', name: 'Dukcapil' });
  await registry.addMember('test', { id: 'ID/GOV/BPS', name: 'BPS' });
  await registry.addSubsystem('test', { id: 'ID/GOV/DUKCAPIL/SIAK' });
  await registry.addSubsystem('test', { id: 'ID/GOV/BPS/SENSUS' });
  await registry.addService('test', { id: 'ID/GOV/DUKCAPIL/SIAK/person', title: 'Data penduduk', personalData: true, dataModel: null });
  const passwords: Record<string, string> = {};
  for (const [username, role, member] of [['root', 'registry-admin', null], ['bps.admin', 'agency-admin', 'ID/GOV/BPS'], ['dukcapil.admin', 'agency-admin', 'ID/GOV/DUKCAPIL'], ['auditor', 'auditor', null]] as const) {
    passwords[username] = (await registry.addAdminUser('test', { username, role, member, password: `${username}-password-123` })).password;
  }
  const app = await buildRegistryApp(registry, { logLevel: 'silent' });
  const url = await listen(app, 0);
  const tokens: Record<string, string> = {};
  for (const [username, password] of Object.entries(passwords)) tokens[username] = (await registryAuth(url).signIn(username, password))!.token;
  return { app, url, tokens, passwords };
}

