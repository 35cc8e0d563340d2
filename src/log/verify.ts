/**
 * A full audit of a gateway's log through its public API, as anyone can run it: fetch every
 * entry, check each leaf decodes, recompute every hash and compare it with the stored one the
 * gateway serves, recompute the root and check it against the published checkpoint (log
 * signature and witness cosignatures), and check that this checkpoint extends the one seen at
 * the last run (saved state), both by recomputation and through the gateway's own
 * consistency proof.
 */
import { openCheckpoint, type Checkpoint, type Cosignature } from './checkpoint.js';
import { decodeExchangeLeaf } from './leaf.js';
import { CompactRange, leafHash, verifyConsistency } from './merkle.js';
import { parseVerifierKey } from './note.js';

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
  /** Pages fetched ahead while the current one is checked. Default 2. */
  prefetch?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface VerifyResult {
  checkpoint: Checkpoint;
  cosignatures: readonly Cosignature[];
  state: VerifyState;
  /** Whether a saved state was checked for consistency. */
  extended: boolean;
}

export class VerifyError extends Error {
  override readonly name = 'VerifyError';
}

interface EntryJson {
  index: number;
  leaf: string;
  hash: string;
  nodes: string[];
}

interface Page {
  start: number;
  end: number;
  next?: number;
  entries: EntryJson[];
}

export async function verifyLog(options: VerifyOptions): Promise<VerifyResult> {
  const base = options.gateway.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const get = async (path: string): Promise<Response> => {
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, { signal: AbortSignal.timeout(60_000) });
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

  // Learn the server's page size from the first page, then keep a few pages in flight.
  const prefetch = Math.max(1, options.prefetch ?? 2);
  const fetchPage = (start: number, end: number) => getJson<Page>(`/log/entries?start=${start}&end=${end}`);
  let done = 0;
  if (total > 0) {
    const first = await fetchPage(0, total);
    const stride = first.entries.length;
    if (stride === 0) throw new VerifyError('The gateway served an empty page of entries');
    const pending: Promise<Page>[] = [];
    let nextStart = first.end;
    const schedule = (): void => {
      while (pending.length < prefetch && nextStart < total) {
        pending.push(fetchPage(nextStart, Math.min(total, nextStart + stride)));
        nextStart = Math.min(total, nextStart + stride);
      }
    };
    let page: Page | undefined = first;
    while (page) {
      schedule();
      for (const entry of page.entries) {
        checkEntry(entry, range);
        checkPrefix();
      }
      done = range.size;
      options.onProgress?.(done, total);
      page = pending.length > 0 ? await pending.shift()! : undefined;
    }
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

function checkEntry(entry: EntryJson, range: CompactRange): void {
  const index = range.size;
  if (entry.index !== index) throw new VerifyError(`Expected entry ${index}, the gateway served entry ${entry.index}.`);
  // Lenient decoding is enough here: whatever bytes come out are checked against stored hashes.
  const leaf = Buffer.from(entry.leaf, 'base64');
  try {
    decodeExchangeLeaf(leaf);
  } catch (error) {
    throw new VerifyError(`Entry ${index}: not a valid exchange leaf (${(error as Error).message}).`);
  }
  const hash = leafHash(leaf);
  if (entry.hash !== hash.toString('base64')) throw new VerifyError(`Entry ${index}: the stored leaf hash differs from the hash of the leaf.`);
  let completed = 0;
  range.append(hash, (level, nodeIndex, node) => {
    completed++;
    if (entry.nodes[level - 1] !== node.toString('base64')) {
      throw new VerifyError(`The stored hash of level ${level}, index ${nodeIndex} (completed by entry ${index}) differs from the recomputed one.`);
    }
  });
  if (entry.nodes.length !== completed) throw new VerifyError(`Entry ${index}: ${entry.nodes.length} subtree hashes served, ${completed} expected.`);
}
