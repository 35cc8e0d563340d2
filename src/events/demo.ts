/**
 * Events in the demo federation: DUKCAPIL publishes person events; BPS, KEMENKES and
 * KEMENDIKBUD subscribe through their own gateways and keep their copies (respondents,
 * patients, students) up to date. The orchestrator (src/demo/federation.ts) calls:
 *
 *   // 1. before the DUKCAPIL gateway starts: the events service backend it mounts
 *   const publisher = await startEventPublisher({ database: dukcapilBackendDb, publisher: DEMO_EVENTS_PUBLISHER,
 *     natsUrl: process.env.NATS_URL, allowedTypes: demoAllowedTypes });
 *   dukcapilBackends.set(DEMO_EVENTS_SERVICE, publisher.backend);
 *   // 2. once gateways run and client tokens exist
 *   const events = await startDemoEvents({ subscribers: [{ agency: 'BPS', gatewayUrl, token, client: 'ID/GOV/BPS/SENSUS', database: bpsBackendDb }, …],
 *     admin: { port: portBase + 5 } });
 *   // manifest: events: { url: events.adminUrl }  →  `simpul events status --data-dir …`
 *   await events.close(); await publisher.close();
 */
import type { Database } from '../core/storage/database.js';
import { createHttpApp, listen } from '../core/http/app.js';
import { registerSubscriptionRoutes } from './admin-routes.js';
import { DEMO_HANDLERS, type DemoSubscriber } from './demo-handlers.js';
import type { EventType } from './event.js';
import { GatewayFeedSource } from './gateway-feed-source.js';
import { Subscription } from './subscription.js';

export const DEMO_EVENTS_PUBLISHER = 'ID/GOV/DUKCAPIL/SIAK';
export const DEMO_EVENTS_SERVICE = `${DEMO_EVENTS_PUBLISHER}/events`;
/** The purpose of a subscription: keeping a copy of base-registry data up to date. */
export const DEMO_EVENTS_PURPOSE = 'PEMUTAKHIRAN-DATA';

const ADMINDUK = 'UU 24/2013 Administrasi Kependudukan jo. Permendagri 102/2019 Hak Akses Data Kependudukan';

/** For src/demo/plan.ts: the service entry under DUKCAPIL (its backend is `publisher.backend`, not an HTTP path). */
export const DEMO_EVENTS_SERVICE_DEFINITION = {
  code: 'events',
  title: 'Peristiwa kependudukan: lahir, meninggal, pindah alamat, ganti nama / Population change events',
  // A feed page concerns many subjects; the per-subject trail is the delivery ledger (ADR 0071).
  personalData: false,
  backendPath: '',
} as const;

/** For src/demo/plan.ts DEMO_RIGHTS: the subscriptions, each an access right with purpose and legal basis. */
export const DEMO_EVENT_RIGHTS: readonly { client: string; service: string; purpose: string; legalBasis: string }[] = [
  { client: 'ID/GOV/BPS/SENSUS', service: DEMO_EVENTS_SERVICE, purpose: DEMO_EVENTS_PURPOSE, legalBasis: `UU 16/1997 Statistik; ${ADMINDUK} Pasal 58 (pemutakhiran data)` },
  { client: 'ID/GOV/KEMENKES/SATUSEHAT', service: DEMO_EVENTS_SERVICE, purpose: DEMO_EVENTS_PURPOSE, legalBasis: `UU 17/2023 Kesehatan; ${ADMINDUK} Pasal 58 (pemutakhiran data)` },
  { client: 'ID/GOV/KEMENDIKBUD/DAPODIK', service: DEMO_EVENTS_SERVICE, purpose: DEMO_EVENTS_PURPOSE, legalBasis: `UU 20/2003 Sistem Pendidikan Nasional; ${ADMINDUK} Pasal 58 (pemutakhiran data)` },
];

const CLIENT_OF: Record<DemoSubscriber, string> = { BPS: 'ID/GOV/BPS/SENSUS', KEMENKES: 'ID/GOV/KEMENKES/SATUSEHAT', KEMENDIKBUD: 'ID/GOV/KEMENDIKBUD/DAPODIK' };

/** Data minimisation at the publisher: each subscriber receives only the types its copy uses. */
export function demoAllowedTypes(client: string): readonly EventType[] | undefined {
  const agency = (Object.keys(CLIENT_OF) as DemoSubscriber[]).find((a) => CLIENT_OF[a] === client);
  return agency ? DEMO_HANDLERS[agency].types : [];
}

export interface DemoSubscriberOptions {
  agency: DemoSubscriber;
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
  onError?: (agency: DemoSubscriber, error: unknown) => void;
}

export interface DemoEvents {
  subscriptions: Map<DemoSubscriber, Subscription>;
  adminUrl: string | undefined;
  close(): Promise<void>;
}

export async function startDemoEvents(options: DemoEventsOptions): Promise<DemoEvents> {
  const subscriptions = new Map<DemoSubscriber, Subscription>();
  for (const s of options.subscribers) {
    const subscription = await Subscription.open({
      name: DEMO_EVENTS_SERVICE,
      database: s.database,
      handler: DEMO_HANDLERS[s.agency],
      source: new GatewayFeedSource({ gatewayUrl: s.gatewayUrl, token: s.token, client: s.client ?? CLIENT_OF[s.agency], purpose: DEMO_EVENTS_PURPOSE, service: DEMO_EVENTS_SERVICE }),
      onError: (error) => options.onError?.(s.agency, error),
    });
    subscriptions.set(s.agency, subscription);
  }
  let adminUrl: string | undefined;
  let close = async () => undefined as void;
  if (options.admin) {
    const app = await createHttpApp({ title: 'Simpul event subscriptions (demo)', description: 'Position, lag, dead letters and replay of the demo agencies\' subscriptions. See docs/protocols/events.md.', logLevel: options.logLevel ?? 'warn' });
    await registerSubscriptionRoutes(app, [...subscriptions].map(([owner, subscription]) => ({ owner, subscription })));
    adminUrl = await listen(app, options.admin.port, options.admin.host ?? '127.0.0.1');
    close = () => app.close();
  }
  for (const s of subscriptions.values()) s.start();
  return {
    subscriptions,
    adminUrl,
    async close() {
      await close();
      for (const s of subscriptions.values()) await s.stop();
    },
  };
}
