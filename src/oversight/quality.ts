/**
 * Data quality per agency as oversight shows it. Reconciliation (src/reconcile) computes it;
 * this small interface is all oversight depends on, so the source can change (a stored
 * history, an exported reconcile API) without touching the pages.
 */
import type { DiscrepancyReport } from '../reconcile/report.js';

export interface QualitySnapshot {
  agency: string;
  /** When the reconciliation ran (ms since the epoch). */
  at: number;
  /** 0–100. */
  score: number;
  openConflicts: number;
  openCorrections: number;
  /** Age in days of the oldest correction request still open; null when none is open. */
  oldestOpenCorrectionDays: number | null;
}

export interface QualitySource {
  /** Every snapshot known, oldest first. */
  snapshots(): Promise<QualitySnapshot[]>;
}

export const noQuality: QualitySource = { snapshots: async () => [] };

/** Snapshots from reconciliation reports (one per run), with the corrections still open. */
export function qualityFromReports(reports: () => readonly DiscrepancyReport[], openCorrections: () => { agency: string; createdAt: number }[] = () => [], now = Date.now): QualitySource {
  return {
    async snapshots() {
      const open = openCorrections();
      return reports().flatMap((report) => report.agencies.map((a) => {
        const mine = open.filter((c) => c.agency === a.agency);
        const oldest = mine.length ? Math.min(...mine.map((c) => c.createdAt)) : null;
        return {
          agency: a.agency,
          at: Date.parse(report.generatedAt),
          score: a.score,
          openConflicts: report.conflicts.filter((c) => c.agency === a.agency).length,
          openCorrections: mine.length,
          oldestOpenCorrectionDays: oldest === null ? null : Math.floor((now() - oldest) / 86_400_000),
        };
      }));
    },
  };
}

/**
 * The shape reconciliation's overview takes (per agency: score, conflicts, correction backlog),
 * written out here so oversight does not depend on reconcile's internals; any source that
 * returns it — `GET /reconcile/overview` or an in-process call — can feed the pages.
 */
export interface QualityOverview {
  reportGeneratedAt: string | null;
  agencies: { agency: string; score: number; conflicts: number; corrections: { open: number; oldestOpenAgeSeconds: number | null } }[];
}

/**
 * Keeps one snapshot per reconciliation report seen, so the pages can chart quality over time.
 * `memberOf` turns reconciliation's agency names into member ids (`BPS` → `ID/GOV/BPS`).
 */
export function qualityFromOverview(overview: () => Promise<QualityOverview | undefined>, memberOf: (agency: string) => string = (agency) => agency): QualitySource {
  const history = new Map<string, QualitySnapshot[]>();
  return {
    async snapshots() {
      const o = await overview().catch(() => undefined);
      if (o?.reportGeneratedAt && !history.has(o.reportGeneratedAt)) {
        const at = Date.parse(o.reportGeneratedAt);
        history.set(o.reportGeneratedAt, o.agencies.map((a) => ({
          agency: memberOf(a.agency), at, score: a.score, openConflicts: a.conflicts, openCorrections: a.corrections.open,
          oldestOpenCorrectionDays: a.corrections.oldestOpenAgeSeconds === null ? null : Math.floor(a.corrections.oldestOpenAgeSeconds / 86_400),
        })));
      }
      return [...history.values()].flat().sort((a, b) => a.at - b.at);
    },
  };
}

/** The score of every agency over reconciliation runs, one series per agency, oldest first: what the charts draw. */
export function scoreSeries(snapshots: readonly QualitySnapshot[]): { agency: string; points: { at: number; value: number }[] }[] {
  const byAgency = new Map<string, { at: number; value: number }[]>();
  for (const s of [...snapshots].sort((a, b) => a.at - b.at)) {
    const points = byAgency.get(s.agency) ?? [];
    points.push({ at: s.at, value: s.score });
    byAgency.set(s.agency, points);
  }
  return [...byAgency].sort(([a], [b]) => a.localeCompare(b)).map(([agency, points]) => ({ agency, points }));
}
