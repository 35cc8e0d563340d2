/**
 * Change events in the running demo federation. DUKCAPIL's system publishes person events from
 * its outbox, and BPS, KEMENKES and KEMENDIKBUD apply them to their copies; the licensing
 * agency's system publishes each business it registers, and BPS applies it to its copy of the
 * business register (ADR 0074). Each publisher's events service is a backend its own gateway
 * serves; each subscriber reads through its own gateway under its subscription right. The
 * subscriptions' admin API (position, lag, dead letters, replay) is what `simpul events` talks
 * to; demo.json names it as `events.url`.
 */
import type { Database } from '../core/storage/database.js';
import {
  DEMO_BUSINESS_EVENTS_PUBLISHER, DEMO_BUSINESS_EVENTS_SERVICE, DEMO_EVENTS_PUBLISHER, DEMO_EVENTS_SERVICE, DEMO_SUBSCRIPTIONS, demoAllowedTypes, startDemoEvents, startEventPublisher,
  type DemoEvents, type DemoSubscriber, type EventPublisher,
} from '../events/index.js';
import type { Agency } from './data/types.js';

export { DEMO_BUSINESS_EVENTS_SERVICE, DEMO_EVENTS_SERVICE };

/** The demo's publishers: whose database holds the outbox, and the events service its gateway serves. */
const PUBLISHERS: readonly { agency: Agency; publisher: string; service: string }[] = [
  { agency: 'DUKCAPIL', publisher: DEMO_EVENTS_PUBLISHER, service: DEMO_EVENTS_SERVICE },
  { agency: 'LICENSING', publisher: DEMO_BUSINESS_EVENTS_PUBLISHER, service: DEMO_BUSINESS_EVENTS_SERVICE },
];

export interface DemoPublishers {
  /** Events service → the backend its publisher's gateway mounts. */
  backends: Map<string, EventPublisher['backend']>;
  publishers: Map<Agency, EventPublisher>;
  transport: EventPublisher['transport'];
  close(): Promise<void>;
}

/** The events service backends for DUKCAPIL's and LICENSING's gateways; on their outboxes unless a NATS URL is given. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function startDemoPublishers(databases: Map<Agency, Database<any>>, natsUrl?: string): Promise<DemoPublishers> {
  const publishers = new Map<Agency, EventPublisher>();
  const close = async () => {
    for (const p of [...publishers.values()].reverse()) await p.close();
  };
  try {
    for (const p of PUBLISHERS) {
      publishers.set(p.agency, await startEventPublisher({ database: databases.get(p.agency)!, publisher: p.publisher, natsUrl, allowedTypes: (client) => demoAllowedTypes(client, p.service) }));
    }
  } catch (error) {
    await close();
    throw error;
  }
  return {
    backends: new Map(PUBLISHERS.map((p) => [p.service, publishers.get(p.agency)!.backend])),
    publishers,
    transport: publishers.get('DUKCAPIL')!.transport,
    close,
  };
}

export interface DemoSubscribersOptions {
  gateways: Record<string, { consumer: string }>;
  clients: Record<string, { token: string }>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  databases: Map<Agency, Database<any>>;
  adminPort: number;
  host?: string;
  logLevel?: string;
  onError?: (agency: DemoSubscriber, error: unknown, service: string) => void;
}

/** Starts every demo subscription (DEMO_SUBSCRIPTIONS), each reading through its agency's own gateway. */
export function startDemoSubscribers(options: DemoSubscribersOptions): Promise<DemoEvents> {
  return startDemoEvents({
    subscribers: DEMO_SUBSCRIPTIONS.map((s) => ({
      agency: s.agency,
      service: s.service,
      client: s.client,
      gatewayUrl: options.gateways[s.client.split('/').slice(0, 3).join('/')]!.consumer,
      token: options.clients[s.client]!.token,
      database: options.databases.get(s.agency)!,
    })),
    admin: { port: options.adminPort, host: options.host },
    logLevel: options.logLevel,
    onError: options.onError,
  });
}
