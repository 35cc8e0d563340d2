/**
 * Sessions after a complete AAL2 sign-in. NIST SP 800-63B §4.2.3: reauthentication at least
 * every 12 h and after 30 min idle for AAL2; the portal's limits (default 1 h idle, 24 h
 * absolute, configurable down) are what issue 7 asks, and the tests pin them.
 * Only the SHA-256 of the session token is stored, so a database dump holds no usable token.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { PortalContext } from '../context.js';
import { getAccount, type Account } from './accounts.js';

export interface SessionLimits {
  idleMs: number;
  absoluteMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 60 * 60_000, absoluteMs: 24 * 60 * 60_000 };
// Write last_seen at most once a minute: one write per request would cost more than it tells.
const TOUCH_EVERY_MS = 60_000;

export interface Session {
  idHash: string;
  account: Account;
  /** The officer acting for the citizen at a service counter, when assisted. */
  actor: Account | null;
  parentIdHash: string | null;
  method: string;
  createdAt: Date;
  expiresAt: Date;
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export async function createSession(
  ctx: PortalContext,
  limits: SessionLimits,
  input: { accountId: string; method: string; actorId?: string; parentIdHash?: string; absoluteMs?: number },
): Promise<string> {
  const token = newToken();
  const now = ctx.now();
  await ctx.db.insertInto('session').values({
    id_hash: tokenHash(token),
    account_id: input.accountId,
    actor_id: input.actorId ?? null,
    parent_id_hash: input.parentIdHash ?? null,
    method: input.method,
    created_at: now,
    last_seen_at: now,
    expires_at: new Date(now.getTime() + Math.min(input.absoluteMs ?? limits.absoluteMs, limits.absoluteMs)),
    ended_at: null,
  }).execute();
  return token;
}

export type SessionLookup = { session: Session } | { session: null; ended: 'unknown' | 'idle' | 'expired' | 'signed_out' };

export async function resolveSession(ctx: PortalContext, limits: SessionLimits, token: string | undefined): Promise<SessionLookup> {
  if (!token) return { session: null, ended: 'unknown' };
  const idHash = tokenHash(token);
  const row = await ctx.db.selectFrom('session').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  if (!row) return { session: null, ended: 'unknown' };
  if (row.ended_at) return { session: null, ended: 'signed_out' };
  const now = ctx.now();
  const idle = now.getTime() - row.last_seen_at.getTime() > limits.idleMs;
  const expired = now.getTime() >= row.expires_at.getTime();
  if (idle || expired) {
    await ctx.db.updateTable('session').set({ ended_at: now }).where('id_hash', '=', idHash).execute();
    return { session: null, ended: expired ? 'expired' : 'idle' };
  }
  if (now.getTime() - row.last_seen_at.getTime() >= TOUCH_EVERY_MS) {
    await ctx.db.updateTable('session').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
  }
  return {
    session: {
      idHash,
      account: await getAccount(ctx, row.account_id),
      actor: row.actor_id ? await getAccount(ctx, row.actor_id) : null,
      parentIdHash: row.parent_id_hash,
      method: row.method,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
    },
  };
}

export async function endSession(ctx: PortalContext, idHash: string): Promise<void> {
  await ctx.db.updateTable('session').set({ ended_at: ctx.now() }).where('id_hash', '=', idHash).where('ended_at', 'is', null).execute();
}
