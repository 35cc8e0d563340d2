/**
 * What the portal lets oversight read (ADR 0081): aggregate service times — how long
 * complaints took to close, how long permits took to issue — and counts of failed sign-ins
 * for the security rules. Read-only and aggregate by construction: no row, no sealed column
 * and no account leaves this module, and a group smaller than `minCount` has its times
 * withheld here, before anything crosses to another part.
 */
import { sql } from 'kysely';
import type { PortalContext } from './context.js';

const DAY_S = 86_400;

export interface ServiceTimeGroup {
  /** `complaint`: submitted → closed; `permit`: application submitted → permit issued. */
  measure: 'complaint' | 'permit';
  /** The agency a complaint was routed to (member id); null for permits (the portal issues them). */
  agency: string | null;
  /** The complaint's category or the permit's kind. */
  category: string;
  /** Completed in the period (closed complaints, issued permits). */
  count: number;
  /** Still open at the end of the period (complaints not closed, applications not decided). */
  open: number;
  /** Days, one decimal; null when `count` is below the minimum. */
  medianDays: number | null;
  p90Days: number | null;
}

export interface PortalFigures {
  serviceTimes(period: { from: number; to: number }, minCount: number): Promise<ServiceTimeGroup[]>;
  /** Failed and refused sign-ins per (keyed) login and per (keyed) address: no login or address in clear. */
  signInFailures(from: number, to: number): Promise<{ key: string; member: string | null; count: number }[]>;
}

function days(v: unknown): number | null {
  return v === null || v === undefined ? null : Math.round((Number(v) / DAY_S) * 10) / 10;
}

export function portalFigures(ctx: PortalContext): PortalFigures {
  return {
    async serviceTimes(period, minCount) {
      const from = new Date(period.from);
      const to = new Date(period.to);
      const complaints = await sql<Record<string, unknown>>`
        SELECT agency, category,
          count(*) FILTER (WHERE closed_at >= ${from} AND closed_at < ${to})::int AS count,
          count(*) FILTER (WHERE created_at < ${to} AND (closed_at IS NULL OR closed_at >= ${to}))::int AS open,
          percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - created_at)) FILTER (WHERE closed_at >= ${from} AND closed_at < ${to}) AS median,
          percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - created_at)) FILTER (WHERE closed_at >= ${from} AND closed_at < ${to}) AS p90
        FROM complaint WHERE created_at < ${to} AND (closed_at IS NULL OR closed_at >= ${from})
        GROUP BY agency, category ORDER BY agency, category`.execute(ctx.db);
      const permits = await sql<Record<string, unknown>>`
        WITH done AS (
          SELECT a.kind, extract(epoch FROM p.issued_at - coalesce(a.submitted_at, a.created_at)) AS seconds
          FROM permit p JOIN application a ON a.id = p.application_id
          WHERE p.issued_at >= ${from} AND p.issued_at < ${to}),
        pending AS (
          SELECT kind, count(*)::int AS open FROM application
          WHERE status IN ('submitted', 'in_progress') AND coalesce(submitted_at, created_at) < ${to} GROUP BY kind)
        SELECT coalesce(d.kind, pending.kind) AS category, count(d.seconds)::int AS count, coalesce(max(pending.open), 0)::int AS open,
          percentile_cont(0.5) WITHIN GROUP (ORDER BY d.seconds) AS median,
          percentile_cont(0.9) WITHIN GROUP (ORDER BY d.seconds) AS p90
        FROM done d FULL JOIN pending ON pending.kind = d.kind
        GROUP BY coalesce(d.kind, pending.kind) ORDER BY 1`.execute(ctx.db);
      const group = (measure: ServiceTimeGroup['measure'], r: Record<string, unknown>): ServiceTimeGroup => {
        const count = Number(r.count);
        const enough = count >= minCount;
        return {
          measure, agency: measure === 'complaint' ? String(r.agency) : null, category: String(r.category), count, open: Number(r.open),
          medianDays: enough ? days(r.median) : null, p90Days: enough ? days(r.p90) : null,
        };
      };
      return [...complaints.rows.map((r) => group('complaint', r)), ...permits.rows.map((r) => group('permit', r))];
    },

    async signInFailures(from, to) {
      const { rows } = await sql<{ key: string; count: number }>`
        SELECT 'portal:' || login_index AS key, count(*)::int AS count FROM sign_in_event
          WHERE outcome <> 'success' AND login_index IS NOT NULL AND time >= ${new Date(from)} AND time <= ${new Date(to)} GROUP BY login_index
        UNION ALL
        SELECT 'portal-ip:' || ip_index AS key, count(*)::int AS count FROM sign_in_event
          WHERE outcome <> 'success' AND time >= ${new Date(from)} AND time <= ${new Date(to)} GROUP BY ip_index`.execute(ctx.db);
      return rows.map((r) => ({ key: r.key, member: null, count: r.count }));
    },
  };
}
