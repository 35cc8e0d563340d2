/**
 * Three agencies' gateways with exchange logs: every exchange (and refusal) becomes a leaf in
 * both gateways' logs, each log's checkpoints are cosigned by the other two gateways, and a
 * receipt for an exchange verifies offline against the log key and the witnesses' keys.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createHttpBackend } from '../src/adapters/http.js';
import { freePort } from '../src/core/net.js';
import type { SubsystemId } from '../src/core/ids.js';
import { testBackends } from '../src/core/storage/testing.js';
import { witnessName } from '../src/gateway/exchange-log.js';
import { Gateway } from '../src/gateway/gateway.js';
import { H } from '../src/gateway/protocol.js';
import type { GatewayTables } from '../src/gateway/store.js';
import { TestFederation } from '../src/gateway/testing.js';
import { SIG_COSIGNATURE_V1, decodeExchangeLeaf, formatVerifierKey, openCheckpoint, verifyReceipt } from '../src/log/index.js';

const SERVICE = 'ID/GOV/DUKCAPIL/SIAK/person';
const CLIENT = 'ID/GOV/BPS/SENSUS';
const NIK = '3201014101900001';

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

for (const storage of testBackends()) {
  describe(`exchange log on three gateways (${storage.kind})`, () => {
    const gateways: Gateway[] = [];
    let agency: http.Server;
    let fed: TestFederation;
    let token: string;

    before(async () => {
      agency = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ nik: NIK })));
      await new Promise<void>((r) => agency.listen(0, '127.0.0.1', () => r()));
      fed = await TestFederation.create();
      const identities = [await fed.identity('ID/GOV/DUKCAPIL'), await fed.identity('ID/GOV/BPS'), await fed.identity('ID/GOV/KEMENKES')];
      fed.service(SERVICE, true);
      fed.grant(CLIENT, SERVICE, 'STATISTIK', 'UU 16/1997 Statistik');
      // Addresses are known only once the peer servers listen: start with placeholders,
      // then publish the real ones. Witness lists are read at start, so fix ports first.
      const ports = await Promise.all(identities.map(() => freePort()));
      identities.forEach((id, i) => fed.setAddress(id.id, `https://127.0.0.1:${ports[i]}`));
      for (const [i, identity] of identities.entries()) {
        const database = await storage.open<GatewayTables>(`gwlog_${i}`);
        const backends = i === 0 ? new Map([[SERVICE, createHttpBackend({ type: 'http', url: `http://127.0.0.1:${(agency.address() as AddressInfo).port}` })]]) : new Map();
        gateways.push(await Gateway.start({ identity, database, configuration: fed.source(), backends, consumer: { port: 0 }, peer: { port: ports[i]! }, logLevel: 'silent', log: { key: identity.logKey!, checkpointIntervalMs: 200, quorum: 2 } }));
      }
      token = await gateways[1]!.issueClientToken(CLIENT as SubsystemId);
    });
    after(async () => {
      for (const g of gateways) await g.close();
      await new Promise((r) => agency.close(r));
    });

    it('logs every exchange on both sides; each checkpoint is cosigned by the two other agencies; the receipt verifies offline', async () => {
      const [provider, consumer, third] = gateways as [Gateway, Gateway, Gateway];
      const id = randomUUID();
      const response = await fetch(`${consumer.consumerUrl}/r1/${SERVICE}/${NIK}`, { headers: { authorization: `Bearer ${token}`, [H.client]: CLIENT, [H.purpose]: 'STATISTIK', [H.subject]: NIK, [H.id]: id } });
      assert.equal(response.status, 200);
      const refused = await fetch(`${consumer.consumerUrl}/r1/${SERVICE}/${NIK}`, { headers: { authorization: `Bearer ${token}`, [H.client]: CLIENT, [H.purpose]: 'PEMASARAN', [H.subject]: NIK } });
      assert.equal(refused.status, 403);

      for (const gateway of [provider, consumer]) {
        const receiptText = await until('a receipt covered by a cosigned checkpoint', async () => {
          const r = await fetch(`${gateway.consumerUrl}/log/receipt/${id}`);
          return r.status === 200 ? r.text() : undefined;
        });
        const logKey = (await (await fetch(`${gateway.consumerUrl}/log/key`)).text()).trim();
        const others = gateways.filter((g) => g !== gateway);
        const witnessKeys = others.map((g) => formatVerifierKey(witnessName(g.identity.id), SIG_COSIGNATURE_V1, g.identity.logKey!.publicKey));
        const verified = verifyReceipt(receiptText, { log: logKey, witnesses: witnessKeys, quorum: 2 });
        assert.equal(verified.record.id, id);
        assert.equal(verified.record.outcome, 'ok');
        assert.equal(verified.record.service, SERVICE);
        assert.ok(!receiptText.includes(NIK), 'no NIK in clear in a receipt');
        assert.equal(verified.checkpoint.cosignatures.length, 2, 'cosigned by both other agencies');
      }

      // The public checkpoint carries cosignatures from the other two gateways.
      const note = await (await fetch(`${third.consumerUrl}/log/checkpoint`)).text();
      const opened = openCheckpoint(note, {
        log: (await (await fetch(`${third.consumerUrl}/log/key`)).text()).trim(),
        witnesses: [provider, consumer].map((g) => formatVerifierKey(witnessName(g.identity.id), SIG_COSIGNATURE_V1, g.identity.logKey!.publicKey)),
        quorum: 0,
      });
      assert.ok(opened.checkpoint.size >= 0);

      // The refusal is a leaf too, on the consumer's log.
      const entries = (await (await fetch(`${consumer.consumerUrl}/log/entries?start=0&end=2`)).json()) as { entries: { leaf: string }[] };
      const records = entries.entries.map((e) => decodeExchangeLeaf(Buffer.from(e.leaf, 'base64')));
      assert.ok(records.some((r) => r.outcome === 'refused' && r.code === 'client.purpose_not_allowed'));
    });
  });
}
