/**
 * A JetStream broker for tests that need one but do not stop it: the shared broker at
 * `NATS_URL` when that is set (CI sets it), a private `nats-server` otherwise. Each broker handed
 * out has its own namespace, so its streams and subjects never meet another test's, a parallel
 * run's or a demo's on the shared broker; `dispose()` deletes its streams there (and stops the
 * private server otherwise). Tests that kill the broker keep a private one
 * (private-nats-server.ts).
 *
 * @example
 *   const broker = await testNatsBroker();
 *   const publisher = await startEventPublisher({ database, publisher, natsUrl: broker.url, stream: broker.stream });
 *   …
 *   await publisher.close();
 *   await broker.dispose();
 */
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats, streamName, type StreamSettings } from './jetstream.js';
import { startPrivateNatsServer } from './private-nats-server.js';

export interface TestNatsBroker {
  readonly url: string;
  readonly kind: 'shared' | 'private';
  /** Pass to the relay, the feed or startEventPublisher: the test's own namespace. */
  readonly stream: StreamSettings & { namespace: string };
  /** Deletes the streams of this namespace (shared broker) or stops the server (private). */
  dispose(): Promise<void>;
}

export async function testNatsBroker(): Promise<TestNatsBroker> {
  const namespace = `test_${randomBytes(6).toString('hex')}`;
  // An interrupted run cannot delete its stream; its messages at least expire within the hour.
  const stream = { namespace, maxAgeMs: 3600_000 };
  const shared = process.env.NATS_URL;
  if (!shared) {
    const server = await startPrivateNatsServer();
    return { url: server.url, kind: 'private', stream, dispose: () => server.dispose() };
  }
  return {
    url: shared,
    kind: 'shared',
    stream,
    async dispose() {
      const prefix = streamName('', namespace);
      const nats = await connectNats(shared);
      try {
        const jsm = await jetstreamManager(nats);
        const ours: string[] = [];
        for await (const name of jsm.streams.names()) if (name.startsWith(prefix)) ours.push(name);
        for (const name of ours) await jsm.streams.delete(name);
      } finally {
        await nats.close();
      }
    },
  };
}
