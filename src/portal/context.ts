/**
 * What every portal service shares: its database, its keys and its clock. Tests move the
 * clock to check idle timeouts and working-day deadlines without waiting.
 */
import type { Kysely } from 'kysely';
import type { PortalKeys } from './keys.js';
import type { PortalTables } from './storage/schema.js';

export interface PortalContext {
  readonly db: Kysely<PortalTables>;
  readonly keys: PortalKeys;
  readonly now: () => Date;
}

/** Seals personal data; `aad` binds the ciphertext to its row and column. */
export function seal(ctx: PortalContext, value: string, aad: string): string {
  return ctx.keys.data.encrypt(value, aad);
}

export function unseal(ctx: PortalContext, sealed: string, aad: string): string {
  return ctx.keys.data.decryptText(sealed, aad);
}
