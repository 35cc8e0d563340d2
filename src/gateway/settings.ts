/**
 * A gateway as an operator runs it: a settings file (what to listen on, where the registry
 * is, which agency system serves which service) and a key file beside it (0600: the
 * member's signing key, the TLS key and certificate, the subject-commitment salt).
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Backend } from '../adapters/backend.js';
import { createBackend } from '../adapters/create-backend.js';
import { b64, exportSeed, signingKeyFromSeed } from '../core/crypto.js';
import { parseMemberId } from '../core/ids.js';
import { openDatabase, type Database } from '../core/storage/database.js';
import type { SignedGlobalConfiguration } from '../registry/global-conf.js';
import { ConfigurationSource } from './configuration.js';
import type { GatewayIdentity } from './context.js';
import { Gateway } from './gateway.js';
import { MODEL_CHECK_MODES } from './model-check.js';
import type { GatewayTables } from './store.js';

const Listen = Type.Object({ port: Type.Integer({ minimum: 0, maximum: 65535 }), host: Type.Optional(Type.String()) });

export const GatewaySettingsSchema = Type.Object({
  id: Type.String({ description: 'MEMBER/CODE, e.g. ID/GOV/DUKCAPIL/gw1' }),
  keyFile: Type.String({ description: 'Path of the key file, relative to the settings file' }),
  registry: Type.Object({
    anchor: Type.String({ description: 'base64 Ed25519 public key of the registry: the trust anchor' }),
    url: Type.Optional(Type.String({ description: 'Registry base URL to fetch /global-conf from' })),
    configurationFile: Type.Optional(Type.String({ description: 'A signed configuration file, for an instance without a reachable registry' })),
    refreshMs: Type.Optional(Type.Integer({ minimum: 100 })),
  }),
  consumer: Listen,
  peer: Listen,
  database: Type.Object({ url: Type.Optional(Type.String()), dataDir: Type.Optional(Type.String()), schema: Type.String({ pattern: '^[a-z_][a-z0-9_]*$' }) }),
  backends: Type.Record(Type.String(), Type.Object({ type: Type.String() }, { additionalProperties: true })),
  modelChecks: Type.Optional(Type.Record(Type.String(), Type.Union(MODEL_CHECK_MODES.map((m) => Type.Literal(m))), {
    description: 'Per service id: how answers are checked against the data model the service declares (reject, the default; warn; off)',
  })),
  clockSkewMs: Type.Optional(Type.Integer({ minimum: 1000 })),
  maxBodyBytes: Type.Optional(Type.Integer({ minimum: 1024 })),
  peerChannel: Type.Optional(Type.Boolean({ description: 'Carry exchanges with other gateways on one framed stream per peer (default true; ADR 0006)' })),
  log: Type.Optional(Type.Object({
    enabled: Type.Boolean({ description: 'Keep the verifiable exchange log (needs logSeed in the key file)' }),
    checkpointIntervalMs: Type.Optional(Type.Integer({ minimum: 50 })),
    quorum: Type.Optional(Type.Integer({ minimum: 0 })),
  })),
});
export type GatewaySettings = Static<typeof GatewaySettingsSchema>;

export interface GatewayKeyFile {
  signingSeed: string;
  /** Seed of the exchange log's key, when the gateway keeps a log. */
  logSeed?: string;
  tlsKeyPem: string;
  tlsCertPem: string;
  subjectSalt: string;
}

export function parseGatewaySettings(value: unknown): GatewaySettings {
  if (!Value.Check(GatewaySettingsSchema, value)) {
    const first = [...Value.Errors(GatewaySettingsSchema, value)][0];
    throw new Error(`Invalid gateway settings at ${first?.path || '/'}: ${first?.message ?? 'unknown error'}`);
  }
  return value;
}

export function writeKeyFile(path: string, identity: GatewayIdentity): void {
  const keys: GatewayKeyFile = { signingSeed: b64.encode(exportSeed(identity.signingKey)), ...(identity.logKey ? { logSeed: b64.encode(exportSeed(identity.logKey)) } : {}), tlsKeyPem: identity.tls.keyPem, tlsCertPem: identity.tls.certPem, subjectSalt: b64.encode(identity.subjectSalt) };
  writeFileSync(path, JSON.stringify(keys, null, 2), { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function readIdentity(id: string, keyFile: string): GatewayIdentity {
  const keys = JSON.parse(readFileSync(keyFile, 'utf8')) as GatewayKeyFile;
  const member = parseMemberId(id.split('/').slice(0, 3).join('/'));
  return { id, member, signingKey: signingKeyFromSeed(b64.decode(keys.signingSeed)), ...(keys.logSeed ? { logKey: signingKeyFromSeed(b64.decode(keys.logSeed)) } : {}), tls: { keyPem: keys.tlsKeyPem, certPem: keys.tlsCertPem }, subjectSalt: b64.decode(keys.subjectSalt) };
}

function logOptions(settings: GatewaySettings, identity: GatewayIdentity) {
  if (!settings.log?.enabled) return undefined;
  if (!identity.logKey) throw new Error(`Gateway ${identity.id} keeps a log but its key file has no logSeed.`);
  return { key: identity.logKey, checkpointIntervalMs: settings.log.checkpointIntervalMs, quorum: settings.log.quorum };
}

/** Builds the backend a service declares (http, rest, soap, csv, sql: see docs/adapters.md). */
export type BackendFactory = (config: { type: string }) => Promise<Backend>;

/** A settings file, parsed, with the folder its relative paths are resolved against. */
export function readGatewaySettings(file: string): { settings: GatewaySettings; base: string } {
  return { settings: parseGatewaySettings(JSON.parse(readFileSync(file, 'utf8'))), base: dirname(resolve(file)) };
}

/** The gateway's own database as its settings name it; DATABASE_URL applies when they name neither. */
export function openGatewayDatabase(settings: GatewaySettings, base: string): Promise<Database<GatewayTables>> {
  return openDatabase<GatewayTables>({
    url: settings.database.url ?? (settings.database.dataDir ? undefined : process.env.DATABASE_URL),
    dataDir: settings.database.dataDir ? resolve(base, settings.database.dataDir) : undefined,
    schema: settings.database.schema,
  });
}

export async function startGatewayFromSettings(file: string, options: { logLevel?: string; backendFactory?: BackendFactory } = {}): Promise<Gateway> {
  const { settings, base } = readGatewaySettings(file);
  const identity = readIdentity(settings.id, resolve(base, settings.keyFile));
  const configuration = new ConfigurationSource({ anchor: b64.decode(settings.registry.anchor), registryUrl: settings.registry.url, refreshMs: settings.registry.refreshMs });
  if (settings.registry.configurationFile) {
    configuration.accept(JSON.parse(readFileSync(resolve(base, settings.registry.configurationFile), 'utf8')) as SignedGlobalConfiguration);
  }
  if (settings.registry.url) await configuration.refresh();
  const database = await openGatewayDatabase(settings, base);
  const factory = options.backendFactory ?? ((config: { type: string }) => createBackend(config));
  const backends = new Map<string, Backend>();
  for (const [service, config] of Object.entries(settings.backends)) backends.set(service, await factory(config));
  return Gateway.start({
    identity,
    database,
    configuration,
    backends,
    modelChecks: settings.modelChecks,
    consumer: settings.consumer,
    peer: settings.peer,
    clockSkewMs: settings.clockSkewMs,
    maxBodyBytes: settings.maxBodyBytes,
    peerChannel: settings.peerChannel,
    logLevel: options.logLevel,
    log: logOptions(settings, identity),
  });
}
