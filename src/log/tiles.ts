/**
 * C2SP tlog-tiles (https://c2sp.org/tlog-tiles): tile paths, entry bundles, tile widths, and a
 * {@link HashSource} that reads a log through its tiles, as any tlog-tiles client does.
 *
 * A hash tile at level l, index n holds the hashes of the perfect subtrees of height 8·l with
 * indices [256·n, 256·n + width): exactly the log's stored strip (8·l, n) (ADR 0020), so the
 * gateway serves tiles straight from storage. Entry bundles are the leaves of level-0 tile n,
 * each a big-endian uint16 length followed by the leaf bytes.
 */
import { HASH_SIZE, MerkleError, nodeHash, type HashSource, type NodeId } from './merkle.js';

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;
/** Entry bundles length-prefix each leaf with a uint16. */
export const MAX_BUNDLED_LEAF = 0xffff;

export class TileError extends Error {
  override readonly name = 'TileError';
}

/** A tile coordinate; `width` 256 is a full tile, 1..255 a partial one. */
export interface TileId {
  /** Tile level (tree level 8·level); for entry bundles, 0. */
  level: number;
  index: number;
  width: number;
}

/** `<N>` of a tile path: zero-padded 3-digit elements, all but the last prefixed with x. */
export function formatTileIndex(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) throw new TileError(`A tile index is a non-negative safe integer, got ${index}`);
  let rest = Math.floor(index / 1000);
  let path = String(index % 1000).padStart(3, '0');
  while (rest > 0) {
    path = `x${String(rest % 1000).padStart(3, '0')}/${path}`;
    rest = Math.floor(rest / 1000);
  }
  return path;
}

function suffix(width: number): string {
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) throw new TileError(`A tile width is 1..${TILE_WIDTH}, got ${width}`);
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

/** `tile/<L>/<N>[.p/<W>]` */
export function tilePath(tile: TileId): string {
  if (!Number.isInteger(tile.level) || tile.level < 0 || tile.level > 63) throw new TileError(`A tile level is 0..63, got ${tile.level}`);
  return `tile/${tile.level}/${formatTileIndex(tile.index)}${suffix(tile.width)}`;
}

/** `tile/entries/<N>[.p/<W>]` */
export function entriesPath(index: number, width: number): string {
  return `tile/entries/${formatTileIndex(index)}${suffix(width)}`;
}

const INDEX_PATH = /^(?:x\d{3}\/)*\d{3}(?:\.p\/([1-9]\d{0,2}))?$/;

/**
 * Parses `<N>[.p/<W>]` strictly (the only spelling the specification allows, so that one tile
 * has one URL and caches stay coherent). Returns undefined for anything else.
 */
export function parseTileIndex(path: string): { index: number; width: number } | undefined {
  const m = INDEX_PATH.exec(path);
  if (!m) return undefined;
  const width = m[1] === undefined ? TILE_WIDTH : Number(m[1]);
  if (m[1] !== undefined && width >= TILE_WIDTH) return undefined;
  const digits = path.replace(/\.p\/\d+$/, '').replace(/[x/]/g, '');
  // A leading zero group is not part of the encoding (index 5 is "005", never "x000/005").
  if (digits.length > 3 && digits.startsWith('000')) return undefined;
  const index = Number(digits);
  if (!Number.isSafeInteger(index)) return undefined;
  return { index, width };
}

/** `<L>`: a decimal 0..63 with no leading zero. */
export function parseTileLevel(text: string): number | undefined {
  if (!/^(?:0|[1-9]\d?)$/.test(text)) return undefined;
  const level = Number(text);
  return level <= 63 ? level : undefined;
}

/**
 * The width of tile `index` at tile level `level` in the tree of `size` leaves (256 when
 * full), or 0 when the tree has no such tile: floor(size / 256^level) hashes exist at that level.
 */
export function tileWidth(level: number, index: number, size: number): number {
  const hashes = Math.floor(size / TILE_WIDTH ** level);
  return Math.max(0, Math.min(TILE_WIDTH, hashes - index * TILE_WIDTH));
}

/** An entry bundle: each leaf as a big-endian uint16 length and its bytes. */
export function encodeBundle(leaves: readonly Uint8Array[]): Buffer {
  let bytes = 0;
  for (const leaf of leaves) {
    if (leaf.length > MAX_BUNDLED_LEAF) throw new TileError(`A leaf in an entry bundle is at most ${MAX_BUNDLED_LEAF} bytes, got ${leaf.length}`);
    bytes += 2 + leaf.length;
  }
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (const leaf of leaves) {
    out.writeUInt16BE(leaf.length, at);
    out.set(leaf, at + 2);
    at += 2 + leaf.length;
  }
  return out;
}

/** The leaves of an entry bundle (views into `bundle`, not copies). */
export function decodeBundle(bundle: Buffer): Buffer[] {
  const leaves: Buffer[] = [];
  let at = 0;
  while (at < bundle.length) {
    if (at + 2 > bundle.length) throw new TileError(`Entry bundle truncated in the length of entry ${leaves.length}`);
    const length = bundle.readUInt16BE(at);
    if (at + 2 + length > bundle.length) throw new TileError(`Entry bundle truncated in entry ${leaves.length}`);
    leaves.push(bundle.subarray(at + 2, at + 2 + length));
    at += 2 + length;
  }
  return leaves;
}

/** Fetches a tile's bytes: `width` × 32 bytes of hashes. */
export type TileFetcher = (tile: TileId) => Promise<Buffer>;

/**
 * Node hashes of a log of a known size read from its hash tiles: a node of tree level L is
 * recomputed from the 2^(L mod 8) hashes below it in the tile of level floor(L / 8) — how
 * tlog-tiles clients build proofs. Tiles are fetched once each (in parallel per call).
 */
export class TileHashSource implements HashSource {
  readonly #tiles = new Map<string, Promise<Buffer>>();

  constructor(readonly size: number, readonly fetchTile: TileFetcher) {}

  #tile(level: number, index: number): Promise<Buffer> {
    const width = tileWidth(level, index, this.size);
    if (width === 0) return Promise.reject(new MerkleError(`The tree of size ${this.size} has no tile ${level}/${index}`));
    const key = `${level}/${index}`;
    let tile = this.#tiles.get(key);
    if (!tile) {
      tile = this.fetchTile({ level, index, width }).then((bytes) => {
        if (bytes.length !== width * HASH_SIZE) throw new MerkleError(`Tile ${tilePath({ level, index, width })} has ${bytes.length} bytes, expected ${width * HASH_SIZE}`);
        return bytes;
      });
      this.#tiles.set(key, tile);
    }
    return tile;
  }

  async hashes(ids: readonly NodeId[]): Promise<Buffer[]> {
    return Promise.all(ids.map(async ({ level, index }) => {
      const tileLevel = Math.floor(level / TILE_HEIGHT);
      const span = 2 ** (level % TILE_HEIGHT);
      const first = index * span;
      const tile = await this.#tile(tileLevel, Math.floor(first / TILE_WIDTH));
      const at = first % TILE_WIDTH;
      let row: Buffer[] = [];
      for (let i = 0; i < span; i++) row.push(tile.subarray((at + i) * HASH_SIZE, (at + i + 1) * HASH_SIZE));
      if (row.some((h) => h.length !== HASH_SIZE)) throw new MerkleError(`No complete subtree at level ${level} index ${index} in the tiles`);
      while (row.length > 1) {
        const up: Buffer[] = [];
        for (let i = 0; i < row.length; i += 2) up.push(nodeHash(row[i]!, row[i + 1]!));
        row = up;
      }
      return row[0]!;
    }));
  }
}
