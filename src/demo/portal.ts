/**
 * The citizen portal in the demo federation (ADR 0067): the member ID/GOV/KOMINFO with its
 * subsystem PORTAL behind a consumer-only gateway of its own, the rights the portal needs,
 * and each agency gateway's subject-exchanges service that feeds the data tracker (ADR 0068).
 *
 * Registration adds only what is missing, so a data directory made before the portal existed
 * gains it on its next start; everything else keeps the demo's restart semantics.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { b64 } from '../core/crypto.js';
import { parseSubsystemId, type MemberId, type Nik, type ServiceId, type SubsystemId } from '../core/ids.js';
import type { Database } from '../core/storage/database.js';
import { ConfigurationSource } from '../gateway/configuration.js';
import type { GatewayIdentity } from '../gateway/context.js';
import { Gateway } from '../gateway/gateway.js';
import { readIdentity, writeKeyFile } from '../gateway/settings.js';
import type { GatewayTables } from '../gateway/store.js';
import {
  FederationExchangeRecords,
  FileOutbox,
  HttpCorrectionChannel,
  HttpGatewayClient,
  PORTAL_SUBSYSTEM,
  TRACKER_LEGAL_BASIS,
  TRACKER_PURPOSE,
  portalAccessRights,
  seedDemoCitizens,
  seedDemoStaff,
  startPortal,
  type DemoCredentials,
  type RunningPortal,
} from '../portal/index.js';
import type { Registry } from '../registry/registry.js';
import type { FederationData } from './data/types.js';
import { DEMO_AGENCIES } from './plan.js';

export const PORTAL_MEMBER = 'ID/GOV/KOMINFO' as MemberId;
const PORTAL_GATEWAY = `${PORTAL_MEMBER}/gw1`;
const PORTAL_CODE = 'KOMINFO';

/** Ports beside the agencies' (demoPorts): the portal at base+8, its gateway at base+90 (consumer) and +91 (peer). */
export function demoPortalPorts(base: number) {
  return { portal: base + 8, consumer: base + 90, peer: base + 91 };
}

/** Each member's subsystem for what its gateway itself serves, and the tracker's service there. */
export function trackerService(member: string): ServiceId {
  return `${member}/SIMPUL/subject-exchanges` as ServiceId;
}

export interface DemoPortalManifest {
  url: string;
  /** Demo fixtures for one laptop, never production secrets (ADR 0004, 0067). */
  note: string;
  citizens: DemoCredentials[];
  staff: (DemoCredentials & { role: string; agency?: string })[];
  /** The demo's stand-in for SMS: a file where sign-up activation codes are written (ADR 0069). */
  outbox?: string;
}

type CreateGatewayKeys = (id: string, member: MemberId, host: string) => Promise<GatewayIdentity & { csr: string }>;

/** Registers in the registry whatever of the portal's part of the instance is missing. */
export async function ensurePortalInstance(registry: Registry, options: { actor: string; dataDir: string; host: string; portBase: number; createGatewayKeys: CreateGatewayKeys }): Promise<void> {
  const { actor } = options;
  if (!(await registry.listMembers()).some((m) => m.id === PORTAL_MEMBER)) {
    await registry.addMember(actor, { id: PORTAL_MEMBER, name: 'Kementerian Komunikasi dan Digital (Portal Simpul)' });
    await registry.addSubsystem(actor, { id: PORTAL_SUBSYSTEM });
    const identity = await options.createGatewayKeys(PORTAL_GATEWAY, PORTAL_MEMBER, options.host);
    const { tlsCertificate } = await registry.registerGateway(actor, {
      id: PORTAL_GATEWAY,
      address: `https://${options.host}:${demoPortalPorts(options.portBase).peer}`,
      signingKey: b64.encode(identity.signingKey.publicKey),
      logKey: b64.encode(identity.logKey!.publicKey),
      tlsCsr: identity.csr,
    });
    const dir = join(options.dataDir, 'gateways', PORTAL_CODE);
    mkdirSync(dir, { recursive: true });
    writeKeyFile(join(dir, 'keys.json'), { ...identity, tls: { keyPem: identity.tls.keyPem, certPem: tlsCertificate } });
  }
  const services = new Set((await registry.listServices()).map((s) => s.id as string));
  const subsystems = new Set((await registry.listSubsystems()).map((s) => s.id as string));
  for (const agency of DEMO_AGENCIES) {
    const service = trackerService(agency.member);
    const subsystem = service.split('/').slice(0, 4).join('/');
    if (!subsystems.has(subsystem)) await registry.addSubsystem(actor, { id: subsystem });
    if (!services.has(service)) {
      await registry.addService(actor, { id: service, title: 'Pertukaran data tentang seorang subjek data, dicatat gateway instansi (pelacak data)', personalData: true });
    }
  }
  const held = new Set((await registry.listRights({ client: PORTAL_SUBSYSTEM })).map((r) => `${r.service} ${r.purpose}`));
  const wanted = [
    ...portalAccessRights(),
    ...DEMO_AGENCIES.map((a) => ({ service: trackerService(a.member), purpose: TRACKER_PURPOSE, legalBasis: TRACKER_LEGAL_BASIS })),
  ];
  for (const right of wanted) {
    if (!held.has(`${right.service} ${right.purpose}`)) await registry.grantRight(actor, { client: PORTAL_SUBSYSTEM, ...right });
  }
}

export interface DemoPortalOptions {
  registry: Registry;
  registryUrl: string;
  dataDir: string;
  host: string;
  portBase: number;
  logLevel: string;
  data: FederationData;
  openStore: (schema: string, dir: string) => Promise<Database<unknown>>;
  /** Client tokens of the manifest; the portal's is added on first start and kept. */
  clients: Record<string, { token: string; gateway: string }>;
  /** Every gateway's consumer URL by gateway id, for links to log receipts. */
  gatewayUrls: Map<string, string>;
  previous: DemoPortalManifest | undefined;
  /**
   * The reconciliation service's URL and the portal's token there: citizens' disputes are filed
   * with the owning agency's correction queue (ADR 0092). The service may start after the portal.
   */
  corrections?: { url: string; token: string };
}

export interface RunningDemoPortal {
  manifest: DemoPortalManifest;
  portal: RunningPortal;
  gateway: Gateway;
  close(): Promise<void>;
}

/** Starts the portal's gateway (its log is left to the caller, like the agencies' logs) and the portal. */
export async function startDemoPortal(options: DemoPortalOptions): Promise<RunningDemoPortal> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const ports = demoPortalPorts(options.portBase);
    const identity = readIdentity(PORTAL_GATEWAY, join(options.dataDir, 'gateways', PORTAL_CODE, 'keys.json'));
    const configuration = new ConfigurationSource({ anchor: options.registry.publicKey, registryUrl: options.registryUrl, refreshMs: 2000 });
    configuration.accept(await options.registry.currentConfiguration());
    const database = (await options.openStore('gw_kominfo', join('gateways', PORTAL_CODE, 'db'))) as Database<GatewayTables>;
    // Consumer only: the portal provides no service to other agencies.
    const gateway = await Gateway.start({
      identity, database, configuration,
      consumer: { port: ports.consumer, host: options.host }, peer: { port: ports.peer, host: options.host },
      logLevel: options.logLevel, log: identity.logKey ? { key: identity.logKey, quorum: 2, deferStart: true } : undefined,
    });
    closers.push(() => gateway.close());
    options.gatewayUrls.set(identity.id, gateway.consumerUrl);
    const client = options.clients[PORTAL_SUBSYSTEM] ?? { token: await gateway.issueClientToken(parseSubsystemId(PORTAL_SUBSYSTEM)), gateway: gateway.consumerUrl };
    client.gateway = gateway.consumerUrl;
    options.clients[PORTAL_SUBSYSTEM] = client;

    const gatewayClient = new HttpGatewayClient({ baseUrl: gateway.consumerUrl, token: client.token, client: PORTAL_SUBSYSTEM as SubsystemId });
    const portalDb = await options.openStore('portal', join('portal', 'db'));
    const outbox = new FileOutbox(join(options.dataDir, 'portal', 'outbox.jsonl'));
    closers.push(() => portalDb.close());
    const portal = await startPortal({
      database: portalDb,
      port: ports.portal,
      host: options.host,
      gateway: gatewayClient,
      exchanges: new FederationExchangeRecords({
        gateway: gatewayClient,
        services: DEMO_AGENCIES.map((a) => trackerService(a.member)),
        receiptUrl: (gatewayId, exchangeId) => {
          const base = options.gatewayUrls.get(gatewayId);
          return base ? `${base}/log/receipt/${exchangeId}` : undefined;
        },
      }),
      keysFile: join(options.dataDir, 'portal', 'keys.json'),
      logLevel: options.logLevel,
      activationChannel: outbox,
      ...(options.corrections ? { corrections: new HttpCorrectionChannel(options.corrections) } : {}),
    });
    closers.push(() => portal.close());

    // Accounts are created once; their secrets are known only then, so later starts reuse the manifest's.
    const citizens = [...(options.previous?.citizens ?? []), ...(await seedDemoCitizens(portal, demoCitizens(options.data).map((p) => ({ nik: p.nik as Nik, name: p.fullName }))))];
    const staffSpec = [
      { username: 'loket.demo', name: 'Petugas Loket Demo', role: 'officer' as const },
      { username: 'dukcapil.staf', name: 'Staf Dukcapil Demo', role: 'agency_staff' as const, agency: 'ID/GOV/DUKCAPIL' as MemberId },
      { username: 'oss.staf', name: 'Staf OSS Demo', role: 'agency_staff' as const, agency: 'ID/GOV/LICENSING' as MemberId },
    ];
    const created = await seedDemoStaff(portal, staffSpec);
    const staff = [
      ...(options.previous?.staff ?? []),
      ...created.map((c) => {
        const spec = staffSpec.find((s) => s.username === c.login)!;
        return { ...c, role: spec.role, ...('agency' in spec ? { agency: spec.agency } : {}) };
      }),
    ];
    const manifest: DemoPortalManifest = {
      url: portal.url,
      note: 'Akun demo, bukan rahasia produksi / demo fixtures for one laptop, never production secrets. TOTP: add totpSecret to an authenticator app.',
      citizens,
      staff,
      outbox: outbox.path,
    };
    return { manifest, portal, gateway, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Three living adults of the synthetic population registry, the showcase person first (present
 * and correctly identified in every agency, so the tracker shows other agencies' reads too).
 */
export function demoCitizens(data: FederationData): FederationData['persons'] {
  const adult = (p: FederationData['persons'][number]) => !p.deathDate && p.birthDate <= `${Number(data.referenceDate.slice(0, 4)) - 18}${data.referenceDate.slice(4, 10)}`;
  const showcase = data.persons.find((p) => p.nik === data.showcaseNik)!;
  const others = data.persons.filter((p) => p !== showcase && adult(p));
  return [showcase, ...others.filter((p) => p.sex !== showcase.sex).slice(0, 1), ...others.filter((p) => p.sex === showcase.sex).slice(0, 1)];
}
