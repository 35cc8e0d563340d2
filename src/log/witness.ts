/**
 * The witness side of C2SP tlog-witness (c2sp.org/tlog-witness): a gateway cosigns other
 * gateways' checkpoints after checking that each one extends the last checkpoint it cosigned
 * for that log, so an operator cannot show two histories without a witness noticing.
 *
 *   POST /witness/add-checkpoint
 *   old <size>\n<consistency proof, one base64 hash per line>\n\n<signed checkpoint>
 *
 * Answers as the spec requires: 200 with cosignature lines; 404 unknown origin; 403 no
 * trusted log signature; 400 malformed or old size above the checkpoint; 409 with
 * `text/x.tlog.size` when the old size is not the size last cosigned; 409 when the sizes are
 * equal but the roots differ; 422 when the consistency proof does not verify.
 * The state (last cosigned size and root per witness key and origin) is in `log_witnessed`,
 * checked and updated atomically under a row lock.
 */
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { SigningKey } from '../core/crypto.js';
import { SimpulError } from '../core/errors.js';
import type { HttpApp } from '../core/http/app.js';
import { CheckpointError, parseCheckpoint, type Checkpoint } from './checkpoint.js';
import { EMPTY_ROOT, HASH_SIZE, verifyConsistency } from './merkle.js';
import {
  NoteError,
  SIG_COSIGNATURE_V1,
  SIG_ED25519,
  cosignatureSigner,
  decodeBase64Strict,
  formatVerifierKey,
  noteVerifier,
  openNote,
  signatureLine,
  type NoteSigner,
} from './note.js';
import type { AnyDb } from './store.js';

export const TLOG_SIZE_CONTENT_TYPE = 'text/x.tlog.size';
const MAX_PROOF_LINES = 63;

export type LogKeyLookup = (origin: string) => readonly string[] | string | undefined | Promise<readonly string[] | string | undefined>;

export interface WitnessOptions {
  db: AnyDb;
  /** The witness's key name, e.g. `simpul.go.id/witness/ID/GOV/BPS/gw1` (names.ts). */
  name: string;
  /**
   * The witness's Ed25519 key. It may be the gateway's log key: cosignatures have another key
   * id (type 0x04) and a domain-separated message (`cosignature/v1`).
   */
  key: SigningKey;
  /** The verifier key(s) (type 0x01) trusted for a log origin; undefined when unknown. */
  logKeys: LogKeyLookup;
  /** POSIX seconds, for the cosignature timestamp. */
  now?: () => number;
}

export type AddCheckpointResult =
  | { status: 200; cosignature: string; checkpoint: Checkpoint }
  | { status: 409; size: number }
  | { status: number; error: SimpulError };

export interface AddCheckpointRequest {
  oldSize: number;
  proof: Buffer[];
  /** The signed checkpoint note. */
  note: string;
}

/** Parses an add-checkpoint request body; throws SimpulError('witness.bad_request'). */
export function parseAddCheckpoint(body: string): AddCheckpointRequest {
  const bad = (detail: string): SimpulError => new SimpulError('witness.bad_request', detail);
  const end = body.indexOf('\n');
  const oldLine = end < 0 ? body : body.slice(0, end);
  const match = /^old (0|[1-9][0-9]*)$/.exec(oldLine);
  if (!match || !Number.isSafeInteger(Number(match[1]))) throw bad('The body must start with the line "old <size>".');
  let rest = body.slice(end + 1);
  const proof: Buffer[] = [];
  for (;;) {
    const lineEnd = rest.indexOf('\n');
    if (lineEnd < 0) throw bad('The consistency proof must end with an empty line before the checkpoint.');
    const line = rest.slice(0, lineEnd);
    rest = rest.slice(lineEnd + 1);
    if (line === '') break;
    const hash = decodeBase64Strict(line);
    if (!hash || hash.length !== HASH_SIZE) throw bad(`Proof line ${proof.length + 1} is not a base64 SHA-256 hash.`);
    if (proof.length === MAX_PROOF_LINES) throw bad(`A consistency proof has at most ${MAX_PROOF_LINES} lines.`);
    proof.push(hash);
  }
  return { oldSize: Number(match[1]), proof, note: rest };
}

export function formatAddCheckpoint(request: AddCheckpointRequest): string {
  return `old ${request.oldSize}\n${request.proof.map((h) => `${h.toString('base64')}\n`).join('')}\n${request.note}`;
}

export class Witness {
  readonly #options: WitnessOptions;
  readonly #signer: NoteSigner;
  readonly verifierKey: string;

  constructor(options: WitnessOptions) {
    this.#options = options;
    this.#signer = cosignatureSigner(options.name, options.key, options.now);
    this.verifierKey = formatVerifierKey(options.name, SIG_COSIGNATURE_V1, options.key.publicKey);
  }

  get name(): string {
    return this.#options.name;
  }

  async addCheckpoint(body: string): Promise<AddCheckpointResult> {
    let request: AddCheckpointRequest;
    let checkpoint: Checkpoint;
    let text: Buffer;
    try {
      request = parseAddCheckpoint(body);
      checkpoint = parseCheckpoint(splitText(request.note));
    } catch (error) {
      if (error instanceof SimpulError) return { status: 400, error };
      if (error instanceof CheckpointError || error instanceof NoteError) return { status: 400, error: new SimpulError('witness.bad_request', error.message) };
      throw error;
    }
    const found = await this.#options.logKeys(checkpoint.origin);
    const keys = found === undefined ? [] : typeof found === 'string' ? [found] : [...found];
    if (keys.length === 0) {
      return { status: 404, error: new SimpulError('witness.unknown_log', `This witness does not know the log ${JSON.stringify(checkpoint.origin)}.`) };
    }
    try {
      const verifiers = keys.map((k) => noteVerifier(k)).filter((v) => v.type === SIG_ED25519);
      text = Buffer.from(openNote(request.note, verifiers).text, 'utf8');
    } catch (error) {
      if (!(error instanceof NoteError)) throw error;
      return { status: 403, error: new SimpulError('witness.bad_signature', `The checkpoint is not signed by a key this witness trusts for ${checkpoint.origin}: ${error.message}`) };
    }
    if (request.oldSize > checkpoint.size) {
      return { status: 400, error: new SimpulError('witness.bad_request', `The old size ${request.oldSize} is above the checkpoint size ${checkpoint.size}.`) };
    }

    const verdict = await this.#options.db.transaction().execute(async (trx) => {
      await sql`INSERT INTO log_witnessed (witness, origin, size, root) VALUES (${this.verifierKey}, ${checkpoint.origin}, 0, ${EMPTY_ROOT}) ON CONFLICT (witness, origin) DO NOTHING`.execute(trx);
      const r = await sql<{ size: number | string; root: Buffer }>`SELECT size, root FROM log_witnessed WHERE witness = ${this.verifierKey} AND origin = ${checkpoint.origin} FOR UPDATE`.execute(trx);
      const state = { size: Number(r.rows[0]!.size), root: Buffer.from(r.rows[0]!.root) };
      if (request.oldSize !== state.size) return { kind: 'size' as const, size: state.size };
      if (request.oldSize === checkpoint.size && !state.root.equals(checkpoint.root)) return { kind: 'fork' as const };
      if (!verifyConsistency(state.size, checkpoint.size, request.proof, state.root, checkpoint.root)) return { kind: 'inconsistent' as const };
      await sql`UPDATE log_witnessed SET size = ${checkpoint.size}, root = ${checkpoint.root}, note = ${request.note}, updated_at = now() WHERE witness = ${this.verifierKey} AND origin = ${checkpoint.origin}`.execute(trx);
      return { kind: 'ok' as const };
    });

    switch (verdict.kind) {
      case 'size':
        return { status: 409, size: verdict.size };
      case 'fork':
        await this.#refusal(checkpoint.origin, 'same size, different root', body);
        return { status: 409, error: new SimpulError('witness.root_mismatch', `This witness cosigned another root for ${checkpoint.origin} at size ${checkpoint.size}: the log shows two histories.`) };
      case 'inconsistent':
        await this.#refusal(checkpoint.origin, 'consistency proof does not verify', body);
        return { status: 422, error: new SimpulError('witness.inconsistent', `The consistency proof from size ${request.oldSize} to ${checkpoint.size} does not verify against the checkpoint this witness cosigned.`) };
      case 'ok':
        return { status: 200, cosignature: signatureLine(this.#signer, text), checkpoint };
    }
  }

  async #refusal(origin: string, reason: string, request: string): Promise<void> {
    await sql`INSERT INTO log_witness_refusal (witness, origin, reason, request) VALUES (${this.verifierKey}, ${origin}, ${reason}, ${request})`.execute(this.#options.db);
  }

  /**
   * The checkpoints this witness refused, oldest first, after the refusal numbered `after`:
   * public evidence (signed notes and proofs, no personal data) that a log showed two histories.
   */
  async refusals(after = 0, limit = 100): Promise<WitnessRefusal[]> {
    const r = await sql<{ id: number | string; origin: string; reason: string; request: string; received_at: Date | string }>`
      SELECT id, origin, reason, request, received_at FROM log_witness_refusal
      WHERE witness = ${this.verifierKey} AND id > ${after} ORDER BY id LIMIT ${limit}`.execute(this.#options.db);
    return r.rows.map((row) => ({ id: Number(row.id), origin: row.origin, reason: row.reason, evidence: row.request, receivedAt: new Date(row.received_at).toISOString() }));
  }

  /** The latest checkpoint size and root this witness cosigned for a log. */
  async state(origin: string): Promise<{ size: number; root: Buffer } | undefined> {
    const r = await sql<{ size: number | string; root: Buffer }>`SELECT size, root FROM log_witnessed WHERE witness = ${this.verifierKey} AND origin = ${origin}`.execute(this.#options.db);
    return r.rows[0] ? { size: Number(r.rows[0].size), root: Buffer.from(r.rows[0].root) } : undefined;
  }
}

function splitText(note: string): string {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new SimpulError('witness.bad_request', 'The checkpoint is not a signed note.');
  return note.slice(0, split + 1);
}

/** Registers `POST /witness/add-checkpoint` on a gateway's HTTP app. */
export interface WitnessRefusal {
  id: number;
  /** The log whose checkpoint was refused. */
  origin: string;
  reason: string;
  /** The add-checkpoint request as received: old size, consistency proof, signed checkpoint. */
  evidence: string;
  receivedAt: string;
}

/** `GET /log/witness/refusals`: the refusals of the witness this gateway runs, for monitors. */
export async function registerWitnessRefusalRoutes(app: HttpApp, witness: Witness): Promise<void> {
  app.get('/log/witness/refusals', {
    schema: {
      summary: 'Checkpoints of other gateways\' logs that this gateway\'s witness refused (evidence of a fork)',
      tags: ['log'],
      querystring: Type.Object({
        after: Type.Optional(Type.Integer({ minimum: 0, description: 'Only refusals numbered above this' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
      }),
      response: {
        200: Type.Object({
          witness: Type.String(),
          refusals: Type.Array(Type.Object({ id: Type.Integer(), origin: Type.String(), reason: Type.String(), evidence: Type.String(), receivedAt: Type.String() })),
        }),
      },
    },
  }, async (request) => {
    const query = request.query as { after?: number; limit?: number };
    return { witness: witness.name, refusals: await witness.refusals(query.after ?? 0, query.limit ?? 100) };
  });
}

export async function registerWitnessRoutes(app: HttpApp, witness: Witness): Promise<void> {
  await app.register(async (scope) => {
    // The spec fixes no request content type: read any body as text.
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    scope.post('/witness/add-checkpoint', {
      schema: {
        summary: 'Cosign a checkpoint of another gateway\'s log (C2SP tlog-witness add-checkpoint)',
        tags: ['witness'],
        consumes: ['text/plain'],
        body: Type.String({ description: 'old <size>, consistency proof lines, an empty line, then the signed checkpoint' }),
        description: `Answers 200 with cosignature lines; 409 with the size last cosigned (${TLOG_SIZE_CONTENT_TYPE}) when the old size is not it; otherwise a problem document: 400 witness.bad_request, 403 witness.bad_signature, 404 witness.unknown_log, 409 witness.root_mismatch, 422 witness.inconsistent.`,
        response: {
          200: { description: 'Cosignature lines (tlog-cosignature, type 0x04)', content: { 'text/plain': { schema: { type: 'string' } } } },
          // Per content type, so that problem documents sent with 409 keep their own shape.
          409: { description: 'The size this witness last cosigned for the log', content: { [TLOG_SIZE_CONTENT_TYPE]: { schema: { type: 'string' } } } },
        },
      },
    }, async (request, reply) => {
      const result = await witness.addCheckpoint(typeof request.body === 'string' ? request.body : '');
      if ('error' in result) throw result.error;
      if (result.status === 409) return reply.code(409).type(TLOG_SIZE_CONTENT_TYPE).send(`${result.size}\n`);
      return reply.code(200).type('text/plain; charset=utf-8').send(result.cosignature);
    });
  });
}
