/**
 * Where a publisher's events service reads its stream: the outbox table itself (the embedded
 * default, no broker) or a NATS JetStream stream the relay fills (production).
 */
import type { ChangeEvent, EventType } from './event.js';

export interface FeedRequest {
  /** Return events with positions greater than this (0 = from the start). */
  after: number;
  limit: number;
  /** Only these types; all when absent. */
  types?: readonly EventType[] | undefined;
  /** How long to wait for an event when there is none yet (long poll); 0 answers at once. */
  waitMs: number;
  signal?: AbortSignal | undefined;
}

export interface FeedPage {
  events: ChangeEvent[];
  /** The highest position the publisher had committed when the page was read. */
  head: number;
  /**
   * The position to ask after next time: the last event returned, or, when a type filter
   * skipped events, the last position examined, so a filtered subscriber does not rescan.
   */
  next: number;
}

export interface EventFeed {
  read(request: FeedRequest): Promise<FeedPage>;
  /** Tells the feed that new events may have committed (in-process publishers call it). */
  notify(): void;
  close(): Promise<void>;
}

/** The `next` of a page: see FeedPage. */
export function nextPosition(after: number, limit: number, events: readonly ChangeEvent[], scannedTo: number): number {
  if (events.length >= limit) return events[events.length - 1]!.position;
  return Math.max(after, scannedTo);
}
