/**
 * Events in the demo federation: DUKCAPIL publishes person events, and BPS, KEMENKES and
 * KEMENDIKBUD keep their copies (respondents, patients, students) up to date; the licensing
 * agency (OSS) publishes `business.registered`, and BPS keeps its copy of the business register
 * up to date. Each subscriber reads through its own gateway. The orchestrator
 * (src/demo/federation.ts, via src/demo/events.ts) calls:
 *
 *   // 1. before the publishers' gateways start: the events service backends they mount
 *   const publisher = await startEventPublisher({ database: dukcapilBackendDb, publisher: DEMO_EVENTS_PUBLISHER,
 *     natsUrl, allowedTypes: (client) => demoAllowedTypes(client) });
 *   dukcapilBackends.set(DEMO_EVENTS_SERVICE, publisher.backend);   // likewise LICENSING with DEMO_BUSINESS_EVENTS_*
 *   // 2. once gateways run and client tokens exist
 *   const events = await startDemoEvents({ subscribers: [{ agency: 'BPS', service: DEMO_EVENTS_SERVICE, gatewayUrl, token, database: bpsBackendDb }, …],
 *     admin: { port: portBase + 5 } });
 *   // manifest: events: { url: events.adminUrl }  →  `simpul events status --data-dir …`
 *   await events.close(); await publisher.close();
 */
import type { Database } from '../core/storage/database.js';
import { createHttpApp, listen } from '../core/http/app.js';
import { registerSubscriptionRoutes } from './admin-routes.js';
import { bpsBusinessHandler, bpsRespondentHandler, kemendikbudStudentHandler, kemenkesPatientHandler, type DemoSubscriber } from './demo-handlers.js';
import type { EventType } from './event.js';
import { GatewayFeedSource } from './gateway-feed-source.js';
import { Subscription, type EventHandler } from './subscription.js';

export const DEMO_EVENTS_PUBLISHER = 'ID/GOV/DUKCAPIL/SIAK';
export const DEMO_EVENTS_SERVICE = `${DEMO_EVENTS_PUBLISHER}/events`;
/** The licensing agency's system: it publishes each business it registers (NIB issued). */
export const DEMO_BUSINESS_EVENTS_PUBLISHER = 'ID/GOV/LICENSING/OSS';
export const DEMO_BUSINESS_EVENTS_SERVICE = `${DEMO_BUSINESS_EVENTS_PUBLISHER}/events`;
/** The purpose of a subscription: keeping a copy of base-registry data up to date. */
export const DEMO_EVENTS_PURPOSE = 'PEMUTAKHIRAN-DATA';

const ADMINDUK = 'UU 24/2013 Administrasi Kependudukan jo. Permendagri 102/2019 Hak Akses Data Kependudukan';
const STATISTIK = 'UU 16/1997 Statistik';

/** For src/demo/plan.ts: the service entry under DUKCAPIL (its backend is `publisher.backend`, not an HTTP path). */
export const DEMO_EVENTS_SERVICE_DEFINITION = {
  code: 'events',
  title: 'Peristiwa kependudukan: lahir, meninggal, pindah alamat, ganti nama / Population change events',
  // A feed page concerns many subjects; the per-subject trail is the delivery ledger (ADR 0071).
  personalData: false,
  backendPath: '',
} as const;

/** For src/demo/plan.ts: the service entry under LICENSING (ADR 0074). */
export const DEMO_BUSINESS_EVENTS_SERVICE_DEFINITION = {
  code: 'events',
  title: 'Peristiwa perizinan berusaha: pelaku usaha terdaftar (NIB terbit) / Business registration events',
  // As for DUKCAPIL's feed: one page names many owners; the delivery ledger keeps the per-subject trail.
  personalData: false,
  backendPath: '',
} as const;

export interface DemoSubscription {
  agency: DemoSubscriber;
  client: string;
  /** The publisher's events service. */
  service: string;
  purpose: string;
  legalBasis: string;
  /** How the agency applies the events to its copy; its types are all the publisher serves it (data minimisation). */
  handler: EventHandler;
}

/** Who subscribes to which events service, under which right, and what it does with the events. */
export const DEMO_SUBSCRIPTIONS: readonly DemoSubscription[] = [
  { agency: 'BPS', client: 'ID/GOV/BPS/SENSUS', service: DEMO_EVENTS_SERVICE, purpose: DEMO_EVENTS_PURPOSE, legalBasis: `${STATISTIK}; ${ADMINDUK} Pasal 58 (pemutakhiran data)`, handler: bpsRespondentHandler },
  { agency: 'KEMENKES', client: 'ID/GOV/KEMENKES/SATUSEHAT', service: DEMO_EVENTS_SERVICE, purpose: DEMO_EVENTS_PURPOSE, legalBasis: `UU 17/2023 Kesehatan; ${ADMINDUK} Pasal 58 (pemutakhiran data)`, handler: kemenkesPatientHandler },
  { agency: 'KEMENDIKBUD', client: 'ID/GOV/KEMENDIKBUD/DAPODIK', service: DEMO_EVENTS_SERVICE, purpose: DEMO_EVENTS_PURPOSE, legalBasis: `UU 20/2003 Sistem Pendidikan Nasional; ${ADMINDUK} Pasal 58 (pemutakhiran data)`, handler: kemendikbudStudentHandler },
  // BPS keeps its business register (the frame of its business surveys) current from OSS's registrations.
  { agency: 'BPS', client: 'ID/GOV/BPS/SENSUS', service: DEMO_BUSINESS_EVENTS_SERVICE, purpose: DEMO_EVENTS_PURPOSE, legalBasis: `${STATISTIK}; Perpres 39/2019 Satu Data Indonesia (pemutakhiran direktori usaha)`, handler: bpsBusinessHandler },
];

/** For src/demo/plan.ts DEMO_RIGHTS: the subscriptions, each an access right with purpose and legal basis. */
export const DEMO_EVENT_RIGHTS: readonly { client: string; service: string; purpose: string; legalBasis: string }[] = DEMO_SUBSCRIPTIONS.map(({ client, service, purpose, legalBasis }) => ({ client, service, purpose, legalBasis }));

function demoSubscription(agency: DemoSubscriber, service: string): DemoSubscription {
  const found = DEMO_SUBSCRIPTIONS.find((s) => s.agency === agency && s.service === service);
  if (!found) throw new Error(`${agency} has no subscription to ${service} in the demo.`);
  return found;
}

/**
 * Data minimisation at the publisher: each subscriber of `service` receives only the types its
 * copy uses; a client without a subscription there, none.
 */
export function demoAllowedTypes(client: string, service: string = DEMO_EVENTS_SERVICE): readonly EventType[] | undefined {
  return DEMO_SUBSCRIPTIONS.find((s) => s.client === client && s.service === service)?.handler.types ?? [];
}

export interface DemoSubscriberOptions {
  agency: DemoSubscriber;
  /** The events service it reads; DUKCAPIL's by default. */
  service?: string;
  /** The agency's own gateway, consumer side. */
  gatewayUrl: string;
  /** The client subsystem's bearer token at that gateway. */
  token: string;
  client?: string;
  /** The agency backend's database (its copy lives there; the subscription's tables join it). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  database: Database<any>;
}

export interface DemoEventsOptions {
  subscribers: readonly DemoSubscriberOptions[];
  /** Serve the subscriptions' admin API (for `simpul events …`). */
  admin?: { port: number; host?: string };
  logLevel?: string;
  onError?: (agency: DemoSubscriber, error: unknown, service: string) => void;
}

export interface DemoEvents {
  subscriptions: readonly { agency: DemoSubscriber; service: string; subscription: Subscription }[];
  /** The agency's subscription to `service` (DUKCAPIL's events by default). */
  subscription(agency: DemoSubscriber, service?: string): Subscription;
  adminUrl: string | undefined;
  close(): Promise<void>;
}

export async function startDemoEvents(options: DemoEventsOptions): Promise<DemoEvents> {
  const subscriptions: { agency: DemoSubscriber; service: string; subscription: Subscription }[] = [];
  for (const s of options.subscribers) {
    const service = s.service ?? DEMO_EVENTS_SERVICE;
    const plan = demoSubscription(s.agency, service);
    // Named by the service it reads, so one agency database holds one subscription per publisher.
    const subscription = await Subscription.open({
      name: service,
      database: s.database,
      handler: plan.handler,
      source: new GatewayFeedSource({ gatewayUrl: s.gatewayUrl, token: s.token, client: s.client ?? plan.client, purpose: plan.purpose, service }),
      onError: (error) => options.onError?.(s.agency, error, service),
    });
    subscriptions.push({ agency: s.agency, service, subscription });
  }
  let adminUrl: string | undefined;
  let close = async () => undefined as void;
  if (options.admin) {
    const app = await createHttpApp({ title: 'Simpul event subscriptions (demo)', description: 'Position, lag, dead letters and replay of the demo agencies\' subscriptions. See docs/protocols/events.md.', logLevel: options.logLevel ?? 'warn' });
    await registerSubscriptionRoutes(app, subscriptions.map(({ agency, subscription }) => ({ owner: agency, subscription })));
    adminUrl = await listen(app, options.admin.port, options.admin.host ?? '127.0.0.1');
    close = () => app.close();
  }
  for (const s of subscriptions) s.subscription.start();
  return {
    subscriptions,
    subscription(agency, service = DEMO_EVENTS_SERVICE) {
      const found = subscriptions.find((s) => s.agency === agency && s.service === service);
      if (!found) throw new Error(`No subscription of ${agency} to ${service} was started.`);
      return found.subscription;
    },
    adminUrl,
    async close() {
      await close();
      for (const s of subscriptions) await s.subscription.stop();
    },
  };
}
