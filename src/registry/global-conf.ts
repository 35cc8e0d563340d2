/**
 * The global configuration: what every gateway must know about the instance, published by
 * the registry, signed with the registry's Ed25519 key, versioned and expiring.
 * Gateways hold the registry's public key as their trust anchor (given at enrolment), verify
 * the exact bytes that were signed, and refuse to exchange once the configuration expires.
 * Specified in docs/protocols/global-configuration.md.
 */
import { b64, sign, verify, type SigningKey } from '../core/crypto.js';
import { SimpulError } from '../core/errors.js';
import type { InstanceId, MemberId, PurposeCode, ServiceId, SubsystemId } from '../core/ids.js';

export const GLOBAL_CONF_FORMAT = 'simpul-global-conf/1';

export interface MemberEntry {
  id: MemberId;
  name: string;
  subsystems: SubsystemId[];
}

export interface GatewayEntry {
  /** `MEMBER_ID/GATEWAY_CODE`, e.g. `ID/GOV/DUKCAPIL/gw1`. */
  id: string;
  member: MemberId;
  /** Base URL other gateways reach it at (https, mutual TLS). */
  address: string;
  /** PEM certificate issued by the instance CA for mutual TLS. */
  tlsCertificate: string;
  /** Raw Ed25519 public key (base64) that verifies the member's message signatures. */
  signingKey: string;
  /** Raw Ed25519 public key (base64) of the gateway's exchange log, when it has one. */
  logKey?: string;
  status: 'active' | 'revoked';
}

export interface ServiceEntry {
  id: ServiceId;
  title: string;
  /** Personal data: requests must name the data subject (Simpul-Subject). */
  personalData: boolean;
  /** OpenAPI 3.1 description of the service's own API. */
  openapi?: Record<string, unknown>;
  /** The common-data-model schema id its responses follow, when it declares one. */
  dataModel?: string;
  enabled: boolean;
}

export interface AccessRightEntry {
  id: string;
  client: SubsystemId;
  service: ServiceId;
  purpose: PurposeCode;
  /** The regulation that allows the access, e.g. "UU 24/2013 Adminduk". */
  legalBasis: string;
  grantedAt: string;
  grantedBy: string;
  /** ISO time after which the right no longer holds; null for none. */
  expiresAt: string | null;
}

export interface GlobalConfiguration {
  format: typeof GLOBAL_CONF_FORMAT;
  instance: InstanceId;
  /** Strictly increasing; a gateway never accepts a lower version than it holds. */
  version: number;
  generatedAt: string;
  expiresAt: string;
  /** PEM of the instance CA: the trust anchor for mutual TLS between gateways. */
  caCertificate: string;
  members: MemberEntry[];
  gateways: GatewayEntry[];
  services: ServiceEntry[];
  /** Only rights in force: revoked rights are removed. */
  accessRights: AccessRightEntry[];
}

/** What the registry serves at `GET /global-conf`. */
export interface SignedGlobalConfiguration {
  /** base64 of the UTF-8 JSON bytes that were signed. */
  payload: string;
  /** base64 Ed25519 signature over the payload bytes. */
  signature: string;
  /** base64 raw public key of the signer, for key rotation diagnostics; the anchor decides. */
  signer: string;
}

export function signConfiguration(conf: GlobalConfiguration, key: SigningKey): SignedGlobalConfiguration {
  const payload = Buffer.from(JSON.stringify(conf), 'utf8');
  return { payload: b64.encode(payload), signature: b64.encode(sign(key, payload)), signer: b64.encode(key.publicKey) };
}

/**
 * Verifies the signature against the anchor, then parses. Expiry is checked separately
 * (`isExpired`) because an expired configuration is still the best description of the
 * instance; the gateway refuses exchanges but keeps it for diagnostics.
 */
export function verifyConfiguration(signed: SignedGlobalConfiguration, anchor: Uint8Array): GlobalConfiguration {
  const payload = b64.decode(signed.payload);
  if (!verify(anchor, payload, b64.decode(signed.signature))) {
    throw new SimpulError('config.signature_invalid', 'The global configuration is not signed by the registry key this gateway trusts.');
  }
  const conf = JSON.parse(payload.toString('utf8')) as GlobalConfiguration;
  if (conf.format !== GLOBAL_CONF_FORMAT) throw new SimpulError('config.signature_invalid', `Unknown configuration format ${String(conf.format)}`);
  return conf;
}

export function isExpired(conf: GlobalConfiguration, now = Date.now()): boolean {
  return Date.parse(conf.expiresAt) <= now;
}
