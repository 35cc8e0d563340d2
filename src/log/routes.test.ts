import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { generateSigningKey } from '../core/crypto.js';
import { createHttpApp, listen, type HttpApp } from '../core/http/app.js';
import { testBackends } from '../core/storage/testing.js';
import { openCheckpoint } from './checkpoint.js';
import { Checkpointer } from './checkpointer.js';
import { encodeExchangeLeaf } from './leaf.js';
import { leafHash, verifyConsistency, verifyInclusion } from './merkle.js';
import { verifyReceipt } from './receipt.js';
import { registerLogRoutes } from './routes.js';
import { LogStore, appendLeaves, type AnyDb } from './store.js';
import { emptyLog, openLogDatabase, sampleRecord } from './testing.js';
import { Witness, registerWitnessRoutes } from './witness.js';
import { WitnessClient, type WitnessConfig } from './witness-client.js';

const ORIGIN = 'simpul.go.id/ID/GOV/DUKCAPIL/gw1';

for (const backend of testBackends()) {
  describe(`log API and witnessing on ${backend.kind}`, () => {
    let database: Awaited<ReturnType<typeof openLogDatabase>>;
    let db: AnyDb;
    const apps: HttpApp[] = [];
    before(async () => {
      database = await openLogDatabase(backend, 'log_api');
      db = database.any;
    });
    after(async () => {
      for (const app of apps) await app.close();
      await database.close();
    });

    /** Gateway A's log, and two other agencies' gateways (B, C) witnessing it over HTTP. */
    async function federation() {
      await emptyLog(db);
      const logKey = generateSigningKey();
      const store = new LogStore(db);
      const witnesses: WitnessConfig[] = [];
      for (const member of ['BPS', 'KEMENKES']) {
        const witness = new Witness({ db, name: `simpul.go.id/ID/GOV/${member}/gw1/witness`, key: generateSigningKey(), logKeys: (origin) => (origin === ORIGIN ? checkpointer.verifierKey : undefined) });
        const app = await createHttpApp({ title: `gateway ${member}`, logLevel: 'silent' });
        await registerWitnessRoutes(app, witness);
        apps.push(app);
        const url = await listen(app, 0);
        witnesses.push({ name: `ID/GOV/${member}/gw1`, url: `${url}/witness`, key: witness.verifierKey });
      }
      const errors: Error[] = [];
      const client = new WitnessClient({ store, witnesses, quorum: 2, onError: (_w, e) => errors.push(e) });
      const checkpointer = new Checkpointer({ store, key: logKey, origin: ORIGIN, onCheckpoint: (c) => client.submit(c) });
      const app = await createHttpApp({ title: 'gateway DUKCAPIL', logLevel: 'silent' });
      await registerLogRoutes(app, { store, verifierKey: checkpointer.verifierKey, witnesses, quorum: 2, maxPageSize: 100 });
      apps.push(app);
      const policy = { log: checkpointer.verifierKey, witnesses: witnesses.map((w) => w.key), quorum: 2, origin: ORIGIN };
      return { store, checkpointer, client, app, witnesses, policy, errors };
    }

    it('publishes checkpoints cosigned by a quorum of witnesses, with proofs and receipts that verify', async () => {
      const { checkpointer, client, app, policy, errors } = await federation();
      const none = await app.inject('/log/checkpoint');
      assert.equal(none.statusCode, 404);
      assert.equal(none.json().code, 'log.no_checkpoint');

      const records = Array.from({ length: 300 }, (_, i) => sampleRecord(i));
      await db.transaction().execute((trx) => appendLeaves(trx, records.slice(0, 120).map((r) => ({ exchangeId: r.id, leaf: encodeExchangeLeaf(r) }))));
      const first = await checkpointer.signNow();
      assert.equal(first?.checkpoint.size, 120);
      await client.settled();
      await db.transaction().execute((trx) => appendLeaves(trx, records.slice(120).map((r) => ({ exchangeId: r.id, leaf: encodeExchangeLeaf(r) }))));
      assert.equal((await checkpointer.signNow())?.checkpoint.size, 300);
      assert.equal(await checkpointer.signNow(), undefined, 'nothing new: nothing signed');
      await client.settled();
      assert.equal(errors.length, 0, errors.map((e) => e.message).join('; '));

      const published = await app.inject('/log/checkpoint');
      assert.equal(published.statusCode, 200);
      assert.match(published.headers['content-type'] as string, /^text\/plain/);
      const opened = openCheckpoint(published.body, policy);
      assert.equal(opened.checkpoint.size, 300);
      assert.equal(opened.cosignatures.length, 2);
      assert.equal((await app.inject('/log/key')).body, `${checkpointer.verifierKey}\n`);
      assert.equal((await app.inject('/log/witnesses')).json().quorum, 2);

      const root = opened.checkpoint.root;
      const inclusion = (await app.inject('/log/proof/inclusion?index=77&size=300')).json();
      assert.ok(verifyInclusion(77, 300, leafHash(encodeExchangeLeaf(records[77]!)), inclusion.hashes.map((h: string) => Buffer.from(h, 'base64')), root));
      const firstRoot = openCheckpoint(first!.note, { log: policy.log }).checkpoint.root;
      const consistency = (await app.inject('/log/proof/consistency?from=120&to=300')).json();
      assert.ok(verifyConsistency(120, 300, consistency.hashes.map((h: string) => Buffer.from(h, 'base64')), firstRoot, root));

      const page = (await app.inject('/log/entries?start=50&end=300')).json();
      assert.equal(page.entries.length, 100);
      assert.equal(page.next, 150);
      assert.deepEqual(Buffer.from(page.entries[0].leaf, 'base64'), encodeExchangeLeaf(records[50]!));

      const receipt = await app.inject(`/log/receipt/${records[210]!.id}`);
      assert.equal(receipt.statusCode, 200);
      const verified = verifyReceipt(receipt.body, policy);
      assert.equal(verified.index, 210);
      assert.equal(verified.record.id, records[210]!.id);
      assert.equal(verified.checkpoint.cosignatures.length, 2);
    });

    it('answers bad parameters and unknown exchanges with stable problem codes', async () => {
      const { checkpointer, client, app } = await federation();
      const records = Array.from({ length: 10 }, (_, i) => sampleRecord(i));
      await appendLeaves(db, records.map((r) => ({ exchangeId: r.id, leaf: encodeExchangeLeaf(r) })));
      await checkpointer.signNow();
      await client.settled();
      const late = sampleRecord(11);
      await appendLeaves(db, [{ exchangeId: late.id, leaf: encodeExchangeLeaf(late) }]);
      const cases: [string, number, string][] = [
        ['/log/proof/inclusion?index=10&size=10', 400, 'log.bad_range'],
        ['/log/proof/inclusion?index=0&size=12', 400, 'log.bad_range'],
        ['/log/proof/inclusion?index=-1&size=5', 400, 'request.invalid'],
        ['/log/proof/inclusion?index=abc&size=5', 400, 'request.invalid'],
        ['/log/proof/consistency?from=5&to=4', 400, 'log.bad_range'],
        ['/log/proof/consistency?from=5&to=99', 400, 'log.bad_range'],
        ['/log/entries?start=3&end=3', 400, 'log.bad_range'],
        ['/log/entries?start=0&end=50', 400, 'log.bad_range'],
        [`/log/receipt/${randomUUID()}`, 404, 'log.unknown_exchange'],
        [`/log/receipt/${late.id}`, 404, 'log.not_yet_checkpointed'],
        ['/log/receipt/not-a-uuid', 400, 'request.malformed_identifier'],
      ];
      for (const [url, status, code] of cases) {
        const r = await app.inject(url);
        assert.equal(r.statusCode, status, url);
        assert.match(r.headers['content-type'] as string, /^application\/problem\+json/, url);
        assert.equal(r.json().code, code, url);
      }
      assert.equal((await app.inject(`/log/receipt/${late.id}`)).headers['retry-after'], '1');
      const spec = (await app.inject('/openapi.json')).json();
      for (const path of ['/log/checkpoint', '/log/key', '/log/proof/inclusion', '/log/proof/consistency', '/log/entries', '/log/receipt/{id}']) {
        assert.ok(spec.paths[path], `OpenAPI describes ${path}`);
      }
    });
  });
}
