/**
 * A full audit of a gateway's log through its public API, as anyone can run it: fetch every
 * entry, check each leaf decodes, recompute every hash and compare it with the stored one the
 * gateway serves, recompute the root and check it against the published checkpoint (log
 * signature and witness cosignatures), and check that this checkpoint extends the one seen at
 * the last run (saved state), both by recomputation and through the gateway's own
 * consistency proof.
 *
 * Entries come as C2SP tlog-tiles entry bundles (256 leaves in binary, several in flight) and
 * the stored hashes as the matching /log/hashes bundles: no JSON or base64 per entry, and the
 * hashes are compared as bytes in place.
 */
import { promisify } from 'node:util';
import { gunzip as gunzipCallback } from 'node:zlib';
import { request } from 'undici';
import { openCheckpoint, type Checkpoint, type Cosignature } from './checkpoint.js';
import { decodeExchangeLeaf } from './leaf.js';
import { CompactRange, HASH_SIZE, leafHash, verifyConsistency } from './merkle.js';
import { parseVerifierKey } from './note.js';
import { TILE_WIDTH, TileError, decodeBundle, entriesPath, formatTileIndex, tileWidth } from './tiles.js';

export interface VerifyState {
  gateway: string;
  /** The log's verifier key seen at the last run. */
  key: string;
  witnesses: string[];
  quorum: number;
  origin: string;
  size: number;
  /** base64 root of the checkpoint verified at the last run. */
  root: string;
  verifiedAt: string;
}

export interface VerifyOptions {
  /** Base URL of the gateway's public log API. */
  gateway: string;
  /** The log's verifier key; otherwise the saved state's, otherwise the gateway's /log/key. */
  key?: string;
  /** Witness verifier keys; otherwise the saved state's, otherwise the gateway's /log/witnesses. */
  witnesses?: string[];
  quorum?: number;
  /** The state saved at the last run. */
  state?: VerifyState;
  fetch?: typeof fetch;
  /** Entry bundles (256 entries each) fetched ahead while the current one is checked. Default 8. */
  prefetch?: number;
  /** Ask for gzipped entry bundles (slow links). */
  gzip?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface VerifyResult {
  checkpoint: Checkpoint;
  cosignatures: readonly Cosignature[];
  state: VerifyState;
  /** Whether a saved state was checked for consistency. */
  extended: boolean;
}

const gunzip = promisify(gunzipCallback);

export class VerifyError extends Error {
  override readonly name = 'VerifyError';
}

export async function verifyLog(options: VerifyOptions): Promise<VerifyResult> {
  const base = options.gateway.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  // Entry bundles are gzipped only on request: on a fast link compression costs more than it saves.
  const headers = { 'accept-encoding': options.gzip ? 'gzip, identity' : 'identity' };
  const get = async (path: string): Promise<Response> => {
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, { signal: AbortSignal.timeout(60_000), headers });
    } catch (error) {
      throw new VerifyError(`Gateway unreachable at ${base}${path}: ${(error as Error).message}`);
    }
    if (!response.ok) throw new VerifyError(`GET ${path} answered HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`);
    return response;
  };
  const getText = async (path: string) => (await get(path)).text();
  const getJson = async <T>(path: string) => (await (await get(path)).json()) as T;

  const state = options.state;
  const key = (options.key ?? state?.key ?? (await getText('/log/key')).trim());
  if (state && state.key !== key) throw new VerifyError(`The log key changed since the last run (${state.key} → ${key}); verify the new key out of band first.`);
  try {
    parseVerifierKey(key);
  } catch (error) {
    throw new VerifyError(`Bad log key: ${(error as Error).message}`);
  }
  let witnesses = options.witnesses ?? state?.witnesses;
  let quorum = options.quorum ?? state?.quorum;
  if (!witnesses || quorum === undefined) {
    const policy = await getJson<{ quorum: number; witnesses: { key: string }[] }>('/log/witnesses');
    witnesses ??= policy.witnesses.map((w) => w.key);
    quorum ??= policy.quorum;
  }

  const note = await getText('/log/checkpoint');
  let opened;
  try {
    opened = openCheckpoint(note, { log: key, witnesses, quorum });
  } catch (error) {
    throw new VerifyError(`The published checkpoint does not verify: ${(error as Error).message}`);
  }
  const { checkpoint } = opened;
  if (state && state.origin !== checkpoint.origin) throw new VerifyError(`The log origin changed: ${state.origin} → ${checkpoint.origin}`);
  if (state && checkpoint.size < state.size) {
    throw new VerifyError(`The published checkpoint (size ${checkpoint.size}) is older than the one verified at the last run (size ${state.size}): the log was rolled back or forked.`);
  }

  const range = new CompactRange();
  const total = checkpoint.size;
  const checkPrefix = (): void => {
    if (state && range.size === state.size && range.root().toString('base64') !== state.root) {
      throw new VerifyError(`The first ${state.size} entries no longer give the root verified at the last run: the log history was rewritten.`);
    }
  };
  checkPrefix();

  const prefetch = Math.max(1, options.prefetch ?? 8);
  // Thousands of bundles: undici's request costs far less per request than fetch does.
  const getBytes = async (path: string): Promise<Buffer> => {
    if (options.fetch) return Buffer.from(await (await get(path)).arrayBuffer());
    let response;
    try {
      response = await request(`${base}${path}`, { headers, headersTimeout: 60_000, bodyTimeout: 60_000 });
    } catch (error) {
      throw new VerifyError(`Gateway unreachable at ${base}${path}: ${(error as Error).message}`);
    }
    const body = Buffer.from(await response.body.arrayBuffer());
    if (response.statusCode !== 200) throw new VerifyError(`GET ${path} answered HTTP ${response.statusCode}: ${body.toString('utf8').slice(0, 300)}`);
    return response.headers['content-encoding'] === 'gzip' ? gunzip(body) : body;
  };
  const fetchBundle = (n: number): Promise<[Buffer, Buffer]> => {
    const width = tileWidth(0, n, total);
    const suffix = width === TILE_WIDTH ? '' : `.p/${width}`;
    return Promise.all([getBytes(`/log/${entriesPath(n, width)}`), getBytes(`/log/hashes/${formatTileIndex(n)}${suffix}`)]);
  };
  const bundles = Math.ceil(total / TILE_WIDTH);
  const pending: Promise<[Buffer, Buffer]>[] = [];
  let scheduled = 0;
  for (let n = 0; n < bundles; n++) {
    while (scheduled < bundles && scheduled < n + prefetch) {
      const request = fetchBundle(scheduled++);
      // Failures surface when the bundle's turn comes; until then they are not unhandled.
      request.catch(() => undefined);
      pending.push(request);
    }
    const [bundle, hashes] = await pending.shift()!;
    checkBundle(n * TILE_WIDTH, tileWidth(0, n, total), bundle, hashes, range, checkPrefix);
    options.onProgress?.(range.size, total);
  }
  if (range.size !== total) throw new VerifyError(`The gateway served ${range.size} entries; the checkpoint has ${total}.`);
  if (!range.root().equals(checkpoint.root)) {
    throw new VerifyError(`The entries give the root ${range.root().toString('base64')}, not the checkpoint's ${checkpoint.root.toString('base64')}.`);
  }

  let extended = false;
  if (state && state.size > 0 && state.size < checkpoint.size) {
    const proof = await getJson<{ hashes: string[] }>(`/log/proof/consistency?from=${state.size}&to=${checkpoint.size}`);
    if (!verifyConsistency(state.size, checkpoint.size, proof.hashes.map((h) => Buffer.from(h, 'base64')), Buffer.from(state.root, 'base64'), checkpoint.root)) {
      throw new VerifyError(`The gateway's consistency proof from size ${state.size} to ${checkpoint.size} does not verify.`);
    }
    extended = true;
  } else if (state) extended = true;

  return {
    checkpoint,
    cosignatures: opened.cosignatures,
    extended,
    state: {
      gateway: base,
      key,
      witnesses,
      quorum,
      origin: checkpoint.origin,
      size: checkpoint.size,
      root: checkpoint.root.toString('base64'),
      verifiedAt: new Date().toISOString(),
    },
  };
}

/**
 * Checks the entries [start, start + width) of one bundle against the stored hashes served for
 * it, appending them to the range: each leaf decodes, its hash is the stored one, and each
 * perfect subtree it completes has the stored hash.
 */
function checkBundle(start: number, width: number, bundle: Buffer, hashes: Buffer, range: CompactRange, checkPrefix: () => void): void {
  let leaves: Buffer[];
  try {
    leaves = decodeBundle(bundle);
  } catch (error) {
    if (error instanceof TileError) throw new VerifyError(`Entry bundle at ${start}: ${error.message}.`);
    throw error;
  }
  if (leaves.length !== width) throw new VerifyError(`The entry bundle at ${start} has ${leaves.length} entries, expected ${width}.`);
  let at = 0;
  // Compared in place: no view per stored hash.
  const matches = (hash: Buffer, what: string): boolean => {
    if (at + HASH_SIZE > hashes.length) throw new VerifyError(`The gateway served too few stored hashes for entries ${start}..${start + width - 1} (missing ${what}).`);
    at += HASH_SIZE;
    return hash.compare(hashes, at - HASH_SIZE, at) === 0;
  };
  for (let i = 0; i < leaves.length; i++) {
    const index = start + i;
    const leaf = leaves[i]!;
    // Lenient decoding is enough here: whatever bytes come out are checked against stored hashes.
    try {
      decodeExchangeLeaf(leaf);
    } catch (error) {
      throw new VerifyError(`Entry ${index}: not a valid exchange leaf (${(error as Error).message}).`);
    }
    const hash = leafHash(leaf);
    if (!matches(hash, `the hash of entry ${index}`)) throw new VerifyError(`Entry ${index}: the stored leaf hash differs from the hash of the leaf.`);
    range.append(hash, (level, nodeIndex, node) => {
      if (!matches(node, `level ${level}, index ${nodeIndex}`)) {
        throw new VerifyError(`The stored hash of level ${level}, index ${nodeIndex} (completed by entry ${index}) differs from the recomputed one.`);
      }
    });
    checkPrefix();
  }
  if (at !== hashes.length) throw new VerifyError(`The gateway served ${hashes.length / HASH_SIZE} stored hashes for entries ${start}..${start + width - 1}, expected ${at / HASH_SIZE}.`);
}
