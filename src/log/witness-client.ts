/**
 * The log side of C2SP tlog-witness: sends each new checkpoint with a consistency proof to
 * the configured witnesses (other agencies' gateways), verifies and stores the cosignatures
 * they return, and marks a checkpoint final once a quorum of witnesses has cosigned it.
 *
 * Each witness is served by its own loop that always submits the newest checkpoint, so a
 * slow or unreachable witness never delays the others or the log; it catches up with one
 * request when it comes back.
 */
import { TLOG_SIZE_CONTENT_TYPE, formatAddCheckpoint } from './witness.js';
import { splitCheckpointNote } from './checkpoint.js';
import type { SignedCheckpoint } from './checkpointer.js';
import { NoteError, SIG_COSIGNATURE_V1, cosignatureTime, noteVerifier, openNote, type NoteVerifier } from './note.js';
import type { LogStore } from './store.js';

export interface WitnessConfig {
  /** Display name, e.g. the witness gateway's id. */
  name: string;
  /** Submission prefix: the request goes to `${url}/add-checkpoint`. */
  url: string;
  /** The witness's verifier key (cosignature/v1, type 0x04). */
  key: string;
}

export interface PostResponse {
  status: number;
  body: string;
  /** Response headers, lower-case names. */
  headers?: Record<string, string | undefined>;
}

/** HTTP POST, injectable so the gateway can use mutual TLS and tests plain HTTP. */
export type Post = (url: string, body: string, headers: Record<string, string>) => Promise<PostResponse>;

export const fetchPost: Post = async (url, body, headers) => {
  const response = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.text(), headers: { 'content-type': response.headers.get('content-type') ?? undefined } };
};

export interface WitnessClientOptions {
  store: LogStore;
  witnesses: readonly WitnessConfig[];
  /** Distinct witness cosignatures that make a checkpoint final. */
  quorum: number;
  post?: Post;
  /** Delay before retrying a witness that failed; doubles up to 60 s. Default 1000 ms. */
  retryMs?: number;
  onFinal?: (size: number) => void;
  /** A witness failed or refused; the client retries unless the refusal shows a fork. */
  onError?: (witness: WitnessConfig, error: Error) => void;
}

export class WitnessRefusal extends Error {
  override readonly name = 'WitnessRefusal';
  constructor(message: string, readonly status: number, readonly body: string) {
    super(message);
  }
}

interface WitnessState {
  readonly config: WitnessConfig;
  readonly verifier: NoteVerifier;
  /** What we believe the witness last cosigned; undefined until read from storage. */
  size: number | undefined;
  pending: SignedCheckpoint | undefined;
  busy: boolean;
  failures: number;
  timer: NodeJS.Timeout | undefined;
}

export class WitnessClient {
  readonly #options: WitnessClientOptions;
  readonly #post: Post;
  readonly #witnesses: WitnessState[];
  readonly #inFlight = new Set<Promise<void>>();
  #stopped = false;
  #finalSize = -1;

  constructor(options: WitnessClientOptions) {
    if (!Number.isInteger(options.quorum) || options.quorum < 0 || options.quorum > options.witnesses.length) {
      throw new RangeError(`A quorum of ${options.quorum} is impossible with ${options.witnesses.length} witness(es)`);
    }
    this.#options = options;
    this.#post = options.post ?? fetchPost;
    this.#witnesses = options.witnesses.map((config) => {
      const verifier = noteVerifier(config.key);
      if (verifier.type !== SIG_COSIGNATURE_V1) throw new RangeError(`Witness ${config.name}: its key must be a cosignature/v1 (type 0x04) verifier key`);
      return { config, verifier, size: undefined, pending: undefined, busy: false, failures: 0, timer: undefined };
    });
  }

  /** Submits the newest stored checkpoint (call once at start-up). */
  async resume(): Promise<void> {
    const latest = await this.#options.store.latestCheckpoint();
    if (latest) this.submit({ checkpoint: splitCheckpointNote(latest.note).checkpoint, note: latest.note });
  }

  /** Queues a new checkpoint for every witness; each gets only the newest. */
  submit(signed: SignedCheckpoint): void {
    if (this.#stopped) return;
    if (this.#options.quorum === 0 && signed.checkpoint.size > this.#finalSize) {
      this.#track(this.#markFinal(signed.checkpoint.size));
    }
    for (const w of this.#witnesses) {
      if (w.pending && w.pending.checkpoint.size >= signed.checkpoint.size) continue;
      w.pending = signed;
      this.#kick(w);
    }
  }

  /** Stops retries and waits for requests under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const w of this.#witnesses) if (w.timer) clearTimeout(w.timer);
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Resolves once every queued checkpoint was answered by every witness (for tests and shutdown). */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  #track(work: Promise<void>): void {
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work));
  }

  #kick(w: WitnessState): void {
    if (w.busy || this.#stopped || !w.pending) return;
    w.busy = true;
    const signed = w.pending;
    this.#track(
      this.#send(w, signed)
        .then(() => {
          w.failures = 0;
          if (w.pending === signed) w.pending = undefined;
        })
        .catch((error: unknown) => {
          w.failures++;
          this.#options.onError?.(w.config, error instanceof Error ? error : new Error(String(error)));
          if (!(error instanceof WitnessRefusal && error.status === 409)) this.#retryLater(w);
          else w.pending = w.pending === signed ? undefined : w.pending;
        })
        .finally(() => {
          w.busy = false;
          if (w.pending && w.pending !== signed) this.#kick(w);
        }),
    );
  }

  #retryLater(w: WitnessState): void {
    if (this.#stopped) return;
    const delay = Math.min((this.#options.retryMs ?? 1000) * 2 ** Math.min(w.failures - 1, 6), 60_000);
    w.timer = setTimeout(() => {
      w.timer = undefined;
      this.#kick(w);
    }, delay);
    w.timer.unref();
  }

  async #send(w: WitnessState, signed: SignedCheckpoint): Promise<void> {
    const { store } = this.#options;
    const size = signed.checkpoint.size;
    w.size ??= (await store.witnessView(w.config.key)) ?? 0;
    // At most two rounds: the witness may tell us the size it really holds (409).
    for (let round = 0; round < 2; round++) {
      const old = w.size;
      if (old > size) return; // The witness already cosigned a newer checkpoint of ours.
      const proof = old === 0 ? [] : await store.consistencyProof(old, size);
      const body = formatAddCheckpoint({ oldSize: old, proof, note: signed.note });
      const url = `${w.config.url.replace(/\/+$/, '')}/add-checkpoint`;
      const response = await this.#post(url, body, { 'content-type': 'text/plain; charset=utf-8' });
      const type = response.headers?.['content-type'] ?? '';
      if (response.status === 409 && type.startsWith(TLOG_SIZE_CONTENT_TYPE)) {
        const held = /^(0|[1-9][0-9]*)\n?$/.exec(response.body);
        if (!held) throw new WitnessRefusal(`Witness ${w.config.name} answered 409 with a malformed size`, 409, response.body);
        w.size = Number(held[1]);
        await store.setWitnessView(w.config.key, w.size);
        continue;
      }
      if (response.status !== 200) {
        throw new WitnessRefusal(`Witness ${w.config.name} refused checkpoint ${size} with HTTP ${response.status}: ${response.body.slice(0, 300)}`, response.status, response.body);
      }
      await this.#accept(w, signed, response.body);
      w.size = size;
      await store.setWitnessView(w.config.key, size);
      return;
    }
    throw new WitnessRefusal(`Witness ${w.config.name} keeps reporting another size`, 409, '');
  }

  async #accept(w: WitnessState, signed: SignedCheckpoint, body: string): Promise<void> {
    let lines;
    try {
      // As the spec suggests: append the lines to the checkpoint and open it with the witness key.
      lines = openNote(signed.note + body, [w.verifier]).verified.filter((s) => s.name === w.verifier.name && s.keyId === w.verifier.keyId);
    } catch (error) {
      if (error instanceof NoteError) throw new WitnessRefusal(`Witness ${w.config.name} returned no valid cosignature: ${error.message}`, 200, body);
      throw error;
    }
    const { store } = this.#options;
    const size = signed.checkpoint.size;
    for (const sig of lines) {
      await store.addCosignature({ size, witness: w.config.key, line: sig.line, cosignedAt: cosignatureTime(sig) });
    }
    await this.#checkQuorum(size);
  }

  async #checkQuorum(size: number): Promise<void> {
    const known = new Set(this.#witnesses.map((w) => w.config.key));
    const cosigned = (await this.#options.store.cosignatures(size)).filter((c) => known.has(c.witness));
    if (new Set(cosigned.map((c) => c.witness)).size >= this.#options.quorum) await this.#markFinal(size);
  }

  async #markFinal(size: number): Promise<void> {
    if (size <= this.#finalSize) return;
    await this.#options.store.markFinal(size);
    if (size > this.#finalSize) {
      this.#finalSize = size;
      this.#options.onFinal?.(size);
    }
  }
}
