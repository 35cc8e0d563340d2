/**
 * The public, read-only API of a gateway's exchange log (docs/protocols/log.md, "Endpoints").
 * Nothing here is personal data: leaves hold commitments, never the subject in clear.
 */
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { Type } from '@sinclair/typebox';
import { SimpulError } from '../core/errors.js';
import type { HttpApp } from '../core/http/app.js';
import { formatReceipt } from './receipt.js';
import type { LogStore, StoredCheckpoint } from './store.js';
import { TILE_HEIGHT, parseTileIndex, parseTileLevel } from './tiles.js';
import type { WitnessConfig } from './witness-client.js';

export interface LogRoutesOptions {
  store: LogStore;
  /** The log's verifier key string (`Checkpointer.verifierKey`). */
  verifierKey: string;
  /** The witnesses asked to cosign, published at /log/witnesses. */
  witnesses?: readonly WitnessConfig[];
  /**
   * Cosignatures that make a checkpoint final. With 0, every signed checkpoint is served;
   * otherwise /log/checkpoint and receipts use the newest final one.
   */
  quorum?: number;
  /** Largest page of /log/entries; default 1000. */
  maxPageSize?: number;
}

const Index = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Hash = Type.String({ description: 'base64 SHA-256 hash', contentEncoding: 'base64' });
const text = (description: string) => ({ description, content: { 'text/plain': { schema: { type: 'string' } } } });

function badRange(detail: string): SimpulError {
  return new SimpulError('log.bad_range', detail);
}

const gzip = promisify(gzipCallback);
// A tile's content never changes once it exists (a partial tile of width W included).
const IMMUTABLE = 'public, max-age=31536000, immutable';
const binary = (description: string) => ({ description, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } });
const TilePath = Type.String({ description: 'The tile index N as zero-padded 3-digit path elements, all but the last prefixed with x (1234067 → x001/x234/067), then .p/W (W = 1..255) for a partial tile' });

function noTile(path: string): SimpulError {
  return new SimpulError('log.no_tile', `The log has no ${path} (yet).`);
}

function tileIndex(path: string): { index: number; width: number } {
  const parsed = parseTileIndex(path);
  if (!parsed) throw new SimpulError('request.invalid', `Not a tlog-tiles tile index: ${JSON.stringify(path)} (e.g. 000, x001/x234/067, 067.p/8).`);
  return parsed;
}

export async function registerLogRoutes(app: HttpApp, options: LogRoutesOptions): Promise<void> {
  const { store, verifierKey } = options;
  const quorum = options.quorum ?? 0;
  const maxPage = options.maxPageSize ?? 1000;
  const tags = ['log'];

  const published = async (): Promise<StoredCheckpoint | undefined> => store.latestCheckpoint({ final: quorum > 0 });
  const requireSize = async (size: number): Promise<void> => {
    if (!(await store.hasSize(size))) throw badRange(`The log has ${await store.size()} entries; ${size} is beyond it.`);
  };

  app.get('/log/checkpoint', {
    schema: {
      summary: 'The latest published checkpoint: a C2SP signed note with witness cosignatures',
      tags,
      response: { 200: text('C2SP tlog-checkpoint signed by the log, followed by tlog-cosignature lines') },
    },
  }, async (_request, reply) => {
    const checkpoint = await published();
    if (!checkpoint) throw new SimpulError('log.no_checkpoint', quorum > 0 ? `No checkpoint has been cosigned by ${quorum} witness(es) yet.` : 'The log has not signed a checkpoint yet.');
    return reply.type('text/plain; charset=utf-8').header('cache-control', 'no-cache').send(await store.cosignedNote(checkpoint));
  });

  app.get('/log/key', {
    schema: { summary: 'The log\'s verifier key (signed-note form: name+hash+base64key)', tags, response: { 200: text('One line: the verifier key') } },
  }, async (_request, reply) => reply.type('text/plain; charset=utf-8').send(`${verifierKey}\n`));

  app.get('/log/witnesses', {
    schema: {
      summary: 'The witnesses this log asks to cosign, and the quorum that makes a checkpoint final',
      tags,
      response: { 200: Type.Object({ quorum: Type.Integer(), witnesses: Type.Array(Type.Object({ name: Type.String(), key: Type.String() })) }) },
    },
  }, async () => ({ quorum, witnesses: (options.witnesses ?? []).map((w) => ({ name: w.name, key: w.key })) }));

  app.get('/log/proof/inclusion', {
    schema: {
      summary: 'RFC 6962 inclusion proof (audit path, leaf to root) of the leaf at index in the tree of size',
      tags,
      querystring: Type.Object({ index: Index, size: Index }),
      response: { 200: Type.Object({ index: Index, size: Index, hashes: Type.Array(Hash) }) },
    },
  }, async (request) => {
    const { index, size } = request.query;
    if (index >= size) throw badRange(`index ${index} must be below size ${size}.`);
    await requireSize(size);
    const hashes = await store.inclusionProof(index, size);
    return { index, size, hashes: hashes.map((h) => h.toString('base64')) };
  });

  app.get('/log/proof/consistency', {
    schema: {
      summary: 'RFC 6962 consistency proof between the trees of sizes from and to',
      tags,
      querystring: Type.Object({ from: Index, to: Index }),
      response: { 200: Type.Object({ from: Index, to: Index, hashes: Type.Array(Hash) }) },
    },
  }, async (request) => {
    const { from, to } = request.query;
    if (from > to) throw badRange(`from ${from} must not be above to ${to}.`);
    await requireSize(to);
    const hashes = await store.consistencyProof(from, to);
    return { from, to, hashes: hashes.map((h) => h.toString('base64')) };
  });

  app.get('/log/entries', {
    schema: {
      summary: `Leaves [start, end) with their stored hashes, at most ${maxPage} per page`,
      description: 'Each entry carries the stored leaf hash and the stored hashes of the perfect subtrees the leaf completes (level 1 upwards), so a full audit checks every stored hash. When the page is cut short, `next` is where the next page starts.',
      tags,
      querystring: Type.Object({ start: Index, end: Index }),
      response: {
        200: Type.Object({
          start: Index,
          end: Index,
          next: Type.Optional(Index),
          entries: Type.Array(Type.Object({ index: Index, leaf: Type.String({ contentEncoding: 'base64' }), hash: Hash, nodes: Type.Array(Hash) })),
        }),
      },
    },
  }, async (request, reply) => {
    const { start } = request.query;
    if (start >= request.query.end) throw badRange(`start ${start} must be below end ${request.query.end}.`);
    await requireSize(request.query.end);
    const end = Math.min(request.query.end, start + maxPage);
    const entries = await store.entries(start, end);
    // Written out by hand: base64 and integers need no escaping, and pages are large.
    const body = entries.map((e) => `{"index":${e.index},"leaf":"${e.leaf.toString('base64')}","hash":"${e.hash.toString('base64')}","nodes":[${e.nodes.map((n) => `"${n.toString('base64')}"`).join(',')}]}`);
    const next = end < request.query.end ? `,"next":${end}` : '';
    const json = `{"start":${start},"end":${end}${next},"entries":[${body.join(',')}]}`;
    // A string is sent as it is; the schema above still documents the shape.
    return reply.type('application/json; charset=utf-8').send(json as never);
  });

  // C2SP tlog-tiles, with /log as the prefix (its /log/checkpoint is the one above).
  app.get('/log/tile/:level/*', {
    schema: {
      summary: 'C2SP tlog-tiles hash tile: 256 (or W) consecutive tree hashes of tree level 8·L',
      description: 'Hash i of tile N at level L is MTH(D[(256·N + i)·256^L : (256·N + i + 1)·256^L]). Full tiles are 8,192 bytes; a partial tile (.p/W) is the first W hashes of the rightmost tile of a level. Immutable once served.',
      tags,
      params: Type.Object({ level: Type.String({ description: 'Tile level: 0..63, no leading zero' }), '*': TilePath }),
      response: { 200: binary('The hashes, 32 bytes each') },
    },
  }, async (request, reply) => {
    const level = parseTileLevel(request.params.level);
    if (level === undefined) throw new SimpulError('request.invalid', `Not a tile level: ${JSON.stringify(request.params.level)} (0..63, no leading zero).`);
    const { index, width } = tileIndex(request.params['*']);
    const tile = level * TILE_HEIGHT < 64 ? await store.strip(level * TILE_HEIGHT, index, width) : undefined;
    if (!tile) throw noTile(`tile/${request.params.level}/${request.params['*']}`);
    return reply.type('application/octet-stream').header('cache-control', IMMUTABLE).send(tile);
  });

  app.get('/log/tile/entries/*', {
    schema: {
      summary: 'C2SP tlog-tiles entry bundle: the leaves of level-0 tile N, each as a big-endian uint16 length and the leaf',
      description: 'Entries [256·N, 256·N + W) where W is 256, or the width after .p/. Compressed with gzip when the request accepts it. Immutable once served.',
      tags,
      params: Type.Object({ '*': TilePath }),
      response: { 200: binary('The entries, each uint16 length ‖ leaf') },
    },
  }, async (request, reply) => {
    const { index, width } = tileIndex(request.params['*']);
    const start = index * 256;
    const bundle = (await store.hasSize(start + width)) ? await store.bundle(start, start + width) : undefined;
    if (!bundle) throw noTile(`tile/entries/${request.params['*']}`);
    void reply.type('application/octet-stream').header('cache-control', IMMUTABLE).header('vary', 'accept-encoding');
    if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) {
      return reply.header('content-encoding', 'gzip').send(await gzip(bundle, { level: 1 }));
    }
    return reply.send(bundle);
  });

  app.get('/log/hashes/*', {
    schema: {
      summary: 'The stored hashes of entry bundle N, for full audits (a Simpul addition to tlog-tiles)',
      description: 'For each entry of the bundle in order: its stored leaf hash, then the stored hashes of the perfect subtrees it completes (level ℓ = 1, 2, … while (index + 1) is a multiple of 2^ℓ), 32 bytes each; the binary form of the `hash` and `nodes` of /log/entries.',
      tags,
      params: Type.Object({ '*': TilePath }),
      response: { 200: binary('Concatenated 32-byte hashes') },
    },
  }, async (request, reply) => {
    const { index, width } = tileIndex(request.params['*']);
    const start = index * 256;
    if (!(await store.hasSize(start + width))) throw noTile(`hashes/${request.params['*']}`);
    return reply.type('application/octet-stream').header('cache-control', IMMUTABLE).send(await store.entryHashes(start, start + width));
  });

  app.get('/log/receipt/:id', {
    schema: {
      summary: 'A C2SP tlog-proof receipt for an exchange, once a published checkpoint covers it',
      tags,
      params: Type.Object({ id: Type.String({ description: 'The exchange id (Simpul-Id), a UUID' }) }),
      response: { 200: text('c2sp.org/tlog-proof@v1 with the exchange leaf as extra data') },
    },
  }, async (request, reply) => {
    const id = request.params.id.toLowerCase();
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) {
      throw new SimpulError('request.malformed_identifier', `An exchange id is a UUID, got ${JSON.stringify(request.params.id)}.`);
    }
    const index = await store.indexOf(id);
    if (index === undefined) throw new SimpulError('log.unknown_exchange', `Exchange ${id} is not in this gateway's log.`);
    const checkpoint = await published();
    if (!checkpoint || checkpoint.size <= index) {
      void reply.header('retry-after', '1');
      throw new SimpulError('log.not_yet_checkpointed', `Exchange ${id} is entry ${index}; the published checkpoint covers ${checkpoint?.size ?? 0} entries.`, { index });
    }
    const [proof, leaf, note] = await Promise.all([store.inclusionProof(index, checkpoint.size), store.leaf(index), store.cosignedNote(checkpoint)]);
    return reply.type('text/plain; charset=utf-8').send(formatReceipt({ extra: leaf!, index, proof, checkpoint: note }));
  });
}
