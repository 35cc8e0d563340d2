/**
 * Change events in the running demo federation: DUKCAPIL's system publishes from its outbox
 * (the events service its gateway serves), and BPS, KEMENKES and KEMENDIKBUD subscribe through
 * their own gateways under their subscription rights, applying the changes to their own copies.
 * The subscriptions' admin API (position, lag, dead letters, replay) is what `simpul events`
 * talks to; demo.json names it as `events.url`.
 */
import type { Database } from '../core/storage/database.js';
import { DEMO_EVENTS_SERVICE, demoAllowedTypes, startDemoEvents, startEventPublisher, type DemoEvents, type DemoSubscriber, type EventPublisher } from '../events/index.js';
import type { Agency } from './data/types.js';

export { DEMO_EVENTS_SERVICE };

/** The events service backend for DUKCAPIL's gateway; on the outbox unless a NATS URL is given. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function startDemoPublisher(dukcapil: Database<any>, natsUrl?: string): Promise<EventPublisher> {
  return startEventPublisher({ database: dukcapil, publisher: 'ID/GOV/DUKCAPIL/SIAK', natsUrl, allowedTypes: (client) => demoAllowedTypes(client) });
}

const SUBSCRIBERS: readonly { agency: DemoSubscriber; member: string; client: string }[] = [
  { agency: 'BPS', member: 'ID/GOV/BPS', client: 'ID/GOV/BPS/SENSUS' },
  { agency: 'KEMENKES', member: 'ID/GOV/KEMENKES', client: 'ID/GOV/KEMENKES/SATUSEHAT' },
  { agency: 'KEMENDIKBUD', member: 'ID/GOV/KEMENDIKBUD', client: 'ID/GOV/KEMENDIKBUD/DAPODIK' },
];

export interface DemoSubscribersOptions {
  gateways: Record<string, { consumer: string }>;
  clients: Record<string, { token: string }>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  databases: Map<Agency, Database<any>>;
  adminPort: number;
  host?: string;
  logLevel?: string;
  onError?: (agency: DemoSubscriber, error: unknown) => void;
}

/** Starts the three agencies' subscriptions, each reading through its own gateway. */
export function startDemoSubscribers(options: DemoSubscribersOptions): Promise<DemoEvents> {
  return startDemoEvents({
    subscribers: SUBSCRIBERS.map((s) => ({
      agency: s.agency,
      client: s.client,
      gatewayUrl: options.gateways[s.member]!.consumer,
      token: options.clients[s.client]!.token,
      database: options.databases.get(s.agency)!,
    })),
    admin: { port: options.adminPort, host: options.host },
    logLevel: options.logLevel,
    onError: options.onError,
  });
}
