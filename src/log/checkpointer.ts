/**
 * Signs a new checkpoint of the log whenever it has grown, at a fixed interval (1 s by
 * default). A checkpoint is only signed after proving it consistent with the last one this
 * log signed (persisted in `log_signer`), and the root computed from the stored head is
 * cross-checked against the stored hashes, so damaged storage stops the signer rather than
 * producing a checkpoint that forks the log.
 */
import type { SigningKey } from '../core/crypto.js';
import { signCheckpoint, type Checkpoint } from './checkpoint.js';
import { consistencyNodes, consistencyProof, prefetch, rangeNodes, rootAt, verifyConsistency } from './merkle.js';
import { SIG_ED25519, formatVerifierKey } from './note.js';
import type { LogStore } from './store.js';

export interface SignedCheckpoint {
  readonly checkpoint: Checkpoint;
  /** The note signed by the log (no cosignatures yet). */
  readonly note: string;
}

export interface CheckpointerOptions {
  store: LogStore;
  /** The gateway's Ed25519 log key. */
  key: SigningKey;
  /** The log's origin, e.g. `simpul.go.id/ID/GOV/DUKCAPIL/gw1`; also the key name. */
  origin: string;
  /** How often to look for growth; default 1000 ms. */
  intervalMs?: number;
  /** Called after each new checkpoint is stored, e.g. to ask witnesses to cosign it. */
  onCheckpoint?: (signed: SignedCheckpoint) => void | Promise<void>;
  /** Called when a round fails; the next round tries again. Default: console.error. */
  onError?: (error: unknown) => void;
}

export class CheckpointError extends Error {
  override readonly name = 'CheckpointSigningError';
}

export class Checkpointer {
  readonly #options: Required<Omit<CheckpointerOptions, 'onCheckpoint'>> & Pick<CheckpointerOptions, 'onCheckpoint'>;
  readonly #vkey: string;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #stopped = true;

  constructor(options: CheckpointerOptions) {
    this.#options = {
      intervalMs: 1000,
      onError: (error) => console.error('checkpoint signing failed:', error),
      ...options,
    };
    this.#vkey = formatVerifierKey(options.origin, SIG_ED25519, options.key.publicKey);
  }

  /** The log's verifier key string, as served at `GET /log/key`. */
  get verifierKey(): string {
    return this.#vkey;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const tick = (): void => {
      const started = performance.now();
      this.#running = this.signNow()
        .catch((error: unknown) => this.#options.onError(error))
        .finally(() => {
          this.#running = undefined;
          if (!this.#stopped) {
            // Fixed rate, not fixed delay: a round's own duration counts against the interval.
            this.#timer = setTimeout(tick, Math.max(0, this.#options.intervalMs - (performance.now() - started)));
            this.#timer.unref();
          }
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }

  /**
   * Signs a checkpoint for the current tree if it has grown since the last one (or if there
   * is none yet). Returns it, or undefined when there was nothing new to sign.
   */
  async signNow(): Promise<SignedCheckpoint | undefined> {
    const { store, key, origin } = this.#options;
    for (let attempt = 0; attempt < 3; attempt++) {
      // Few round trips: on PGlite each one waits behind the appenders' transactions.
      const { last, head } = await store.signerAndHead();
      if (last && last.origin !== origin) {
        throw new CheckpointError(`This database holds the log ${JSON.stringify(last.origin)}; refusing to sign as ${JSON.stringify(origin)}`);
      }
      if (last && head.size < last.size) {
        throw new CheckpointError(`The stored tree (${head.size} leaves) is smaller than the last signed checkpoint (${last.size}); refusing to sign`);
      }
      if (last && head.size === last.size) return undefined;
      // From the database, not the cache: these checks are about what storage holds now.
      const proving = last && last.size > 0 && last.size < head.size;
      const storage = await prefetch(store.uncached, [...rangeNodes(0, head.size), ...(proving ? consistencyNodes(last.size, head.size) : [])]);
      const stored = await rootAt(storage, head.size);
      if (!stored.equals(head.root)) {
        throw new CheckpointError(`The stored hashes and the log head disagree on the root at size ${head.size}; run \`simpul log fsck\``);
      }
      if (last && last.size > 0) {
        const proof = await consistencyProof(storage, last.size, head.size);
        if (!verifyConsistency(last.size, head.size, proof, last.root, head.root)) {
          throw new CheckpointError(`The tree at size ${head.size} is not consistent with the checkpoint signed at size ${last.size}; refusing to sign`);
        }
      }
      const checkpoint: Checkpoint = { origin, size: head.size, root: head.root };
      const note = signCheckpoint(checkpoint, key);
      if (await store.recordCheckpoint(last, { origin, vkey: this.#vkey, size: head.size, root: head.root, note })) {
        const signed = { checkpoint, note };
        try {
          await this.#options.onCheckpoint?.(signed);
        } catch (error) {
          this.#options.onError(error);
        }
        return signed;
      }
      // Another signer (another process of this gateway) moved the last checkpoint: start over.
    }
    return undefined;
  }
}
