/**
 * The demo federation: a registry, and for each of five agencies a gateway and a sample
 * agency system with synthetic data, all on embedded storage under one data directory, in
 * one process. The first start builds the instance (members, services, gateways, rights);
 * later starts find it on disk and keep every change.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createHttpBackend } from '../adapters/http.js';
import type { Backend } from '../adapters/backend.js';
import { generateSigningKey } from '../core/crypto.js';
import { b64 } from '../core/crypto.js';
import { listen } from '../core/http/app.js';
import { parseSubsystemId, type MemberId } from '../core/ids.js';
import { createTlsKeyAndCsr } from '../core/pki.js';
import { openDatabase, type Database } from '../core/storage/database.js';
import { ConfigurationSource } from '../gateway/configuration.js';
import type { GatewayIdentity } from '../gateway/context.js';
import { Gateway } from '../gateway/gateway.js';
import { readIdentity, writeKeyFile } from '../gateway/settings.js';
import type { GatewayTables } from '../gateway/store.js';
import { buildRegistryApp } from '../registry/app.js';
import { Registry } from '../registry/registry.js';
import type { RegistryTables } from '../registry/schema.js';
import { openAgencyDatabase, startAgencyBackend, type AgencyBackend } from './backends/agency-backend.js';
import { generateFederationData } from './data/index.js';
import type { Agency, FederationData } from './data/types.js';
import { DEMO_AGENCIES, DEMO_RIGHTS, demoExamples, type DemoExample } from './plan.js';
import { ensurePortalInstance, startDemoPortal, trackerService, type DemoPortalManifest, type RunningDemoPortal } from './portal.js';
import { DEMO_BUSINESS_EVENTS_SERVICE, DEMO_EVENTS_SERVICE, startDemoPublishers, startDemoSubscribers } from './events.js';
import { startDemoLegacy, type DemoLegacy } from './legacy/demo-legacy.js';
import type { DemoEvents } from '../events/index.js';
import { reconcilePort, startDemoReconciliation, type DemoReconcileManifest, type DemoReconciliation } from './reconcile.js';
import { startDemoOversight, type DemoOversightManifest } from './oversight.js';
import { qualityFromOverview } from '../oversight/index.js';
import { portalFigures } from '../portal/index.js';

export interface DemoOptions {
  dataDir: string;
  portBase: number;
  /** Real PostgreSQL for every component (each in its own schema); PGlite when absent. */
  databaseUrl?: string | undefined;
  host?: string;
  logLevel?: string;
  /** Persons in the base registry; 10,000 by default. */
  persons?: number;
  /** NATS JetStream for DUKCAPIL's and LICENSING's events instead of their outboxes (needs a broker). */
  natsUrl?: string | undefined;
  /** How often BPS's survey system exports respondents to its CSV folder (default 15 s). */
  exportIntervalMs?: number;
  /** How often oversight reads the gateway logs and runs its security rules (default 5 s; tests go faster). */
  oversightIntervalMs?: number;
}

export interface DemoManifest {
  instance: string;
  dataDir: string;
  registry: { url: string; anchor: string };
  admin: { username: string; password: string };
  gateways: Record<string, { url: string; consumer: string; peer: string; id: string }>;
  agencies: Record<string, { member: string; subsystems: string[]; backend: string; gateway: string }>;
  clients: Record<string, { token: string; gateway: string }>;
  examples: DemoExample[];
  /** The citizen portal's URL and demo sign-ins (ADR 0067). */
  portal?: DemoPortalManifest;
  /**
   * The event subscriptions' admin API (`simpul events status --data-dir …`); `service` is
   * DUKCAPIL's events service, `services` every events service subscribed to.
   */
  events?: { url: string; service: string; services: string[]; transport: 'outbox' | 'jetstream' };
  /** The legacy systems served through adapters: SOAP endpoint, CSV export folder, SQL schema. */
  legacy?: { soap: string; csvFolder: string; sqlSchema: string };
  reconcile: DemoReconcileManifest;
  /** Operators' console and public transparency page (src/demo/oversight.ts). */
  console: DemoOversightManifest['console'];
  transparency: DemoOversightManifest['transparency'];
}

export interface RunningDemo {
  manifest: DemoManifest;
  manifestPath: string;
  firstStart: boolean;
  gateways: Map<Agency, Gateway>;
  /** Each agency system's own database (its copies and, for publishers, its outbox). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  databases: Map<Agency, Database<any>>;
  registry: Registry;
  data: FederationData;
  portal: RunningDemoPortal;
  /** The subscriptions of BPS, KEMENKES and KEMENDIKBUD to DUKCAPIL's events, and of BPS to LICENSING's. */
  events: DemoEvents;
  legacy: DemoLegacy;
  reconcile: DemoReconciliation;
  close(): Promise<void>;
}

const ACTOR = 'demo-setup';

/** Ports: registry = base; agency i: gateway consumer base+10+10i, peer +1, backend +3. */
export function demoPorts(base: number, index: number) {
  return { consumer: base + 10 + 10 * index, peer: base + 11 + 10 * index, backend: base + 13 + 10 * index };
}

export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const dataDir = resolve(options.dataDir);
  const host = options.host ?? '127.0.0.1';
  mkdirSync(dataDir, { recursive: true });
  const manifestPath = join(dataDir, 'demo.json');
  const previous = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as DemoManifest) : undefined;
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  const store = (schema: string, dir: string) => openDatabase({ url: options.databaseUrl, dataDir: options.databaseUrl ? undefined : join(dataDir, dir), schema });

  try {
    const data = generateFederationData({ persons: options.persons });

    // Registry.
    const registryDb = (await store('registry', 'registry')) as Database<RegistryTables>;
    closers.push(() => registryDb.close());
    const registry = await Registry.open({ db: registryDb, instance: 'ID', keyDir: join(dataDir, 'registry') });
    const firstStart = (await registry.listMembers()).length === 0;
    let admin = previous?.admin;
    if (firstStart) admin = await buildInstance(registry, host, options.portBase);
    if (!admin) throw new Error(`${manifestPath} is missing; remove ${dataDir} to start the demo afresh.`);
    await ensureServicesAndRights(registry);
    await ensurePortalInstance(registry, { actor: ACTOR, dataDir, host, portBase: options.portBase, createGatewayKeys });
    const registryApp = await buildRegistryApp(registry, { logLevel: options.logLevel ?? 'warn' });
    const registryUrl = await listen(registryApp, options.portBase, host);
    closers.push(() => registryApp.close());

    // Agency systems, then their gateways.
    const backends = new Map<Agency, AgencyBackend>();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const agencyDatabases = new Map<Agency, Database<any>>();
    for (const [index, agency] of DEMO_AGENCIES.entries()) {
      const database = await openAgencyDatabase(agency.agency, { url: options.databaseUrl, dataDir });
      closers.push(() => database.close());
      agencyDatabases.set(agency.agency, database);
      const backend = await startAgencyBackend(agency.agency, { database, data, port: demoPorts(options.portBase, index).backend, host, logLevel: options.logLevel ?? 'warn' });
      closers.push(() => backend.close());
      backends.set(agency.agency, backend);
    }

    // Legacy systems behind adapters, and DUKCAPIL's and LICENSING's event publishers: backends that are not the sample HTTP systems.
    const db = (agency: Agency) => agencyDatabases.get(agency)!;
    const legacy = await startDemoLegacy({ data, databases: { BPS: db('BPS'), KEMENDIKBUD: db('KEMENDIKBUD'), LICENSING: db('LICENSING') }, exportFolder: join(dataDir, 'bps-exports'), soapPort: demoPorts(options.portBase, 3).backend + 1, host, exportIntervalMs: options.exportIntervalMs });
    closers.push(() => legacy.close());
    const publishers = await startDemoPublishers(agencyDatabases, options.natsUrl);
    closers.push(() => publishers.close());
    const adapted = new Map([...legacy.backends, ...publishers.backends]);

    const gateways = new Map<Agency, Gateway>();
    const manifestGateways: DemoManifest['gateways'] = {};
    const clients: DemoManifest['clients'] = { ...previous?.clients };
    for (const [index, agency] of DEMO_AGENCIES.entries()) {
      const ports = demoPorts(options.portBase, index);
      const identity = readIdentity(agency.gatewayId, join(dataDir, 'gateways', agency.code, 'keys.json'));
      const configuration = new ConfigurationSource({ anchor: registry.publicKey, registryUrl, refreshMs: 2000 });
      configuration.accept(await registry.currentConfiguration());
      const database = (await store(`gw_${agency.code.toLowerCase()}`, join('gateways', agency.code, 'db'))) as Database<GatewayTables>;
      const backendUrl = backends.get(agency.agency)!.url;
      const serviceBackends = new Map<string, Backend>(agency.services.map((s) => [`${agency.subsystem}/${s.code}`, adapted.get(`${agency.subsystem}/${s.code}`) ?? createHttpBackend({ type: 'http', url: backendUrl + s.backendPath })]));
      const modelChecks = new Map(agency.services.filter((s) => s.modelCheck).map((s) => [`${agency.subsystem}/${s.code}`, s.modelCheck!]));
      const log = identity.logKey ? { key: identity.logKey, quorum: 2, deferStart: true } : undefined;
      const gateway = await Gateway.start({ identity, database, configuration, backends: serviceBackends, modelChecks, consumer: { port: ports.consumer, host }, peer: { port: ports.peer, host }, logLevel: options.logLevel ?? 'warn', log, subjectExchanges: { service: trackerService(agency.member) } });
      closers.push(() => gateway.close());
      gateways.set(agency.agency, gateway);
      manifestGateways[agency.member] = { id: identity.id, url: gateway.consumerUrl, consumer: gateway.consumerUrl, peer: gateway.peerUrl };
      for (const subsystem of agency.clientSubsystems) {
        if (!clients[subsystem]) clients[subsystem] = { token: await gateway.issueClientToken(parseSubsystemId(subsystem)), gateway: gateway.consumerUrl };
        clients[subsystem].gateway = gateway.consumerUrl;
      }
    }

    // The citizen portal behind its own gateway (src/demo/portal.ts).
    const gatewayUrls = new Map(Object.values(manifestGateways).map((g) => [g.id, g.consumer]));
    // The portal files citizens' disputes with the reconciliation service (started below) under its own token (ADR 0092).
    const reconcileTokens = { ...previous?.reconcile?.tokens, portal: previous?.reconcile?.tokens.portal ?? randomBytes(24).toString('base64url') };
    const corrections = { url: `http://${host}:${reconcilePort(options.portBase)}`, token: reconcileTokens.portal };
    const portal = await startDemoPortal({ registry, registryUrl, dataDir, host, portBase: options.portBase, logLevel: options.logLevel ?? 'warn', data, openStore: store, clients, gatewayUrls, previous: previous?.portal, corrections });
    closers.push(() => portal.close());
    manifestGateways[portal.gateway.identity.member] = { id: portal.gateway.identity.id, url: portal.gateway.consumerUrl, consumer: portal.gateway.consumerUrl, peer: portal.gateway.peerUrl };

    for (const gateway of gateways.values()) await gateway.log?.start();
    await portal.gateway.log?.start();
    closers.push(() => stopGatewaysInPhases([...gateways.values(), portal.gateway]));

    const events = await startDemoSubscribers({ gateways: manifestGateways, clients, databases: agencyDatabases, adminPort: options.portBase + 5, host, logLevel: options.logLevel });
    closers.push(() => events.close());
    // Reconciliation across the agencies' person records (src/demo/reconcile.ts), in the background.
    const reconcile = await startDemoReconciliation({ dataDir, portBase: options.portBase, host, databaseUrl: options.databaseUrl, data, agencies: DEMO_AGENCIES.map((a) => a.agency), previousTokens: reconcileTokens, logLevel: options.logLevel });
    closers.push(() => reconcile.close());
    // Oversight: monitors every gateway's public log; console and transparency page. The portal
    // lends it aggregates only: complaint and permit times, failed sign-ins (ADR 0081).
    const portalData = portalFigures(portal.portal.ctx);
    const oversight = await startDemoOversight({ dataDir, portBase: options.portBase, host, databaseUrl: options.databaseUrl, registryUrl, anchor: registry.publicKey, gateways: manifestGateways, logLevel: options.logLevel ?? 'warn', intervalMs: options.oversightIntervalMs,
      quality: qualityFromOverview(() => reconcile.service.overview(), (agency) => DEMO_AGENCIES.find((a) => a.agency === agency)?.member ?? agency),
      serviceTimes: portalData, signIns: { failures: (from, to) => portalData.signInFailures(from, to) } });
    closers.push(() => oversight.close());

    const manifest: DemoManifest = {
      instance: 'ID',
      dataDir,
      registry: { url: registryUrl, anchor: b64.encode(registry.publicKey) },
      admin,
      gateways: manifestGateways,
      agencies: Object.fromEntries(
        DEMO_AGENCIES.map((a) => [a.agency, { member: a.member, subsystems: [a.subsystem, ...a.clientSubsystems.filter((s) => s !== a.subsystem)], backend: backends.get(a.agency)!.url, gateway: manifestGateways[a.member]!.url }]),
      ),
      clients,
      examples: demoExamples(data, manifestGateways, clients),
      portal: portal.manifest,
      events: { url: events.adminUrl!, service: DEMO_EVENTS_SERVICE, services: [DEMO_EVENTS_SERVICE, DEMO_BUSINESS_EVENTS_SERVICE], transport: publishers.transport },
      legacy: { soap: legacy.soapUrl, csvFolder: legacy.exportFolder, sqlSchema: db('LICENSING').schema },
      reconcile: reconcile.manifest,
      ...oversight.manifest,
    };
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2), { mode: 0o600 });
    return { manifest, manifestPath, firstStart, gateways, databases: agencyDatabases, registry, data, portal, events, legacy, reconcile, close };
  } catch (error) {
    await close();
    throw error;
  }

  async function buildInstance(registry: Registry, host: string, portBase: number): Promise<{ username: string; password: string }> {
    for (const [index, agency] of DEMO_AGENCIES.entries()) {
      await registry.addMember(ACTOR, { id: agency.member, name: agency.name });
      for (const subsystem of new Set([agency.subsystem, ...agency.clientSubsystems])) await registry.addSubsystem(ACTOR, { id: subsystem });
      const identity = await createGatewayKeys(agency.gatewayId, agency.member as MemberId, host);
      const { tlsCertificate } = await registry.registerGateway(ACTOR, {
        id: agency.gatewayId,
        address: `https://${host}:${demoPorts(portBase, index).peer}`,
        signingKey: b64.encode(identity.signingKey.publicKey),
        logKey: b64.encode(identity.logKey!.publicKey),
        tlsCsr: identity.csr,
      });
      const dir = join(dataDir, 'gateways', agency.code);
      mkdirSync(dir, { recursive: true });
      writeKeyFile(join(dir, 'keys.json'), { ...identity, tls: { keyPem: identity.tls.keyPem, certPem: tlsCertificate } });
    }
    const { principal, password } = await registry.addAdminUser(ACTOR, { username: 'admin', role: 'registry-admin' });
    return { username: principal.username, password };
  }
}

/**
 * The plan's services and rights the registry lacks: all of them on the first start, and on
 * later starts those added to the plan since the data directory was made (LICENSING's events
 * service and BPS's subscription to it, for instance), so an existing demo gains them too.
 */
async function ensureServicesAndRights(registry: Registry): Promise<void> {
  const services = new Set((await registry.listServices()).map((s) => s.id as string));
  for (const agency of DEMO_AGENCIES) {
    for (const s of agency.services) {
      const id = `${agency.subsystem}/${s.code}`;
      if (!services.has(id)) await registry.addService(ACTOR, { id, title: s.title, personalData: s.personalData, dataModel: s.dataModel ?? null });
    }
  }
  // Revoked or expired rights count as held: an operator's revocation survives a restart.
  const held = new Set((await registry.listRights({ all: true })).map((r) => `${r.client} ${r.service} ${r.purpose}`));
  for (const right of DEMO_RIGHTS) {
    if (!held.has(`${right.client} ${right.service} ${right.purpose}`)) await registry.grantRight(ACTOR, right);
  }
}

/**
 * Every gateway's checkpointer and witness client, then every endpoint, before any database
 * closes (their own closers, which run after this one): the gateways witness each other, so one
 * closing alone would refuse the others' checkpoints with a closed database (ADR 0048).
 */
async function stopGatewaysInPhases(gateways: Gateway[]): Promise<void> {
  await Promise.all(gateways.map((g) => g.stopBackground()));
  await Promise.all(gateways.map((g) => g.closeServers()));
}

async function createGatewayKeys(id: string, member: MemberId, host: string): Promise<GatewayIdentity & { csr: string }> {
  const { privateKeyPem, csrPem } = await createTlsKeyAndCsr(id, [...new Set([host, '127.0.0.1', 'localhost'])]);
  return { id, member, signingKey: generateSigningKey(), logKey: generateSigningKey(), tls: { keyPem: privateKeyPem, certPem: '' }, subjectSalt: randomBytes(32), csr: csrPem };
}
