/**
 * The exchange channel between gateways (ADR 0006, docs/protocols/exchange.md): many exchanges
 * framed on one HTTP/2 stream. Proven through real gateways on every storage backend: answers
 * reach the request they belong to under concurrency; another implementation speaking the
 * framing over mutual TLS gets signed answers bound to its requests, and its bad frames cost it
 * one answer, not the channel; a gateway with the channel turned off is still reached; and a
 * provider gateway that restarts is reached again on a new channel.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createHttpBackend } from '../src/adapters/http.js';
import { b64, publicKeyObject } from '../src/core/crypto.js';
import type { SubsystemId } from '../src/core/ids.js';
import { testBackends } from '../src/core/storage/testing.js';
import { BatchSigner, BatchVerifier } from '../src/gateway/batch-signer.js';
import { CHANNEL_CONTENT_TYPE, CHANNEL_PATH, FrameKind, FrameReader, encodeFrame, type Frame } from '../src/gateway/channel-frames.js';
import type { GatewayIdentity } from '../src/gateway/context.js';
import { Gateway } from '../src/gateway/gateway.js';
import { H, bodyDigest, formatSignature, parseSignature, requestDigest, responseDigest } from '../src/gateway/protocol.js';
import type { GatewayTables } from '../src/gateway/store.js';
import { TestFederation } from '../src/gateway/testing.js';

const SERVICE = 'ID/GOV/DUKCAPIL/SIAK/person';
const CLIENT = 'ID/GOV/BPS/SENSUS';

/** An agency system that answers every NIK with itself, a little later each time, so answers overtake each other. */
function startEchoAgency(): Promise<{ url: string; close: () => Promise<void> }> {
  let n = 0;
  const server = http.createServer((req, res) => {
    const nik = req.url!.split('/')[1]!;
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ nik })), n++ % 7);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) })));
}

const nik = (i: number) => String(3201014101900000 + i);

for (const storage of testBackends()) {
  describe(`exchange channel between gateways on ${storage.kind}`, () => {
    let fed: TestFederation;
    let bps: GatewayIdentity;
    let dukcapil: GatewayIdentity;
    let consumer: Gateway;
    let provider: Gateway;
    let token: string;
    let agency: Awaited<ReturnType<typeof startEchoAgency>>;
    let providerDb: Awaited<ReturnType<typeof storage.open<GatewayTables>>>;

    const startProvider = async (peerChannel: boolean, ports: { consumer: number; peer: number } = { consumer: 0, peer: 0 }) => {
      providerDb = await storage.open<GatewayTables>(`gw_dukcapil_${randomUUID().slice(0, 8).replaceAll('-', '')}`);
      provider = await Gateway.start({ identity: dukcapil, database: providerDb, configuration: fed.source(), backends: new Map([[SERVICE, createHttpBackend({ type: 'http', url: agency.url })]]), consumer: { port: ports.consumer }, peer: { port: ports.peer }, logLevel: 'silent', peerChannel });
      fed.setAddress(dukcapil.id, provider.peerUrl);
      fed.publish();
    };

    before(async () => {
      fed = await TestFederation.create();
      bps = await fed.identity('ID/GOV/BPS');
      dukcapil = await fed.identity('ID/GOV/DUKCAPIL');
      fed.service(SERVICE, true);
      fed.grant(CLIENT, SERVICE, 'STATISTIK', 'UU 16/1997 Statistik');
      agency = await startEchoAgency();
      await startProvider(true);
      consumer = await Gateway.start({ identity: bps, database: await storage.open<GatewayTables>('gw_bps_channel'), configuration: fed.source(), consumer: { port: 0 }, peer: { port: 0 }, logLevel: 'silent' });
      fed.setAddress(bps.id, consumer.peerUrl);
      fed.publish();
      token = await consumer.issueClientToken(CLIENT as SubsystemId);
    });
    after(async () => {
      await consumer.close();
      await provider.close();
      await agency.close();
    });

    async function lookup(i: number): Promise<{ status: number; nik: string | undefined; id: string | null }> {
      const response = await fetch(`${consumer.consumerUrl}/r1/${SERVICE}/${nik(i)}`, { headers: { authorization: `Bearer ${token}`, [H.client]: CLIENT, [H.purpose]: 'STATISTIK', [H.subject]: nik(i) } });
      const body = (await response.json()) as { nik?: string };
      return { status: response.status, nik: body.nik, id: response.headers.get(H.id) };
    }

    it('answers each of many concurrent exchanges with its own answer, and records every one on both sides', async () => {
      const results = await Promise.all(Array.from({ length: 300 }, (_, i) => lookup(i)));
      results.forEach((r, i) => {
        assert.equal(r.status, 200);
        assert.equal(r.nik, nik(i), `exchange ${i} got the answer to another request`);
      });
      const ids = results.map((r) => r.id!);
      const count = async (g: Gateway) => Number((await g.db.selectFrom('exchange_record').select((eb) => eb.fn.countAll().as('n')).where('id', 'in', ids).where('outcome', '=', 'ok').executeTakeFirstOrThrow()).n);
      assert.equal(await count(consumer), 300);
      assert.equal(await count(provider), 300);
    });

    /** Another implementation of a consumer gateway: BPS's certificate, the framing, its own signatures. */
    async function rawChannel() {
      const session = http2.connect(provider.peerUrl, { key: bps.tls.keyPem, cert: bps.tls.certPem, ca: fed.ca.certificatePem });
      const stream = session.request({ ':method': 'POST', ':path': CHANNEL_PATH, 'content-type': CHANNEL_CONTENT_TYPE }, { endStream: false });
      // The reset at the end of the test arrives as a stream error: its code is what is asserted.
      stream.on('error', () => undefined);
      const status = await new Promise<number>((resolve) => stream.on('response', (h) => resolve(Number(h[':status']))));
      const reader = new FrameReader(1 << 20);
      const answers = new Map<number, Frame>();
      const waiting = new Map<number, (f: Frame) => void>();
      stream.on('data', (chunk: Buffer) => {
        for (const r of reader.push(chunk)) {
          if (!('frame' in r)) continue;
          answers.set(r.frame.correlation, r.frame);
          waiting.get(r.frame.correlation)?.(r.frame);
        }
      });
      const answer = (correlation: number) => (answers.has(correlation) ? Promise.resolve(answers.get(correlation)!) : new Promise<Frame>((resolve) => waiting.set(correlation, resolve)));
      const closed = new Promise<number>((resolve) => stream.on('close', () => resolve(stream.rstCode)));
      return { status, stream, answer, closed, close: () => session.close() };
    }

    async function signedRequest(i: number) {
      const id = randomUUID();
      const time = Date.now();
      const path = `/r1/${SERVICE}/${nik(i)}`;
      const digest = requestDigest({ method: 'GET', path, query: '', client: CLIENT, purpose: 'STATISTIK', subject: nik(i), id, time, sender: bps.id, bodyDigest: bodyDigest(undefined) });
      const signature = await new BatchSigner(bps.signingKey, bps.id).sign(digest);
      const header = { ':method': 'GET', ':path': path, [H.client]: CLIENT, [H.purpose]: 'STATISTIK', [H.subject]: nik(i), [H.id]: id, [H.time]: String(time), [H.sender]: bps.id, [H.bodyDigest]: b64.encode(bodyDigest(undefined)), [H.signature]: formatSignature(signature) };
      return { id, digest, header };
    }

    it('gives another implementation speaking the framing signed answers bound to its requests; a bad frame costs one answer, not the channel', async () => {
      const channel = await rawChannel();
      try {
        assert.equal(channel.status, 200);
        const a = await signedRequest(1001);
        const b = await signedRequest(1002);
        // Two requests in one write, a frame too large for the provider's body limit, a frame that is no exchange.
        channel.stream.write(
          Buffer.concat([
            encodeFrame({ kind: FrameKind.request, correlation: 1, header: a.header, body: Buffer.alloc(0) }),
            encodeFrame({ kind: FrameKind.request, correlation: 2, header: b.header, body: Buffer.alloc(0) }),
            encodeFrame({ kind: FrameKind.request, correlation: 3, header: a.header, body: Buffer.alloc(5 * 1024 * 1024) }),
            // Within the frame allowance for headers, one byte over the body limit.
            encodeFrame({ kind: FrameKind.request, correlation: 7, header: a.header, body: Buffer.alloc(4 * 1024 * 1024 + 1) }),
            encodeFrame({ kind: FrameKind.request, correlation: 4, header: { ...a.header, ':path': '/witness/add-checkpoint' }, body: Buffer.alloc(0) }),
          ]),
        );
        const verifier = new BatchVerifier();
        const dukcapilKey = fed.configuration().gateways.find((g) => g.id === dukcapil.id)!.signingKey;
        const publicKey = publicKeyObject(b64.decode(dukcapilKey));
        for (const [correlation, request, i] of [[1, a, 1001], [2, b, 1002]] as const) {
          const frame = await channel.answer(correlation);
          assert.equal(frame.kind, FrameKind.response);
          assert.equal(frame.header[':status'], '200');
          assert.deepEqual(JSON.parse(frame.body.toString()), { nik: nik(i) });
          assert.equal(frame.header[H.requestHash], b64.encode(request.digest), 'the answer names the request it answers');
          const digest = responseDigest({ status: 200, contentType: frame.header['content-type']!, id: request.id, requestHash: request.digest, time: Number(frame.header[H.time]), sender: dukcapil.id, bodyDigest: bodyDigest(frame.body) });
          assert.ok(verifier.verify(digest, parseSignature(frame.header[H.signature]), publicKey), 'the answer is signed by the provider gateway');
        }
        for (const correlation of [3, 7]) {
          const tooLarge = await channel.answer(correlation);
          assert.equal(tooLarge.header[':status'], '413');
          assert.equal((JSON.parse(tooLarge.body.toString()) as { code: string }).code, 'request.body_too_large');
        }
        const notExchange = await channel.answer(4);
        assert.equal((JSON.parse(notExchange.body.toString()) as { code: string }).code, 'request.malformed_header');
        // The channel still carries exchanges after both.
        const c = await signedRequest(1003);
        channel.stream.write(encodeFrame({ kind: FrameKind.request, correlation: 5, header: c.header, body: Buffer.alloc(0) }));
        assert.deepEqual(JSON.parse((await channel.answer(5)).body.toString()), { nik: nik(1003) });
        // Broken framing (a header longer than its frame) ends the channel.
        const broken = Buffer.alloc(13);
        broken.writeUInt32BE(9, 0);
        broken.writeUInt8(FrameKind.request, 4);
        broken.writeUInt32BE(6, 5);
        broken.writeUInt32BE(99, 9);
        channel.stream.write(broken);
        assert.equal(await channel.closed, http2.constants.NGHTTP2_PROTOCOL_ERROR);
      } finally {
        channel.close();
      }
    });

    it('reaches a provider gateway again after it restarts, on a new channel', async () => {
      const ports = { consumer: Number(new URL(provider.consumerUrl).port), peer: Number(new URL(provider.peerUrl).port) };
      await provider.close();
      const whileDown = await fetch(`${consumer.consumerUrl}/r1/${SERVICE}/${nik(3000)}`, { headers: { authorization: `Bearer ${token}`, [H.client]: CLIENT, [H.purpose]: 'STATISTIK', [H.subject]: nik(3000) } });
      assert.equal(whileDown.status, 502);
      assert.equal(((await whileDown.json()) as { code: string }).code, 'provider.unreachable');
      await startProvider(true, ports);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => lookup(3001 + i)));
      results.forEach((r, i) => {
        assert.equal(r.status, 200);
        assert.equal(r.nik, nik(3001 + i));
      });
    });
    it('reaches a provider gateway with the channel turned off, one stream per exchange', async () => {
      const ports = { consumer: Number(new URL(provider.consumerUrl).port), peer: Number(new URL(provider.peerUrl).port) };
      await provider.close();
      await startProvider(false, ports);
      const started = Date.now();
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => lookup(2000 + i)));
      results.forEach((r, i) => assert.equal(r.nik, nik(2000 + i)));
      assert.ok(Date.now() - started < 4000, 'the refusal of the channel is answered at once, not waited out');
    });

  });
}
