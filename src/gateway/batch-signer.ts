/**
 * Batch signing: messages whose digests arrive in the same turn of the event loop share one
 * Ed25519 signature over a Merkle root; each gets its audit path. At low load a batch holds
 * one message and costs one signature, as before; under load the signature cost is spread
 * over the batch, so signing does not cap throughput.
 */
import type { KeyObject } from 'node:crypto';
import { sign, verify, type SigningKey } from '../core/crypto.js';
import { batchLeaf, batchSigningInput, buildBatch, rootFromPath, type MessageSignature } from './protocol.js';

interface Pending {
  leaf: Buffer;
  resolve: (s: MessageSignature) => void;
  reject: (e: unknown) => void;
}

export class BatchSigner {
  readonly #key: SigningKey;
  readonly #keyId: string;
  readonly #maxBatch: number;
  #queue: Pending[] = [];
  #scheduled = false;

  constructor(key: SigningKey, keyId: string, maxBatch = 512) {
    this.#key = key;
    this.#keyId = keyId;
    this.#maxBatch = maxBatch;
  }

  sign(digest: Buffer): Promise<MessageSignature> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ leaf: batchLeaf(digest), resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      try {
        const { root, paths } = buildBatch(batch.map((p) => p.leaf));
        const signature = sign(this.#key, batchSigningInput(root));
        batch.forEach((p, i) => p.resolve({ key: this.#keyId, index: i, size: batch.length, path: paths[i]!, signature }));
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
  }
}

/**
 * Verifies message signatures, remembering batch roots already verified so the other
 * messages of a batch cost only their audit-path hashes.
 */
export class BatchVerifier {
  readonly #verified = new Map<string, true>();
  readonly #capacity: number;

  constructor(capacity = 8192) {
    this.#capacity = capacity;
  }

  verify(digest: Buffer, signature: MessageSignature, publicKey: KeyObject): boolean {
    const root = rootFromPath(batchLeaf(digest), signature.index, signature.size, signature.path);
    if (!root) return false;
    const cacheKey = `${signature.key}|${root.toString('base64')}|${signature.signature.toString('base64')}`;
    if (this.#verified.has(cacheKey)) return true;
    if (!verify(publicKey, batchSigningInput(root), signature.signature)) return false;
    if (this.#verified.size >= this.#capacity) {
      // Drop the oldest entry (Map keeps insertion order).
      this.#verified.delete(this.#verified.keys().next().value as string);
    }
    this.#verified.set(cacheKey, true);
    return true;
  }
}
