/**
 * The registry: the instance's members, subsystems, services, gateways and access rights, the
 * CA that certifies gateways, and the signed global configuration that gateways download.
 *
 * Every change names its actor and is written, with an audit event and a bump of the
 * configuration version, in one transaction: there is no change without a trail.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { getModelSchema, listModelIds } from '../core/model/model-registry.js';
import { b64, exportSeed, generateSigningKey, publicKeyObject, signingKeyFromSeed, type DataKeyring, type SigningKey } from '../core/crypto.js';
import { SimpulError } from '../core/errors.js';
import {
  instanceOf,
  memberOf,
  parseInstanceId,
  parseMemberId,
  parsePurposeCode,
  parseServiceId,
  parseSubsystemId,
  subsystemOf,
  type InstanceId,
  type MemberId,
  type PurposeCode,
  type ServiceId,
  type SubsystemId,
} from '../core/ids.js';
import { createCertificateAuthority, issueCertificate, readCsr, type CertificateAuthority } from '../core/pki.js';
import type { Database } from '../core/storage/database.js';
import { migrate } from '../core/storage/migrate.js';
import { AdminUsers, type NewAdminUser, type Principal } from './admin-users.js';
import {
  GLOBAL_CONF_FORMAT,
  signConfiguration,
  type AccessRightEntry,
  type GatewayEntry,
  type GlobalConfiguration,
  type SignedGlobalConfiguration,
} from './global-conf.js';
import { loadOrCreateKeyring } from './keyring-file.js';
import { registryMigrations, type AccessRightTable, type GatewayTable, type RegistryTables, type ServiceTable } from './schema.js';

export type { Principal, Role } from './admin-users.js';

export interface RegistryOptions {
  db: Database<RegistryTables>;
  instance: InstanceId | string;
  /** Directory of the registry's key file; undefined keeps keys in memory (tests). */
  keyDir: string | undefined;
  /** Lifetime of a signed configuration; default 600 s. It is re-signed after half of it. */
  configTtlSeconds?: number;
  /** Lifetime of a management API token; default 12 h. */
  tokenTtlSeconds?: number;
  /** The clock, in ms since the epoch; tests move it instead of sleeping. */
  now?: () => number;
}

export interface Member {
  id: MemberId;
  name: string;
  createdAt: string;
}

export interface Subsystem {
  id: SubsystemId;
  member: MemberId;
  createdAt: string;
}

export interface Service {
  id: ServiceId;
  subsystem: SubsystemId;
  title: string;
  personalData: boolean;
  openapi: Record<string, unknown> | null;
  dataModel: string | null;
  enabled: boolean;
  createdAt: string;
}

export interface Gateway extends GatewayEntry {
  registeredAt: string;
  revokedAt: string | null;
}

export interface AccessRight extends AccessRightEntry {
  revokedAt: string | null;
  revokedBy: string | null;
  /** `expired` and `revoked` rights are kept for the record but never published. */
  status: 'active' | 'expired' | 'revoked';
}

export interface AuditEvent {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  before: unknown;
  after: unknown;
}

export interface NewService {
  id: string;
  title: string;
  personalData: boolean;
  openapi?: Record<string, unknown> | null;
  dataModel?: string | null;
  enabled?: boolean;
}

export interface NewGateway {
  /** `MEMBER/CODE`, e.g. `ID/GOV/DUKCAPIL/gw1`. */
  id: string;
  /** Optional: when given it must be the member the id names. */
  member?: string;
  /** https base URL other gateways reach it at. */
  address: string;
  /** Raw Ed25519 public key, base64: verifies the member's message signatures. */
  signingKey: string;
  logKey?: string | null;
  /** PEM CSR for the gateway's TLS key; the key itself never leaves the gateway. */
  tlsCsr: string;
}

export interface NewAccessRight {
  client: string;
  service: string;
  purpose: string;
  legalBasis: string;
  /** ISO time; absent or null for a right without expiry. */
  expiresAt?: string | null;
}

export interface RightFilter {
  client?: string;
  service?: string;
  /** Rights on the services of this member (the provider). */
  provider?: string;
  /** Include revoked and expired rights; default false. */
  all?: boolean;
}

export interface PublishedConfiguration {
  signed: SignedGlobalConfiguration;
  version: number;
  generatedAt: string;
  expiresAt: string;
}

const DEFAULT_CONFIG_TTL_SECONDS = 600;
const DEFAULT_TOKEN_TTL_SECONDS = 12 * 3600;
const GATEWAY_CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function iso(value: Date | string): string {
  return new Date(value).toISOString();
}

function text(value: unknown, what: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) {
    throw new SimpulError('request.invalid', `${what} must be a non-empty text of at most ${max} characters.`);
  }
  return value.trim();
}

function parseRawKey(value: string, what: string): string {
  const raw = b64.decode(value);
  try {
    publicKeyObject(raw);
  } catch {
    throw new SimpulError('request.invalid', `${what} must be a raw Ed25519 public key (32 bytes), base64.`);
  }
  return b64.encode(raw);
}

/** The member part of a gateway id `INSTANCE/CLASS/MEMBER/CODE`. */
export function parseGatewayId(value: string): { id: string; member: MemberId } {
  const at = value.lastIndexOf('/');
  const member = at > 0 ? value.slice(0, at) : '';
  if (at < 0 || !GATEWAY_CODE.test(value.slice(at + 1))) {
    throw new SimpulError('request.malformed_identifier', `Not a gateway identifier: ${JSON.stringify(value)}. Expected INSTANCE/CLASS/MEMBER/CODE.`);
  }
  return { id: value, member: parseMemberId(member) };
}

function parseAddress(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SimpulError('request.invalid', `A gateway address is an https URL, got ${JSON.stringify(value)}.`);
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.search || url.hash) {
    throw new SimpulError('request.invalid', `A gateway address is an https URL without credentials, query or fragment, got ${JSON.stringify(value)}.`);
  }
  return url;
}

function serviceView(row: Selectable<ServiceTable>): Service {
  return {
    id: row.id as ServiceId,
    subsystem: row.subsystem as SubsystemId,
    title: row.title,
    personalData: row.personal_data,
    openapi: (row.openapi as Record<string, unknown> | null) ?? null,
    dataModel: row.data_model,
    enabled: row.enabled,
    createdAt: iso(row.created_at),
  };
}

function gatewayView(row: Selectable<GatewayTable>): Gateway {
  return {
    id: row.id,
    member: row.member as MemberId,
    address: row.address,
    tlsCertificate: row.tls_certificate,
    signingKey: row.signing_key,
    ...(row.log_key ? { logKey: row.log_key } : {}),
    status: row.status,
    registeredAt: iso(row.registered_at),
    revokedAt: row.revoked_at ? iso(row.revoked_at) : null,
  };
}

function rightView(row: Selectable<AccessRightTable>, now: number): AccessRight {
  const expiresAt = row.expires_at ? iso(row.expires_at) : null;
  return {
    id: row.id,
    client: row.client as SubsystemId,
    service: row.service as ServiceId,
    purpose: row.purpose as PurposeCode,
    legalBasis: row.legal_basis,
    grantedAt: iso(row.granted_at),
    grantedBy: row.granted_by,
    expiresAt,
    revokedAt: row.revoked_at ? iso(row.revoked_at) : null,
    revokedBy: row.revoked_by,
    status: row.revoked_at ? 'revoked' : expiresAt && Date.parse(expiresAt) <= now ? 'expired' : 'active',
  };
}

function publishedView(row: { version: number; generated_at: Date | string; expires_at: Date | string; payload: string; signature: string; signer: string }): PublishedConfiguration {
  return {
    signed: { payload: row.payload, signature: row.signature, signer: row.signer },
    version: Number(row.version),
    generatedAt: iso(row.generated_at),
    expiresAt: iso(row.expires_at),
  };
}

/** Maps the database's integrity errors, which catch races the explicit checks cannot. */
function integrity(error: unknown, what: string): never {
  const code = (error as { code?: string }).code;
  if (code === '23505') throw new SimpulError('request.conflict', `${what} already exists.`, {}, { cause: error });
  if (code === '23503') throw new SimpulError('request.not_found', `${what} refers to something that does not exist.`, {}, { cause: error });
  throw error;
}

export class Registry {
  readonly instance: InstanceId;
  readonly users: AdminUsers;
  readonly #db: Kysely<RegistryTables>;
  readonly #signingKey: SigningKey;
  readonly #ca: CertificateAuthority;
  readonly #ttlMs: number;
  readonly #now: () => number;
  #published: (PublishedConfiguration & { freshUntil: number }) | undefined;

  private constructor(db: Kysely<RegistryTables>, instance: InstanceId, signingKey: SigningKey, ca: CertificateAuthority, opts: RegistryOptions) {
    this.#db = db;
    this.instance = instance;
    this.#signingKey = signingKey;
    this.#ca = ca;
    this.#ttlMs = (opts.configTtlSeconds ?? DEFAULT_CONFIG_TTL_SECONDS) * 1000;
    this.#now = opts.now ?? Date.now;
    this.users = new AdminUsers(db, { tokenTtlSeconds: opts.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS, now: this.#now });
  }

  /**
   * Migrates the registry's schema, loads (or on first start creates) its keys, and returns it.
   *
   * @example
   *   const db = await openDatabase<RegistryTables>({ dataDir: '.simpul/registry', schema: 'registry' });
   *   const registry = await Registry.open({ db, instance: 'ID', keyDir: '.simpul/registry' });
   */
  static async open(opts: RegistryOptions): Promise<Registry> {
    const instance = parseInstanceId(opts.instance);
    const db = opts.db.db;
    await migrate(db as Kysely<unknown>, opts.db.schema, registryMigrations, 'registry');
    const keyring = loadOrCreateKeyring(opts.keyDir);
    const { signingKey, ca } = await Registry.#loadKeys(db, keyring, instance);
    return new Registry(db, instance, signingKey, ca, opts);
  }

  static async #loadKeys(db: Kysely<RegistryTables>, keyring: DataKeyring, instance: InstanceId): Promise<{ signingKey: SigningKey; ca: CertificateAuthority }> {
    const aad = (name: string) => `registry/key_material/${name}`;
    const existing = await db.selectFrom('key_material').selectAll().execute();
    if (existing.length === 0) {
      const key = generateSigningKey();
      const ca = await createCertificateAuthority(instance);
      await db.insertInto('key_material').values([
        { name: 'signing', public_part: b64.encode(key.publicKey), sealed_private: keyring.encrypt(exportSeed(key), aad('signing')), created_at: new Date() },
        { name: 'ca', public_part: ca.certificatePem, sealed_private: keyring.encrypt(ca.privateKeyPem, aad('ca')), created_at: new Date() },
      ]).onConflict((oc) => oc.column('name').doNothing()).execute();
    }
    const rows = new Map((await db.selectFrom('key_material').selectAll().execute()).map((r) => [r.name, r]));
    const signing = rows.get('signing');
    const caRow = rows.get('ca');
    if (!signing || !caRow) throw new Error('The registry database holds only part of its key material.');
    try {
      const signingKey = signingKeyFromSeed(keyring.decrypt(signing.sealed_private, aad('signing')));
      return { signingKey, ca: { certificatePem: caRow.public_part, privateKeyPem: keyring.decryptText(caRow.sealed_private, aad('ca')) } };
    } catch (error) {
      throw new Error('The registry key file does not open this database\'s keys: wrong data directory or key file?', { cause: error });
    }
  }

  /** The trust anchor gateways are given at enrolment: the raw 32-byte Ed25519 public key. */
  get publicKey(): Buffer {
    return Buffer.from(this.#signingKey.publicKey);
  }

  /** PEM of the instance CA certificate. */
  get caCertificate(): string {
    return this.#ca.certificatePem;
  }

  // --- changes -------------------------------------------------------------------------------

  /** Runs a change: the work, its audit event and a version bump commit together or not at all. */
  async #change<T>(actor: string, action: string, target: string, work: (trx: Transaction<RegistryTables>) => Promise<{ result: T; before?: unknown; after?: unknown }>): Promise<T> {
    const who = text(actor, 'The actor', 200);
    return this.#db.transaction().execute(async (trx) => {
      const { result, before, after } = await work(trx);
      await trx.insertInto('audit_event').values({
        at: new Date(this.#now()),
        actor: who,
        action,
        target,
        before: before === undefined ? null : JSON.stringify(before),
        after: after === undefined ? null : JSON.stringify(after),
      }).execute();
      await trx.updateTable('configuration_state').set((eb) => ({ version: eb('version', '+', 1) })).where('id', '=', 1).execute();
      return result;
    });
  }

  #ownInstance(id: string): void {
    const instance = instanceOf(id as MemberId);
    if (instance !== this.instance) {
      throw new SimpulError('request.malformed_identifier', `${id} belongs to instance ${instance}; this registry serves ${this.instance}.`);
    }
  }

  async addMember(actor: string, input: { id: string; name: string }): Promise<Member> {
    const id = parseMemberId(input.id);
    this.#ownInstance(id);
    const name = text(input.name, 'A member name', 200);
    return this.#change(actor, 'member.add', id, async (trx) => {
      if (await trx.selectFrom('member').select('id').where('id', '=', id).executeTakeFirst()) throw new SimpulError('request.conflict', `Member ${id} already exists.`);
      const row = await trx.insertInto('member').values({ id, name, created_at: new Date(this.#now()) }).returningAll().executeTakeFirstOrThrow().catch((e: unknown) => integrity(e, `Member ${id}`));
      const member: Member = { id, name, createdAt: iso(row.created_at) };
      return { result: member, after: member };
    });
  }

  async addSubsystem(actor: string, input: { id: string }): Promise<Subsystem> {
    const id = parseSubsystemId(input.id);
    this.#ownInstance(id);
    const member = memberOf(id);
    return this.#change(actor, 'subsystem.add', id, async (trx) => {
      if (!(await trx.selectFrom('member').select('id').where('id', '=', member).executeTakeFirst())) throw new SimpulError('request.not_found', `No member ${member}.`);
      if (await trx.selectFrom('subsystem').select('id').where('id', '=', id).executeTakeFirst()) throw new SimpulError('request.conflict', `Subsystem ${id} already exists.`);
      const row = await trx.insertInto('subsystem').values({ id, member, created_at: new Date(this.#now()) }).returningAll().executeTakeFirstOrThrow().catch((e: unknown) => integrity(e, `Subsystem ${id}`));
      const subsystem: Subsystem = { id, member, createdAt: iso(row.created_at) };
      return { result: subsystem, after: subsystem };
    });
  }

  async addService(actor: string, input: NewService): Promise<Service> {
    const id = parseServiceId(input.id);
    this.#ownInstance(id);
    const subsystem = subsystemOf(id);
    const title = text(input.title, 'A service title', 200);
    if (typeof input.personalData !== 'boolean') throw new SimpulError('request.invalid', 'personalData must be true or false.');
    const openapi = input.openapi ?? null;
    if (openapi !== null && (typeof openapi !== 'object' || Array.isArray(openapi) || typeof openapi.openapi !== 'string')) {
      throw new SimpulError('request.invalid', 'The OpenAPI description must be an object with an "openapi" version field.');
    }
    const dataModel = input.dataModel ? text(input.dataModel, 'A data model id', 200) : null;
    // Refused here rather than at the provider gateway's first answer (500 model.unknown).
    if (dataModel !== null && !getModelSchema(dataModel)) {
      throw new SimpulError('request.invalid', `No data model ${dataModel}; the registry publishes ${listModelIds().join(', ')} (GET /model).`);
    }
    return this.#change(actor, 'service.add', id, async (trx) => {
      if (!(await trx.selectFrom('subsystem').select('id').where('id', '=', subsystem).executeTakeFirst())) throw new SimpulError('request.not_found', `No subsystem ${subsystem}.`);
      if (await trx.selectFrom('service').select('id').where('id', '=', id).executeTakeFirst()) throw new SimpulError('request.conflict', `Service ${id} already exists.`);
      const row = await trx.insertInto('service').values({
        id, subsystem, title, personal_data: input.personalData, openapi: openapi ? JSON.stringify(openapi) : null, data_model: dataModel, enabled: input.enabled ?? true, created_at: new Date(this.#now()),
      }).returningAll().executeTakeFirstOrThrow().catch((e: unknown) => integrity(e, `Service ${id}`));
      const service = serviceView(row);
      return { result: service, after: { ...service, openapi: openapi ? '(OpenAPI description)' : null } };
    });
  }

  /** Enables or disables a service; a disabled service stays published so gateways can say so. */
  async setServiceEnabled(actor: string, serviceId: string, enabled: boolean): Promise<Service> {
    const id = parseServiceId(serviceId);
    return this.#change(actor, enabled ? 'service.enable' : 'service.disable', id, async (trx) => {
      const before = await trx.selectFrom('service').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!before) throw new SimpulError('request.not_found', `No service ${id}.`);
      const row = await trx.updateTable('service').set({ enabled }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
      return { result: serviceView(row), before: { enabled: before.enabled }, after: { enabled } };
    });
  }

  /**
   * Registers a gateway and issues its TLS certificate from the CSR. The certificate names the
   * gateway id as CN, and as subjectAltName the address host plus any host the CSR asks for:
   * the administrator who submits the CSR approves what it requests.
   */
  async registerGateway(actor: string, input: NewGateway): Promise<{ gateway: Gateway; tlsCertificate: string; caCertificate: string }> {
    const { id, member } = parseGatewayId(input.id);
    this.#ownInstance(id);
    if (input.member !== undefined && parseMemberId(input.member) !== member) {
      throw new SimpulError('request.invalid', `Gateway ${id} belongs to ${member}, not ${input.member}.`);
    }
    const address = parseAddress(input.address);
    const signingKey = parseRawKey(input.signingKey, 'signingKey');
    const logKey = input.logKey ? parseRawKey(input.logKey, 'logKey') : null;
    let requested: string[];
    try {
      requested = (await readCsr(input.tlsCsr)).hosts;
    } catch (error) {
      throw new SimpulError('request.invalid', `The TLS CSR is not usable: ${(error as Error).message}.`, {}, { cause: error });
    }
    const host = address.hostname.replace(/^\[(.*)\]$/, '$1');
    const hosts = [...new Set([host, ...requested])];
    const tlsCertificate = await issueCertificate(this.#ca, input.tlsCsr, { commonName: id, hosts });
    return this.#change(actor, 'gateway.register', id, async (trx) => {
      if (!(await trx.selectFrom('member').select('id').where('id', '=', member).executeTakeFirst())) throw new SimpulError('request.not_found', `No member ${member}.`);
      if (await trx.selectFrom('gateway').select('id').where('id', '=', id).executeTakeFirst()) throw new SimpulError('request.conflict', `Gateway ${id} already exists.`);
      const row = await trx.insertInto('gateway').values({
        id, member, address: address.href.replace(/\/$/, ''), tls_certificate: tlsCertificate, signing_key: signingKey, log_key: logKey, status: 'active', registered_at: new Date(this.#now()), revoked_at: null,
      }).returningAll().executeTakeFirstOrThrow().catch((e: unknown) => integrity(e, `Gateway ${id}`));
      const gateway = gatewayView(row);
      return { result: { gateway, tlsCertificate, caCertificate: this.#ca.certificatePem }, after: { id, member, address: gateway.address, signingKey, logKey, hosts } };
    });
  }

  async revokeGateway(actor: string, gatewayId: string): Promise<Gateway> {
    const { id } = parseGatewayId(gatewayId);
    return this.#change(actor, 'gateway.revoke', id, async (trx) => {
      const before = await trx.selectFrom('gateway').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!before) throw new SimpulError('request.not_found', `No gateway ${id}.`);
      if (before.status === 'revoked') throw new SimpulError('request.conflict', `Gateway ${id} is already revoked.`);
      const row = await trx.updateTable('gateway').set({ status: 'revoked', revoked_at: new Date(this.#now()) }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
      return { result: gatewayView(row), before: { status: before.status }, after: { status: 'revoked' } };
    });
  }

  async grantRight(actor: string, input: NewAccessRight): Promise<AccessRight> {
    const client = parseSubsystemId(input.client);
    const service = parseServiceId(input.service);
    const purpose = parsePurposeCode(input.purpose);
    const legalBasis = text(input.legalBasis, 'The legal basis', 500);
    let expiresAt: Date | null = null;
    if (input.expiresAt !== undefined && input.expiresAt !== null) {
      expiresAt = new Date(input.expiresAt);
      if (Number.isNaN(expiresAt.getTime())) throw new SimpulError('request.invalid', `expiresAt is not an ISO time: ${JSON.stringify(input.expiresAt)}.`);
      if (expiresAt.getTime() <= this.#now()) throw new SimpulError('request.invalid', 'expiresAt is in the past: such a right would never hold.');
    }
    const id = randomUUID();
    return this.#change(actor, 'right.grant', id, async (trx) => {
      if (!(await trx.selectFrom('subsystem').select('id').where('id', '=', client).executeTakeFirst())) throw new SimpulError('request.not_found', `No client subsystem ${client}.`);
      if (!(await trx.selectFrom('service').select('id').where('id', '=', service).executeTakeFirst())) throw new SimpulError('request.not_found', `No service ${service}.`);
      const clash = await trx.selectFrom('access_right').select('id').where('client', '=', client).where('service', '=', service).where('purpose', '=', purpose).where('revoked_at', 'is', null).executeTakeFirst();
      if (clash) throw new SimpulError('request.conflict', `Right ${clash.id} already grants ${client} access to ${service} for ${purpose}; revoke it first to change it.`, { existing: clash.id });
      const row = await trx.insertInto('access_right').values({
        id, client, service, purpose, legal_basis: legalBasis, expires_at: expiresAt, granted_by: text(actor, 'The actor', 200), granted_at: new Date(this.#now()), revoked_at: null, revoked_by: null,
      }).returningAll().executeTakeFirstOrThrow().catch((e: unknown) => integrity(e, `A right for ${client} on ${service} for ${purpose}`));
      const right = rightView(row, this.#now());
      return { result: right, after: { client, service, purpose, legalBasis, expiresAt: right.expiresAt } };
    });
  }

  async revokeRight(actor: string, rightId: string): Promise<AccessRight> {
    return this.#change(actor, 'right.revoke', rightId, async (trx) => {
      const before = await trx.selectFrom('access_right').selectAll().where('id', '=', rightId).forUpdate().executeTakeFirst();
      if (!before) throw new SimpulError('request.not_found', `No access right ${rightId}.`);
      if (before.revoked_at) throw new SimpulError('request.conflict', `Access right ${rightId} is already revoked.`);
      const row = await trx.updateTable('access_right').set({ revoked_at: new Date(this.#now()), revoked_by: actor }).where('id', '=', rightId).returningAll().executeTakeFirstOrThrow();
      return { result: rightView(row, this.#now()), before: { status: rightView(before, this.#now()).status }, after: { status: 'revoked' } };
    });
  }

  /** Adds a management user; the returned password is shown once and never stored in clear. */
  async addAdminUser(actor: string, input: NewAdminUser): Promise<{ principal: Principal; password: string }> {
    return this.#change(actor, 'user.add', `user:${input.username}`, async (trx) => {
      const created = await this.users.insert(trx, input);
      return { result: created, after: created.principal };
    });
  }

  // --- reads ---------------------------------------------------------------------------------

  async listMembers(): Promise<Member[]> {
    const rows = await this.#db.selectFrom('member').selectAll().orderBy('id').execute();
    return rows.map((r) => ({ id: r.id as MemberId, name: r.name, createdAt: iso(r.created_at) }));
  }

  async getMember(id: string): Promise<Member> {
    const row = await this.#db.selectFrom('member').selectAll().where('id', '=', parseMemberId(id)).executeTakeFirst();
    if (!row) throw new SimpulError('request.not_found', `No member ${id}.`);
    return { id: row.id as MemberId, name: row.name, createdAt: iso(row.created_at) };
  }

  async listSubsystems(member?: string): Promise<Subsystem[]> {
    let q = this.#db.selectFrom('subsystem').selectAll().orderBy('id');
    if (member) q = q.where('member', '=', parseMemberId(member));
    return (await q.execute()).map((r) => ({ id: r.id as SubsystemId, member: r.member as MemberId, createdAt: iso(r.created_at) }));
  }

  async listServices(member?: string): Promise<Service[]> {
    let q = this.#db.selectFrom('service').selectAll().orderBy('id');
    if (member) q = q.where('id', 'like', `${parseMemberId(member)}/%`);
    return (await q.execute()).map(serviceView);
  }

  async getService(id: string): Promise<Service> {
    const row = await this.#db.selectFrom('service').selectAll().where('id', '=', parseServiceId(id)).executeTakeFirst();
    if (!row) throw new SimpulError('request.not_found', `No service ${id}.`);
    return serviceView(row);
  }

  async listGateways(member?: string): Promise<Gateway[]> {
    let q = this.#db.selectFrom('gateway').selectAll().orderBy('id');
    if (member) q = q.where('member', '=', parseMemberId(member));
    return (await q.execute()).map(gatewayView);
  }

  async getGateway(id: string): Promise<Gateway> {
    const row = await this.#db.selectFrom('gateway').selectAll().where('id', '=', parseGatewayId(id).id).executeTakeFirst();
    if (!row) throw new SimpulError('request.not_found', `No gateway ${id}.`);
    return gatewayView(row);
  }

  async listRights(filter: RightFilter = {}): Promise<AccessRight[]> {
    let q = this.#db.selectFrom('access_right').selectAll().orderBy('granted_at').orderBy('id');
    if (filter.client) q = q.where('client', '=', parseSubsystemId(filter.client));
    if (filter.service) q = q.where('service', '=', parseServiceId(filter.service));
    if (filter.provider) q = q.where('service', 'like', `${parseMemberId(filter.provider)}/%`);
    if (!filter.all) {
      q = q.where('revoked_at', 'is', null).where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', new Date(this.#now()))]));
    }
    const now = this.#now();
    return (await q.execute()).map((r) => rightView(r, now));
  }

  async getRight(id: string): Promise<AccessRight> {
    const row = await this.#db.selectFrom('access_right').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new SimpulError('request.not_found', `No access right ${id}.`);
    return rightView(row, this.#now());
  }

  /** The audit trail, newest first; `before` pages backwards by event id. */
  async auditTrail(opts: { target?: string; actor?: string; limit?: number; before?: number } = {}): Promise<AuditEvent[]> {
    let q = this.#db.selectFrom('audit_event').selectAll().orderBy('id', 'desc').limit(Math.min(Math.max(opts.limit ?? 100, 1), 1000));
    if (opts.target) q = q.where('target', '=', opts.target);
    if (opts.actor) q = q.where('actor', '=', opts.actor);
    if (opts.before !== undefined) q = q.where('id', '<', opts.before);
    return (await q.execute()).map((r) => ({ id: Number(r.id), at: iso(r.at), actor: r.actor, action: r.action, target: r.target, before: r.before ?? null, after: r.after ?? null }));
  }

  // --- the global configuration --------------------------------------------------------------

  /** The signed configuration gateways download: what `GET /global-conf` serves. */
  async currentConfiguration(): Promise<SignedGlobalConfiguration> {
    return (await this.publishedConfiguration()).signed;
  }

  /**
   * The current signed configuration, re-signed under a new version when anything changed, when
   * half its lifetime has passed, or when a right it lists has expired. All registry processes
   * sharing a database serve the same bytes: the signed document is stored, not rebuilt per call.
   */
  async publishedConfiguration(): Promise<PublishedConfiguration> {
    const now = this.#now();
    const state = await this.#db.selectFrom('configuration_state').select('version').where('id', '=', 1).executeTakeFirstOrThrow();
    const cached = this.#published;
    if (cached && cached.version === Number(state.version) && now < cached.freshUntil) return cached;
    return this.#db.transaction().execute(async (trx) => {
      const current = await trx.selectFrom('configuration_state').select('version').where('id', '=', 1).forUpdate().executeTakeFirstOrThrow();
      const stored = await trx.selectFrom('published_configuration').selectAll().where('id', '=', 1).executeTakeFirst();
      let version = Number(current.version);
      if (stored) {
        const freshUntil = Math.min(new Date(stored.generated_at).getTime() + this.#ttlMs / 2, stored.next_right_expiry ? new Date(stored.next_right_expiry).getTime() : Infinity);
        if (Number(stored.version) === version && now < freshUntil) {
          this.#published = { ...publishedView(stored), freshUntil };
          return this.#published;
        }
        if (Number(stored.version) >= version) {
          version = Number(stored.version) + 1;
          await trx.updateTable('configuration_state').set({ version }).where('id', '=', 1).execute();
        }
      }
      const conf = await this.#build(trx, version, now);
      const signed = signConfiguration(conf, this.#signingKey);
      const nextExpiry = conf.accessRights.reduce<number>((min, r) => (r.expiresAt ? Math.min(min, Date.parse(r.expiresAt)) : min), Infinity);
      const row = {
        version, generated_at: new Date(conf.generatedAt), expires_at: new Date(conf.expiresAt), next_right_expiry: Number.isFinite(nextExpiry) ? new Date(nextExpiry) : null,
        payload: signed.payload, signature: signed.signature, signer: signed.signer,
      };
      await trx.insertInto('published_configuration').values({ id: 1, ...row }).onConflict((oc) => oc.column('id').doUpdateSet(row)).execute();
      this.#published = { signed, version, generatedAt: conf.generatedAt, expiresAt: conf.expiresAt, freshUntil: Math.min(now + this.#ttlMs / 2, nextExpiry) };
      return this.#published;
    });
  }

  async #build(trx: Transaction<RegistryTables>, version: number, now: number): Promise<GlobalConfiguration> {
    const [members, subsystems, gateways, services, rights] = await Promise.all([
      trx.selectFrom('member').selectAll().orderBy('id').execute(),
      trx.selectFrom('subsystem').selectAll().orderBy('id').execute(),
      trx.selectFrom('gateway').selectAll().orderBy('id').execute(),
      trx.selectFrom('service').selectAll().orderBy('id').execute(),
      trx.selectFrom('access_right').selectAll()
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', new Date(now))]))
        .orderBy('id').execute(),
    ]);
    // Sorted here rather than by the database, whose collation may differ between servers.
    for (const rows of [members, subsystems, gateways, services, rights] as Array<Array<{ id: string }>>) rows.sort(byId);
    const bySubsystemMember = new Map<string, SubsystemId[]>();
    for (const s of subsystems) bySubsystemMember.set(s.member, [...(bySubsystemMember.get(s.member) ?? []), s.id as SubsystemId]);
    return {
      format: GLOBAL_CONF_FORMAT,
      instance: this.instance,
      version,
      generatedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.#ttlMs).toISOString(),
      caCertificate: this.#ca.certificatePem,
      members: members.map((m) => ({ id: m.id as MemberId, name: m.name, subsystems: bySubsystemMember.get(m.id) ?? [] })),
      gateways: gateways.map((g) => {
        const { registeredAt: _r, revokedAt: _v, ...entry } = gatewayView(g);
        return entry;
      }),
      services: services.map((s) => ({
        id: s.id as ServiceId,
        title: s.title,
        personalData: s.personal_data,
        ...(s.openapi ? { openapi: s.openapi as Record<string, unknown> } : {}),
        ...(s.data_model ? { dataModel: s.data_model } : {}),
        enabled: s.enabled,
      })),
      accessRights: rights.map((r) => {
        const { revokedAt: _r, revokedBy: _b, status: _s, ...entry } = rightView(r, now);
        return entry;
      }),
    };
  }
}
