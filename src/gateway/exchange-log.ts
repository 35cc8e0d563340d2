/**
 * The gateway's exchange log (src/log): every record the gateway commits becomes a leaf in
 * the same transaction; a checkpointer signs the tree as it grows; the other agencies'
 * gateways named in the global configuration witness it, and this gateway witnesses theirs.
 * Witness requests travel over the mutual-TLS peer port, so only the instance's gateways can
 * ask for cosignatures; the read API (`/log/…`) is public on the gateway's HTTP port.
 */
import type { Kysely } from 'kysely';
import type { SigningKey } from '../core/crypto.js';
import { b64 } from '../core/crypto.js';
import type { HttpApp } from '../core/http/app.js';
import type { Database } from '../core/storage/database.js';
import { Checkpointer, LogStore, SIG_COSIGNATURE_V1, SIG_ED25519, Witness, WitnessClient, encodeExchangeLeaf, formatVerifierKey, migrateLog, registerLogRoutes, registerWitnessRefusalRoutes, type Post, type WitnessConfig } from '../log/index.js';
import type { ConfigurationSource } from './configuration.js';
import type { PeerClient } from './peer-client.js';
import type { GatewayStore, GatewayTables } from './store.js';

export const logOrigin = (gatewayId: string): string => `simpul.go.id/log/${gatewayId}`;
export const witnessName = (gatewayId: string): string => `simpul.go.id/witness/${gatewayId}`;

export interface GatewayLogOptions {
  /** The gateway's Ed25519 log key: signs its checkpoints and its cosignatures of others'. */
  key: SigningKey;
  checkpointIntervalMs?: number;
  /** Cosignatures that make a checkpoint final; default: two, or every other gateway if fewer. */
  quorum?: number;
}

export class GatewayLog {
  readonly store: LogStore;
  readonly checkpointer: Checkpointer;
  readonly witness: Witness;
  readonly witnessClient: WitnessClient;
  readonly witnesses: readonly WitnessConfig[];

  private constructor(fields: { store: LogStore; checkpointer: Checkpointer; witness: Witness; witnessClient: WitnessClient; witnesses: WitnessConfig[] }) {
    this.store = fields.store;
    this.checkpointer = fields.checkpointer;
    this.witness = fields.witness;
    this.witnessClient = fields.witnessClient;
    this.witnesses = fields.witnesses;
  }

  /** Must run before the HTTP app listens: it registers the `/log/…` routes. */
  static async attach(options: GatewayLogOptions & { gatewayId: string; database: Database<GatewayTables>; records: GatewayStore; config: ConfigurationSource; peers: PeerClient; app: HttpApp; onError: (error: unknown) => void }): Promise<GatewayLog> {
    const db = options.database.db as Kysely<unknown>;
    await migrateLog(db, options.database.schema);
    const store = new LogStore(db);
    options.records.addCommitHook(async (trx, records) => {
      await store.appendLeaves(trx, records.map((r) => ({ exchangeId: r.id, leaf: encodeExchangeLeaf(r) })));
    });

    const view = options.config.current();
    const others = [...view.gateways.values()].filter((g) => g.id !== options.gatewayId && g.logKey);
    const witnesses: WitnessConfig[] = others.map((g) => ({ name: witnessName(g.id), url: `${g.address}/witness`, key: formatVerifierKey(witnessName(g.id), SIG_COSIGNATURE_V1, b64.decode(g.logKey!)) }));
    const quorum = Math.min(options.quorum ?? 2, witnesses.length);
    const post: Post = async (url, body, headers) => {
      const target = new URL(url);
      const response = await options.peers.send(target.origin, { method: 'POST', path: target.pathname, headers, body: Buffer.from(body) });
      return { status: response.status, body: response.body.toString('utf8'), headers: response.headers };
    };
    const witnessClient = new WitnessClient({ store, witnesses, quorum, post, onError: (_w, error) => options.onError(error) });
    const checkpointer = new Checkpointer({
      store,
      key: options.key,
      origin: logOrigin(options.gatewayId),
      intervalMs: options.checkpointIntervalMs,
      onCheckpoint: (signed) => witnessClient.submit(signed),
      onError: options.onError,
    });
    const witness = new Witness({
      db,
      name: witnessName(options.gatewayId),
      key: options.key,
      // The logs this gateway witnesses: every other active gateway with a log key, as the
      // current configuration names them.
      logKeys: (origin) => {
        for (const g of options.config.current().gateways.values()) {
          if (g.logKey && logOrigin(g.id) === origin) return formatVerifierKey(origin, SIG_ED25519, b64.decode(g.logKey));
        }
        return undefined;
      },
    });
    await registerLogRoutes(options.app, { store, verifierKey: checkpointer.verifierKey, witnesses, quorum });
    await registerWitnessRefusalRoutes(options.app, witness);
    return new GatewayLog({ store, checkpointer, witness, witnessClient, witnesses });
  }

  async start(): Promise<void> {
    await this.witnessClient.resume();
    this.checkpointer.start();
  }

  async close(): Promise<void> {
    await this.checkpointer.stop();
    await this.witnessClient.stop();
  }
}
