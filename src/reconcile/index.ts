/**
 * The reconciliation part's public interface (docs/reconcile.md, "Library interface"): other
 * parts — the demo federation, oversight — use these exports, never the modules behind them.
 */
export { CorrectionStore, correctionMigrations, routeConflict } from './corrections.js';
export type { CitizenDisputeEvidence, CorrectionFilter, CorrectionInput, CorrectionPolicy, CorrectionReason, CorrectionRequest, CorrectionStats, CorrectionStatus, CorrectionTables } from './corrections.js';
export { demoAgencyRecords, PERSON_RECORD_MAP, reconcileAgencies } from './federation.js';
export type { AgencyRecords, PersonRecord } from './federation.js';
export { registerReconcileRoutes, reportFor } from './http.js';
export type { ReconcilePrincipal, ReconcileRoutesOptions } from './http.js';
export { buildOverview, correctionAgeSeconds } from './overview.js';
export type { AgencyOverview, ReconcileOverview, ReconcileRunStatus } from './overview.js';
export { renderReportHtml } from './report-html.js';
export { writeReportFiles } from './report-files.js';
export type { ReportFiles } from './report-files.js';
export { buildDiscrepancyReport, CONFLICT_FIELDS, qualityScore } from './report.js';
export type { AgencyQuality, AgencySource, ConflictField, DiscrepancyReport, DuplicateCluster, FieldConflict, ReportOptions, UnmatchedRecord } from './report.js';
export { ReconcileService } from './service.js';
export type { ReconcileServiceOptions } from './service.js';
export { dedupeFile, linkFiles } from './tasks.js';
