/**
 * Security rules over what the log monitor observed (and sign-in records where a source
 * gives them). Each rule looks at the latest window and compares it with the client's own
 * history; each raises alerts through the alert desk, which keeps one alert per ongoing
 * pattern. Figures are counts and keyed subject commitments: no rule needs personal data.
 *
 * - volume: a client's exchanges in the window far above its normal rate;
 * - purpose: a purpose the client never used for that service in the baseline period;
 * - refusals: many refused requests by one client;
 * - harvest: many distinct data subjects read by one client in the window (bulk harvesting);
 * - checkpoint: a log checkpoint refused — a fork, rollback or bad signature the monitor
 *   found, or a witness's refusal reported to it;
 * - sign-in: many failed sign-ins for one account or address;
 * - sla: a service whose p95 latency or error share exceeds the service level set for it.
 */
import { sql, type Kysely } from 'kysely';
import type { AlertDesk, RaisedAlert } from './alerts.js';
import type { OversightTables } from './schema.js';
import { exchanges } from './statistics.js';

export interface RuleSettings {
  /** The window each evaluation looks at. */
  windowMs: number;
  /** The history a client's normal is learnt from. */
  baselineMs: number;
  /** Volume: alert when the window holds at least this many times the client's normal… */
  volumeFactor: number;
  /** …and at least this many exchanges. */
  volumeMin: number;
  /** Purpose: only clients with this many exchanges of the service in the baseline have a "usual". */
  purposeMinHistory: number;
  refusalsMin: number;
  harvestDistinctSubjects: number;
  signInFailuresMin: number;
}

export const DEFAULT_RULES: RuleSettings = {
  windowMs: 10 * 60_000,
  baselineMs: 7 * 86_400_000,
  volumeFactor: 5,
  volumeMin: 200,
  purposeMinHistory: 20,
  refusalsMin: 20,
  harvestDistinctSubjects: 100,
  signInFailuresMin: 10,
};

/** Failed sign-ins per key (an account or an address) in a period, from wherever they are kept. */
export interface SignInSource {
  failures(from: number, to: number): Promise<{ key: string; member: string | null; count: number }[]>;
}

/** The console's own sign-in attempts, per username and per address. */
export function consoleSignIns(db: Kysely<OversightTables>): SignInSource {
  return {
    async failures(from, to) {
      const { rows } = await sql<{ key: string; count: number }>`
        SELECT 'konsol:' || username AS key, count(*)::int AS count FROM sign_in_attempt WHERE NOT ok AND time >= ${from} AND time <= ${to} GROUP BY username
        UNION ALL
        SELECT 'konsol-ip:' || ip AS key, count(*)::int AS count FROM sign_in_attempt WHERE NOT ok AND time >= ${from} AND time <= ${to} GROUP BY ip`.execute(db);
      return rows.map((r) => ({ key: r.key, member: null, count: r.count }));
    },
  };
}

/** Several sign-in sources (the console's, the portal's…) as one. */
export function allSignIns(sources: SignInSource[]): SignInSource {
  return { failures: async (from, to) => (await Promise.all(sources.map((s) => s.failures(from, to)))).flat() };
}

export type RuleName = 'volume' | 'purpose' | 'refusals' | 'harvest' | 'checkpoint' | 'sign-in' | 'sla';

export class SecurityRules {
  readonly #db: Kysely<OversightTables>;
  readonly #alerts: AlertDesk;
  readonly #now: () => number;
  readonly settings: RuleSettings;
  readonly #signIns: SignInSource | undefined;

  constructor(options: { db: Kysely<OversightTables>; alerts: AlertDesk; now?: () => number; settings?: RuleSettings; signIns?: SignInSource }) {
    this.#db = options.db;
    this.#alerts = options.alerts;
    this.#now = options.now ?? Date.now;
    this.settings = options.settings ?? DEFAULT_RULES;
    this.#signIns = options.signIns;
  }

  /** Runs every rule over the window ending now; returns what each raised (new or extended). */
  async evaluate(): Promise<RaisedAlert[]> {
    const to = this.#now();
    const from = to - this.settings.windowMs;
    const found = [
      ...(await this.volume(from, to)),
      ...(await this.purpose(from, to)),
      ...(await this.refusals(from, to)),
      ...(await this.harvest(from, to)),
      ...(await this.checkpoint(from, to)),
      ...(await this.signIn(from, to)),
      ...(await this.serviceLevels(from, to)),
    ];
    for (const a of found) await this.#alerts.raise(a);
    return found;
  }

  async volume(from: number, to: number): Promise<RaisedAlert[]> {
    const s = this.settings;
    const baseFrom = from - s.baselineMs;
    const { rows } = await sql<{ client: string; member: string; current: number; before: number; first_seen: number | null }>`
      SELECT client, min(client_member) AS member,
        count(*) FILTER (WHERE time >= ${from})::int AS current,
        count(*) FILTER (WHERE time < ${from})::int AS before,
        min(time) FILTER (WHERE time < ${from}) AS first_seen
      FROM ${exchanges({ from: baseFrom, to })} e
      GROUP BY client HAVING count(*) FILTER (WHERE time >= ${from}) >= ${s.volumeMin}`.execute(this.#db);
    const alerts: RaisedAlert[] = [];
    for (const r of rows) {
      // The client's normal per window, over the part of the baseline in which it was active.
      const span = r.first_seen === null ? 0 : from - Number(r.first_seen);
      const windows = Math.max(1, span / s.windowMs);
      const normal = r.before / windows;
      if (r.current < s.volumeFactor * Math.max(normal, 1)) continue;
      alerts.push({
        rule: 'volume', subjectKey: r.client, member: r.member, severity: 'medium', windowStart: from, windowEnd: to,
        title: `Volume tidak biasa dari ${r.client} / Unusual volume from ${r.client}`,
        detail: `${r.current} pertukaran dalam ${minutes(s.windowMs)} menit; normalnya ${normal.toFixed(1)} / ${r.current} exchanges in ${minutes(s.windowMs)} min; its normal is ${normal.toFixed(1)}.`,
        evidence: { client: r.client, current: r.current, normalPerWindow: Math.round(normal * 10) / 10, factor: s.volumeFactor },
      });
    }
    return alerts;
  }

  async purpose(from: number, to: number): Promise<RaisedAlert[]> {
    const s = this.settings;
    const { rows } = await sql<{ client: string; member: string; service: string; purpose: string; current: number; history: number }>`
      WITH e AS ${exchanges({ from: from - s.baselineMs, to })},
      cur AS (SELECT client, min(client_member) AS member, service, purpose, count(*)::int AS current FROM e WHERE time >= ${from} AND purpose IS NOT NULL GROUP BY client, service, purpose),
      hist AS (SELECT client, service, count(*)::int AS history FROM e WHERE time < ${from} GROUP BY client, service)
      SELECT cur.client, cur.member, cur.service, cur.purpose, cur.current, hist.history
      FROM cur JOIN hist ON hist.client = cur.client AND hist.service = cur.service
      WHERE hist.history >= ${s.purposeMinHistory}
        AND NOT EXISTS (SELECT 1 FROM e WHERE e.time < ${from} AND e.client = cur.client AND e.service = cur.service AND e.purpose = cur.purpose)`.execute(this.#db);
    return rows.map((r) => ({
      rule: 'purpose', subjectKey: `${r.client} ${r.service} ${r.purpose}`, member: r.member, severity: 'medium' as const, windowStart: from, windowEnd: to,
      title: `Tujuan tidak biasa: ${r.purpose} / Unusual purpose: ${r.purpose}`,
      detail: `${r.client} memanggil ${r.service} dengan tujuan ${r.purpose} (${r.current}×), yang tidak pernah dipakainya dalam ${r.history} pertukaran sebelumnya / called ${r.service} for purpose ${r.purpose} (${r.current}×), never used in its ${r.history} earlier exchanges.`,
      evidence: { client: r.client, service: r.service, purpose: r.purpose, current: r.current, history: r.history },
    }));
  }

  async refusals(from: number, to: number): Promise<RaisedAlert[]> {
    const s = this.settings;
    const { rows } = await sql<{ client: string; member: string; refused: number; codes: string }>`
      SELECT client, min(client_member) AS member, count(*)::int AS refused, string_agg(DISTINCT coalesce(code, '-'), ' ') AS codes
      FROM ${exchanges({ from, to })} e WHERE outcome = 'refused'
      GROUP BY client HAVING count(*) >= ${s.refusalsMin}`.execute(this.#db);
    return rows.map((r) => ({
      rule: 'refusals', subjectKey: r.client, member: r.member, severity: 'medium' as const, windowStart: from, windowEnd: to,
      title: `Banyak penolakan untuk ${r.client} / Many refusals for ${r.client}`,
      detail: `${r.refused} permintaan ditolak dalam ${minutes(s.windowMs)} menit (${r.codes}) / ${r.refused} requests refused in ${minutes(s.windowMs)} min (${r.codes}).`,
      evidence: { client: r.client, refused: r.refused, codes: r.codes.split(' ') },
    }));
  }

  async harvest(from: number, to: number): Promise<RaisedAlert[]> {
    const s = this.settings;
    // Commitments are keyed per gateway: distinct subjects are counted within one gateway's records.
    const { rows } = await sql<{ gateway: string; client: string; member: string; subjects: number; exchanges: number; services: string }>`
      SELECT gateway, client, min(client_member) AS member, count(DISTINCT subject)::int AS subjects, count(*)::int AS exchanges, string_agg(DISTINCT service, ' ') AS services
      FROM ${exchanges({ from, to })} e WHERE subject IS NOT NULL AND outcome = 'ok'
      GROUP BY gateway, client HAVING count(DISTINCT subject) >= ${s.harvestDistinctSubjects}`.execute(this.#db);
    return rows.map((r) => ({
      rule: 'harvest', subjectKey: r.client, member: r.member, severity: 'high' as const, windowStart: from, windowEnd: to,
      title: `Dugaan panen data massal oleh ${r.client} / Suspected bulk harvesting by ${r.client}`,
      detail: `${r.subjects} subjek data berbeda dibaca dalam ${minutes(s.windowMs)} menit (${r.exchanges} pertukaran) / ${r.subjects} distinct data subjects read in ${minutes(s.windowMs)} min (${r.exchanges} exchanges).`,
      evidence: { client: r.client, gateway: r.gateway, distinctSubjects: r.subjects, exchanges: r.exchanges, services: r.services.split(' ') },
    }));
  }

  /** Every log event not yet alerted becomes an alert (a fork is never "normal"). */
  async checkpoint(from: number, to: number): Promise<RaisedAlert[]> {
    // An event is alerted once: closing its alert is the end of it, not a reason to raise it again.
    const alerted = new Set((await this.#db.selectFrom('alert').select('subject_key').where('rule', '=', 'checkpoint').execute()).map((a) => a.subject_key));
    const events = (await this.#db.selectFrom('log_event').selectAll().where('time', '<=', to).orderBy('id').execute())
      .filter((e) => !alerted.has(`${e.gateway} #${e.id}`));
    const state = await this.#db.selectFrom('monitored_log').select(['gateway', 'member']).execute();
    const members = new Map(state.map((m) => [m.gateway, m.member]));
    return events.map((e) => ({
      rule: 'checkpoint', subjectKey: `${e.gateway} #${e.id}`, member: members.get(e.gateway) ?? e.gateway.split('/').slice(0, 3).join('/'), severity: 'high' as const,
      windowStart: Math.min(from, Number(e.time)), windowEnd: to,
      title: `Checkpoint log ditolak: ${e.gateway} / Log checkpoint refused: ${e.gateway}`,
      detail: `${e.kind}: ${e.detail}`,
      evidence: { gateway: e.gateway, kind: e.kind, evidence: e.evidence },
    }));
  }

  /** Service levels: a service whose p95 latency or error share in the window exceeds its SLA. */
  async serviceLevels(from: number, to: number): Promise<RaisedAlert[]> {
    const { rows } = await sql<{ service: string; provider: string; total: number; errors: number; p95: number | null; p95_ms: number; max_error_rate: number }>`
      SELECT e.service, min(e.provider_member) AS provider, count(*)::int AS total, count(*) FILTER (WHERE outcome = 'error')::int AS errors,
        percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE outcome = 'ok') AS p95, min(l.p95_ms) AS p95_ms, min(l.max_error_rate) AS max_error_rate
      FROM ${exchanges({ from, to })} e JOIN service_level l ON l.service = e.service
      GROUP BY e.service HAVING count(*) >= ${SLA_MIN_EXCHANGES}`.execute(this.#db);
    return rows.flatMap((r) => {
      const errorRate = r.errors / r.total;
      const slow = r.p95 !== null && Number(r.p95) > r.p95_ms;
      if (!slow && errorRate <= r.max_error_rate) return [];
      return [{
        rule: 'sla', subjectKey: r.service, member: r.provider, severity: 'medium' as const, windowStart: from, windowEnd: to,
        title: `SLA terlampaui: ${r.service} / SLA breached: ${r.service}`,
        detail: `p95 ${r.p95 === null ? '–' : Math.round(Number(r.p95))} ms (batas/limit ${r.p95_ms} ms), galat/errors ${(errorRate * 100).toFixed(1)}% (batas/limit ${(r.max_error_rate * 100).toFixed(1)}%) dari/of ${r.total}.`,
        evidence: { service: r.service, exchanges: r.total, p95: r.p95 === null ? null : Number(r.p95), p95Limit: r.p95_ms, errorRate, errorRateLimit: r.max_error_rate },
      }];
    });
  }

  async signIn(from: number, to: number): Promise<RaisedAlert[]> {
    if (!this.#signIns) return [];
    const s = this.settings;
    return (await this.#signIns.failures(from, to)).filter((f) => f.count >= s.signInFailuresMin).map((f) => ({
      rule: 'sign-in', subjectKey: f.key, member: f.member, severity: 'medium' as const, windowStart: from, windowEnd: to,
      title: `Banyak kegagalan masuk: ${f.key} / Many failed sign-ins: ${f.key}`,
      detail: `${f.count} kegagalan masuk dalam ${minutes(s.windowMs)} menit / ${f.count} failed sign-ins in ${minutes(s.windowMs)} min.`,
      evidence: { key: f.key, failures: f.count },
    }));
  }
}

/** Fewer exchanges than this in a window say nothing about a service level. */
const SLA_MIN_EXCHANGES = 20;

function minutes(ms: number): number {
  return Math.round(ms / 60_000);
}
