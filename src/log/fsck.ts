/**
 * `simpul log fsck`: recomputes the whole log from the stored leaves and compares every
 * stored byte that depends on them — leaf hashes and subtree hashes (strips), the head's
 * size and frontier, the exchange id index, each checkpoint's root and signature, and each
 * witness cosignature. A single changed byte anywhere in them is reported.
 */
import { sql } from 'kysely';
import { parseCheckpoint } from './checkpoint.js';
import { decodeExchangeLeaf, LeafError } from './leaf.js';
import { CompactRange, HASH_SIZE, leafHash } from './merkle.js';
import { NoteError, noteVerifier, openNote, parseNote } from './note.js';
import { STRIP_WIDTH, type AnyDb } from './store.js';

export interface FsckOptions {
  db: AnyDb;
  /** The log's verifier key; by default the one recorded when its checkpoints were signed. */
  key?: string;
  /** Leaves read per query. Default 8192 (a multiple of 256). */
  pageSize?: number;
  onProgress?: (done: number, total: number) => void;
  /** Stop listing problems after this many (the count goes on). Default 100. */
  maxProblems?: number;
}

export interface FsckReport {
  size: number;
  checkpoints: number;
  cosignatures: number;
  problemCount: number;
  problems: string[];
}

interface CheckpointRow {
  size: number | string;
  root: Buffer;
  note: string;
}

export async function fsck(options: FsckOptions): Promise<FsckReport> {
  const { db } = options;
  const pageSize = Math.max(STRIP_WIDTH, Math.floor((options.pageSize ?? 8192) / STRIP_WIDTH) * STRIP_WIDTH);
  const problems: string[] = [];
  let problemCount = 0;
  const problem = (text: string): void => {
    problemCount++;
    if (problems.length < (options.maxProblems ?? 100)) problems.push(text);
  };

  const headRow = (await sql<{ size: number | string; frontier: Buffer }>`SELECT size, frontier FROM log_head WHERE id = 1`.execute(db)).rows[0];
  if (!headRow) return { size: 0, checkpoints: 0, cosignatures: 0, problemCount: 1, problems: ['The log head row is missing'] };
  const size = Number(headRow.size);
  const counts = (await sql<{ n: number | string; lo: number | string | null; hi: number | string | null }>`SELECT count(*) AS n, min(idx) AS lo, max(idx) AS hi FROM log_leaf`.execute(db)).rows[0]!;
  if (Number(counts.n) !== size) problem(`The head says ${size} leaves; ${Number(counts.n)} are stored`);
  if (counts.hi !== null && Number(counts.hi) >= size) problem(`Leaves are stored beyond the head's size (up to index ${Number(counts.hi)})`);
  if (counts.lo !== null && Number(counts.lo) < 0) problem('A leaf has a negative index');

  // Strips must hold exactly the hashes the tree of this size has, no more, no less.
  const stripRows = (await sql<{ level: number; block: number | string; bytes: number | string }>`SELECT level, block, octet_length(hashes) AS bytes FROM log_hash ORDER BY level, block`.execute(db)).rows;
  const stripSeen = new Set<string>();
  for (const row of stripRows) {
    const count = Math.floor(size / 2 ** row.level);
    const expected = HASH_SIZE * Math.max(0, Math.min(STRIP_WIDTH, count - Number(row.block) * STRIP_WIDTH));
    if (Number(row.bytes) !== expected) problem(`Strip level ${row.level} block ${Number(row.block)} holds ${Number(row.bytes)} bytes; ${expected} expected`);
    stripSeen.add(`${row.level}/${Number(row.block)}`);
  }
  for (let level = 0; 2 ** level <= size; level++) {
    const blocks = Math.ceil(Math.floor(size / 2 ** level) / STRIP_WIDTH);
    for (let block = 0; block < blocks; block++) if (!stripSeen.has(`${level}/${block}`)) problem(`Strip level ${level} block ${block} is missing`);
  }

  const signer = (await sql<{ vkey: string; size: number | string; root: Buffer }>`SELECT vkey, size, root FROM log_signer WHERE id = 1`.execute(db)).rows[0];
  const key = options.key ?? signer?.vkey;
  const logVerifier = key ? noteVerifier(key) : undefined;

  // Checkpoints are read in size order alongside the leaves, a page at a time.
  let checkpointCursor = -1;
  let checkpointQueue: CheckpointRow[] = [];
  let checkpoints = 0;
  let cosignatures = 0;
  const nextCheckpoints = async (): Promise<void> => {
    checkpointQueue = (await sql<CheckpointRow>`SELECT size, root, note FROM log_checkpoint WHERE size > ${checkpointCursor} ORDER BY size LIMIT 1000`.execute(db)).rows;
  };
  await nextCheckpoints();
  const checkCheckpoints = async (range: CompactRange): Promise<void> => {
    for (;;) {
      if (checkpointQueue.length === 0) {
        await nextCheckpoints();
        if (checkpointQueue.length === 0) return;
      }
      const row = checkpointQueue[0]!;
      const at = Number(row.size);
      if (at > range.size) return;
      checkpointQueue.shift();
      checkpointCursor = at;
      checkpoints++;
      cosignatures += await checkCheckpoint(db, row, range.root(), logVerifier, problem);
    }
  };

  const range = new CompactRange();
  await checkCheckpoints(range);
  for (let start = 0; start < size; start += pageSize) {
    const end = Math.min(size, start + pageSize);
    const leaves = (await sql<{ idx: number | string; exchange_id: string; leaf: Buffer }>`SELECT idx, exchange_id, leaf FROM log_leaf WHERE idx >= ${start} AND idx < ${end} ORDER BY idx`.execute(db)).rows;
    const strips = await loadStrips(db, start, end);
    let expected = start;
    for (const row of leaves) {
      const index = Number(row.idx);
      if (index !== expected) {
        problem(`Leaves ${expected}..${index - 1} are missing`);
        break;
      }
      expected++;
      const leaf = Buffer.from(row.leaf);
      try {
        const record = decodeExchangeLeaf(leaf);
        if (record.id !== row.exchange_id) problem(`Leaf ${index} records exchange ${record.id} but is indexed under ${row.exchange_id}`);
      } catch (error) {
        if (!(error instanceof LeafError)) throw error;
        problem(`Leaf ${index} is not a valid exchange leaf: ${error.message}`);
      }
      const hash = leafHash(leaf);
      compare(strips, 0, index, hash, problem, `the hash of leaf ${index}`);
      range.append(hash, (level, nodeIndex, node) => compare(strips, level, nodeIndex, node, problem, `the subtree hash at level ${level}, index ${nodeIndex}`));
      await checkCheckpoints(range);
    }
    if (expected < end) {
      // Keep the tree aligned with the indices even over a gap, so later problems are exact.
      problem(`Leaves ${expected}..${end - 1} are missing`);
      break;
    }
    options.onProgress?.(end, size);
  }

  if (range.size === size) {
    if (!range.toBytes().equals(Buffer.from(headRow.frontier))) problem('The head\'s frontier differs from the recomputed one');
  }
  const beyond = (await sql<{ n: number | string }>`SELECT count(*) AS n FROM log_checkpoint WHERE size > ${range.size}`.execute(db)).rows[0]!;
  if (Number(beyond.n) > 0) problem(`${Number(beyond.n)} checkpoint(s) are beyond the stored tree`);
  if (signer) {
    const newest = (await sql<{ size: number | string; root: Buffer }>`SELECT size, root FROM log_checkpoint ORDER BY size DESC LIMIT 1`.execute(db)).rows[0];
    if (!newest || Number(newest.size) !== Number(signer.size) || !Buffer.from(newest.root).equals(Buffer.from(signer.root))) {
      problem('The last signed checkpoint recorded for the signer is not the newest stored checkpoint');
    }
  }
  return { size, checkpoints, cosignatures, problemCount, problems };
}

async function loadStrips(db: AnyDb, start: number, end: number): Promise<Map<string, Buffer>> {
  // Every strip holding a hash of a leaf in [start, end) or of a subtree one of them completes.
  const levels: number[] = [];
  const blocks: number[] = [];
  for (let level = 0; 2 ** level <= end; level++) {
    const first = Math.floor(start / 2 ** level / STRIP_WIDTH);
    const last = Math.floor(Math.max(0, end / 2 ** level - 1) / STRIP_WIDTH);
    for (let block = first; block <= last; block++) {
      levels.push(level);
      blocks.push(block);
    }
  }
  const rows = await sql<{ level: number; block: number | string; hashes: Buffer }>`
    SELECT h.level, h.block, h.hashes FROM log_hash h
    JOIN unnest(${levels}::smallint[], ${blocks}::bigint[]) AS k(level, block) ON h.level = k.level AND h.block = k.block`.execute(db);
  return new Map(rows.rows.map((r) => [`${r.level}/${Number(r.block)}`, Buffer.from(r.hashes)]));
}

function compare(strips: Map<string, Buffer>, level: number, index: number, hash: Buffer, problem: (t: string) => void, what: string): void {
  const strip = strips.get(`${level}/${Math.floor(index / STRIP_WIDTH)}`);
  const at = (index % STRIP_WIDTH) * HASH_SIZE;
  if (!strip || strip.length < at + HASH_SIZE) return problem(`${what} is not stored`);
  if (!strip.subarray(at, at + HASH_SIZE).equals(hash)) problem(`The stored value of ${what} differs from the recomputed one`);
}

async function checkCheckpoint(db: AnyDb, row: CheckpointRow, root: Buffer, logVerifier: ReturnType<typeof noteVerifier> | undefined, problem: (t: string) => void): Promise<number> {
  const size = Number(row.size);
  if (!Buffer.from(row.root).equals(root)) problem(`Checkpoint ${size}: the stored root differs from the recomputed one`);
  let text: string;
  try {
    text = parseNote(row.note).text;
    const body = parseCheckpoint(text);
    if (body.size !== size || !body.root.equals(root)) problem(`Checkpoint ${size}: the signed note names size ${body.size} and another root`);
    if (logVerifier) openNote(row.note, [logVerifier]);
  } catch (error) {
    if (!(error instanceof NoteError) && !(error instanceof Error && error.name === 'CheckpointError')) throw error;
    problem(`Checkpoint ${size}: ${error.message}`);
    return 0;
  }
  const rows = (await sql<{ witness: string; line: string }>`SELECT witness, line FROM log_cosignature WHERE size = ${size}`.execute(db)).rows;
  for (const c of rows) {
    try {
      openNote(text + '\n' + c.line, [noteVerifier(c.witness)]);
    } catch (error) {
      problem(`Checkpoint ${size}: the cosignature of ${c.witness.split('+')[0]} does not verify (${(error as Error).message})`);
    }
  }
  return rows.length;
}
