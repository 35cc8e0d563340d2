/**
 * Passwords hashed with Argon2id (RFC 9106) at OWASP's recommended minimum cost
 * (19 MiB, 2 passes, 1 lane), through @node-rs/argon2's prebuilt binding.
 */
import { hash, verify } from '@node-rs/argon2';

// `algorithm: 2` is Argon2id (the package's const enum cannot be imported under verbatimModuleSyntax).
const COST = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** NIST SP 800-63B §3.1.1.2: at least 8 characters when chosen by the subscriber, up to 64 or more allowed. */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

export function hashPassword(password: string): Promise<string> {
  return hash(password, COST);
}

// Verified against when the account does not exist, so that timing does not reveal which NIKs have accounts.
let decoy: Promise<string> | undefined;

export async function verifyPassword(stored: string | undefined, password: string): Promise<boolean> {
  if (password.length > PASSWORD_MAX_LENGTH) return false;
  if (stored === undefined) {
    decoy ??= hashPassword('decoy password that matches nothing');
    await verify(await decoy, password);
    return false;
  }
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}
