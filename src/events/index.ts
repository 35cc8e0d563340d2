/**
 * Change events between agencies (docs/protocols/events.md), as a library:
 *
 *   // publisher (base registry): in the change's transaction, last
 *   await appendToOutbox(trx, [addressChanged(nik, previous, next)]);
 *   // publisher runtime: the events service backend its provider gateway mounts
 *   const publisher = await startEventPublisher({ database, publisher: 'ID/GOV/DUKCAPIL/SIAK', natsUrl: process.env.NATS_URL });
 *   backends.set('ID/GOV/DUKCAPIL/SIAK/events', publisher.backend);
 *   // subscriber: through its own gateway, into its own database
 *   const subscription = await Subscription.open({ name, database, handler, source: new GatewayFeedSource({ gatewayUrl, token, client, purpose, service }) });
 *   subscription.start();
 */
export { EVENT_TYPES, addressChanged, businessRegistered, eventProblem, isEventType, nameChanged, parseEventTypes, personBorn, personDied, type ChangeEvent, type EventData, type EventType, type NewEvent } from './event.js';
export { appendToOutbox, migrateOutbox, outboxHead, outboxMigration, readOutbox, type OutboxPage } from './outbox.js';
export { nextPosition, type EventFeed, type FeedPage, type FeedRequest } from './feed.js';
export { OutboxFeed, type OutboxFeedOptions } from './outbox-feed.js';
export { EVENTS_FEED_FORMAT, createEventsBackend, type EventsBackendOptions, type FeedResponseBody } from './events-backend.js';
export { DeliveryLedger, deliveryLedgerMigration, migrateDeliveryLedger, type Delivery, type SubjectDelivery } from './delivery-ledger.js';
export { connectNats, ensureStream, streamName, subjectPrefix, type StreamSettings } from './jetstream.js';
export { JetStreamRelay, StreamBehindOutbox, type JetStreamRelayOptions } from './jetstream-relay.js';
export { JetStreamFeed, type JetStreamFeedOptions } from './jetstream-feed.js';
export { startEventPublisher, type EventPublisher, type EventPublisherOptions } from './publisher.js';
export { FeedError, GatewayFeedSource, isPermanentRefusal, type FeedFetch, type FeedSource, type FetchedPage, type GatewayFeedSourceOptions } from './gateway-feed-source.js';
export { LocalFeedSource } from './local-feed-source.js';
export { Subscription, type EventHandler, type SubscriptionOptions } from './subscription.js';
export { listDeadLetters, migrateSubscriptionStore, replaySubscription, subscriptionStatus, type DeadLetter, type ReplayResult, type SubscriptionStatus } from './subscription-store.js';
export { registerSubscriptionRoutes, type AdminSubscription } from './admin-routes.js';
export { bpsBusinessHandler, bpsRespondentHandler, kemendikbudStudentHandler, kemenkesPatientHandler, type DemoSubscriber } from './demo-handlers.js';
export {
  DEMO_BUSINESS_EVENTS_PUBLISHER, DEMO_BUSINESS_EVENTS_SERVICE, DEMO_BUSINESS_EVENTS_SERVICE_DEFINITION, DEMO_EVENTS_PUBLISHER, DEMO_EVENTS_PURPOSE, DEMO_EVENTS_SERVICE, DEMO_EVENTS_SERVICE_DEFINITION,
  DEMO_EVENT_RIGHTS, DEMO_SUBSCRIPTIONS, demoAllowedTypes, startDemoEvents, type DemoEvents, type DemoEventsOptions, type DemoSubscriberOptions, type DemoSubscription,
} from './demo.js';
