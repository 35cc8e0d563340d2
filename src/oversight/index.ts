/**
 * Oversight and public transparency (ADR 0080): a monitor of the gateways' public exchange
 * logs, statistics with small-count suppression, open data, security rules and alerts,
 * incidents with the UU 27/2022 Pasal 46 breach notice, and the operators' console.
 *
 *   const view = await registryView({ registryUrl, anchor });
 *   const oversight = await createOversight({ database, configuration: view.current,
 *     logUrls: () => ({ 'ID/GOV/DUKCAPIL/gw1': 'https://gw1.dukcapil.example' }), auth: registryAuth(registryUrl) });
 *   await listen(oversight.app, 8080);
 */
export { createOversight, type Oversight, type OversightOptions } from './oversight.js';
export { registryView, type RegistryView } from './registry-view.js';
export { registryAuth, type ConsoleAuth, type ConsolePrincipal, type ConsoleRole } from './console-auth.js';
export { LogMonitor, monitoredGateways, recordLogEvent, type MonitoredGateway, type LogEventKind } from './log-monitor.js';
export { SecurityRules, DEFAULT_RULES, type RuleSettings, type SignInSource } from './rules.js';
export { AlertDesk, postWebhook, publicAlert, type Alert, type Webhook } from './alerts.js';
export { ExpiryReminders, publicReminder, DEFAULT_REMINDER_DAYS, REMINDER_EVENT, type Reminder } from './reminders.js';
export { Incidents, breachNotice, NOTICE_DEADLINE_MS, type Incident } from './incidents.js';
export { ExchangeStatistics, suppress } from './statistics.js';
export { observe, pruneRawLeaves, rebuildRollups, DEFAULT_RAW_RETENTION_DAYS, ROLLUP_PERCENTILE_PRECISION, type ObservedLeaf } from './rollups.js';
export { noQuality, qualityFromOverview, qualityFromReports, scoreSeries, type QualityOverview, type QualitySource, type QualitySnapshot } from './quality.js';
export { noServiceTimes, publishServiceTimes, type ServiceTimesSource, type ServiceTimeGroup, type PublishedServiceTime } from './service-times.js';
