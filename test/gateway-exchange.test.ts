/**
 * End to end through two real gateways (HTTP/2 over mutual TLS, signatures, durable records)
 * to a real agency HTTP system, on every storage backend; and every refusal the exchange
 * protocol defines, each checked for its stable code and for its record.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createHttpBackend } from '../src/adapters/http.js';
import { b64, generateSigningKey } from '../src/core/crypto.js';
import type { SubsystemId } from '../src/core/ids.js';
import { testBackends } from '../src/core/storage/testing.js';
import { BatchSigner } from '../src/gateway/batch-signer.js';
import { LocalClients, type GatewayIdentity } from '../src/gateway/context.js';
import { Gateway } from '../src/gateway/gateway.js';
import { PeerClient } from '../src/gateway/peer-client.js';
import { H, bodyDigest, formatSignature, requestDigest } from '../src/gateway/protocol.js';
import type { GatewayTables } from '../src/gateway/store.js';
import { TestFederation } from '../src/gateway/testing.js';

const SERVICE = 'ID/GOV/DUKCAPIL/SIAK/person';
const CLIENT = 'ID/GOV/BPS/SENSUS';
const NIK = '3201014101900001';
const PERSON = { nik: NIK, fullName: 'SITI RAHAYU', sex: 'P', birthDate: '1990-01-01' };

function startAgencySystem(): Promise<{ url: string; close: () => Promise<void>; seen: http.IncomingHttpHeaders[] }> {
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    const nik = req.url?.split('/')[1];
    if (nik === NIK) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(PERSON));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise((r) => server.close(() => r())) })));
}

for (const storage of testBackends()) {
  describe(`exchange through two gateways on ${storage.kind}`, () => {
    let fed: TestFederation;
    let consumer: Gateway;
    let provider: Gateway;
    let bps: GatewayIdentity;
    let token: string;
    let agency: Awaited<ReturnType<typeof startAgencySystem>>;
    const closers: (() => Promise<void>)[] = [];

    before(async () => {
      fed = await TestFederation.create();
      bps = await fed.identity('ID/GOV/BPS');
      const dukcapil = await fed.identity('ID/GOV/DUKCAPIL');
      fed.service(SERVICE, true);
      fed.service('ID/GOV/DUKCAPIL/SIAK/stats', false);
      fed.grant(CLIENT, SERVICE, 'STATISTIK', 'UU 16/1997 Statistik');
      fed.grant(CLIENT, 'ID/GOV/DUKCAPIL/SIAK/stats', 'STATISTIK', 'UU 16/1997 Statistik', new Date(Date.now() - 1000).toISOString());
      agency = await startAgencySystem();
      const pdb = await storage.open<GatewayTables>('gw_dukcapil');
      const cdb = await storage.open<GatewayTables>('gw_bps');
      provider = await Gateway.start({ identity: dukcapil, database: pdb, configuration: fed.source(), backends: new Map([[SERVICE, createHttpBackend({ type: 'http', url: agency.url })]]), consumer: { port: 0 }, peer: { port: 0 }, logLevel: 'silent' });
      consumer = await Gateway.start({ identity: bps, database: cdb, configuration: fed.source(), consumer: { port: 0 }, peer: { port: 0 }, logLevel: 'silent', credentialRefreshMs: 100 });
      fed.setAddress(dukcapil.id, provider.peerUrl);
      fed.setAddress(bps.id, consumer.peerUrl);
      fed.publish();
      token = await consumer.issueClientToken(CLIENT as SubsystemId);
      closers.push(() => consumer.close(), () => provider.close(), () => agency.close());
    });
    after(async () => {
      for (const close of closers) await close();
    });

    function call(path: string, headers: Record<string, string> = {}, init: RequestInit = {}) {
      return fetch(consumer.consumerUrl + path, {
        ...init,
        headers: { authorization: `Bearer ${token}`, [H.client]: CLIENT, [H.purpose]: 'STATISTIK', [H.subject]: NIK, ...headers },
      });
    }

    async function recordsOf(gateway: Gateway, id: string) {
      return gateway.db.selectFrom('exchange_record').selectAll().where('id', '=', id).orderBy('seq').execute();
    }

    async function expectProblem(response: Response, status: number, code: string) {
      assert.equal(response.status, status);
      assert.match(response.headers.get('content-type') ?? '', /application\/problem\+json/);
      const body = (await response.json()) as { code: string; type: string; title: string };
      assert.equal(body.code, code);
      assert.equal(body.type, `https://simpul.go.id/problems/${code}`);
      assert.ok(body.title.length > 0);
      return body;
    }

    it('returns a person from the provider agency, signed, bound to the request and recorded on both sides', async () => {
      const id = randomUUID();
      const response = await call(`/r1/${SERVICE}/${NIK}`, { [H.id]: id });
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), PERSON);
      assert.equal(response.headers.get(H.id), id);
      assert.equal(decodeURIComponent(response.headers.get(H.legalBasis)!), 'UU 16/1997 Statistik');
      const [c] = await recordsOf(consumer, id);
      const [p] = await recordsOf(provider, id);
      assert.equal(c?.outcome, 'ok');
      assert.equal(p?.outcome, 'ok');
      assert.equal(p?.legal_basis, 'UU 16/1997 Statistik');
      assert.equal(p?.client, CLIENT);
      assert.equal(p?.purpose, 'STATISTIK');
      assert.deepEqual(c?.request_hash, p?.request_hash, 'both sides record the same request digest');
      assert.deepEqual(c?.response_hash, p?.response_hash, 'both sides record the same response digest');
      assert.equal(b64.encode(c!.request_hash), response.headers.get(H.requestHash));
      assert.ok(c?.subject_commitment && c.subject_commitment.length === 32, 'the subject is a commitment');
      assert.ok(!JSON.stringify(c).includes(NIK), 'no NIK in clear in the record');
      // The agency system is told the purpose and the client, never the gateway's secrets.
      const last = agency.seen.at(-1)!;
      assert.equal(last['simpul-purpose'], 'STATISTIK');
      assert.equal(last['simpul-client'], CLIENT);
      assert.equal(last.authorization, undefined);
    });

    it('accepts a token issued by another process (the CLI) while running, and stops accepting the one it replaced', async () => {
      const client = 'ID/GOV/BPS/SURVEI' as SubsystemId;
      const issue = async () => {
        const fresh = LocalClients.newToken();
        await consumer.store.setClientCredential(client, LocalClients.hash(fresh));
        return fresh;
      };
      const statusWith = async (bearer: string) => (await fetch(`${consumer.consumerUrl}/r1/${SERVICE}/${NIK}`, { headers: { authorization: `Bearer ${bearer}`, [H.client]: client, [H.purpose]: 'STATISTIK', [H.subject]: NIK } })).status;
      const eventually = async (bearer: string, expected: (status: number) => boolean) => {
        for (let i = 0; i < 50 && !expected(await statusWith(bearer)); i++) await new Promise((r) => setTimeout(r, 100));
        return statusWith(bearer);
      };
      const first = await issue();
      assert.notEqual(await eventually(first, (s) => s !== 401), 401, 'the new token is accepted without a restart');
      const second = await issue();
      assert.notEqual(await eventually(second, (s) => s !== 401), 401);
      assert.equal(await statusWith(first), 401, 'the replaced token is refused');
      assert.notEqual(await statusWith(token), 401, 'other subsystems keep their tokens');
    });

    it('passes the agency system\'s own answers through unchanged, with the query string', async () => {
      const response = await call(`/r1/${SERVICE}/3201010101900099?fields=nik`);
      assert.equal(response.status, 404);
      assert.deepEqual(await response.json(), { error: 'not found' });
    });

    it('signs many concurrent exchanges in batches, each verified and recorded', async () => {
      const ids = Array.from({ length: 60 }, () => randomUUID());
      const responses = await Promise.all(ids.map((id) => call(`/r1/${SERVICE}/${NIK}`, { [H.id]: id })));
      assert.deepEqual(responses.map((r) => r.status), ids.map(() => 200));
      const rows = await provider.db.selectFrom('exchange_record').select('id').where('id', 'in', ids).execute();
      assert.equal(rows.length, ids.length);
    });

    const refusals: [string, () => Promise<Response>, number, string][] = [
      ['no token', () => fetch(consumer.consumerUrl + `/r1/${SERVICE}/${NIK}`, { headers: { [H.client]: CLIENT, [H.purpose]: 'STATISTIK', [H.subject]: NIK } }), 401, 'client.unauthenticated'],
      ['a wrong token', () => call(`/r1/${SERVICE}/${NIK}`, { authorization: 'Bearer spl_wrong' }), 401, 'client.unauthenticated'],
      ['a Simpul-Client the token does not own', () => call(`/r1/${SERVICE}/${NIK}`, { [H.client]: 'ID/GOV/BPS/OTHER' }), 403, 'client.not_owner'],
      ['a purpose the right does not grant', () => call(`/r1/${SERVICE}/${NIK}`, { [H.purpose]: 'PEMASARAN' }), 403, 'client.purpose_not_allowed'],
      ['an expired right', () => call(`/r1/ID/GOV/DUKCAPIL/SIAK/stats`), 403, 'client.right_expired'],
      ['no Simpul-Subject for personal data', () => call(`/r1/${SERVICE}/${NIK}`, { [H.subject]: '' }), 400, 'request.subject_required'],
      ['a malformed service identifier', () => call(`/r1/ID/GOV/DUKCAPIL/person`), 400, 'request.malformed_identifier'],
      ['a malformed client identifier', () => call(`/r1/${SERVICE}/${NIK}`, { [H.client]: 'BPS' }), 400, 'request.malformed_identifier'],
      ['a missing purpose', () => call(`/r1/${SERVICE}/${NIK}`, { [H.purpose]: '' }), 400, 'request.malformed_header'],
      ['a malformed purpose', () => call(`/r1/${SERVICE}/${NIK}`, { [H.purpose]: 'statistik umum' }), 400, 'request.malformed_purpose'],
      ['a malformed Simpul-Id', () => call(`/r1/${SERVICE}/${NIK}`, { [H.id]: 'not-a-uuid' }), 400, 'request.malformed_header'],
      ['a malformed subject', () => call(`/r1/${SERVICE}/${NIK}`, { [H.subject]: 'a b' }), 400, 'request.malformed_subject'],
      ['an unknown service', () => call(`/r1/ID/GOV/DUKCAPIL/SIAK/nothing`), 404, 'service.unknown'],
    ];
    for (const [what, send, status, code] of refusals) {
      it(`refuses ${what} with ${code}, and records the refusal`, async () => {
        const response = await send();
        await expectProblem(response, status, code);
        const id = response.headers.get(H.id)!;
        assert.ok(id, 'a refusal carries the exchange id');
        const rows = await recordsOf(consumer, id);
        assert.equal(rows.at(-1)?.code, code);
        assert.equal(rows.at(-1)?.outcome, 'refused');
      });
    }

    it('the provider decides: a right revoked in the registry is refused there, and recorded there', async () => {
      const saved = fed.rights;
      fed.rights = saved.filter((r) => r.service !== SERVICE);
      fed.publish();
      try {
        const id = randomUUID();
        await expectProblem(await call(`/r1/${SERVICE}/${NIK}`, { [H.id]: id }), 403, 'client.access_denied');
        assert.equal((await recordsOf(provider, id))[0]?.code, 'client.access_denied');
        assert.equal((await recordsOf(consumer, id))[0]?.code, 'client.access_denied');
      } finally {
        fed.rights = saved;
        fed.publish();
      }
    });

    it('refuses every exchange once the global configuration has expired', async () => {
      fed.publish({ expiresAt: new Date(Date.now() - 1).toISOString() });
      try {
        await expectProblem(await call(`/r1/${SERVICE}/${NIK}`), 503, 'config.expired');
      } finally {
        fed.publish();
      }
    });

    /** Sends a message straight to the provider as a gateway would, so it can be tampered with. */
    async function sendToProvider(options: { identity?: GatewayIdentity; signWith?: ReturnType<typeof generateSigningKey>; body?: string; signedBody?: string; id?: string; time?: number }) {
      const identity = options.identity ?? bps;
      const id = options.id ?? randomUUID();
      const time = options.time ?? Date.now();
      const signedBody = Buffer.from(options.signedBody ?? options.body ?? '');
      const body = Buffer.from(options.body ?? '');
      const path = `/r1/${SERVICE}/${NIK}`;
      const digest = requestDigest({ method: 'POST', path, query: '', client: CLIENT, purpose: 'STATISTIK', subject: NIK, id, time, sender: identity.id, bodyDigest: bodyDigest(signedBody) });
      const signature = await new BatchSigner(options.signWith ?? identity.signingKey, identity.id).sign(digest);
      const peer = new PeerClient({ keyPem: identity.tls.keyPem, certPem: identity.tls.certPem, caPem: fed.ca.certificatePem });
      try {
        const response = await peer.send(provider.peerUrl, {
          method: 'POST',
          path,
          headers: { [H.client]: CLIENT, [H.purpose]: 'STATISTIK', [H.subject]: NIK, [H.id]: id, [H.time]: String(time), [H.sender]: identity.id, [H.bodyDigest]: b64.encode(bodyDigest(signedBody)), [H.signature]: formatSignature(signature), 'content-type': 'application/json' },
          body,
        });
        return { ...response, id, code: (JSON.parse(response.body.toString() || '{}') as { code?: string }).code };
      } finally {
        peer.close();
      }
    }

    it('accepts a well-formed message sent straight to the provider (the harness itself is sound)', async () => {
      const r = await sendToProvider({ body: '{}' });
      assert.equal(r.status, 200);
    });

    const attacks: [string, () => Promise<Awaited<ReturnType<typeof sendToProvider>>>, string][] = [
      ['a forged signature', () => sendToProvider({ signWith: generateSigningKey() }), 'message.signature_invalid'],
      ['a tampered body', () => sendToProvider({ signedBody: '{"a":1}', body: '{"a":2}' }), 'message.body_digest_mismatch'],
      ['a stale message', () => sendToProvider({ time: Date.now() - 10 * 60_000 }), 'message.stale'],
    ];
    for (const [what, attack, code] of attacks) {
      it(`refuses ${what} with ${code}, signed, and records it`, async () => {
        const r = await attack();
        assert.equal(r.code, code);
        assert.ok(r.headers[H.signature], 'refusals are signed too');
        assert.equal((await recordsOf(provider, r.id)).at(-1)?.code, code);
      });
    }

    it('refuses a replayed message with message.replayed and records it', async () => {
      const id = randomUUID();
      const time = Date.now();
      const first = await sendToProvider({ id, time });
      assert.equal(first.status, 200);
      const again = await sendToProvider({ id, time });
      assert.equal(again.code, 'message.replayed');
      const rows = await recordsOf(provider, id);
      assert.deepEqual(rows.map((r) => r.outcome), ['ok', 'refused']);
    });

    it('refuses a gateway unknown to the configuration, and one that was revoked', async () => {
      const stranger = await fed.identity('ID/GOV/STRANGER');
      fed.gateways.pop(); // certified by the CA, but never registered
      const unknown = await sendToProvider({ identity: stranger });
      assert.equal(unknown.code, 'message.unknown_sender');
      const entry = fed.gateways.find((g) => g.id === bps.id)!;
      entry.status = 'revoked';
      fed.publish();
      try {
        const revoked = await sendToProvider({});
        assert.equal(revoked.code, 'message.unknown_sender');
        assert.equal((await recordsOf(provider, revoked.id))[0]?.code, 'message.unknown_sender');
      } finally {
        entry.status = 'active';
        fed.publish();
      }
    });
  });
}
