/**
 * The reconciliation service: collects every agency's person records, builds the discrepancy
 * report, writes its files, and raises the correction requests its conflicts call for —
 * at start and on demand, one run at a time. It keeps the latest report for the API
 * (`registerReconcileRoutes`) and for oversight (`overview()`).
 *
 * @example
 *   const service = new ReconcileService({ store, collect: async () => demoAgencyRecords(data), reportDir: 'out' });
 *   await service.run();
 *   (await service.overview()).agencies.map((a) => [a.agency, a.score, a.corrections.open]);
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CorrectionStore } from './corrections.js';
import { reconcileAgencies, type AgencyRecords } from './federation.js';
import { buildOverview, type ReconcileOverview, type ReconcileRunStatus } from './overview.js';
import { writeReportFiles, type ReportFiles } from './report-files.js';
import type { DiscrepancyReport, ReportOptions } from './report.js';

export interface ReconcileServiceOptions {
  store: CorrectionStore;
  /** Every agency's person records for one run: the base registry's and the others'. */
  collect: () => Promise<{ base: AgencyRecords; others: AgencyRecords[] }>;
  /** Where each run writes report.json, the CSV tables and report.html; none when absent. */
  reportDir?: string;
  /** Recorded as who raised the correction requests. */
  requestedBy?: string;
  report?: ReportOptions;
  /** Told when a run ends, e.g. to log it. */
  onRun?: (status: ReconcileRunStatus) => void;
}

export class ReconcileService {
  readonly store: CorrectionStore;
  readonly #options: ReconcileServiceOptions;
  #report: DiscrepancyReport | undefined;
  #files: ReportFiles | undefined;
  #running: Promise<ReconcileRunStatus> | undefined;
  #status: ReconcileRunStatus = { state: 'idle', startedAt: null, finishedAt: null, seconds: null, records: null, corrections: null, error: null };

  constructor(options: ReconcileServiceOptions) {
    this.store = options.store;
    this.#options = options;
    // The report names persons: only the service's own user reads its directory.
    if (options.reportDir) mkdirSync(options.reportDir, { recursive: true, mode: 0o700 });
    // The previous run's report is served until this start's run replaces it.
    const previous = options.reportDir ? join(options.reportDir, 'report.json') : undefined;
    if (previous && existsSync(previous)) this.#report = JSON.parse(readFileSync(previous, 'utf8')) as DiscrepancyReport;
  }

  report(): DiscrepancyReport | undefined {
    return this.#report;
  }

  /** The files of the latest run of this process. */
  files(): ReportFiles | undefined {
    return this.#files;
  }

  status(): ReconcileRunStatus {
    return { ...this.#status };
  }

  /** Runs reconciliation; while a run is under way, returns that run instead of starting another. */
  run(): Promise<ReconcileRunStatus> {
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Resolves when no run is under way (before closing what the run uses). */
  async idle(): Promise<ReconcileRunStatus> {
    return this.#running ?? this.status();
  }

  async #run(): Promise<ReconcileRunStatus> {
    const started = Date.now();
    this.#status = { ...this.#status, state: 'running', startedAt: new Date(started).toISOString(), error: null };
    try {
      const { base, others } = await this.#options.collect();
      const report = await reconcileAgencies(base, others, this.#options.report);
      if (this.#options.reportDir) this.#files = await writeReportFiles(report, this.#options.reportDir);
      const { created, skipped } = await this.store.proposeFromReport(report, this.#options.requestedBy ?? 'simpul-reconcile');
      this.#report = report;
      const records = base.records.length + others.reduce((n, o) => n + o.records.length, 0);
      this.#status = { state: 'ready', startedAt: this.#status.startedAt, finishedAt: new Date().toISOString(), seconds: (Date.now() - started) / 1000, records, corrections: { created: created.length, skipped }, error: null };
    } catch (error) {
      this.#status = { ...this.#status, state: 'failed', finishedAt: new Date().toISOString(), seconds: (Date.now() - started) / 1000, error: error instanceof Error ? error.message : String(error) };
    }
    this.#options.onRun?.(this.status());
    return this.status();
  }

  /** Scores, conflicts and correction backlog per agency: what oversight shows. */
  async overview(now = new Date()): Promise<ReconcileOverview> {
    return buildOverview(this.#report, await this.store.stats(), this.status(), now);
  }
}
