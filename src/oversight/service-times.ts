/**
 * Public service times as oversight shows them (issue 8 item 5, ADR 0081): how long
 * complaints took to close and permits to issue, per agency and category. The portal computes
 * them (`portalFigures` in src/portal); this small interface is all oversight depends on. The
 * source already withholds times of small groups; `publishServiceTimes` applies oversight's own
 * threshold again to every count, so a source with a lower minimum cannot leak a small one.
 */
import { stringify } from 'csv-stringify/sync';
import type { Directory } from './directory.js';
import type { Period, Published } from './statistics.js';

export interface ServiceTimeGroup {
  measure: 'complaint' | 'permit';
  agency: string | null;
  category: string;
  count: number;
  open: number;
  medianDays: number | null;
  p90Days: number | null;
}

export interface ServiceTimesSource {
  serviceTimes(period: Period, minCount: number): Promise<ServiceTimeGroup[]>;
}

export const noServiceTimes: ServiceTimesSource = { serviceTimes: async () => [] };

export interface PublishedServiceTime {
  measure: 'complaint' | 'permit';
  agency: string | null;
  agency_name: string | null;
  category: string;
  completed: Published;
  open: Published;
  median_days: Published;
  p90_days: Published;
}

export const SERVICE_TIME_COLUMNS = ['measure', 'agency', 'agency_name', 'category', 'completed', 'open', 'median_days', 'p90_days'] as const;

export function publishServiceTimes(groups: ServiceTimeGroup[], directory: Directory, threshold: number): PublishedServiceTime[] {
  return groups.map((g) => {
    const enough = g.count >= threshold;
    return {
      measure: g.measure,
      agency: g.agency,
      agency_name: g.agency ? directory.memberName(g.agency) : null,
      category: g.category,
      completed: enough ? g.count : null,
      open: g.open >= threshold ? g.open : null,
      median_days: enough ? g.medianDays : null,
      p90_days: enough ? g.p90Days : null,
    };
  });
}

export function serviceTimesCsv(rows: PublishedServiceTime[]): string {
  return stringify(rows.map((r) => SERVICE_TIME_COLUMNS.map((c) => r[c] ?? '')), { header: true, columns: [...SERVICE_TIME_COLUMNS], record_delimiter: '\r\n' });
}

export function serviceTimesJson(rows: PublishedServiceTime[], meta: { generatedAt: string; threshold: number; from: string; to: string }): unknown {
  return {
    title: 'Waktu layanan publik Simpul / Simpul public service times',
    description: 'complaint: days from submission to closing; permit: days from application submitted to permit issued. Completed in the period; open at its end.',
    generatedAt: meta.generatedAt,
    period: { from: meta.from, to: meta.to },
    suppression: { threshold: meta.threshold, note: `Counts below ${meta.threshold} are withheld (null), and the times of such a group with them.` },
    fields: SERVICE_TIME_COLUMNS,
    rows,
  };
}
