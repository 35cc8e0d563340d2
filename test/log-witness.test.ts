/**
 * A witness (another agency's gateway) must refuse to cosign a checkpoint that forks the
 * history it already cosigned, whatever the forking log sends it (C2SP tlog-witness).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { generateSigningKey } from '../src/core/crypto.js';
import { createHttpApp, type HttpApp } from '../src/core/http/app.js';
import { testBackends } from '../src/core/storage/testing.js';
import { openCheckpoint, signCheckpoint } from '../src/log/checkpoint.js';
import { Checkpointer } from '../src/log/checkpointer.js';
import { MemoryTree, consistencyProof, rootAt } from '../src/log/merkle.js';
import { SIG_ED25519, formatVerifierKey } from '../src/log/note.js';
import { LogStore, appendLeaves, type AnyDb } from '../src/log/store.js';
import { emptyLog, openLogDatabase } from '../src/log/testing.js';
import { TLOG_SIZE_CONTENT_TYPE, Witness, formatAddCheckpoint, registerWitnessRoutes } from '../src/log/witness.js';
import { WitnessClient, WitnessRefusal, type Post } from '../src/log/witness-client.js';

const ORIGIN = 'simpul.go.id/ID/GOV/DUKCAPIL/gw1';

function trees(forkAt: number, size: number): { honest: MemoryTree; fork: MemoryTree } {
  const honest = new MemoryTree();
  const fork = new MemoryTree();
  for (let i = 0; i < size; i++) {
    honest.appendLeaf(Buffer.from(`exchange ${i}`));
    fork.appendLeaf(Buffer.from(i < forkAt ? `exchange ${i}` : `rewritten exchange ${i}`));
  }
  return { honest, fork };
}

for (const backend of testBackends()) {
  describe(`witness on ${backend.kind}`, () => {
    let database: Awaited<ReturnType<typeof openLogDatabase>>;
    let db: AnyDb;
    let app: HttpApp;
    let witness: Witness;
    const logKey = generateSigningKey();
    const logVkey = formatVerifierKey(ORIGIN, SIG_ED25519, logKey.publicKey);

    before(async () => {
      database = await openLogDatabase(backend, 'log_witness');
      db = database.any;
      witness = new Witness({ db, name: 'simpul.go.id/ID/GOV/BPS/gw1/witness', key: generateSigningKey(), logKeys: (o) => (o === ORIGIN ? [logVkey] : undefined) });
      app = await createHttpApp({ title: 'gateway BPS', logLevel: 'silent' });
      await registerWitnessRoutes(app, witness);
    });
    after(async () => {
      await app.close();
      await database.close();
    });

    const post = (payload: string, contentType: string | undefined = 'text/plain') =>
      app.inject({ method: 'POST', url: '/witness/add-checkpoint', payload, headers: contentType ? { 'content-type': contentType } : {} });
    const checkpointOf = async (tree: MemoryTree, size: number, key = logKey) => signCheckpoint({ origin: ORIGIN, size, root: await rootAt(tree, size) }, key);
    const request = async (tree: MemoryTree, old: number, size: number, key = logKey) =>
      formatAddCheckpoint({ oldSize: old, proof: old === 0 ? [] : await consistencyProof(tree, old, size), note: await checkpointOf(tree, size, key) });

    it('cosigns an extending history and refuses a forked one, keeping the evidence', async () => {
      await emptyLog(db);
      const { honest, fork } = trees(12, 40);
      const first = await post(await request(honest, 0, 10));
      assert.equal(first.statusCode, 200);
      const cosigned = openCheckpoint((await checkpointOf(honest, 10)) + first.body, { log: logVkey, witnesses: [witness.verifierKey], quorum: 1 });
      assert.equal(cosigned.cosignatures[0]!.name, witness.name);
      assert.equal((await post(await request(honest, 10, 15), undefined)).statusCode, 200, 'no content type is fine');

      // The same size with another root: two histories.
      const sameSize = await post(await request(fork, 15, 15));
      assert.equal(sameSize.statusCode, 409);
      assert.equal(sameSize.json().code, 'witness.root_mismatch');
      // A longer forked tree whose proof starts from its own size-15 tree, not the cosigned one.
      const longer = await post(await request(fork, 15, 30), 'application/octet-stream');
      assert.equal(longer.statusCode, 422);
      assert.equal(longer.json().code, 'witness.inconsistent');
      // A forking log lying about the old size gets the truth back.
      const stale = await post(await request(fork, 10, 30));
      assert.equal(stale.statusCode, 409);
      assert.equal(stale.headers['content-type'], TLOG_SIZE_CONTENT_TYPE);
      assert.equal(stale.body, '15\n');
      assert.deepEqual(await witness.state(ORIGIN), { size: 15, root: await rootAt(honest, 15) });
      const evidence = await sql<{ reason: string }>`SELECT reason FROM log_witness_refusal ORDER BY id`.execute(db);
      assert.deepEqual(evidence.rows.map((r) => r.reason), ['same size, different root', 'consistency proof does not verify']);
      // The honest log goes on.
      assert.equal((await post(await request(honest, 15, 40))).statusCode, 200);
    });

    it('refuses unknown logs, untrusted signatures and malformed requests', async () => {
      await emptyLog(db);
      const { honest } = trees(0, 8);
      const other = generateSigningKey();
      const cases: [string, number, string][] = [
        [(await request(honest, 0, 8, other)), 403, 'witness.bad_signature'],
        [(await request(honest, 0, 8)).replace(ORIGIN, 'example.com/unknown'), 404, 'witness.unknown_log'],
        [(await request(honest, 0, 8)).replace('old 0', 'old 9'), 400, 'witness.bad_request'],
        [(await request(honest, 0, 8)).replace('old 0', 'old 00'), 400, 'witness.bad_request'],
        ['old 0\nnot base64\n\n', 400, 'witness.bad_request'],
        ['', 400, 'witness.bad_request'],
      ];
      for (const [body, status, code] of cases) {
        const r = await post(body);
        assert.equal(r.statusCode, status, body.slice(0, 40));
        assert.equal(r.json().code, code);
      }
      // The origin is not in the signed text any more: the replacement breaks the signature.
      assert.equal((await post(await request(honest, 0, 8))).statusCode, 200);
    });

    it('the log side recovers the size a witness holds, and a forking log gets no quorum', async () => {
      await emptyLog(db);
      const store = new LogStore(db);
      const errors: Error[] = [];
      // The witness is reached through the HTTP app, as over mutual TLS between gateways.
      const viaApp: Post = async (url, body, headers) => {
        const r = await app.inject({ method: 'POST', url: new URL(url).pathname, payload: body, headers });
        return { status: r.statusCode, body: r.body, headers: { 'content-type': r.headers['content-type'] as string | undefined } };
      };
      const witnesses = [{ name: 'BPS', url: 'https://bps.example/witness', key: witness.verifierKey }];
      const finals: number[] = [];
      let client = new WitnessClient({ store, witnesses, quorum: 1, post: viaApp, onFinal: (s) => finals.push(s), onError: (_w, e) => errors.push(e) });
      const checkpointer = new Checkpointer({ store, key: logKey, origin: ORIGIN, onCheckpoint: (c) => client.submit(c) });
      await appendLeaves(db, Array.from({ length: 10 }, (_, i) => ({ exchangeId: crypto.randomUUID(), leaf: Buffer.from(`exchange ${i}`) })));
      await checkpointer.signNow();
      await client.settled();
      assert.deepEqual(finals, [10]);
      // A restarted log that forgot what the witness holds: 409 tells it, it retries with a proof.
      await store.setWitnessView(witness.verifierKey, 0);
      client = new WitnessClient({ store, witnesses, quorum: 1, post: viaApp, onFinal: (s) => finals.push(s), onError: (_w, e) => errors.push(e) });
      await appendLeaves(db, Array.from({ length: 20 }, (_, i) => ({ exchangeId: crypto.randomUUID(), leaf: Buffer.from(`exchange ${10 + i}`) })));
      await checkpointer.signNow();
      await client.settled();
      assert.equal(errors.length, 0, errors.map((e) => e.message).join('; '));
      assert.deepEqual(finals, [10, 30]);
      assert.equal((await store.latestCheckpoint({ final: true }))?.size, 30);
      assert.equal((await store.cosignatures(30)).length, 1);

      // The operator rewrites history (same key, another tree) and asks the witness to cosign.
      const { fork } = trees(5, 40);
      const forked = { checkpoint: { origin: ORIGIN, size: 40, root: await rootAt(fork, 40) }, note: await checkpointOf(fork, 40) };
      // It keeps the same database (and so what it believes the witness holds) but proves from the forked tree.
      class ForkedStore extends LogStore {
        override consistencyProof(from: number, to: number): Promise<Buffer[]> {
          return consistencyProof(fork, from, to);
        }
      }
      const forkClient = new WitnessClient({ store: new ForkedStore(db), witnesses, quorum: 1, post: viaApp, onError: (_w, e) => errors.push(e) });
      forkClient.submit(forked);
      await forkClient.settled();
      await forkClient.stop();
      assert.ok(errors.some((e) => e instanceof WitnessRefusal && e.status === 422), errors.map((e) => e.message).join('; '));
      assert.equal((await witness.state(ORIGIN))?.size, 30);
    });
  });
}
