/**
 * What oversight reads from reconciliation: per agency, its data-quality score and components,
 * the conflicts the latest report holds against the base registry, and its correction backlog
 * (open, accepted, rejected, and the age of the oldest open request). One plain JSON shape,
 * served at `GET /reconcile/overview` and returned by `ReconcileService.overview()`.
 */
import type { CorrectionRequest, CorrectionStats } from './corrections.js';
import type { AgencyQuality, ConflictField, DiscrepancyReport } from './report.js';

/** The state of the latest reconciliation run. */
export interface ReconcileRunStatus {
  state: 'idle' | 'running' | 'ready' | 'failed';
  startedAt: string | null;
  finishedAt: string | null;
  /** Wall-clock seconds of the last finished run (collecting records, linking, files, requests). */
  seconds: number | null;
  /** Records reconciled, all agencies together. */
  records: number | null;
  /** Correction requests the last run raised, and conflicts already covered by an open one. */
  corrections: { created: number; skipped: number } | null;
  error: string | null;
}

export interface AgencyOverview {
  agency: string;
  isBase: boolean;
  records: number;
  linked: number;
  unmatched: number;
  duplicateClusters: number;
  /** 0–100 (docs/reconcile.md, "Data-quality score"), with its components, each 0–1. */
  score: number;
  components: Pick<AgencyQuality, 'completeness' | 'validity' | 'consistency' | 'linkage' | 'uniqueness'>;
  /** Field conflicts of this agency's records against the base registry, in the latest report. */
  conflicts: number;
  conflictsByField: Partial<Record<ConflictField, number>>;
  /** Correction requests addressed to this agency. */
  corrections: { open: number; accepted: number; rejected: number; oldestOpenAt: string | null; oldestOpenAgeSeconds: number | null };
}

export interface ReconcileOverview {
  /** When the report was built; null before the first run. */
  reportGeneratedAt: string | null;
  base: string | null;
  run: ReconcileRunStatus;
  agencies: AgencyOverview[];
}

const seconds = (from: string | null, now: Date): number | null => (from === null ? null : Math.max(0, Math.round((now.getTime() - Date.parse(from)) / 1000)));

/** How long a correction request has been waiting (or waited, once decided), in seconds. */
export function correctionAgeSeconds(request: Pick<CorrectionRequest, 'createdAt' | 'decidedAt'>, now = new Date()): number {
  return seconds(request.createdAt, request.decidedAt ? new Date(request.decidedAt) : now) ?? 0;
}

/** Joins the latest report's scores and conflicts with the correction backlog. */
export function buildOverview(report: DiscrepancyReport | undefined, stats: readonly CorrectionStats[], run: ReconcileRunStatus, now = new Date()): ReconcileOverview {
  const backlog = new Map(stats.map((s) => [s.addressedTo, s]));
  const names = [...(report?.agencies.map((a) => a.agency) ?? []), ...stats.map((s) => s.addressedTo).filter((a) => !report?.agencies.some((q) => q.agency === a))];
  return {
    reportGeneratedAt: report?.generatedAt ?? null,
    base: report?.base ?? null,
    run,
    agencies: names.map((agency) => {
      const q = report?.agencies.find((a) => a.agency === agency);
      const b = backlog.get(agency);
      const conflicts = report?.conflicts.filter((c) => c.agency === agency) ?? [];
      const byField: Partial<Record<ConflictField, number>> = {};
      for (const c of conflicts) byField[c.field] = (byField[c.field] ?? 0) + 1;
      return {
        agency,
        isBase: q?.isBase ?? agency === report?.base,
        records: q?.records ?? 0,
        linked: q?.linked ?? 0,
        unmatched: q?.unmatched ?? 0,
        duplicateClusters: q?.duplicateClusters ?? 0,
        score: q?.score ?? 0,
        components: { completeness: q?.completeness ?? 0, validity: q?.validity ?? 0, consistency: q?.consistency ?? 0, linkage: q?.linkage ?? 0, uniqueness: q?.uniqueness ?? 0 },
        conflicts: conflicts.length,
        conflictsByField: byField,
        corrections: {
          open: b?.open ?? 0,
          accepted: b?.accepted ?? 0,
          rejected: b?.rejected ?? 0,
          oldestOpenAt: b?.oldestOpenAt ?? null,
          oldestOpenAgeSeconds: seconds(b?.oldestOpenAt ?? null, now),
        },
      };
    }),
  };
}
