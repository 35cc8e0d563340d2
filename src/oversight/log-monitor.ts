/**
 * Oversight as a monitor of the gateways' public exchange logs (ADR 0080): it reads each
 * gateway's `/log/checkpoint` and `/log/entries` (docs/protocols/log.md §6), checks the
 * checkpoint against the log key the registry's signed configuration publishes, recomputes
 * the tree from the entries on top of the history it verified before, and only then keeps
 * the decoded leaves as observations. A log that shows another history (a fork, a rollback,
 * entries that do not give the signed root, a bad signature) becomes a log event that the
 * security rules turn into an alert.
 */
import { sql, type Kysely } from 'kysely';
import { b64 } from '../core/crypto.js';
import { memberOf, type ServiceId, type SubsystemId } from '../core/ids.js';
import { CompactRange, decodeExchangeLeaf, leafHash, logOrigin, logVerifierKey, openCheckpoint, witnessVerifierKey } from '../log/index.js';
import type { GlobalConfiguration } from '../registry/global-conf.js';
import { observe, type ObservedLeaf } from './rollups.js';
import type { OversightTables } from './schema.js';

/** A gateway log to monitor: its public read API and the keys the registry publishes for it. */
export interface MonitoredGateway {
  id: string;
  member: string;
  /** Base URL of the gateway's public log API (its HTTP port, where `/log/…` is served). */
  url: string;
  /** The log's verifier key (type 0x01). */
  logKey: string;
  /** Witness verifier keys (type 0x04) of the other gateways. */
  witnessKeys: string[];
}

/**
 * The logs to monitor, with keys taken from the registry's signed configuration (not from
 * the gateways themselves), and the public URL of each gateway's log API.
 */
export function monitoredGateways(conf: GlobalConfiguration, logUrls: Record<string, string>): MonitoredGateway[] {
  const active = conf.gateways.filter((g) => g.status === 'active' && g.logKey);
  return active
    .filter((g) => logUrls[g.id])
    .map((g) => ({
      id: g.id,
      member: g.member,
      url: logUrls[g.id]!.replace(/\/+$/, ''),
      logKey: logVerifierKey(g.id, b64.decode(g.logKey!)),
      witnessKeys: active.filter((w) => w.id !== g.id).map((w) => witnessVerifierKey(w.id, b64.decode(w.logKey!))),
    }));
}

export type LogEventKind = 'bad_signature' | 'rollback' | 'fork' | 'witness_refusal' | 'unreachable';

export interface PollResult {
  gateway: string;
  /** New leaves observed in this round. */
  added: number;
  size: number;
  event?: LogEventKind;
}

interface EntriesPage {
  start: number;
  end: number;
  entries: { index: number; leaf: string; hash: string }[];
}

export interface LogMonitorOptions {
  db: Kysely<OversightTables>;
  gateways: () => MonitoredGateway[];
  fetch?: typeof fetch;
  now?: () => number;
}

class MonitorFailure extends Error {
  constructor(readonly kind: LogEventKind, message: string, readonly evidence?: string) {
    super(message);
  }
}

export class LogMonitor {
  readonly #o: LogMonitorOptions;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;

  constructor(options: LogMonitorOptions) {
    this.#o = options;
    this.#fetch = options.fetch ?? fetch;
    this.#now = options.now ?? Date.now;
  }

  /** One round over every gateway; a failing gateway never stops the others. */
  async pollAll(): Promise<PollResult[]> {
    const results: PollResult[] = [];
    for (const gateway of this.#o.gateways()) results.push(await this.poll(gateway));
    return results;
  }

  async poll(gateway: MonitoredGateway): Promise<PollResult> {
    const db = this.#o.db;
    const state = await db.selectFrom('monitored_log').selectAll().where('gateway', '=', gateway.id).executeTakeFirst();
    try {
      const result = await this.#advance(gateway, state);
      await this.#witnessRefusals(gateway);
      return result;
    } catch (error) {
      const failure = error instanceof MonitorFailure ? error : new MonitorFailure('unreachable', (error as Error).message);
      await db.updateTable('monitored_log').set({ last_error: failure.message, last_attempt_at: this.#now() }).where('gateway', '=', gateway.id).execute();
      // Unreachable is an operational state, not evidence against the log: it is shown, not alerted.
      if (failure.kind !== 'unreachable') await this.#event(gateway.id, failure.kind, failure.message, failure.evidence ?? null);
      return { gateway: gateway.id, added: 0, size: Number(state?.size ?? 0), event: failure.kind };
    }
  }

  async #advance(gateway: MonitoredGateway, state: OversightTables['monitored_log'] | undefined): Promise<PollResult> {
    const response = await this.#get(gateway, '/log/checkpoint');
    if (response.status === 404) return { gateway: gateway.id, added: 0, size: 0 };
    if (!response.ok) throw new MonitorFailure('unreachable', `GET /log/checkpoint answered HTTP ${response.status}`);
    const note = await response.text();
    let opened;
    try {
      opened = openCheckpoint(note, { log: gateway.logKey, witnesses: gateway.witnessKeys, quorum: 0, origin: logOrigin(gateway.id) });
    } catch (error) {
      throw new MonitorFailure('bad_signature', `The published checkpoint does not verify with the key in the registry's configuration: ${(error as Error).message}`, note);
    }
    const { checkpoint } = opened;
    const known = Number(state?.size ?? 0);
    if (checkpoint.size < known) throw new MonitorFailure('rollback', `The published checkpoint has ${checkpoint.size} entries; ${known} were verified before: the log was rolled back.`, note);
    if (state && checkpoint.size === known) {
      if (!checkpoint.root.equals(state.root)) throw new MonitorFailure('fork', `Two different roots signed for size ${known}: the log shows two histories.`, `${state.note}\n---\n${note}`);
      await this.#o.db.updateTable('monitored_log').set({ note, cosigners: opened.cosignatures.map((c) => c.name).join(' '), last_error: null, last_attempt_at: this.#now() }).where('gateway', '=', gateway.id).execute();
      return { gateway: gateway.id, added: 0, size: known };
    }

    const range = state ? CompactRange.fromBytes(known, state.frontier) : new CompactRange();
    const target = checkpoint.size;
    const rows: ObservedLeaf[] = [];
    while (range.size < target) {
      const page = await this.#entries(gateway, range.size, target);
      if (page.entries.length === 0) throw new MonitorFailure('unreachable', `The gateway served no entries from ${range.size}`);
      for (const entry of page.entries) {
        if (entry.index !== range.size) throw new MonitorFailure('fork', `Entry ${entry.index} served where ${range.size} was expected.`);
        const leaf = Buffer.from(entry.leaf, 'base64');
        const hash = leafHash(leaf);
        if (hash.toString('base64') !== entry.hash) throw new MonitorFailure('fork', `Entry ${entry.index}: the stored leaf hash does not match the leaf.`);
        range.append(hash);
        rows.push(observation(gateway.id, entry.index, leaf));
      }
    }
    // Nothing is kept unless the verified history plus the new entries give the signed root.
    if (!range.root().equals(checkpoint.root)) {
      throw new MonitorFailure('fork', `The ${checkpoint.size} entries do not give the signed root${state ? ` on top of the ${known} verified before` : ''}: the log shows another history.`, note);
    }
    return this.#commit(gateway, rows, range, { note, cosigners: opened.cosignatures.map((c) => c.name).join(' ') });
  }

  async #commit(gateway: MonitoredGateway, rows: ObservedLeaf[], range: CompactRange, published: { note: string; cosigners: string }): Promise<PollResult> {
    const now = this.#now();
    await this.#o.db.transaction().execute(async (trx) => {
      await observe(trx, rows);
      const values = { member: gateway.member, origin: logOrigin(gateway.id), size: range.size, root: range.root(), frontier: range.toBytes(), note: published.note, cosigners: published.cosigners, verified_at: now, last_error: null, last_attempt_at: now };
      await trx.insertInto('monitored_log').values({ gateway: gateway.id, ...values }).onConflict((oc) => oc.column('gateway').doUpdateSet(values)).execute();
    });
    return { gateway: gateway.id, added: rows.length, size: range.size };
  }

  async #entries(gateway: MonitoredGateway, start: number, end: number): Promise<EntriesPage> {
    const response = await this.#get(gateway, `/log/entries?start=${start}&end=${end}`);
    if (!response.ok) throw new MonitorFailure('unreachable', `GET /log/entries answered HTTP ${response.status}`);
    return (await response.json()) as EntriesPage;
  }

  async #get(gateway: MonitoredGateway, path: string): Promise<Response> {
    try {
      return await this.#fetch(`${gateway.url}${path}`, { signal: AbortSignal.timeout(30_000) });
    } catch (error) {
      throw new MonitorFailure('unreachable', `Cannot reach ${gateway.url}${path}: ${(error as Error).message}`);
    }
  }

  /**
   * The gateway is also a witness of the others' logs: a checkpoint it refused is evidence
   * against the log that signed it, recorded as that log's event (once per evidence).
   */
  async #witnessRefusals(witness: MonitoredGateway): Promise<void> {
    const response = await this.#get(witness, '/log/witness/refusals?limit=500');
    if (!response.ok) return; // a gateway without the route, or without a witness: nothing to learn
    const { refusals } = (await response.json()) as { refusals: { origin: string; reason: string; evidence: string; receivedAt: string }[] };
    const byOrigin = new Map(this.#o.gateways().map((g) => [logOrigin(g.id), g.id]));
    for (const refusal of refusals) {
      const refused = byOrigin.get(refusal.origin) ?? refusal.origin;
      await this.#event(refused, 'witness_refusal', `${witness.id} refused a checkpoint of ${refused} (${refusal.reason}) at ${refusal.receivedAt}`, refusal.evidence);
    }
  }

  /** Records a log event once per gateway, kind and evidence, however many rounds see it. */
  async #event(gateway: string, kind: LogEventKind, detail: string, evidence: string | null): Promise<void> {
    const seen = await this.#o.db.selectFrom('log_event').select('id').where('gateway', '=', gateway).where('kind', '=', kind)
      .where(evidence === null ? sql<boolean>`evidence IS NULL` : sql<boolean>`evidence = ${evidence}`).executeTakeFirst();
    if (!seen) await recordLogEvent(this.#o.db, { gateway, kind, detail, evidence, time: this.#now() });
  }
}

/** Also used by a witness-refusal source: a witness that refused a gateway's checkpoint. */
export async function recordLogEvent(db: Kysely<OversightTables>, event: { gateway: string; kind: LogEventKind; detail: string; evidence: string | null; time: number }): Promise<void> {
  await db.insertInto('log_event').values(event).execute();
}

function observation(gateway: string, index: number, leaf: Buffer): ObservedLeaf {
  const r = decodeExchangeLeaf(leaf);
  return {
    gateway,
    idx: index,
    exchange_id: r.id,
    side: r.side,
    time: r.time,
    client: r.client,
    client_member: memberOf(r.client as SubsystemId),
    service: r.service,
    provider_member: memberOf(r.service as ServiceId),
    purpose: r.purpose,
    legal_basis: r.legalBasis,
    subject: r.subjectCommitment,
    outcome: r.outcome,
    status: r.status,
    code: r.code,
    duration_ms: Math.round(r.durationMs),
  };
}
