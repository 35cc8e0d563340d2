/**
 * RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification.
 *
 * Sizes and indices are JavaScript numbers up to 2^53: all index arithmetic below uses
 * division and remainders, never 32-bit bitwise operators.
 *
 * Proof generation is split in two: a pure *plan* (which perfect subtrees a proof needs) and
 * a fetch from a {@link HashSource}, so that storage can answer one batched read per proof.
 * A perfect subtree is named by {@link NodeId}: level L, index i covers leaves
 * [i·2^L, (i+1)·2^L); once complete, its hash never changes, so it can be cached anywhere.
 */
import { hash } from 'node:crypto';

export const HASH_SIZE = 32;

// One-shot hashing of a reused scratch buffer is about twice as fast as a streaming Hash object
// for inputs this small, and hashing dominates proof verification and full-log audits.
const nodeScratch = Buffer.alloc(1 + 2 * HASH_SIZE);
nodeScratch[0] = 0x01;
let leafScratch = Buffer.alloc(1024);

/** RFC 6962 §2.1: MTH({}) = SHA-256() — e3b0c442…b855. */
export const EMPTY_ROOT: Buffer = hash('sha256', Buffer.alloc(0), 'buffer');

/** RFC 6962 §2.1: leaf hash = SHA-256(0x00 ‖ leaf). */
export function leafHash(leaf: Uint8Array): Buffer {
  if (leaf.length + 1 > leafScratch.length) leafScratch = Buffer.alloc(2 * (leaf.length + 1));
  leafScratch[0] = 0x00;
  leafScratch.set(leaf, 1);
  return hash('sha256', leafScratch.subarray(0, leaf.length + 1), 'buffer');
}

/** RFC 6962 §2.1: node hash = SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) throw new MerkleError('Node children are 32-byte hashes');
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 1 + HASH_SIZE);
  return hash('sha256', nodeScratch, 'buffer');
}

export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** Where proofs get the hashes of perfect subtrees from: storage, a cache, or memory. */
export interface HashSource {
  /** The hashes of the given perfect subtrees, in the same order; all must be complete. */
  hashes(ids: readonly NodeId[]): Promise<Buffer[]>;
}

export class MerkleError extends Error {
  override readonly name = 'MerkleError';
}

function checkSize(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new MerkleError(`${what} must be a non-negative safe integer, got ${n}`);
}

/** The largest power of two strictly smaller than n (n ≥ 2): RFC 6962's split point k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The perfect subtrees whose hashes, folded from the right, give MTH(D[start:end]) for a range
 * that occurs in RFC 6962's recursion (start aligned on the range's largest power of two).
 */
export function rangeNodes(start: number, end: number): NodeId[] {
  const nodes: NodeId[] = [];
  let at = start;
  while (at < end) {
    let size = 1;
    while (at % (size * 2) === 0 && at + size * 2 <= end) size *= 2;
    nodes.push({ level: Math.log2(size), index: at / size });
    at += size;
  }
  return nodes;
}

/** Folds perfect-subtree hashes from the right: H(p0, H(p1, … H(pk-1, pk))). */
export function foldRight(hashes: readonly Buffer[]): Buffer {
  if (hashes.length === 0) return EMPTY_ROOT;
  let acc = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i]!, acc);
  return acc;
}

type Range = readonly [number, number];

/** RFC 6962 §2.1.1 PATH(m, D[n]): the subtree ranges of the audit path, leaf to root. */
export function inclusionRanges(index: number, size: number): Range[] {
  checkSize(index, 'index');
  checkSize(size, 'size');
  if (index >= size) throw new MerkleError(`index ${index} is not below size ${size}`);
  const topDown: Range[] = [];
  let m = index;
  let start = 0;
  let n = size;
  while (n > 1) {
    const k = splitPoint(n);
    if (m < k) {
      topDown.push([start + k, start + n]);
      n = k;
    } else {
      topDown.push([start, start + k]);
      m -= k;
      start += k;
      n -= k;
    }
  }
  return topDown.reverse();
}

/** RFC 6962 §2.1.2 PROOF(m, D[n]) = SUBPROOF(m, D[n], true): subtree ranges, in proof order. */
export function consistencyRanges(from: number, to: number): Range[] {
  checkSize(from, 'from');
  checkSize(to, 'to');
  if (from > to) throw new MerkleError(`from ${from} is above to ${to}`);
  if (from === 0 || from === to) return [];
  const topDown: Range[] = [];
  let m = from;
  let start = 0;
  let n = to;
  let complete = true;
  let terminal: Range | undefined;
  for (;;) {
    if (m === n) {
      if (!complete) terminal = [start, start + n];
      break;
    }
    const k = splitPoint(n);
    if (m <= k) {
      topDown.push([start + k, start + n]);
      n = k;
    } else {
      topDown.push([start, start + k]);
      m -= k;
      start += k;
      n -= k;
      complete = false;
    }
  }
  return [...(terminal ? [terminal] : []), ...topDown.reverse()];
}

async function hashRanges(source: HashSource, ranges: readonly Range[]): Promise<Buffer[]> {
  const plans = ranges.map(([a, b]) => rangeNodes(a, b));
  const ids = plans.flat();
  if (ids.length === 0) return [];
  const hashes = await source.hashes(ids);
  let at = 0;
  return plans.map((plan) => {
    const part = hashes.slice(at, at + plan.length);
    at += plan.length;
    return foldRight(part);
  });
}

/** Every perfect subtree an inclusion proof reads, for batched fetching or prefetching. */
export function inclusionNodes(index: number, size: number): NodeId[] {
  return inclusionRanges(index, size).flatMap(([a, b]) => rangeNodes(a, b));
}

export function consistencyNodes(from: number, to: number): NodeId[] {
  return consistencyRanges(from, to).flatMap(([a, b]) => rangeNodes(a, b));
}

/**
 * Fetches the given nodes in one call and serves later requests for them from memory, so that
 * several proofs over the same tree cost one storage read.
 */
export async function prefetch(source: HashSource, ids: readonly NodeId[]): Promise<HashSource> {
  const hashes = ids.length > 0 ? await source.hashes(ids) : [];
  const known = new Map(ids.map((id, i) => [`${id.level}/${id.index}`, hashes[i]!]));
  return {
    hashes: async (wanted) => {
      const missing = wanted.filter((id) => !known.has(`${id.level}/${id.index}`));
      if (missing.length > 0) {
        const more = await source.hashes(missing);
        missing.forEach((id, i) => known.set(`${id.level}/${id.index}`, more[i]!));
      }
      return wanted.map((id) => known.get(`${id.level}/${id.index}`)!);
    },
  };
}

export function inclusionProof(source: HashSource, index: number, size: number): Promise<Buffer[]> {
  return hashRanges(source, inclusionRanges(index, size));
}

export function consistencyProof(source: HashSource, from: number, to: number): Promise<Buffer[]> {
  return hashRanges(source, consistencyRanges(from, to));
}

/** MTH(D[0:size]). */
export async function rootAt(source: HashSource, size: number): Promise<Buffer> {
  checkSize(size, 'size');
  if (size === 0) return EMPTY_ROOT;
  const [root] = await hashRanges(source, [[0, size]]);
  return root!;
}

const isOdd = (n: number): boolean => n % 2 === 1;
const half = (n: number): number => Math.floor(n / 2);

/** RFC 9162 §2.1.3.2: the root an inclusion proof leads to, or undefined when malformed. */
export function rootFromInclusionProof(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[]): Buffer | undefined {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return undefined;
  if (leaf.length !== HASH_SIZE || proof.some((p) => p.length !== HASH_SIZE)) return undefined;
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of proof) {
    if (sn === 0) return undefined;
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!isOdd(fn)) {
        while (!(isOdd(fn) || fn === 0)) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? r : undefined;
}

export function verifyInclusion(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  const computed = rootFromInclusionProof(index, size, leaf, proof);
  return computed !== undefined && computed.equals(root);
}

/**
 * RFC 9162 §2.1.4.2. A tree of size 0 is consistent with any tree (its proof is empty, as
 * C2SP tlog-witness requires); equal sizes need an empty proof and equal roots.
 */
export function verifyConsistency(from: number, to: number, proof: readonly Uint8Array[], fromRoot: Uint8Array, toRoot: Uint8Array): boolean {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || from > to) return false;
  if (fromRoot.length !== HASH_SIZE || toRoot.length !== HASH_SIZE || proof.some((p) => p.length !== HASH_SIZE)) return false;
  if (from === 0) return proof.length === 0 && EMPTY_ROOT.equals(fromRoot);
  if (from === to) return proof.length === 0 && Buffer.from(fromRoot).equals(toRoot);
  const path = isPowerOfTwo(from) ? [fromRoot, ...proof] : [...proof];
  if (path.length === 0) return false;
  let fn = from - 1;
  let sn = to - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr: Buffer = Buffer.from(path[0]!);
  let sr: Buffer = Buffer.from(path[0]!);
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!isOdd(fn)) {
        while (!(isOdd(fn) || fn === 0)) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && fr.equals(fromRoot) && sr.equals(toRoot);
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

/** Perfect subtrees covering [0, size), largest first: one per set bit of size. */
export function frontierNodes(size: number): NodeId[] {
  return rangeNodes(0, size);
}

/**
 * The right edge of a growing tree (a compact range over [0, size)): the hashes of the perfect
 * subtrees named by the set bits of size. Appending a leaf reports every perfect subtree it
 * completes, which is how storage learns which node hashes to write and how a verifier
 * recomputes every node of a log in one pass.
 */
export class CompactRange {
  #size: number;
  readonly #stack: Buffer[];

  constructor(size = 0, frontier: readonly Buffer[] = []) {
    checkSize(size, 'size');
    if (frontier.length !== frontierNodes(size).length) throw new MerkleError(`A frontier of size ${size} has ${frontierNodes(size).length} hashes, got ${frontier.length}`);
    this.#size = size;
    this.#stack = frontier.map((h) => Buffer.from(h));
  }

  static fromBytes(size: number, bytes: Uint8Array): CompactRange {
    if (bytes.length % HASH_SIZE !== 0) throw new MerkleError('A frontier is a whole number of hashes');
    const hashes: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += HASH_SIZE) hashes.push(Buffer.from(bytes.subarray(at, at + HASH_SIZE)));
    return new CompactRange(size, hashes);
  }

  get size(): number {
    return this.#size;
  }

  /** The frontier hashes, largest subtree first. */
  get frontier(): readonly Buffer[] {
    return this.#stack;
  }

  toBytes(): Buffer {
    return Buffer.concat(this.#stack);
  }

  /**
   * Adds a leaf hash; `completed` is called for each perfect subtree of level ≥ 1 that it
   * completes, lowest level first.
   */
  append(hash: Buffer, completed?: (level: number, index: number, hash: Buffer) => void): void {
    let node = hash;
    let level = 0;
    let size = this.#size;
    // Each trailing 1 bit of the old size is a subtree that the new leaf's subtree merges with.
    while (isOdd(size)) {
      node = nodeHash(this.#stack.pop()!, node);
      level++;
      size = half(size);
      completed?.(level, (this.#size + 1) / 2 ** level - 1, node);
    }
    this.#stack.push(node);
    this.#size++;
  }

  root(): Buffer {
    return foldRight(this.#stack);
  }

  clone(): CompactRange {
    return new CompactRange(this.#size, this.#stack);
  }
}

/** A whole tree in memory: for tests, verifiers and small logs. */
export class MemoryTree implements HashSource {
  /** levels[L][i] = hash of perfect subtree (L, i). */
  readonly #levels: Buffer[][] = [[]];
  readonly #range = new CompactRange();

  get size(): number {
    return this.#range.size;
  }

  appendLeaf(leaf: Uint8Array): number {
    return this.appendHash(leafHash(leaf));
  }

  appendHash(hash: Buffer): number {
    const index = this.#range.size;
    this.#levels[0]!.push(hash);
    this.#range.append(hash, (level, i, h) => {
      (this.#levels[level] ??= [])[i] = h;
    });
    return index;
  }

  root(): Buffer {
    return this.#range.root();
  }

  node(id: NodeId): Buffer {
    const hash = this.#levels[id.level]?.[id.index];
    if (!hash) throw new MerkleError(`No complete subtree at level ${id.level} index ${id.index}`);
    return hash;
  }

  async hashes(ids: readonly NodeId[]): Promise<Buffer[]> {
    return ids.map((id) => this.node(id));
  }
}
