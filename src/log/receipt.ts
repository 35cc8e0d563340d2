/**
 * Receipts: C2SP tlog-proof (c2sp.org/tlog-proof@v1), an offline-verifiable proof that an
 * exchange is in a gateway's log, observed by its witnesses:
 *
 *   c2sp.org/tlog-proof@v1
 *   extra <base64 of the leaf bytes>
 *   index <leaf index>
 *   <inclusion proof, one base64 hash per line>
 *   <empty line>
 *   <the checkpoint note, with cosignatures>
 *
 * Simpul puts the exchange leaf in `extra`: the holder needs it to recompute the leaf hash,
 * and it is what the receipt is about (who asked which service, why, and the outcome).
 */
import { openCheckpoint, type CheckpointPolicy, type OpenedCheckpoint } from './checkpoint.js';
import { decodeExchangeLeaf } from './leaf.js';
import { HASH_SIZE, leafHash, verifyInclusion } from './merkle.js';
import { decodeBase64Strict } from './note.js';
import type { ExchangeRecord } from '../gateway/exchange-record.js';

export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';

export interface Receipt {
  extra?: Buffer;
  index: number;
  proof: Buffer[];
  /** The signed checkpoint note, cosignatures included. */
  checkpoint: string;
}

export class ReceiptError extends Error {
  override readonly name = 'ReceiptError';
}

export function formatReceipt(receipt: Receipt): string {
  const lines = [TLOG_PROOF_HEADER];
  if (receipt.extra) lines.push(`extra ${receipt.extra.toString('base64')}`);
  lines.push(`index ${receipt.index}`);
  for (const h of receipt.proof) lines.push(h.toString('base64'));
  return `${lines.join('\n')}\n\n${receipt.checkpoint}`;
}

export function parseReceipt(text: string): Receipt {
  const blank = text.indexOf('\n\n');
  if (blank < 0) throw new ReceiptError('A receipt has an empty line between the proof and the checkpoint');
  const lines = text.slice(0, blank).split('\n');
  const checkpoint = text.slice(blank + 2);
  if (lines.shift() !== TLOG_PROOF_HEADER) throw new ReceiptError(`A receipt starts with the line ${TLOG_PROOF_HEADER}`);
  let extra: Buffer | undefined;
  if (lines[0]?.startsWith('extra ')) {
    extra = decodeBase64Strict(lines.shift()!.slice('extra '.length));
    if (!extra) throw new ReceiptError('The extra line is not base64');
  }
  const indexLine = /^index (0|[1-9][0-9]*)$/.exec(lines.shift() ?? '');
  if (!indexLine || !Number.isSafeInteger(Number(indexLine[1]))) throw new ReceiptError('Missing or malformed index line');
  const proof = lines.map((line, i) => {
    const h = decodeBase64Strict(line);
    if (!h || h.length !== HASH_SIZE) throw new ReceiptError(`Proof line ${i + 1} is not a base64 SHA-256 hash`);
    return h;
  });
  return { ...(extra ? { extra } : {}), index: Number(indexLine[1]), proof, checkpoint };
}

export interface VerifiedReceipt {
  index: number;
  leaf: Buffer;
  record: ExchangeRecord;
  checkpoint: OpenedCheckpoint;
}

/**
 * Verifies a receipt offline: the checkpoint's signature (and cosignatures under the policy)
 * and the inclusion of the leaf carried in `extra` at `index`.
 */
export function verifyReceipt(text: string, policy: CheckpointPolicy): VerifiedReceipt {
  const receipt = parseReceipt(text);
  if (!receipt.extra) throw new ReceiptError('The receipt carries no leaf (extra line): nothing to verify');
  const opened = openCheckpoint(receipt.checkpoint, policy);
  const { size, root } = opened.checkpoint;
  if (receipt.index >= size) throw new ReceiptError(`Index ${receipt.index} is outside the checkpoint's tree of size ${size}`);
  if (!verifyInclusion(receipt.index, size, leafHash(receipt.extra), receipt.proof, root)) {
    throw new ReceiptError(`The inclusion proof for index ${receipt.index} does not lead to the checkpoint's root`);
  }
  return { index: receipt.index, leaf: receipt.extra, record: decodeExchangeLeaf(receipt.extra), checkpoint: opened };
}
