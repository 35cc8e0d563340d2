/**
 * The consumer's end of the exchange channel against a peer that misbehaves in ways a real
 * gateway never would on its own, but a network or an overloaded host can: it takes requests
 * and never answers, or it resets the channel with requests outstanding.
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SimpulError } from '../core/errors.js';
import { CHANNEL_CONTENT_TYPE, CHANNEL_PATH, FrameKind, FrameReader, encodeFrame } from './channel-frames.js';
import type { GatewayIdentity } from './context.js';
import { PeerClient } from './peer-client.js';
import { TestFederation } from './testing.js';

describe('exchange channel, consumer side', () => {
  let fed: TestFederation;
  let consumer: GatewayIdentity;
  let server: http2.Http2SecureServer;
  let address: string;
  /** What the fake provider does with each request frame it reads. */
  let onFrame: (correlation: number, stream: http2.ServerHttp2Stream) => void = () => undefined;
  let channelsOpened = 0;

  before(async () => {
    fed = await TestFederation.create();
    consumer = await fed.identity('ID/GOV/BPS');
    const provider = await fed.identity('ID/GOV/DUKCAPIL');
    server = http2.createSecureServer({ key: provider.tls.keyPem, cert: provider.tls.certPem, ca: fed.ca.certificatePem, requestCert: true, rejectUnauthorized: true });
    server.on('stream', (stream, headers) => {
      if (headers[':path'] !== CHANNEL_PATH) return stream.respond({ ':status': 404 }, { endStream: true });
      channelsOpened++;
      stream.respond({ ':status': 200, 'content-type': CHANNEL_CONTENT_TYPE });
      const reader = new FrameReader(1 << 20);
      stream.on('data', (chunk: Buffer) => {
        for (const r of reader.push(chunk)) if ('frame' in r) onFrame(r.frame.correlation, stream);
      });
      stream.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const client = (timeoutMs: number) => new PeerClient({ keyPem: consumer.tls.keyPem, certPem: consumer.tls.certPem, caPem: fed.ca.certificatePem }, { timeoutMs });
  const request = { method: 'GET', path: '/r1/ID/GOV/DUKCAPIL/SIAK/person/3201014101900001', headers: {}, body: undefined };

  it('gives up on an exchange the provider took and never answered (provider.timeout), and ignores a late answer', async () => {
    let answerLate: (() => void) | undefined;
    onFrame = (correlation, stream) => {
      answerLate = () => stream.write(encodeFrame({ kind: FrameKind.response, correlation, header: { ':status': '200' }, body: Buffer.from('{}') }));
    };
    const peers = client(300);
    try {
      const started = Date.now();
      await assert.rejects(peers.send(address, request), (error: unknown) => error instanceof SimpulError && error.code === 'provider.timeout');
      assert.ok(Date.now() - started < 2000, 'the timeout is kept to within the sweep interval');
      answerLate!();
      // The channel still serves the next exchange.
      onFrame = (correlation, stream) => stream.write(encodeFrame({ kind: FrameKind.response, correlation, header: { ':status': '200', 'content-type': 'application/json' }, body: Buffer.from('{"ok":true}') }));
      const next = await peers.send(address, request);
      assert.equal(next.status, 200);
      assert.equal(next.body.toString(), '{"ok":true}');
    } finally {
      peers.close();
    }
  });

  it('fails the exchanges outstanding on a channel the provider resets (provider.unreachable), then opens a new one', async () => {
    const before = channelsOpened;
    onFrame = (_correlation, stream) => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    const peers = client(5000);
    try {
      const outcomes = await Promise.allSettled([peers.send(address, request), peers.send(address, request)]);
      for (const o of outcomes) {
        assert.equal(o.status, 'rejected');
        assert.equal(((o as PromiseRejectedResult).reason as SimpulError).code, 'provider.unreachable');
      }
      onFrame = (correlation, stream) => stream.write(encodeFrame({ kind: FrameKind.response, correlation, header: { ':status': '204' }, body: Buffer.alloc(0) }));
      assert.equal((await peers.send(address, request)).status, 204);
      assert.equal(channelsOpened - before, 2, 'a new channel replaced the reset one');
    } finally {
      peers.close();
    }
  });
});
