/**
 * C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): the note text
 *
 *   <origin>\n<tree size, decimal>\n<base64 root hash>\n[<extension line>\n…]
 *
 * signed by the log as a signed note and cosigned by witnesses (tlog-cosignature).
 */
import { HASH_SIZE } from './merkle.js';
import {
  NoteError,
  SIG_COSIGNATURE_V1,
  SIG_ED25519,
  cosignatureTime,
  decodeBase64Strict,
  ed25519Signer,
  noteVerifier,
  openNote,
  parseNote,
  signNote,
  type NoteSignature,
  type NoteVerifier,
  type VerifierKey,
} from './note.js';
import type { SigningKey } from '../core/crypto.js';

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Buffer;
  readonly extensions?: readonly string[];
}

export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, size, root } = checkpoint;
  const extensions = checkpoint.extensions ?? [];
  if (origin === '' || origin.includes('\n')) throw new CheckpointError('The origin is one non-empty line');
  if (!Number.isSafeInteger(size) || size < 0) throw new CheckpointError(`Bad tree size ${size}`);
  if (root.length !== HASH_SIZE) throw new CheckpointError('The root is a 32-byte hash');
  if (extensions.some((e) => e === '' || e.includes('\n'))) throw new CheckpointError('Extension lines are non-empty single lines');
  return [origin, String(size), root.toString('base64'), ...extensions].map((l) => `${l}\n`).join('');
}

/** Parses a checkpoint body strictly: decimal without leading zeroes, canonical base64. */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw new CheckpointError('A checkpoint ends with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new CheckpointError('A checkpoint has at least three lines: origin, size, root');
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin === '') throw new CheckpointError('The origin line is empty');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) throw new CheckpointError(`Bad tree size line ${JSON.stringify(sizeText)}`);
  const root = decodeBase64Strict(rootText);
  if (!root || root.length !== HASH_SIZE) throw new CheckpointError(`Bad root hash line ${JSON.stringify(rootText)}`);
  if (extensions.some((e) => e === '')) throw new CheckpointError('Extension lines must be non-empty');
  return { origin, size: Number(sizeText), root, extensions };
}

/** Signs a checkpoint with the log's Ed25519 key; the key name is the origin, as recommended. */
export function signCheckpoint(checkpoint: Checkpoint, key: SigningKey): string {
  return signNote(formatCheckpoint(checkpoint), [ed25519Signer(checkpoint.origin, key)]);
}

export interface CheckpointPolicy {
  /** The log's verifier key (type 0x01). */
  readonly log: string | VerifierKey;
  /** Witness verifier keys (type 0x04). */
  readonly witnesses?: readonly (string | VerifierKey)[];
  /** How many distinct witnesses must have cosigned. */
  readonly quorum?: number;
  /** When given, the checkpoint's origin must be this. */
  readonly origin?: string;
}

export interface Cosignature {
  readonly name: string;
  readonly keyId: number;
  /** POSIX seconds at which the witness cosigned. */
  readonly time: number;
  readonly line: string;
}

export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly text: string;
  /** Verified witness cosignatures. */
  readonly cosignatures: readonly Cosignature[];
  /** Signature lines from keys the policy does not know. */
  readonly unknown: readonly NoteSignature[];
}

/**
 * Verifies a signed checkpoint: the log's signature must verify, every cosignature from a
 * known witness must verify, and at least `quorum` witnesses must have cosigned.
 */
export function openCheckpoint(note: string | Uint8Array, policy: CheckpointPolicy): OpenedCheckpoint {
  const log = noteVerifier(policy.log);
  const witnesses = (policy.witnesses ?? []).map((w) => noteVerifier(w));
  if (log.type !== SIG_ED25519) throw new CheckpointError('The log key must be an Ed25519 (type 0x01) verifier key');
  if (witnesses.some((w) => w.type !== SIG_COSIGNATURE_V1)) throw new CheckpointError('Witness keys must be cosignature/v1 (type 0x04) verifier keys');
  const verifiers: NoteVerifier[] = [log, ...witnesses];
  let opened;
  try {
    opened = openNote(note, verifiers);
  } catch (error) {
    if (error instanceof NoteError) throw new CheckpointError(`Checkpoint signature check failed: ${error.message}`, { cause: error });
    throw error;
  }
  if (!opened.verified.some((s) => s.name === log.name && s.keyId === log.keyId)) {
    throw new CheckpointError(`The checkpoint is not signed by the log key ${log.name}`);
  }
  const checkpoint = parseCheckpoint(opened.text);
  if (policy.origin !== undefined && checkpoint.origin !== policy.origin) {
    throw new CheckpointError(`The checkpoint origin ${JSON.stringify(checkpoint.origin)} is not ${JSON.stringify(policy.origin)}`);
  }
  const cosignatures = opened.verified
    .filter((s) => !(s.name === log.name && s.keyId === log.keyId))
    .map((s) => ({ name: s.name, keyId: s.keyId, time: cosignatureTime(s), line: s.line }));
  const quorum = policy.quorum ?? 0;
  if (cosignatures.length < quorum) {
    throw new CheckpointError(`The checkpoint has ${cosignatures.length} valid witness cosignature(s); ${quorum} required`);
  }
  return { checkpoint, text: opened.text, cosignatures, unknown: opened.unverified };
}

/** Splits a signed checkpoint without verifying anything (for storage and display). */
export function splitCheckpointNote(note: string): { checkpoint: Checkpoint; text: string; signatures: readonly NoteSignature[] } {
  const parsed = parseNote(note);
  return { checkpoint: parseCheckpoint(parsed.text), text: parsed.text, signatures: parsed.signatures };
}
