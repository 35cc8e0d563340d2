/**
 * Durable storage of a gateway's exchange log on the gateway's own database (PGlite or
 * PostgreSQL through Kysely). Design and reasons: docs/adr/0020-log-storage.md.
 *
 * - `log_head` (one row): tree size and frontier. An appender locks it for the rest of its
 *   transaction, so indices are contiguous, never reused, and assigned in commit order even
 *   with appenders in several processes; a rolled-back transaction gives its indices back.
 * - `log_leaf`: leaf bytes by index, with the exchange id for receipts.
 * - `log_hash`: "strips" of up to 256 consecutive hashes of one tree level (level 0 = leaf
 *   hashes), appended to as the tree grows. Any perfect subtree's hash is one lookup; an
 *   inclusion proof at a million leaves reads about 20 strips, most of them cached.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { MAX_BUNDLED_LEAF } from './tiles.js';
import { leafHash, CompactRange, HASH_SIZE, MerkleError, consistencyProof, inclusionProof, rootAt, type HashSource, type NodeId } from './merkle.js';

export { logMigrations, migrateLog } from './migrations.js';

/**
 * Any Kysely handle (or transaction, which is one) on the gateway's schema: the log needs
 * none of the gateway's table types.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDb = Kysely<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTransaction = Transaction<any>;

export const STRIP_WIDTH = 256;
const STRIP_BYTES = STRIP_WIDTH * HASH_SIZE;

export interface LeafInput {
  /** The exchange id (a UUID) the leaf records, for `GET /log/receipt/{id}`. */
  exchangeId: string;
  leaf: Buffer;
}

export interface LogEntry {
  index: number;
  leaf: Buffer;
  /** The stored leaf hash. */
  hash: Buffer;
  /** Stored hashes of the perfect subtrees this leaf completes, level 1 upwards. */
  nodes: Buffer[];
}

export interface StoredCheckpoint {
  size: number;
  root: Buffer;
  /** The note as the log signed it (no cosignatures). */
  note: string;
  signedAt: Date;
  finalAt: Date | null;
}

export interface StoredCosignature {
  size: number;
  /** The witness's verifier key string. */
  witness: string;
  line: string;
  cosignedAt: number;
}

export interface SignerState {
  origin: string;
  vkey: string;
  size: number;
  root: Buffer;
}

export class LogStoreError extends Error {
  override readonly name = 'LogStoreError';
}

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The (level, block) strips a set of nodes lives in, with the highest position needed in each. */
function stripsOf(ids: readonly NodeId[]): Map<string, { level: number; block: number; need: number }> {
  const strips = new Map<string, { level: number; block: number; need: number }>();
  for (const { level, index } of ids) {
    const block = Math.floor(index / STRIP_WIDTH);
    const key = `${level}/${block}`;
    const need = (index % STRIP_WIDTH) + 1;
    const s = strips.get(key);
    if (!s) strips.set(key, { level, block, need });
    else if (need > s.need) s.need = need;
  }
  return strips;
}

/**
 * Appends leaves inside the caller's transaction and returns their indices (contiguous).
 * They are durable when that transaction commits; if it rolls back, so do they and their
 * indices. Call it last in the transaction: it holds the log's head row lock until commit.
 * Requires READ COMMITTED (PostgreSQL's default). With a Kysely instance rather than a
 * transaction it runs its own transaction.
 *
 * @example
 *   await db.transaction().execute(async (trx) => {
 *     await trx.insertInto('exchange').values(rows).execute();
 *     const indices = await appendLeaves(trx, records.map((r) => ({ exchangeId: r.id, leaf: encodeExchangeLeaf(r) })));
 *   });
 */
export async function appendLeaves(trx: AnyTransaction | AnyDb, entries: readonly LeafInput[]): Promise<number[]> {
  if (entries.length === 0) return [];
  if (!trx.isTransaction) return trx.transaction().execute((t) => appendLeaves(t, entries));
  // Everything that does not need the lock is done before taking it.
  const ids: string[] = [];
  const lengths: number[] = [];
  const offsets: number[] = [];
  const hashes: Buffer[] = [];
  let at = 1;
  for (const { exchangeId, leaf } of entries) {
    if (!UUID_TEXT.test(exchangeId)) throw new LogStoreError(`Exchange id ${JSON.stringify(exchangeId)} is not a UUID`);
    if (!Buffer.isBuffer(leaf) || leaf.length === 0) throw new LogStoreError('A leaf is a non-empty Buffer');
    // tlog-tiles entry bundles length-prefix a leaf with a uint16.
    if (leaf.length > MAX_BUNDLED_LEAF) throw new LogStoreError(`A leaf is at most ${MAX_BUNDLED_LEAF} bytes, got ${leaf.length}`);
    ids.push(exchangeId);
    offsets.push(at);
    lengths.push(leaf.length);
    at += leaf.length;
    hashes.push(leafHash(leaf));
  }
  const blob = Buffer.concat(entries.map((e) => e.leaf));

  const head = await sql<{ size: number | string; frontier: Buffer }>`SELECT size, frontier FROM log_head WHERE id = 1 FOR UPDATE`.execute(trx);
  const row = head.rows[0];
  if (!row) throw new LogStoreError('The log has no head row: run the log migrations');
  const start = Number(row.size);
  const range = CompactRange.fromBytes(start, row.frontier);

  // New hashes per strip: level 0 gets every leaf hash, higher levels every completed subtree.
  // Indices arrive in order within a level, so a strip is only ever the level's latest one.
  const strips: { level: number; block: number; offset: number; parts: Buffer[] }[] = [];
  const latest: (typeof strips)[number][] = [];
  const put = (level: number, index: number, hash: Buffer): void => {
    const block = Math.floor(index / STRIP_WIDTH);
    let strip = latest[level];
    if (!strip || strip.block !== block) {
      strip = { level, block, offset: index % STRIP_WIDTH, parts: [] };
      latest[level] = strip;
      strips.push(strip);
    }
    strip.parts.push(hash);
  };
  for (let i = 0; i < hashes.length; i++) {
    put(0, start + i, hashes[i]!);
    range.append(hashes[i]!, put);
  }
  const fresh = strips.filter((s) => s.offset === 0);
  const extend = strips.filter((s) => s.offset > 0);

  const result = await sql<{ extended: number | string }>`
    WITH leaves AS (
      INSERT INTO log_leaf (idx, exchange_id, leaf)
      SELECT ${start}::bigint + n - 1, id, substring(${blob}::bytea FROM off FOR len)
      FROM unnest(${ids}::uuid[], ${offsets}::int[], ${lengths}::int[]) WITH ORDINALITY AS t(id, off, len, n)
    ), created AS (
      INSERT INTO log_hash (level, block, hashes)
      SELECT * FROM unnest(${fresh.map((s) => s.level)}::smallint[], ${fresh.map((s) => s.block)}::bigint[], ${fresh.map((s) => Buffer.concat(s.parts))}::bytea[])
    ), extended AS (
      UPDATE log_hash h SET hashes = h.hashes || u.more
      FROM unnest(${extend.map((s) => s.level)}::smallint[], ${extend.map((s) => s.block)}::bigint[], ${extend.map((s) => s.offset * HASH_SIZE)}::int[], ${extend.map((s) => Buffer.concat(s.parts))}::bytea[]) AS u(level, block, len, more)
      WHERE h.level = u.level AND h.block = u.block AND octet_length(h.hashes) = u.len
      RETURNING 1
    )
    UPDATE log_head SET size = ${start + entries.length}, frontier = ${range.toBytes()}
    WHERE id = 1
    RETURNING (SELECT count(*) FROM extended) AS extended`.execute(trx);
  if (Number(result.rows[0]?.extended) !== extend.length) {
    // A strip was not where the head said it should end: never write past a damaged tree.
    throw new LogStoreError('The stored hashes do not match the log head; run `simpul log fsck`');
  }
  return entries.map((_, i) => start + i);
}

export interface LogStoreOptions {
  /** Memory for cached hash strips (complete strips never change). Default 64 MiB. */
  cacheBytes?: number;
}

/**
 * Reads of the log (proofs, entries, checkpoints) on a Kysely handle outside any caller
 * transaction. On PGlite (one connection) never call these from inside a transaction.
 */
export class LogStore implements HashSource {
  readonly db: AnyDb;
  readonly #cache = new Map<string, Buffer>();
  readonly #cacheLimit: number;
  #cacheBytes = 0;
  #knownSize = 0;

  constructor(db: AnyDb, options: LogStoreOptions = {}) {
    this.db = db;
    this.#cacheLimit = options.cacheBytes ?? 64 * 1024 * 1024;
  }

  appendLeaves(trx: AnyTransaction | AnyDb, entries: readonly LeafInput[]): Promise<number[]> {
    return appendLeaves(trx, entries);
  }

  /** The committed tree size. */
  async size(): Promise<number> {
    const r = await sql<{ size: number | string }>`SELECT size FROM log_head WHERE id = 1`.execute(this.db);
    const size = Number(r.rows[0]?.size ?? 0);
    if (size > this.#knownSize) this.#knownSize = size;
    return size;
  }

  /** Whether the committed tree has at least `size` leaves, reading only when not yet known. */
  async hasSize(size: number): Promise<boolean> {
    return size <= this.#knownSize || size <= (await this.size());
  }

  /** The last signed checkpoint and the committed head, read together (one query). */
  async signerAndHead(): Promise<{ last: SignerState | undefined; head: { size: number; root: Buffer } }> {
    const r = await sql<{ size: number | string; frontier: Buffer; origin: string | null; vkey: string | null; last_size: number | string | null; last_root: Buffer | null }>`
      SELECT h.size, h.frontier, s.origin, s.vkey, s.size AS last_size, s.root AS last_root
      FROM log_head h LEFT JOIN log_signer s ON s.id = 1 WHERE h.id = 1`.execute(this.db);
    const row = r.rows[0];
    if (!row) throw new LogStoreError('The log has no head row: run the log migrations');
    const range = CompactRange.fromBytes(Number(row.size), row.frontier);
    const last = row.origin !== null && row.vkey !== null && row.last_root !== null
      ? { origin: row.origin, vkey: row.vkey, size: Number(row.last_size), root: Buffer.from(row.last_root) }
      : undefined;
    return { last, head: { size: range.size, root: range.root() } };
  }

  /** Size, frontier and root of the committed tree. */
  async head(): Promise<{ size: number; root: Buffer; range: CompactRange }> {
    const r = await sql<{ size: number | string; frontier: Buffer }>`SELECT size, frontier FROM log_head WHERE id = 1`.execute(this.db);
    const row = r.rows[0];
    if (!row) throw new LogStoreError('The log has no head row: run the log migrations');
    const range = CompactRange.fromBytes(Number(row.size), row.frontier);
    if (range.size > this.#knownSize) this.#knownSize = range.size;
    return { size: range.size, root: range.root(), range };
  }

  #remember(key: string, strip: Buffer): void {
    const old = this.#cache.get(key);
    if (old) {
      this.#cacheBytes -= old.length;
      this.#cache.delete(key);
    }
    this.#cache.set(key, strip);
    this.#cacheBytes += strip.length;
    for (const [k, v] of this.#cache) {
      if (this.#cacheBytes <= this.#cacheLimit) break;
      this.#cache.delete(k);
      this.#cacheBytes -= v.length;
    }
  }

  #cached(key: string, need: number): Buffer | undefined {
    const strip = this.#cache.get(key);
    if (!strip || strip.length < need * HASH_SIZE) return undefined;
    // Least recently used goes first: move a hit to the end.
    this.#cache.delete(key);
    this.#cache.set(key, strip);
    return strip;
  }

  /** Hashes of perfect subtrees, from the cache or one query for the strips it lacks. */
  hashes(ids: readonly NodeId[]): Promise<Buffer[]> {
    return this.#hashes(ids, true);
  }

  /** The same hashes read from the database every time: for checks of the storage itself. */
  readonly uncached: HashSource = { hashes: (ids) => this.#hashes(ids, false) };

  async #hashes(ids: readonly NodeId[], useCache: boolean): Promise<Buffer[]> {
    const strips = stripsOf(ids);
    const found = new Map<string, Buffer>();
    const missing: { level: number; block: number; need: number; key: string }[] = [];
    for (const [key, s] of strips) {
      const hit = useCache ? this.#cached(key, s.need) : undefined;
      if (hit) found.set(key, hit);
      else missing.push({ ...s, key });
    }
    if (missing.length > 0) {
      const rows = await sql<{ level: number; block: number | string; hashes: Buffer }>`
        SELECT h.level, h.block, h.hashes FROM log_hash h
        JOIN unnest(${missing.map((m) => m.level)}::smallint[], ${missing.map((m) => m.block)}::bigint[]) AS k(level, block)
          ON h.level = k.level AND h.block = k.block`.execute(this.db);
      for (const row of rows.rows) {
        const key = `${row.level}/${Number(row.block)}`;
        const strip = Buffer.from(row.hashes);
        found.set(key, strip);
        if (useCache && strip.length % HASH_SIZE === 0 && strip.length <= STRIP_BYTES) this.#remember(key, strip);
      }
    }
    return ids.map(({ level, index }) => {
      const strip = found.get(`${level}/${Math.floor(index / STRIP_WIDTH)}`);
      const at = (index % STRIP_WIDTH) * HASH_SIZE;
      if (!strip || strip.length < at + HASH_SIZE) throw new MerkleError(`No stored hash for level ${level} index ${index}`);
      return strip.subarray(at, at + HASH_SIZE);
    });
  }

  /**
   * Loads stored strips into the cache, upper levels and newest strips first, until the cache
   * is full: proofs then rarely touch the database. Returns the bytes loaded.
   */
  async warm(): Promise<number> {
    let loaded = 0;
    const levels = await sql<{ level: number }>`SELECT DISTINCT level FROM log_hash ORDER BY level DESC`.execute(this.db);
    for (const { level } of levels.rows) {
      let before = Number.MAX_SAFE_INTEGER;
      for (;;) {
        const rows = await sql<{ block: number | string; hashes: Buffer }>`SELECT block, hashes FROM log_hash WHERE level = ${level} AND block < ${before} ORDER BY block DESC LIMIT 512`.execute(this.db);
        for (const row of rows.rows) {
          if (this.#cacheBytes + row.hashes.length > this.#cacheLimit) return loaded;
          this.#remember(`${level}/${Number(row.block)}`, Buffer.from(row.hashes));
          loaded += row.hashes.length;
        }
        if (rows.rows.length < 512) break;
        before = Number(rows.rows[rows.rows.length - 1]!.block);
      }
    }
    return loaded;
  }

  inclusionProof(index: number, size: number): Promise<Buffer[]> {
    return inclusionProof(this, index, size);
  }

  consistencyProof(from: number, to: number): Promise<Buffer[]> {
    return consistencyProof(this, from, to);
  }

  rootAt(size: number): Promise<Buffer> {
    return rootAt(this, size);
  }

  /**
   * Entries [start, end) with their stored hashes; the caller checks end ≤ size. Read from
   * storage, not the cache: this is what audits check, and scans would only flush the cache.
   */
  async entries(start: number, end: number): Promise<LogEntry[]> {
    if (end <= start) return [];
    const [leaves, hashes] = await Promise.all([this.leaves(start, end), this.entryHashes(start, end)]);
    let at = 0;
    const next = (): Buffer => hashes.subarray(at, (at += HASH_SIZE));
    return leaves.map((leaf, i) => {
      const index = start + i;
      const hash = next();
      const nodes: Buffer[] = [];
      for (let n = index + 1; n % 2 === 0; n /= 2) nodes.push(next());
      return { index, leaf, hash, nodes };
    });
  }

  /** The stored leaves [start, end), all of which must exist. */
  async leaves(start: number, end: number): Promise<Buffer[]> {
    if (end <= start) return [];
    const rows = await sql<{ idx: number | string; leaf: Buffer }>`SELECT idx, leaf FROM log_leaf WHERE idx >= ${start} AND idx < ${end} ORDER BY idx`.execute(this.db);
    if (rows.rows.length !== end - start) throw new LogStoreError(`Leaves ${start}..${end - 1} are not all stored`);
    return rows.rows.map((row, i) => {
      if (Number(row.idx) !== start + i) throw new LogStoreError(`Leaf ${start + i} is missing`);
      return Buffer.from(row.leaf);
    });
  }

  /**
   * The leaves [start, end) as a C2SP tlog-tiles entry bundle (uint16 length ‖ leaf each),
   * concatenated by the database: one value instead of a row per leaf, which matters on PGlite
   * where each row costs JavaScript. Undefined unless all are stored.
   */
  async bundle(start: number, end: number): Promise<Buffer | undefined> {
    const r = await sql<{ n: number | string; bundle: Buffer | null; longest: number | null }>`
      SELECT count(*) AS n, max(octet_length(leaf)) AS longest,
        string_agg(substring(int4send(octet_length(leaf)) FROM 3) || leaf, ''::bytea ORDER BY idx) AS bundle
      FROM log_leaf WHERE idx >= ${start} AND idx < ${end}`.execute(this.db);
    const row = r.rows[0];
    if (!row || Number(row.n) !== end - start || !row.bundle) return undefined;
    if (Number(row.longest) > MAX_BUNDLED_LEAF) throw new LogStoreError(`A leaf in ${start}..${end - 1} is longer than an entry bundle allows`);
    return Buffer.from(row.bundle);
  }

  /**
   * For each leaf of [start, end), in order: its stored leaf hash, then the stored hashes of
   * the perfect subtrees it completes (level 1 upwards), concatenated. From storage, as
   * {@link entries}: the binary form of the hashes an audit compares.
   */
  async entryHashes(start: number, end: number): Promise<Buffer> {
    if (end <= start) return Buffer.alloc(0);
    // Per level, the nodes completed by a leaf of [start, end) are consecutive: read each such
    // run as slices of its strips in one query, then interleave them in leaf order.
    const firsts: number[] = [];
    const want: { level: number; block: number; from: number; count: number }[] = [];
    for (let level = 0; ; level++) {
      const span = 2 ** level;
      const first = Math.ceil((start + 1) / span) - 1;
      const last = Math.floor(end / span) - 1;
      if (last < first) break;
      firsts.push(first);
      for (let block = Math.floor(first / STRIP_WIDTH); block <= Math.floor(last / STRIP_WIDTH); block++) {
        const from = Math.max(first, block * STRIP_WIDTH);
        want.push({ level, block, from: from - block * STRIP_WIDTH, count: Math.min(last, block * STRIP_WIDTH + STRIP_WIDTH - 1) - from + 1 });
      }
    }
    const rows = await sql<{ part: Buffer | null }>`
      SELECT substring(h.hashes FROM k.off FOR k.len) AS part
      FROM unnest(${want.map((w) => w.level)}::smallint[], ${want.map((w) => w.block)}::bigint[], ${want.map((w) => w.from * HASH_SIZE + 1)}::int[], ${want.map((w) => w.count * HASH_SIZE)}::int[])
        WITH ORDINALITY AS k(level, block, off, len, n)
      LEFT JOIN log_hash h ON h.level = k.level AND h.block = k.block
      ORDER BY k.n`.execute(this.db);
    const parts: Buffer[][] = firsts.map(() => []);
    want.forEach((w, i) => {
      const part = rows.rows[i]?.part;
      if (!part || part.length !== w.count * HASH_SIZE) throw new MerkleError(`No stored hash for level ${w.level} index ${w.block * STRIP_WIDTH + w.from + (part ? part.length / HASH_SIZE : 0)}`);
      parts[w.level]!.push(Buffer.from(part));
    });
    const levels = parts.map((p) => (p.length === 1 ? p[0]! : Buffer.concat(p)));
    const out = Buffer.allocUnsafe(levels.reduce((n, l) => n + l.length, 0));
    let at = 0;
    for (let index = start; index < end; index++) {
      let level = 0;
      for (let n = index + 1; ; n /= 2, level++) {
        const from = ((index + 1) / 2 ** level - 1 - firsts[level]!) * HASH_SIZE;
        levels[level]!.copy(out, at, from, from + HASH_SIZE);
        at += HASH_SIZE;
        if (n % 2 !== 0) break;
      }
    }
    return out;
  }

  /**
   * The first `width` hashes of the stored strip (level, block), or undefined when fewer are
   * stored: a C2SP tlog-tiles hash tile when level is a multiple of 8. Committed hashes never
   * change, so the cache may answer.
   */
  async strip(level: number, block: number, width: number): Promise<Buffer | undefined> {
    if (width < 1 || width > STRIP_WIDTH) return undefined;
    const key = `${level}/${block}`;
    let strip = this.#cached(key, width);
    if (!strip) {
      const r = await sql<{ hashes: Buffer }>`SELECT hashes FROM log_hash WHERE level = ${level} AND block = ${block}`.execute(this.db);
      if (!r.rows[0]) return undefined;
      strip = Buffer.from(r.rows[0].hashes);
      if (strip.length % HASH_SIZE === 0 && strip.length <= STRIP_BYTES) this.#remember(key, strip);
    }
    return strip.length >= width * HASH_SIZE ? strip.subarray(0, width * HASH_SIZE) : undefined;
  }

  async leaf(index: number): Promise<Buffer | undefined> {
    const r = await sql<{ leaf: Buffer }>`SELECT leaf FROM log_leaf WHERE idx = ${index}`.execute(this.db);
    return r.rows[0] ? Buffer.from(r.rows[0].leaf) : undefined;
  }

  /** The index of the first leaf recording this exchange, if any. */
  async indexOf(exchangeId: string): Promise<number | undefined> {
    if (!UUID_TEXT.test(exchangeId)) return undefined;
    const r = await sql<{ idx: number | string }>`SELECT idx FROM log_leaf WHERE exchange_id = ${exchangeId}::uuid ORDER BY idx LIMIT 1`.execute(this.db);
    return r.rows[0] ? Number(r.rows[0].idx) : undefined;
  }

  // Checkpoints and cosignatures.

  async signerState(db: AnyDb = this.db): Promise<SignerState | undefined> {
    const r = await sql<{ origin: string; vkey: string; size: number | string; root: Buffer }>`SELECT origin, vkey, size, root FROM log_signer WHERE id = 1`.execute(db);
    const row = r.rows[0];
    return row ? { origin: row.origin, vkey: row.vkey, size: Number(row.size), root: Buffer.from(row.root) } : undefined;
  }

  /**
   * Records a newly signed checkpoint if the last signed one is still `previous`: checked
   * and updated under the signer row's lock, so concurrent signers never both extend it.
   */
  async recordCheckpoint(previous: SignerState | undefined, next: SignerState & { note: string }): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const lock = await sql<{ size: number | string; root: Buffer }>`SELECT size, root FROM log_signer WHERE id = 1 FOR UPDATE`.execute(trx);
      const current = lock.rows[0];
      if (!previous) {
        if (current) return false;
        const inserted = await sql`INSERT INTO log_signer (id, origin, vkey, size, root) VALUES (1, ${next.origin}, ${next.vkey}, ${next.size}, ${next.root}) ON CONFLICT (id) DO NOTHING`.execute(trx);
        if (Number(inserted.numAffectedRows ?? 0) !== 1) return false;
      } else {
        if (!current || Number(current.size) !== previous.size || !Buffer.from(current.root).equals(previous.root)) return false;
        await sql`UPDATE log_signer SET origin = ${next.origin}, vkey = ${next.vkey}, size = ${next.size}, root = ${next.root}, signed_at = now() WHERE id = 1`.execute(trx);
      }
      await sql`INSERT INTO log_checkpoint (size, root, note) VALUES (${next.size}, ${next.root}, ${next.note}) ON CONFLICT (size) DO NOTHING`.execute(trx);
      return true;
    });
  }

  async checkpoint(size: number): Promise<StoredCheckpoint | undefined> {
    const r = await sql<CheckpointRow>`SELECT size, root, note, signed_at, final_at FROM log_checkpoint WHERE size = ${size}`.execute(this.db);
    return r.rows[0] ? toCheckpoint(r.rows[0]) : undefined;
  }

  /** The newest signed checkpoint, or the newest final one (cosigned by a quorum). */
  async latestCheckpoint(options: { final?: boolean } = {}): Promise<StoredCheckpoint | undefined> {
    const r = options.final
      ? await sql<CheckpointRow>`SELECT size, root, note, signed_at, final_at FROM log_checkpoint WHERE final_at IS NOT NULL ORDER BY size DESC LIMIT 1`.execute(this.db)
      : await sql<CheckpointRow>`SELECT size, root, note, signed_at, final_at FROM log_checkpoint ORDER BY size DESC LIMIT 1`.execute(this.db);
    return r.rows[0] ? toCheckpoint(r.rows[0]) : undefined;
  }

  async markFinal(size: number): Promise<void> {
    await sql`UPDATE log_checkpoint SET final_at = now() WHERE size = ${size} AND final_at IS NULL`.execute(this.db);
  }

  async addCosignature(cosignature: StoredCosignature): Promise<void> {
    await sql`INSERT INTO log_cosignature (size, witness, line, cosigned_at) VALUES (${cosignature.size}, ${cosignature.witness}, ${cosignature.line}, ${cosignature.cosignedAt})
      ON CONFLICT (size, witness) DO UPDATE SET line = excluded.line, cosigned_at = excluded.cosigned_at, received_at = now()`.execute(this.db);
  }

  async cosignatures(size: number): Promise<StoredCosignature[]> {
    const r = await sql<{ size: number | string; witness: string; line: string; cosigned_at: number | string }>`SELECT size, witness, line, cosigned_at FROM log_cosignature WHERE size = ${size} ORDER BY witness`.execute(this.db);
    return r.rows.map((row) => ({ size: Number(row.size), witness: row.witness, line: row.line, cosignedAt: Number(row.cosigned_at) }));
  }

  /** The checkpoint note with the log's signature followed by every stored cosignature. */
  async cosignedNote(checkpoint: StoredCheckpoint): Promise<string> {
    const cosignatures = await this.cosignatures(checkpoint.size);
    return checkpoint.note + cosignatures.map((c) => c.line).join('');
  }

  async witnessView(witness: string): Promise<number | undefined> {
    const r = await sql<{ size: number | string }>`SELECT size FROM log_witness_view WHERE witness = ${witness}`.execute(this.db);
    return r.rows[0] ? Number(r.rows[0].size) : undefined;
  }

  async setWitnessView(witness: string, size: number): Promise<void> {
    await sql`INSERT INTO log_witness_view (witness, size) VALUES (${witness}, ${size})
      ON CONFLICT (witness) DO UPDATE SET size = excluded.size, updated_at = now()`.execute(this.db);
  }
}

interface CheckpointRow {
  size: number | string;
  root: Buffer;
  note: string;
  signed_at: Date;
  final_at: Date | null;
}

function toCheckpoint(row: CheckpointRow): StoredCheckpoint {
  return { size: Number(row.size), root: Buffer.from(row.root), note: row.note, signedAt: row.signed_at, finalAt: row.final_at };
}
