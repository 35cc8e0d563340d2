/**
 * A base registry's event publishing, assembled: the outbox in its database, the transport
 * (the outbox itself, or NATS JetStream with a relay when a NATS URL is given), the delivery
 * ledger, and the events service backend its provider gateway mounts.
 *
 * @example
 *   const publisher = await startEventPublisher({ database: dukcapilDb, publisher: 'ID/GOV/DUKCAPIL/SIAK', natsUrl: process.env.NATS_URL });
 *   backends.set('ID/GOV/DUKCAPIL/SIAK/events', publisher.backend);
 *   …
 *   await publisher.close();
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { Backend } from '../adapters/backend.js';
import type { Database } from '../core/storage/database.js';
import { DeliveryLedger, migrateDeliveryLedger } from './delivery-ledger.js';
import type { EventType } from './event.js';
import { createEventsBackend } from './events-backend.js';
import type { EventFeed } from './feed.js';
import { connectNats, type StreamSettings } from './jetstream.js';
import { JetStreamFeed } from './jetstream-feed.js';
import { JetStreamRelay } from './jetstream-relay.js';
import { OutboxFeed } from './outbox-feed.js';
import { migrateOutbox } from './outbox.js';

export interface EventPublisherOptions {
  /** The publisher's database, where its changes and their outbox rows commit together. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  database: Database<any>;
  /** The publishing subsystem, e.g. `ID/GOV/DUKCAPIL/SIAK`. */
  publisher: string;
  /** NATS JetStream for production; the outbox feed (no broker) when absent. */
  natsUrl?: string | undefined;
  /** The JetStream stream's namespace and limits (see StreamSettings). */
  stream?: StreamSettings;
  /** Data minimisation per client and purpose (see EventsBackendOptions.allowedTypes). */
  allowedTypes?: (client: string, purpose: string) => readonly EventType[] | undefined;
  onError?: (error: unknown) => void;
}

export interface EventPublisher {
  readonly transport: 'outbox' | 'jetstream';
  /** Mount at the provider gateway for the events service. */
  readonly backend: Backend;
  readonly feed: EventFeed;
  readonly deliveries: DeliveryLedger;
  readonly relay: JetStreamRelay | undefined;
  /** Call after committing changes in this process: relays and answers waiting long polls at once. */
  notify(): void;
  close(): Promise<void>;
}

export async function startEventPublisher(options: EventPublisherOptions): Promise<EventPublisher> {
  const { db, schema } = options.database;
  await migrateOutbox(db, schema);
  await migrateDeliveryLedger(db, schema);
  const deliveries = new DeliveryLedger(db);
  let nats: NatsConnection | undefined;
  let relay: JetStreamRelay | undefined;
  let feed: EventFeed;
  try {
    if (options.natsUrl) {
      nats = await connectNats(options.natsUrl);
      relay = await JetStreamRelay.start({ db, nats, publisher: options.publisher, stream: options.stream, onError: options.onError });
      feed = await JetStreamFeed.open({ nats, publisher: options.publisher, stream: options.stream, onError: options.onError });
    } else {
      feed = new OutboxFeed({ db });
    }
  } catch (error) {
    await relay?.close();
    await nats?.close();
    throw error;
  }
  const backend = createEventsBackend({ feed, publisher: options.publisher, deliveries, allowedTypes: options.allowedTypes, onError: options.onError });
  return {
    transport: nats ? 'jetstream' : 'outbox',
    backend,
    feed,
    deliveries,
    relay,
    notify() {
      relay?.notify();
      feed.notify();
    },
    async close() {
      await backend.close();
      await feed.close();
      await relay?.close();
      await nats?.close();
    },
  };
}
