import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { generateSigningKey } from '../core/crypto.js';
import { createHttpApp, type HttpApp } from '../core/http/app.js';
import { testBackends } from '../core/storage/testing.js';
import { openCheckpoint } from './checkpoint.js';
import { Checkpointer } from './checkpointer.js';
import { MemoryTree, consistencyProof, inclusionProof, leafHash, rootAt } from './merkle.js';
import { registerLogRoutes } from './routes.js';
import { LogStore, appendLeaves, type AnyDb } from './store.js';
import { emptyLog, openLogDatabase } from './testing.js';
import { TileHashSource, decodeBundle, encodeBundle, entriesPath, formatTileIndex, parseTileIndex, tilePath, tileWidth, type TileId } from './tiles.js';

describe('C2SP tlog-tiles paths, widths and entry bundles', () => {
  it('encodes tile indices as x-prefixed 3-digit groups and parses only that spelling', () => {
    assert.equal(formatTileIndex(0), '000');
    assert.equal(formatTileIndex(67), '067');
    assert.equal(formatTileIndex(1000), 'x001/000');
    assert.equal(formatTileIndex(1234067), 'x001/x234/067');
    assert.equal(tilePath({ level: 0, index: 1234067, width: 256 }), 'tile/0/x001/x234/067');
    assert.equal(tilePath({ level: 1, index: 5, width: 17 }), 'tile/1/005.p/17');
    assert.equal(entriesPath(1234067, 8), 'tile/entries/x001/x234/067.p/8');
    for (const n of [0, 1, 999, 1000, 1001, 65_535, 1_234_067, 2 ** 45]) assert.deepEqual(parseTileIndex(formatTileIndex(n)), { index: n, width: 256 });
    assert.deepEqual(parseTileIndex('x001/x234/067.p/8'), { index: 1234067, width: 8 });
    assert.deepEqual(parseTileIndex('000.p/255'), { index: 0, width: 255 });
    for (const bad of ['', '0', '00', '0000', '1234', 'x000/005', 'x1/005', '005/', 'x001/x234', '005.p/0', '005.p/256', '005.p/08', '005.p/', '005.p/1/2', 'y001/005', '../000']) {
      assert.equal(parseTileIndex(bad), undefined, bad);
    }
  });

  it('gives the tile widths of the specification\'s examples', () => {
    // "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial level 0
    // tile of width 112, one full level 1 tile, one partial level 1 tile of width 17, and one
    // partial level 2 tile of width 1."
    assert.equal(tileWidth(0, 272, 70_000), 256);
    assert.equal(tileWidth(0, 273, 70_000), 112);
    assert.equal(tileWidth(0, 274, 70_000), 0);
    assert.equal(tileWidth(1, 0, 70_000), 256);
    assert.equal(tileWidth(1, 1, 70_000), 17);
    assert.equal(tileWidth(2, 0, 70_000), 1);
    assert.equal(tileWidth(3, 0, 70_000), 0);
    // "a tree of size 256 will be represented by a full level 0 tile and a partial level 1 tile of width 1."
    assert.equal(tileWidth(0, 0, 256), 256);
    assert.equal(tileWidth(0, 1, 256), 0);
    assert.equal(tileWidth(1, 0, 256), 1);
  });

  it('round-trips entry bundles and refuses truncated ones and oversized leaves', () => {
    const leaves = [Buffer.from('a'), Buffer.alloc(0), Buffer.alloc(300, 7), Buffer.alloc(0xffff, 1)];
    const bundle = encodeBundle(leaves);
    assert.equal(bundle.length, 4 * 2 + 1 + 300 + 0xffff);
    assert.deepEqual(bundle.subarray(0, 3), Buffer.from([0x00, 0x01, 0x61]));
    assert.deepEqual(decodeBundle(bundle), leaves);
    assert.throws(() => decodeBundle(bundle.subarray(0, bundle.length - 1)), /truncated in entry 3/);
    assert.throws(() => decodeBundle(Buffer.from([0x00])), /truncated in the length of entry 0/);
    assert.throws(() => encodeBundle([Buffer.alloc(0x10000)]), /at most 65535 bytes/);
  });

  it('builds the same proofs from tiles as from the whole tree, at every tile boundary', async () => {
    const tree = new MemoryTree();
    for (let i = 0; i < 70_000; i++) tree.appendLeaf(Buffer.from(`leaf ${i}`));
    // Tiles cut out of the in-memory tree exactly as the specification defines them.
    const fetchTile = async ({ level, index, width }: TileId) => {
      const hashes = await tree.hashes(Array.from({ length: width }, (_, i) => ({ level: 8 * level, index: index * 256 + i })));
      return Buffer.concat(hashes);
    };
    for (const size of [1, 255, 256, 257, 65_535, 65_536, 65_537, 70_000]) {
      const tiles = new TileHashSource(size, fetchTile);
      assert.deepEqual(await rootAt(tiles, size), await rootAt(tree, size), `root at ${size}`);
      for (const index of [0, size - 1, Math.floor(size / 3)]) {
        assert.deepEqual(await inclusionProof(tiles, index, size), await inclusionProof(tree, index, size), `inclusion ${index} in ${size}`);
      }
      for (const from of [1, 256, 65_536, size - 1].filter((m) => m > 0 && m <= size)) {
        assert.deepEqual(await consistencyProof(tiles, from, size), await consistencyProof(tree, from, size), `consistency ${from} → ${size}`);
      }
    }
  });
});

for (const backend of testBackends()) {
  describe(`tlog-tiles read API on ${backend.kind}`, () => {
    let database: Awaited<ReturnType<typeof openLogDatabase>>;
    let db: AnyDb;
    let app: HttpApp;
    let store: LogStore;
    let checkpointer: Checkpointer;
    const SIZE = 70_000;
    const leafOf = (i: number) => Buffer.from(`simpul tile test leaf ${i} ${'·'.repeat(i % 50)}`);

    before(async () => {
      database = await openLogDatabase(backend, 'log_tiles');
      db = database.any;
      await emptyLog(db);
      store = new LogStore(db, { cacheBytes: 1024 * 1024 });
      checkpointer = new Checkpointer({ store, key: generateSigningKey(), origin: 'simpul.go.id/ID/GOV/BPS/gw1' });
      for (let start = 0; start < SIZE; start += 10_000) {
        await appendLeaves(db, Array.from({ length: Math.min(10_000, SIZE - start) }, (_, i) => ({ exchangeId: randomUUID(), leaf: leafOf(start + i) })));
      }
      await checkpointer.signNow();
      app = await createHttpApp({ title: 'gateway BPS', logLevel: 'silent' });
      await registerLogRoutes(app, { store, verifierKey: checkpointer.verifierKey });
    });
    after(async () => {
      await app.close();
      await database.close();
    });

    const get = async (path: string) => {
      const r = await app.inject(`/log/${path}`);
      assert.equal(r.statusCode, 200, `${path}: ${r.body.slice(0, 200)}`);
      assert.equal(r.headers['content-type'], 'application/octet-stream');
      assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable');
      return r.rawPayload;
    };

    it('serves tiles and entry bundles from which a tlog-tiles client gets the checkpoint root and the API\'s proofs', async () => {
      const { checkpoint } = openCheckpoint((await app.inject('/log/checkpoint')).body, { log: checkpointer.verifierKey });
      assert.equal(checkpoint.size, SIZE);
      const fetched: string[] = [];
      const tiles = new TileHashSource(checkpoint.size, async (tile) => {
        fetched.push(tilePath(tile));
        return get(tilePath(tile));
      });
      assert.deepEqual(await rootAt(tiles, SIZE), checkpoint.root);
      // The spec's example tree: partial tiles 0/273.p/112, 1/001.p/17 and 2/000.p/1.
      assert.ok(fetched.includes('tile/0/273.p/112') && fetched.includes('tile/1/001.p/17') && fetched.includes('tile/2/000.p/1'), fetched.join(' '));
      const b64 = (hashes: Buffer[]) => hashes.map((h) => h.toString('base64'));
      for (const [index, size] of [[0, SIZE], [SIZE - 1, SIZE], [12_345, SIZE], [65_535, 65_536], [300, 301]] as const) {
        const api = (await app.inject(`/log/proof/inclusion?index=${index}&size=${size}`)).json();
        assert.deepEqual(b64(await inclusionProof(new TileHashSource(size, async (t) => get(tilePath(t))), index, size)), api.hashes, `inclusion ${index} ${size}`);
      }
      for (const [from, to] of [[1, SIZE], [256, SIZE], [65_536, SIZE], [1000, 65_537]] as const) {
        const api = (await app.inject(`/log/proof/consistency?from=${from}&to=${to}`)).json();
        assert.deepEqual(b64(await consistencyProof(new TileHashSource(to, async (t) => get(tilePath(t))), from, to)), api.hashes, `consistency ${from} ${to}`);
      }

      // Every entry bundle hashes to its level-0 tile, and holds the leaves /log/entries serves.
      for (let n = 0; n * 256 < SIZE; n++) {
        const width = tileWidth(0, n, SIZE);
        const leaves = decodeBundle(await get(entriesPath(n, width)));
        assert.equal(leaves.length, width);
        const tile = await get(tilePath({ level: 0, index: n, width }));
        leaves.forEach((leaf, i) => assert.deepEqual(leafHash(leaf), tile.subarray(i * 32, i * 32 + 32), `entry ${n * 256 + i}`));
        assert.deepEqual(leaves[width - 1], leafOf(n * 256 + width - 1));
      }
      const page = (await app.inject('/log/entries?start=69888&end=70000')).json();
      const bundle = decodeBundle(await get('tile/entries/273.p/112'));
      assert.deepEqual(bundle.map((l) => l.toString('base64')), page.entries.map((e: { leaf: string }) => e.leaf));
    });

    it('serves each bundle\'s stored hashes as /log/entries does, gzips bundles on request, and refuses absent or malformed tiles', async () => {
      const page = (await app.inject('/log/entries?start=256&end=512')).json();
      const expected = Buffer.concat(page.entries.flatMap((e: { hash: string; nodes: string[] }) => [e.hash, ...e.nodes].map((h) => Buffer.from(h, 'base64'))));
      assert.deepEqual(await get('hashes/001'), expected);
      // The last entry of bundle 255 completes the subtree of the first 65,536 leaves (level 16).
      assert.equal((await get('hashes/255')).length, (256 + 255 + 8) * 32);

      const zipped = await app.inject({ url: '/log/tile/entries/005', headers: { 'accept-encoding': 'gzip, identity' } });
      assert.equal(zipped.headers['content-encoding'], 'gzip');
      assert.deepEqual(gunzipSync(zipped.rawPayload), await get('tile/entries/005'));

      const cases: [string, number, string][] = [
        ['/log/tile/0/273', 404, 'log.no_tile'],
        ['/log/tile/0/273.p/113', 404, 'log.no_tile'],
        ['/log/tile/0/274.p/1', 404, 'log.no_tile'],
        ['/log/tile/1/001', 404, 'log.no_tile'],
        ['/log/tile/3/000.p/1', 404, 'log.no_tile'],
        ['/log/tile/63/000.p/1', 404, 'log.no_tile'],
        ['/log/tile/entries/273', 404, 'log.no_tile'],
        ['/log/tile/entries/273.p/113', 404, 'log.no_tile'],
        ['/log/hashes/274.p/1', 404, 'log.no_tile'],
        ['/log/tile/00/000', 400, 'request.invalid'],
        ['/log/tile/64/000', 400, 'request.invalid'],
        ['/log/tile/0/0', 400, 'request.invalid'],
        ['/log/tile/0/000.p/256', 400, 'request.invalid'],
        ['/log/tile/0/x000/001', 400, 'request.invalid'],
        ['/log/tile/entries/1', 400, 'request.invalid'],
      ];
      for (const [url, status, code] of cases) {
        const r = await app.inject(url);
        assert.equal(r.statusCode, status, url);
        assert.equal(r.json().code, code, url);
      }
      const spec = (await app.inject('/openapi.json')).json();
      const paths = Object.keys(spec.paths);
      for (const prefix of ['/log/tile/{level}/', '/log/tile/entries/', '/log/hashes/']) {
        assert.ok(paths.some((p) => p.startsWith(prefix)), `OpenAPI describes ${prefix}… (${paths.join(', ')})`);
      }
    });
  });
}
