/**
 * A small instance for gateway tests and benchmarks without a registry process: a real CA,
 * real gateway keys and certificates, and global configurations signed with a real registry
 * key and pushed to each gateway's ConfigurationSource.
 */
import { randomBytes } from 'node:crypto';
import { b64, generateSigningKey, type SigningKey } from '../core/crypto.js';
import type { InstanceId, MemberId, PurposeCode, ServiceId, SubsystemId } from '../core/ids.js';
import { createCertificateAuthority, createTlsKeyAndCsr, issueCertificate, type CertificateAuthority } from '../core/pki.js';
import { GLOBAL_CONF_FORMAT, signConfiguration, type AccessRightEntry, type GatewayEntry, type GlobalConfiguration, type ServiceEntry } from '../registry/global-conf.js';
import { ConfigurationSource } from './configuration.js';
import type { GatewayIdentity } from './context.js';

export class TestFederation {
  readonly instance = 'ID' as InstanceId;
  readonly ca: CertificateAuthority;
  readonly registryKey: SigningKey = generateSigningKey();
  readonly gateways: GatewayEntry[] = [];
  readonly services: ServiceEntry[] = [];
  rights: AccessRightEntry[] = [];
  #version = 0;
  #ttlMs = 10 * 60_000;
  readonly #sources: ConfigurationSource[] = [];

  private constructor(ca: CertificateAuthority) {
    this.ca = ca;
  }

  static async create(): Promise<TestFederation> {
    return new TestFederation(await createCertificateAuthority('ID'));
  }

  async identity(member: string, code = 'gw1'): Promise<GatewayIdentity> {
    const id = `${member}/${code}`;
    const { privateKeyPem, csrPem } = await createTlsKeyAndCsr(id, ['127.0.0.1', 'localhost']);
    const certPem = await issueCertificate(this.ca, csrPem, { days: 30 });
    const signingKey = generateSigningKey();
    const logKey = generateSigningKey();
    this.gateways.push({ id, member: member as MemberId, address: 'https://127.0.0.1:1', tlsCertificate: certPem, signingKey: b64.encode(signingKey.publicKey), logKey: b64.encode(logKey.publicKey), status: 'active' });
    return { id, member: member as MemberId, signingKey, logKey, tls: { keyPem: privateKeyPem, certPem }, subjectSalt: randomBytes(32) };
  }

  setAddress(gatewayId: string, address: string): void {
    this.gateways.find((g) => g.id === gatewayId)!.address = address;
  }

  service(id: string, personalData = true, dataModel?: string): void {
    this.services.push({ id: id as ServiceId, title: id, personalData, enabled: true, ...(dataModel ? { dataModel } : {}) });
  }

  grant(client: string, service: string, purpose: string, legalBasis: string, expiresAt: string | null = null): void {
    this.rights.push({ id: `r${this.rights.length + 1}`, client: client as SubsystemId, service: service as ServiceId, purpose: purpose as PurposeCode, legalBasis, grantedAt: new Date().toISOString(), grantedBy: 'test', expiresAt });
  }

  configuration(overrides: Partial<GlobalConfiguration> = {}): GlobalConfiguration {
    const now = Date.now();
    return {
      format: GLOBAL_CONF_FORMAT,
      instance: this.instance,
      version: ++this.#version,
      generatedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.#ttlMs).toISOString(),
      caCertificate: this.ca.certificatePem,
      members: [],
      gateways: this.gateways.map((g) => ({ ...g })),
      services: this.services.map((s) => ({ ...s })),
      accessRights: this.rights.map((r) => ({ ...r })),
      ...overrides,
    };
  }

  /** A configuration source for one gateway, already holding the current configuration. */
  source(): ConfigurationSource {
    const source = new ConfigurationSource({ anchor: this.registryKey.publicKey });
    source.accept(signConfiguration(this.configuration(), this.registryKey));
    this.#sources.push(source);
    return source;
  }

  /** Signs a new version and hands it to every gateway. */
  publish(overrides: Partial<GlobalConfiguration> = {}): GlobalConfiguration {
    const conf = this.configuration(overrides);
    const signed = signConfiguration(conf, this.registryKey);
    for (const s of this.#sources) s.accept(signed);
    return conf;
  }
}
