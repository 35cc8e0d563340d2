/**
 * What the consumer and provider handlers share: the gateway's identity and keys, its view
 * of the global configuration, its store, and the machinery of signing and sending.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Backend } from '../adapters/backend.js';
import { commitment, type SigningKey } from '../core/crypto.js';
import { SimpulError, isProblemCode, problem, type ProblemCode } from '../core/errors.js';
import type { MemberId, ServiceId, SubsystemId } from '../core/ids.js';
import type { ModelViolation } from '../core/model/validate-model.js';
import type { BatchSigner, BatchVerifier } from './batch-signer.js';
import type { ConfigurationSource } from './configuration.js';
import type { ExchangeOutcome } from './exchange-record.js';
import type { ModelCheckMode } from './model-check.js';
import type { PeerClient } from './peer-client.js';
import { H } from './protocol.js';
import type { GatewayStore } from './store.js';

export interface GatewayIdentity {
  /** `MEMBER/CODE`, e.g. `ID/GOV/DUKCAPIL/gw1`. */
  id: string;
  member: MemberId;
  signingKey: SigningKey;
  tls: { keyPem: string; certPem: string };
  /** Secret salt of subject commitments; destroying it shreds the link to data subjects. */
  subjectSalt: Buffer;
  /** Ed25519 key of the gateway's exchange log (checkpoints and cosignatures). */
  logKey?: SigningKey;
}

export interface GatewayContext {
  identity: GatewayIdentity;
  config: ConfigurationSource;
  store: GatewayStore;
  signer: BatchSigner;
  verifier: BatchVerifier;
  clients: LocalClients;
  peers: PeerClient;
  backends: (service: ServiceId) => Backend | undefined;
  /** How answers of a service that declares a data model are checked (default reject). */
  modelCheck: (service: ServiceId) => ModelCheckMode;
  /** Told of each answer passed on in warn mode despite breaking its model. */
  onModelViolation?: (service: ServiceId, warning: { model: string; errors: ModelViolation[] }) => void;
  replay: ReplayGuard;
  /** Accepted difference between a message's time and ours. */
  clockSkewMs: number;
  maxBodyBytes: number;
  onInternalError: (error: unknown) => void;
}

export function subjectCommitment(identity: GatewayIdentity, subject: string | undefined): Buffer | null {
  return subject ? commitment(identity.subjectSalt, subject) : null;
}

/** Local systems authenticate to their gateway with a per-subsystem bearer token. */
export class LocalClients {
  readonly #byHash = new Map<string, SubsystemId>();

  static hash(token: string): Buffer {
    return createHash('sha256').update(token).digest();
  }

  static newToken(): string {
    return `spl_${randomBytes(24).toString('base64url')}`;
  }

  /** Replaces every credential with the stored ones: tokens issued or replaced elsewhere take effect. */
  replaceAll(credentials: readonly { subsystem: string; tokenHash: Buffer }[]): void {
    this.#byHash.clear();
    for (const c of credentials) this.set(c.subsystem as SubsystemId, c.tokenHash);
  }

  set(subsystem: SubsystemId, tokenHash: Buffer): void {
    for (const [h, s] of this.#byHash) if (s === subsystem) this.#byHash.delete(h);
    this.#byHash.set(tokenHash.toString('hex'), subsystem);
  }

  authenticate(authorization: string | undefined): SubsystemId {
    const match = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
    if (!match) throw new SimpulError('client.unauthenticated', 'Send the subsystem token of the calling system as "Authorization: Bearer <token>".');
    const subsystem = this.#byHash.get(LocalClients.hash(match[1]!).toString('hex'));
    if (!subsystem) throw new SimpulError('client.unauthenticated', 'The bearer token is not valid for any subsystem of this gateway.');
    return subsystem;
  }
}

/** Remembers message ids seen within twice the clock-skew window, so none is served twice. */
export class ReplayGuard {
  readonly #seen = new Map<string, number>();
  readonly #windowMs: number;
  #lastPrune = Date.now();

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /** Returns false when the id was already seen. */
  admit(id: string, now = Date.now()): boolean {
    if (now - this.#lastPrune > 10_000) this.#prune(now);
    if (this.#seen.has(id)) return false;
    this.#seen.set(id, now);
    return true;
  }

  #prune(now: number): void {
    this.#lastPrune = now;
    const horizon = now - 2 * this.#windowMs;
    for (const [id, t] of this.#seen) {
      if (t >= horizon) break; // insertion order is time order
      this.#seen.delete(id);
    }
  }
}

/** How a problem code counts in the records: the caller's fault is a refusal, ours an error. */
export function outcomeOf(code: ProblemCode | null, status: number): ExchangeOutcome {
  if (code) return code.startsWith('provider.') || code.startsWith('internal.') ? 'error' : 'refused';
  return status >= 500 ? 'error' : 'ok';
}

/** Reads the stable code out of a problem+json body, if it is one of ours. */
export function problemCodeOf(contentType: string | undefined, body: Buffer): ProblemCode | null {
  if (!contentType?.startsWith('application/problem+json')) return null;
  try {
    const code = (JSON.parse(body.toString('utf8')) as { code?: unknown }).code;
    return isProblemCode(code) ? code : null;
  } catch {
    return null;
  }
}

/** What a gateway answers: status, headers and the whole body (its digest is signed). */
export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * The problem+json answer for a refused or failed exchange. `x-problem-code` carries the code
 * to the record and is removed before the answer leaves the gateway.
 */
export function refusal(ctx: GatewayContext, error: unknown, id: string, instance: string): HttpResult {
  const doc = error instanceof SimpulError ? error.toProblem(instance) : problem('internal.error', 'The gateway failed to handle the exchange; it has been logged.');
  if (!(error instanceof SimpulError)) ctx.onInternalError(error);
  return {
    status: doc.status,
    headers: { 'content-type': 'application/problem+json', [H.id]: id, 'x-problem-code': doc.code },
    body: Buffer.from(JSON.stringify(doc)),
  };
}
