import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { signingKeyFromSeed } from '../core/crypto.js';
import { openCheckpoint, signCheckpoint } from './checkpoint.js';
import { MemoryTree, consistencyProof, inclusionProof, leafHash, rootAt } from './merkle.js';
import { SIG_COSIGNATURE_V1, SIG_ED25519, cosignatureSigner, formatVerifierKey, signatureLine } from './note.js';
import { formatReceipt, verifyReceipt } from './receipt.js';
import { logVerifierKey, witnessVerifierKey } from './names.js';
import { TileHashSource, decodeBundle, encodeBundle, entriesPath, parseTileIndex, tilePath, tileWidth } from './tiles.js';
import { formatAddCheckpoint, parseAddCheckpoint } from './witness.js';

const dir = new URL('../../docs/protocols/vectors/log/', import.meta.url);
const leafVectors = (JSON.parse(readFileSync(new URL('exchange-leaf-v1.json', dir), 'utf8')) as { vectors: { leaf: string }[] }).vectors;
interface Vectors {
  logKeySeed: string;
  logPublicKey: string;
  logVerifierKey: string;
  witnessKeySeed: string;
  witnessVerifierKey: string;
  leaf2: string;
  leafHashes: string[];
  root2: string;
  root3: string;
  checkpoint2: string;
  checkpoint3: string;
  cosignatureTime: number;
  cosignedCheckpoint3: string;
  inclusionProof_1_3: string[];
  consistencyProof_2_3: string[];
  addCheckpointRequest_2_3: string;
  addCheckpointResponse: string;
  receipt_1: string;
}
const v = JSON.parse(readFileSync(new URL('checkpoint-v1.json', dir), 'utf8')) as Vectors;
const ORIGIN = 'simpul.go.id/log/ID/GOV/DUKCAPIL/gw1';
const WITNESS = 'simpul.go.id/witness/ID/GOV/BPS/gw1';

describe('published log test vectors (docs/protocols/vectors/log)', () => {
  it('reproduce byte for byte: keys, tree, checkpoints, cosignature, proofs, witness request and receipt', async () => {
    const logKey = signingKeyFromSeed(Buffer.from(v.logKeySeed, 'hex'));
    const witnessKey = signingKeyFromSeed(Buffer.from(v.witnessKeySeed, 'hex'));
    assert.equal(logKey.publicKey.toString('hex'), v.logPublicKey);
    assert.equal(formatVerifierKey(ORIGIN, SIG_ED25519, logKey.publicKey), v.logVerifierKey);
    assert.equal(formatVerifierKey(WITNESS, SIG_COSIGNATURE_V1, witnessKey.publicKey), v.witnessVerifierKey);
    // The same keys named from the gateway ids, as both sides derive them from the global configuration.
    assert.equal(logVerifierKey('ID/GOV/DUKCAPIL/gw1', logKey.publicKey), v.logVerifierKey);
    assert.equal(witnessVerifierKey('ID/GOV/BPS/gw1', witnessKey.publicKey), v.witnessVerifierKey);

    const tree = new MemoryTree();
    for (const leaf of [leafVectors[0]!.leaf, leafVectors[1]!.leaf, v.leaf2]) tree.appendLeaf(Buffer.from(leaf, 'hex'));
    assert.deepEqual([0, 1, 2].map((i) => tree.node({ level: 0, index: i }).toString('hex')), v.leafHashes);
    assert.equal((await rootAt(tree, 2)).toString('hex'), v.root2);
    assert.equal(tree.root().toString('hex'), v.root3);
    assert.equal(signCheckpoint({ origin: ORIGIN, size: 2, root: await rootAt(tree, 2) }, logKey), v.checkpoint2);
    const note = signCheckpoint({ origin: ORIGIN, size: 3, root: tree.root() }, logKey);
    assert.equal(note, v.checkpoint3);
    const text = Buffer.from(note.slice(0, note.lastIndexOf('\n\n') + 1));
    const cosignature = signatureLine(cosignatureSigner(WITNESS, witnessKey, () => v.cosignatureTime), text);
    assert.equal(cosignature, v.addCheckpointResponse);
    assert.equal(note + cosignature, v.cosignedCheckpoint3);

    const proof = await inclusionProof(tree, 1, 3);
    assert.deepEqual(proof.map((h) => h.toString('base64')), v.inclusionProof_1_3);
    const consistency = await consistencyProof(tree, 2, 3);
    assert.deepEqual(consistency.map((h) => h.toString('base64')), v.consistencyProof_2_3);
    assert.equal(formatAddCheckpoint({ oldSize: 2, proof: consistency, note }), v.addCheckpointRequest_2_3);
    assert.deepEqual(parseAddCheckpoint(v.addCheckpointRequest_2_3).proof, consistency);
    const receipt = formatReceipt({ extra: Buffer.from(leafVectors[1]!.leaf, 'hex'), index: 1, proof, checkpoint: note + cosignature });
    assert.equal(receipt, v.receipt_1);
    const policy = { log: v.logVerifierKey, witnesses: [v.witnessVerifierKey], quorum: 1 };
    assert.equal(verifyReceipt(v.receipt_1, policy).record.outcome, 'refused');
    assert.equal(openCheckpoint(v.cosignedCheckpoint3, policy).cosignatures[0]!.time, v.cosignatureTime);
  });

  it('reproduce the tlog-tiles vectors: paths, the three-leaf bundle and tile, and the tiles of a 70,000-leaf tree', async () => {
    const t = JSON.parse(readFileSync(new URL('tiles-v1.json', dir), 'utf8')) as {
      paths: { level?: number; entries?: boolean; index: number; width: number; path: string }[];
      threeLeafBundle_000_p_3: string;
      threeLeafTile_0_000_p_3: string;
      tree70000Root: string;
      tree70000Tile_2_000_p_1: string;
      tree70000TileSha256: Record<string, string>;
      tree70000BundleSha256: Record<string, string>;
    };
    for (const p of t.paths) {
      assert.equal(p.entries ? entriesPath(p.index, p.width) : tilePath({ level: p.level!, index: p.index, width: p.width }), p.path);
      assert.deepEqual(parseTileIndex(p.path.replace(/^tile\/(entries|\d+)\//, '')), { index: p.index, width: p.width });
    }
    const three = [leafVectors[0]!.leaf, leafVectors[1]!.leaf, v.leaf2].map((h) => Buffer.from(h, 'hex'));
    assert.equal(encodeBundle(three).toString('hex'), t.threeLeafBundle_000_p_3);
    assert.deepEqual(decodeBundle(Buffer.from(t.threeLeafBundle_000_p_3, 'hex')), three);
    assert.equal(Buffer.concat(three.map(leafHash)).toString('hex'), t.threeLeafTile_0_000_p_3);

    const size = 70_000;
    const leaves = Array.from({ length: size }, (_, i) => Buffer.from(`simpul tile vector ${i}`));
    const tree = new MemoryTree();
    for (const leaf of leaves) tree.appendLeaf(leaf);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const tiles = new Map<string, Buffer>();
    const source = new TileHashSource(size, async (tile) => {
      const bytes = Buffer.concat(await tree.hashes(Array.from({ length: tile.width }, (_, i) => ({ level: 8 * tile.level, index: tile.index * 256 + i }))));
      tiles.set(tilePath(tile), bytes);
      return bytes;
    });
    assert.equal((await rootAt(source, size)).toString('hex'), t.tree70000Root);
    assert.equal(tiles.get('tile/2/000.p/1')?.toString('hex'), t.tree70000Tile_2_000_p_1);
    for (const [path, digest] of Object.entries(t.tree70000TileSha256)) {
      const [level, index] = path.split('/').slice(1).map((x) => Number.parseInt(x, 10)) as [number, number];
      const width = tileWidth(level, index, size);
      assert.equal(tilePath({ level, index, width }), path);
      assert.equal(sha(Buffer.concat(await tree.hashes(Array.from({ length: width }, (_, i) => ({ level: 8 * level, index: index * 256 + i }))))), digest, path);
    }
    for (const [path, digest] of Object.entries(t.tree70000BundleSha256)) {
      const index = Number.parseInt(path.split('/')[2]!, 10);
      const width = tileWidth(0, index, size);
      assert.equal(entriesPath(index, width), path);
      assert.equal(sha(encodeBundle(leaves.slice(index * 256, index * 256 + width))), digest, path);
    }
  });
});
