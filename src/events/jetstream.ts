/**
 * NATS JetStream, the production transport between the publisher's database and its events
 * service (DESIGN.md "Events"): one stream per publisher, one message per event, and the
 * stream's sequence equal to the event's outbox position (the relay publishes position p only
 * when the stream's last sequence is p - 1), so subscribers see the same positions on either
 * transport. Connection: `NATS_URL`.
 */
import { DiscardPolicy, StorageType, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';

/** NATS names allow fewer characters than Simpul segments: everything else becomes '_'. */
function token(segment: string): string {
  return segment.replace(/[^A-Za-z0-9_-]/g, '_');
}

export const DEFAULT_NAMESPACE = 'simpul';

/** `ID/GOV/DUKCAPIL/SIAK` → `SIMPUL_EVENTS_ID_GOV_DUKCAPIL_SIAK` (`<NAMESPACE>_EVENTS_…` in another namespace). */
export function streamName(publisher: string, namespace = DEFAULT_NAMESPACE): string {
  return `${token(namespace).toUpperCase()}_EVENTS_${publisher.split('/').map(token).join('_')}`;
}

/** `ID/GOV/DUKCAPIL/SIAK` → `simpul.events.ID.GOV.DUKCAPIL.SIAK` (events are `<prefix>.<type>`). */
export function subjectPrefix(publisher: string, namespace = DEFAULT_NAMESPACE): string {
  return `${token(namespace)}.events.${publisher.split('/').map(token).join('.')}`;
}

export interface StreamSettings {
  /**
   * Prefix of stream names and subjects, `simpul` by default: deployments (or test runs) that
   * share one broker each use their own, since two streams may not claim the same subjects.
   */
  namespace?: string;
  /** How long the broker keeps events; 30 days by default. Older positions are read from the outbox's own retention. */
  maxAgeMs?: number;
  /** De-duplication window for `Nats-Msg-Id`; 2 minutes by default. */
  duplicateWindowMs?: number;
}

/** Creates the publisher's stream when missing (file storage, limits retention). */
export async function ensureStream(jsm: JetStreamManager, publisher: string, settings: StreamSettings = {}): Promise<string> {
  const name = streamName(publisher, settings.namespace);
  const nanos = (ms: number) => ms * 1_000_000;
  try {
    await jsm.streams.info(name);
  } catch (error) {
    if (!/not found/i.test((error as Error).message)) throw error;
    await jsm.streams.add({
      name,
      subjects: [`${subjectPrefix(publisher, settings.namespace)}.>`],
      max_age: nanos(settings.maxAgeMs ?? 30 * 24 * 3600_000),
      duplicate_window: nanos(settings.duplicateWindowMs ?? 120_000),
      discard: DiscardPolicy.Old,
      storage: StorageType.File,
    });
  }
  return name;
}

/** Connects to `url` (default `NATS_URL`), reconnecting forever: the relay and feed ride out broker restarts. */
export async function connectNats(url = process.env.NATS_URL): Promise<NatsConnection> {
  if (!url) throw new Error('No NATS URL: set NATS_URL (e.g. nats://127.0.0.1:4222) or use the embedded outbox feed.');
  return connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 250, name: 'simpul-events' });
}

export { jetstreamManager };
