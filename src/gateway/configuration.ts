/**
 * The gateway's view of the global configuration: verified against the registry anchor,
 * indexed for the hot path, refreshed in the background. A gateway never goes back to an
 * older version, and refuses exchanges once the one it holds has expired.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { b64, publicKeyObject } from '../core/crypto.js';
import { SimpulError } from '../core/errors.js';
import type { MemberId, ServiceId } from '../core/ids.js';
import {
  isExpired,
  verifyConfiguration,
  type AccessRightEntry,
  type GatewayEntry,
  type GlobalConfiguration,
  type ServiceEntry,
  type SignedGlobalConfiguration,
} from '../registry/global-conf.js';

export interface KnownGateway extends GatewayEntry {
  verifyKey: KeyObject;
  /** SHA-256 fingerprint of the TLS certificate, as node:tls reports it (colon hex). */
  fingerprint: string;
}

export class ConfigurationView {
  readonly conf: GlobalConfiguration;
  readonly services = new Map<string, ServiceEntry>();
  readonly rights = new Map<string, AccessRightEntry[]>();
  readonly gateways = new Map<string, KnownGateway>();
  readonly gatewaysByMember = new Map<string, KnownGateway[]>();
  readonly gatewaysByFingerprint = new Map<string, KnownGateway>();

  constructor(conf: GlobalConfiguration) {
    this.conf = conf;
    for (const s of conf.services) this.services.set(s.id, s);
    for (const r of conf.accessRights) {
      const key = `${r.client}|${r.service}`;
      const list = this.rights.get(key) ?? [];
      list.push(r);
      this.rights.set(key, list);
    }
    for (const g of conf.gateways) {
      if (g.status !== 'active') continue;
      const known: KnownGateway = { ...g, verifyKey: publicKeyObject(b64.decode(g.signingKey)), fingerprint: new X509Certificate(g.tlsCertificate).fingerprint256 };
      this.gateways.set(g.id, known);
      this.gatewaysByFingerprint.set(known.fingerprint, known);
      const list = this.gatewaysByMember.get(g.member) ?? [];
      list.push(known);
      this.gatewaysByMember.set(g.member, list);
    }
  }

  expired(now = Date.now()): boolean {
    return isExpired(this.conf, now);
  }

  service(id: ServiceId): ServiceEntry {
    const s = this.services.get(id);
    if (!s) throw new SimpulError('service.unknown', `No service ${id} in global configuration version ${this.conf.version}.`);
    if (!s.enabled) throw new SimpulError('service.disabled', `Service ${id} is disabled by its provider.`);
    return s;
  }

  providerGateways(member: MemberId): KnownGateway[] {
    const list = this.gatewaysByMember.get(member);
    if (!list?.length) throw new SimpulError('provider.unreachable', `No active gateway of ${member} in the global configuration.`);
    return list;
  }
}

export interface ConfigurationSourceOptions {
  /** The registry public key this gateway trusts (raw 32 bytes). */
  anchor: Uint8Array;
  /** Registry base URL to poll; omit when the configuration is pushed with `accept`. */
  registryUrl?: string;
  refreshMs?: number;
  onError?: (error: unknown) => void;
}

export class ConfigurationSource {
  readonly #options: ConfigurationSourceOptions;
  #view: ConfigurationView | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ConfigurationSourceOptions) {
    this.#options = options;
  }

  /** The current configuration, or a refusal when there is none or it expired. */
  current(now = Date.now()): ConfigurationView {
    const view = this.#view;
    if (!view) throw new SimpulError('config.unavailable', 'This gateway has not yet received a verified global configuration.');
    if (view.expired(now)) throw new SimpulError('config.expired', `Global configuration version ${view.conf.version} expired at ${view.conf.expiresAt}.`);
    return view;
  }

  get version(): number | undefined {
    return this.#view?.conf.version;
  }

  /** Verifies and adopts a signed configuration; ignores versions older than the one held. */
  accept(signed: SignedGlobalConfiguration): boolean {
    const conf = verifyConfiguration(signed, this.#options.anchor);
    if (this.#view && conf.version < this.#view.conf.version) return false;
    if (this.#view && conf.version === this.#view.conf.version && conf.expiresAt === this.#view.conf.expiresAt) return false;
    this.#view = new ConfigurationView(conf);
    return true;
  }

  async refresh(): Promise<void> {
    const url = this.#options.registryUrl;
    if (!url) return;
    const response = await fetch(new URL('/global-conf', url), { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`Registry answered ${response.status} for /global-conf`);
    this.accept((await response.json()) as SignedGlobalConfiguration);
  }

  start(): void {
    if (!this.#options.registryUrl || this.#timer) return;
    const tick = () => {
      this.refresh().catch((e: unknown) => this.#options.onError?.(e));
    };
    this.#timer = setInterval(tick, this.#options.refreshMs ?? 5000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
