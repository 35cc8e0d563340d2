/**
 * The public, read-only API of a gateway's exchange log (docs/protocols/log.md, "Endpoints").
 * Nothing here is personal data: leaves hold commitments, never the subject in clear.
 */
import { Type } from '@sinclair/typebox';
import { SimpulError } from '../core/errors.js';
import type { HttpApp } from '../core/http/app.js';
import { formatReceipt } from './receipt.js';
import type { LogStore, StoredCheckpoint } from './store.js';
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
