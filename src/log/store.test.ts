import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { testBackends } from '../core/storage/testing.js';
import { generateSigningKey } from '../core/crypto.js';
import { Checkpointer } from './checkpointer.js';
import { openCheckpoint } from './checkpoint.js';
import { MemoryTree, consistencyProof, inclusionProof, leafHash, verifyConsistency } from './merkle.js';
import { LogStore, appendLeaves, type AnyDb } from './store.js';
import { emptyLog, openLogDatabase } from './testing.js';

const entry = (i: number) => ({ exchangeId: randomUUID(), leaf: Buffer.from(`exchange leaf ${i}`) });

for (const backend of testBackends()) {
  describe(`log store on ${backend.kind}`, () => {
    let database: Awaited<ReturnType<typeof openLogDatabase>>;
    let db: AnyDb;
    before(async () => {
      database = await openLogDatabase(backend, 'log_store');
      db = database.any;
    });
    after(() => database.close());

    it('appends in batches with contiguous indices and serves the same proofs as the tree in memory', async () => {
      await emptyLog(db);
      const store = new LogStore(db);
      const tree = new MemoryTree();
      const all: { exchangeId: string; leaf: Buffer }[] = [];
      // Batch sizes cross strip boundaries (256) and odd sizes, as group commits would.
      for (const n of [1, 2, 5, 255, 1, 300, 7, 600]) {
        const batch = Array.from({ length: n }, (_, i) => entry(all.length + i));
        const indices = await db.transaction().execute((trx) => appendLeaves(trx, batch));
        assert.deepEqual(indices, batch.map((_, i) => all.length + i));
        for (const e of batch) tree.appendLeaf(e.leaf);
        all.push(...batch);
      }
      const head = await store.head();
      assert.equal(head.size, all.length);
      assert.deepEqual(head.root, tree.root());
      assert.deepEqual(await store.rootAt(all.length), tree.root());
      for (const [index, size] of [[0, 1], [0, all.length], [all.length - 1, all.length], [700, 1000], [255, 256], [256, 513]] as const) {
        assert.deepEqual(await store.inclusionProof(index, size), await inclusionProof(tree, index, size), `inclusion ${index}/${size}`);
      }
      for (const [from, to] of [[1, 2], [256, all.length], [300, 1000], [1000, all.length]] as const) {
        assert.deepEqual(await store.consistencyProof(from, to), await consistencyProof(tree, from, to), `consistency ${from}->${to}`);
      }
      const entries = await store.entries(250, 520);
      assert.equal(entries.length, 270);
      for (const e of entries) {
        assert.deepEqual(e.leaf, all[e.index]!.leaf);
        assert.deepEqual(e.hash, leafHash(all[e.index]!.leaf));
        // Leaf 255 completes subtrees of levels 1..8 (its index + 1 = 256).
        if (e.index === 255) assert.equal(e.nodes.length, 8);
        e.nodes.forEach((h, k) => assert.deepEqual(h, tree.node({ level: k + 1, index: (e.index + 1) / 2 ** (k + 1) - 1 })));
      }
      assert.equal(await store.indexOf(all[42]!.exchangeId), 42);
      assert.equal(await store.indexOf(randomUUID()), undefined);
    });

    it('gives the indices of a rolled-back transaction to the next one, leaving no gap', async () => {
      await emptyLog(db);
      await appendLeaves(db, [entry(0), entry(1)]);
      await assert.rejects(db.transaction().execute(async (trx) => {
        assert.deepEqual(await appendLeaves(trx, [entry(2), entry(3)]), [2, 3]);
        throw new Error('the exchange failed after logging');
      }), /exchange failed/);
      assert.deepEqual(await appendLeaves(db, [entry(2)]), [2]);
      const count = await sql<{ n: number }>`SELECT count(*)::int AS n FROM log_leaf`.execute(db);
      assert.equal(count.rows[0]!.n, 3);
      assert.equal(await new LogStore(db).size(), 3);
    });

    it('refuses to append when a stored strip does not end where the head says', async () => {
      await emptyLog(db);
      await appendLeaves(db, [entry(0), entry(1), entry(2)]);
      await sql`UPDATE log_hash SET hashes = substring(hashes FROM 1 FOR 32) WHERE level = 0 AND block = 0`.execute(db);
      await assert.rejects(appendLeaves(db, [entry(3)]), /do not match the log head/);
      assert.equal(await new LogStore(db).size(), 3);
    });

    it('signs checkpoints at the configured rate while the log grows, each extending the last', async () => {
      await emptyLog(db);
      const store = new LogStore(db);
      const key = generateSigningKey();
      const errors: unknown[] = [];
      // Two signers on one database, as two processes of one gateway would run.
      const signers = [0, 1].map(() => new Checkpointer({ store, key, origin: 'simpul.go.id/log/ID/GOV/TEST/gw1', intervalMs: 100, onError: (e) => errors.push(e) }));
      signers.forEach((s) => s.start());
      const until = Date.now() + 1500;
      let n = 0;
      while (Date.now() < until) {
        await appendLeaves(db, Array.from({ length: 20 }, () => entry(n++)));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await Promise.all(signers.map((s) => s.stop()));
      await signers[0]!.signNow(); // the appends after the last round
      assert.equal(await signers[0]!.signNow(), undefined, 'nothing new: nothing signed');
      assert.deepEqual(errors, []);
      const notes = await sql<{ size: number; note: string }>`SELECT size, note FROM log_checkpoint ORDER BY size`.execute(db);
      assert.ok(notes.rows.length >= 6, `${notes.rows.length} checkpoints in 1.5 s at a 100 ms interval`);
      const tree = new MemoryTree();
      for (const e of await store.entries(0, (await store.size()))) tree.appendLeaf(e.leaf);
      let previous: { size: number; root: Buffer } | undefined;
      for (const row of notes.rows) {
        const { checkpoint } = openCheckpoint(row.note, { log: signers[0]!.verifierKey });
        if (previous && previous.size > 0) {
          assert.ok(verifyConsistency(previous.size, checkpoint.size, await consistencyProof(tree, previous.size, checkpoint.size), previous.root, checkpoint.root));
        }
        previous = checkpoint;
      }
    });

    it('refuses to sign when the stored tree no longer extends the last checkpoint', async () => {
      await emptyLog(db);
      const store = new LogStore(db);
      const signer = new Checkpointer({ store, key: generateSigningKey(), origin: 'simpul.go.id/log/ID/GOV/TEST/gw1' });
      await appendLeaves(db, Array.from({ length: 40 }, (_, i) => entry(i)));
      assert.equal((await signer.signNow())?.checkpoint.size, 40);
      await appendLeaves(db, Array.from({ length: 3 }, (_, i) => entry(40 + i)));
      // Someone rewrites the stored hash of leaves 32..39, which the next root is built from.
      await sql`UPDATE log_hash SET hashes = set_byte(hashes, 4 * 32 + 5, get_byte(hashes, 4 * 32 + 5) # 1) WHERE level = 3 AND block = 0`.execute(db);
      await assert.rejects(signer.signNow(), /disagree on the root|not consistent/);
      assert.equal((await store.latestCheckpoint())?.size, 40);
      await assert.rejects(new Checkpointer({ store, key: generateSigningKey(), origin: 'simpul.go.id/log/OTHER' }).signNow(), /refusing to sign as/);
    });

    if (backend.kind === 'postgres') {
      it('hands out contiguous, unique indices to concurrent appenders on several connections', async () => {
        await emptyLog(db);
        const results = await Promise.all(Array.from({ length: 8 }, (_, w) => (async () => {
          const got: number[] = [];
          for (let round = 0; round < 10; round++) {
            got.push(...await db.transaction().execute((trx) => appendLeaves(trx, Array.from({ length: 1 + ((w + round) % 5) }, (_, i) => entry(i)))));
          }
          return got;
        })()));
        const indices = results.flat().sort((a, b) => a - b);
        assert.deepEqual(indices, indices.map((_, i) => i));
        const store = new LogStore(db);
        const tree = new MemoryTree();
        for (const e of await store.entries(0, indices.length)) tree.appendLeaf(e.leaf);
        assert.deepEqual((await store.head()).root, tree.root());
      });
    }
  });
}
