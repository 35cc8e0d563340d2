import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  CompactRange,
  EMPTY_ROOT,
  MemoryTree,
  consistencyProof,
  inclusionProof,
  leafHash,
  rootAt,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';

// An independent, naive rendering of RFC 6962 §2.1 straight from its recursive definitions,
// over leaf bytes, with its own hashing; the library under test shares no code with it.
const sha = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
function naive(leaves: Buffer[]) {
  const memo = new Map<string, Buffer>();
  const k = (n: number): number => 2 ** Math.ceil(Math.log2(n) - 1);
  const mth = (a: number, b: number): Buffer => {
    const key = `${a}:${b}`;
    let h = memo.get(key);
    if (!h) {
      if (b - a === 0) h = sha();
      else if (b - a === 1) h = sha(Buffer.from([0]), leaves[a]!);
      else {
        const split = a + k(b - a);
        h = sha(Buffer.from([1]), mth(a, split), mth(split, b));
      }
      memo.set(key, h);
    }
    return h;
  };
  const path = (m: number, a: number, b: number): Buffer[] => {
    if (b - a <= 1) return [];
    const split = k(b - a);
    return m < split ? [...path(m, a, a + split), mth(a + split, b)] : [...path(m - split, a + split, b), mth(a, a + split)];
  };
  const subproof = (m: number, a: number, b: number, whole: boolean): Buffer[] => {
    const n = b - a;
    if (m === n) return whole ? [] : [mth(a, b)];
    const split = k(n);
    return m <= split ? [...subproof(m, a, a + split, whole), mth(a + split, b)] : [...subproof(m - split, a + split, b, false), mth(a, a + split)];
  };
  return { root: (n: number) => mth(0, n), path: (m: number, n: number) => path(m, 0, n), proof: (m: number, n: number) => subproof(m, 0, n, true) };
}

const same = (a: Buffer[], b: Buffer[]): boolean => a.length === b.length && Buffer.concat(a).equals(Buffer.concat(b));
const testLeaves = (n: number): Buffer[] => Array.from({ length: n }, (_, i) => Buffer.from(`leaf ${i}`));

function flipBit(hashes: Buffer[], which: number): Buffer[] {
  return hashes.map((h, i) => (i === which ? Buffer.from(h.map((b, j) => (j === 7 ? b ^ 0x10 : b))) : h));
}

describe('RFC 6962 Merkle tree', () => {
  it('has the known answers for the empty tree and the empty leaf', () => {
    assert.equal(EMPTY_ROOT.toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(leafHash(Buffer.alloc(0)).toString('hex'), '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    assert.equal(new CompactRange().root().toString('hex'), EMPTY_ROOT.toString('hex'));
  });

  it('reproduces the RFC 6962 reference roots and proofs used by Certificate Transparency', async () => {
    // The eight-leaf test tree of the RFC 6962 reference implementations.
    const leaves = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
    const roots = [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
      'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
      '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
      'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
      '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    ];
    const tree = new MemoryTree();
    for (const [i, hex] of leaves.entries()) {
      tree.appendLeaf(Buffer.from(hex, 'hex'));
      assert.equal(tree.root().toString('hex'), roots[i]);
    }
    const h = (x: string) => Buffer.from(x, 'hex');
    const path = await inclusionProof(tree, 5, 8);
    assert.deepEqual(path.map((b) => b.toString('hex')), [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
    const proof = await consistencyProof(tree, 6, 8);
    assert.deepEqual(proof.map((b) => b.toString('hex')), [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
    assert.ok(verifyConsistency(2, 5, [h('5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e'), h('bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b')], h(roots[1]!), h(roots[4]!)));
  });

  it('generates and verifies every inclusion proof up to size 300, equal to the naive recomputation', async () => {
    const leaves = testLeaves(300);
    const ref = naive(leaves);
    const tree = new MemoryTree();
    for (const leaf of leaves) tree.appendLeaf(leaf);
    for (let size = 1; size <= 300; size++) {
      const root = ref.root(size);
      assert.deepEqual(await rootAt(tree, size), root, `root at ${size}`);
      for (let index = 0; index < size; index++) {
        const proof = await inclusionProof(tree, index, size);
        assert.ok(same(proof, ref.path(index, size)), `path ${index}/${size}`);
        assert.ok(verifyInclusion(index, size, leafHash(leaves[index]!), proof, root), `verify ${index}/${size}`);
      }
    }
  });

  it('generates and verifies every consistency proof up to size 100, equal to the naive recomputation', async () => {
    const leaves = testLeaves(100);
    const ref = naive(leaves);
    const tree = new MemoryTree();
    for (const leaf of leaves) tree.appendLeaf(leaf);
    for (let to = 1; to <= 100; to++) {
      for (let from = 0; from <= to; from++) {
        const proof = await consistencyProof(tree, from, to);
        assert.ok(same(proof, from === 0 ? [] : ref.proof(from, to)), `proof ${from}->${to}`);
        assert.ok(verifyConsistency(from, to, proof, ref.root(from), ref.root(to)), `verify ${from}->${to}`);
      }
    }
  });

  it('rejects every mutated inclusion proof', async () => {
    const leaves = testLeaves(70);
    const tree = new MemoryTree();
    for (const leaf of leaves) tree.appendLeaf(leaf);
    const extra = leafHash(Buffer.from('extra'));
    const roots = [EMPTY_ROOT];
    for (let n = 1; n <= 71; n++) roots.push(await rootAt(tree, Math.min(n, 70)));
    for (let size = 1; size <= 70; size++) {
      const root = roots[size]!;
      for (let index = 0; index < size; index++) {
        const leaf = leafHash(leaves[index]!);
        const proof = await inclusionProof(tree, index, size);
        for (let i = 0; i < proof.length; i++) assert.ok(!verifyInclusion(index, size, leaf, flipBit(proof, i), root), `flipped ${i} of ${index}/${size}`);
        assert.ok(!verifyInclusion(index, size, Buffer.from(flipBit([leaf], 0)[0]!), proof, root), 'flipped leaf');
        assert.ok(!verifyInclusion(index, size, leaf, proof, flipBit([root], 0)[0]!), 'flipped root');
        if (index + 1 < size) assert.ok(!verifyInclusion(index + 1, size, leaf, proof, root), 'index + 1');
        if (index > 0) assert.ok(!verifyInclusion(index - 1, size, leaf, proof, root), 'index - 1');
        // A wrong size is checked against that size's true root, as a verifier holding a checkpoint would.
        if (size < 70) assert.ok(!verifyInclusion(index, size + 1, leaf, proof, roots[size + 1]!), `size + 1 for ${index}/${size}`);
        if (size - 1 > index) assert.ok(!verifyInclusion(index, size - 1, leaf, proof, roots[size - 1]!), `size - 1 for ${index}/${size}`);
        if (proof.length > 0) assert.ok(!verifyInclusion(index, size, leaf, proof.slice(0, -1), root), 'truncated');
        assert.ok(!verifyInclusion(index, size, leaf, [...proof, extra], root), 'extended');
        assert.ok(!verifyInclusion(index, size, leaf, [extra, ...proof], root), 'extended in front');
        if (proof.length > 1) assert.ok(!verifyInclusion(index, size, leaf, [...proof].reverse(), root) || proof.every((p) => p.equals(proof[0]!)), 'reordered');
      }
    }
    assert.ok(!verifyInclusion(3, 3, leafHash(leaves[0]!), [], EMPTY_ROOT), 'index = size');
    assert.ok(!verifyInclusion(-1, 3, leafHash(leaves[0]!), [], EMPTY_ROOT), 'negative index');
  });

  it('rejects every mutated consistency proof', async () => {
    const leaves = testLeaves(70);
    const tree = new MemoryTree();
    for (const leaf of leaves) tree.appendLeaf(leaf);
    const roots = [EMPTY_ROOT];
    for (let n = 1; n <= 70; n++) roots.push(await rootAt(tree, n));
    const extra = leafHash(Buffer.from('extra'));
    for (let to = 2; to <= 70; to++) {
      for (let from = 1; from < to; from++) {
        const proof = await consistencyProof(tree, from, to);
        const a = roots[from]!;
        const b = roots[to]!;
        for (let i = 0; i < proof.length; i++) assert.ok(!verifyConsistency(from, to, flipBit(proof, i), a, b), `flipped ${i} of ${from}->${to}`);
        assert.ok(!verifyConsistency(from, to, proof, b, a), `swapped roots ${from}->${to}`);
        assert.ok(!verifyConsistency(from, to, proof, flipBit([a], 0)[0]!, b), 'flipped old root');
        assert.ok(!verifyConsistency(from, to, proof, a, flipBit([b], 0)[0]!), 'flipped new root');
        assert.ok(!verifyConsistency(from + 1, to, proof, roots[from + 1]!, b) || from + 1 === to, `from + 1 ${from}->${to}`);
        assert.ok(!verifyConsistency(from, to - 1, proof, a, roots[to - 1]!) || from === to - 1, `to - 1 ${from}->${to}`);
        if (to < 70) assert.ok(!verifyConsistency(from, to + 1, proof, a, roots[to + 1]!), `to + 1 ${from}->${to}`);
        assert.ok(!verifyConsistency(from, to, proof.slice(0, -1), a, b), 'truncated');
        assert.ok(!verifyConsistency(from, to, [...proof, extra], a, b), 'extended');
        assert.ok(!verifyConsistency(to, from, proof, b, a), 'reversed sizes');
      }
    }
    assert.ok(verifyConsistency(5, 5, [], roots[5]!, roots[5]!), 'equal sizes, equal roots');
    assert.ok(!verifyConsistency(5, 5, [], roots[5]!, roots[6]!), 'equal sizes, different roots');
    assert.ok(!verifyConsistency(5, 5, [extra], roots[5]!, roots[5]!), 'equal sizes with a proof');
    assert.ok(verifyConsistency(0, 9, [], EMPTY_ROOT, roots[9]!), 'from the empty tree');
    assert.ok(!verifyConsistency(0, 9, [extra], EMPTY_ROOT, roots[9]!), 'from the empty tree with a proof');
  });

  it('reports every completed perfect subtree while appending, and restores from its frontier', () => {
    const range = new CompactRange();
    const tree = new MemoryTree();
    const seen: string[] = [];
    for (let i = 0; i < 37; i++) {
      const h = leafHash(Buffer.from([i]));
      tree.appendHash(h);
      range.append(h, (level, index, hash) => {
        assert.deepEqual(hash, tree.node({ level, index }));
        seen.push(`${level}/${index}`);
      });
      const restored = CompactRange.fromBytes(range.size, range.toBytes());
      assert.deepEqual(restored.root(), tree.root());
    }
    // 37 leaves complete 18 + 9 + 4 + 2 + 1 = 34 subtrees above the leaves.
    assert.equal(seen.length, 34);
    assert.ok(seen.includes('5/0'));
  });
});
