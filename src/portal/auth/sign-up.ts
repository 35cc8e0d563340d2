/**
 * Self-registration (ADR 0069). A citizen gives NIK, full name and a password; the portal
 * asks DUKCAPIL's person service, through its own gateway, whether the NIK exists, belongs to
 * a living person and carries that name. NIK and name are no secret (they are printed on every
 * photocopied KTP-el), so the account stays inactive until the citizen types a code delivered
 * through another channel; TOTP is enrolled at the first sign-in after that.
 *
 * Rate limits: sign-ups per IP address in the sign-in window (each one is an exchange about a
 * person at DUKCAPIL, so they must not become a way to probe the population registry), and the
 * same per-account and per-IP failure counts as sign-in for activation codes. A code is burnt
 * after ACTIVATION_MAX_ATTEMPTS wrong tries.
 */
import { createHash, randomInt } from 'node:crypto';
import { sql } from 'kysely';
import type { Nik, PurposeCode, ServiceId } from '../../core/ids.js';
import type { PortalContext } from '../context.js';
import { GatewayCallError, type GatewayClient } from '../gateway-client.js';
import { blindIndex } from '../keys.js';
import { sameName } from '../names.js';
import type { ActivationChannel } from './activation-channel.js';
import { createAccount, getAccount, loginIndex } from './accounts.js';
import { recordSignInEvent, throttleWait, type ThrottlePolicy } from './sign-in.js';

export const SIGN_UP_SERVICE = 'ID/GOV/DUKCAPIL/SIAK/person' as ServiceId;
/** Its own purpose: checking an identity for an account is not the NIB application's purpose. */
export const SIGN_UP_PURPOSE = 'PENDAFTARAN-AKUN-PORTAL' as PurposeCode;
export const SIGN_UP_LEGAL_BASIS = 'Permendagri 102/2019 Hak Akses Data Kependudukan; PP 71/2019 Penyelenggaraan Sistem dan Transaksi Elektronik';
export const ACTIVATION_MAX_ATTEMPTS = 5;
export const DEFAULT_ACTIVATION_TTL_MS = 30 * 60_000;

export interface SignUpPolicy {
  /** Sign-ups (any outcome) one IP address may start within the throttle window. */
  signUpsPerIp: number;
  activationTtlMs: number;
}

export const DEFAULT_SIGN_UP_POLICY: SignUpPolicy = { signUpsPerIp: 5, activationTtlMs: DEFAULT_ACTIVATION_TTL_MS };

export type SignUpRefusal = 'throttled' | 'unknown_nik' | 'name_mismatch' | 'deceased' | 'exists' | 'pending' | 'registry_unavailable';
export type SignUpResult = { ok: true; accountId: string; expiresAt: Date } | { ok: false; reason: SignUpRefusal; retryAfterMs?: number };

export interface SignUpDeps {
  ctx: PortalContext;
  gateway: GatewayClient;
  channel: ActivationChannel;
  throttle: ThrottlePolicy;
  policy: SignUpPolicy;
}

function codeHash(ctx: PortalContext, accountId: string, code: string): string {
  return createHash('sha256').update(ctx.keys.index).update(`activation:${accountId}:${code}`).digest('hex');
}

async function signUpWait(deps: SignUpDeps, ip: string): Promise<number> {
  const { ctx, throttle, policy } = deps;
  const now = ctx.now().getTime();
  const recent = await ctx.db.selectFrom('sign_in_event').select('time')
    .where('ip_index', '=', blindIndex(ctx.keys, 'ip', ip)).where('event', '=', 'sign_up').where('time', '>', new Date(now - throttle.windowMs))
    .orderBy('time', 'desc').limit(policy.signUpsPerIp).execute();
  const own = recent.length >= policy.signUpsPerIp ? recent[recent.length - 1]!.time.getTime() + throttle.windowMs - now : 0;
  return Math.max(own, await throttleWait(ctx, throttle, null, ip));
}

/** Removes an inactive account whose code has lapsed, so nobody can hold a NIK by signing up first. */
async function releaseLapsed(ctx: PortalContext, index: string): Promise<'none' | 'active' | 'pending'> {
  const row = await ctx.db.selectFrom('account').leftJoin('activation_code', 'activation_code.account_id', 'account.id')
    .select(['account.id', 'account.activated_at', 'activation_code.expires_at', 'activation_code.attempts'])
    .where('account.login_index', '=', index).executeTakeFirst();
  if (!row) return 'none';
  if (row.activated_at) return 'active';
  const live = row.expires_at && row.expires_at.getTime() > ctx.now().getTime() && (row.attempts ?? 0) < ACTIVATION_MAX_ATTEMPTS;
  if (live) return 'pending';
  await ctx.db.deleteFrom('account').where('id', '=', row.id).where('activated_at', 'is', null).execute();
  return 'none';
}

export async function signUp(deps: SignUpDeps, input: { nik: Nik; name: string; password: string; ip: string }): Promise<SignUpResult> {
  const { ctx } = deps;
  const index = loginIndex(ctx, { kind: 'nik', nik: input.nik });
  const event = (outcome: 'success' | 'failure' | 'refused', detail: string, accountId?: string) =>
    recordSignInEvent(ctx, { event: 'sign_up', outcome, ip: input.ip, loginIndex: index, accountId: accountId ?? null, detail });
  const wait = await signUpWait(deps, input.ip);
  if (wait > 0) {
    await event('refused', 'throttled');
    return { ok: false, reason: 'throttled', retryAfterMs: wait };
  }
  const existing = await releaseLapsed(ctx, index);
  if (existing !== 'none') {
    await event('refused', existing === 'active' ? 'account exists' : 'awaiting activation');
    return { ok: false, reason: existing === 'active' ? 'exists' : 'pending' };
  }
  let person: Record<string, unknown>;
  try {
    person = (await deps.gateway.call<Record<string, unknown>>({ service: SIGN_UP_SERVICE, method: 'GET', path: `/${input.nik}`, purpose: SIGN_UP_PURPOSE, subject: input.nik })).body;
  } catch (error) {
    if (error instanceof GatewayCallError && error.status === 404 && error.code === 'request.not_found') {
      await event('failure', 'unknown NIK');
      return { ok: false, reason: 'unknown_nik' };
    }
    await event('refused', `population registry unavailable: ${error instanceof GatewayCallError ? error.code ?? error.status : 'network'}`);
    return { ok: false, reason: 'registry_unavailable' };
  }
  if (person.nik !== input.nik) {
    await event('failure', 'registry answered for another NIK');
    return { ok: false, reason: 'unknown_nik' };
  }
  if (person.deathDate) {
    await event('failure', 'deceased');
    return { ok: false, reason: 'deceased' };
  }
  if (!sameName(String(person.fullName ?? ''), input.name)) {
    await event('failure', 'name mismatch');
    return { ok: false, reason: 'name_mismatch' };
  }
  // The registry's spelling becomes the account's name: it is the one permits will carry.
  const { account } = await createAccount(ctx, { kind: 'citizen', login: { kind: 'nik', nik: input.nik }, name: String(person.fullName), password: input.password, activated: false });
  const expiresAt = await issueActivationCode(deps, account.id, 'sign_up', input.ip);
  await event('success', 'awaiting activation', account.id);
  return { ok: true, accountId: account.id, expiresAt };
}

/** A new code replaces any earlier one; delivered through the channel, never shown to the browser. */
export async function issueActivationCode(deps: Pick<SignUpDeps, 'ctx' | 'channel' | 'policy'>, accountId: string, reason: 'sign_up' | 'reissue', ip: string, actor?: string): Promise<Date> {
  const { ctx } = deps;
  const account = await ctx.db.selectFrom('account').select(['activated_at']).where('id', '=', accountId).executeTakeFirst();
  if (!account) throw new Error(`No account ${accountId}`);
  if (account.activated_at) throw new Error('The account is already active');
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const now = ctx.now();
  const expiresAt = new Date(now.getTime() + deps.policy.activationTtlMs);
  const row = { account_id: accountId, code_hash: codeHash(ctx, accountId, code), created_at: now, expires_at: expiresAt, attempts: 0 };
  await ctx.db.insertInto('activation_code').values(row)
    .onConflict((c) => c.column('account_id').doUpdateSet({ code_hash: row.code_hash, created_at: now, expires_at: expiresAt, attempts: 0 })).execute();
  const full = await getAccount(ctx, accountId);
  const minutes = Math.round(deps.policy.activationTtlMs / 60_000);
  await deps.channel.deliver({
    accountId, nik: full.nik ?? '', name: full.name, code, expiresAt: expiresAt.toISOString(), reason, sentAt: now.toISOString(),
    text: `Kode aktivasi Portal Simpul: ${code}. Berlaku ${minutes} menit. JANGAN berikan kode ini kepada siapa pun, termasuk petugas.`,
  });
  await recordSignInEvent(ctx, { event: 'activation_code_issued', outcome: 'success', ip, accountId, ...(actor ? { detail: `by ${actor}` } : { detail: reason }) });
  return expiresAt;
}

export type ActivationResult = { ok: true; accountId: string } | { ok: false; reason: 'invalid' | 'expired' | 'throttled' | 'already_active'; retryAfterMs?: number };

export async function activate(deps: Pick<SignUpDeps, 'ctx' | 'throttle'>, input: { nik: Nik; code: string; ip: string }): Promise<ActivationResult> {
  const { ctx } = deps;
  const index = loginIndex(ctx, { kind: 'nik', nik: input.nik });
  const wait = await throttleWait(ctx, deps.throttle, index, input.ip);
  if (wait > 0) {
    await recordSignInEvent(ctx, { event: 'activation', outcome: 'refused', ip: input.ip, loginIndex: index, detail: 'throttled' });
    return { ok: false, reason: 'throttled', retryAfterMs: wait };
  }
  const row = await ctx.db.selectFrom('account').leftJoin('activation_code', 'activation_code.account_id', 'account.id')
    .select(['account.id', 'account.activated_at', 'activation_code.code_hash', 'activation_code.expires_at', 'activation_code.attempts'])
    .where('account.login_index', '=', index).executeTakeFirst();
  if (row?.activated_at) return { ok: false, reason: 'already_active' };
  const fail = async (reason: 'invalid' | 'expired', detail: string) => {
    await recordSignInEvent(ctx, { event: 'activation', outcome: 'failure', ip: input.ip, loginIndex: index, accountId: row?.id ?? null, detail });
    return { ok: false as const, reason };
  };
  // An unknown NIK answers like a wrong code: the form must not tell who has signed up.
  if (!row || !row.code_hash || !row.expires_at) return fail('invalid', 'no pending activation');
  if (row.expires_at.getTime() <= ctx.now().getTime()) return fail('expired', 'code expired');
  if ((row.attempts ?? 0) >= ACTIVATION_MAX_ATTEMPTS) return fail('expired', 'code burnt');
  const code = input.code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(code) || codeHash(ctx, row.id, code) !== row.code_hash) {
    await ctx.db.updateTable('activation_code').set({ attempts: sql`attempts + 1` }).where('account_id', '=', row.id).execute();
    return fail('invalid', 'wrong code');
  }
  // Conditional on the code still being there: of two concurrent uses, one activates.
  const taken = await ctx.db.deleteFrom('activation_code').where('account_id', '=', row.id).where('code_hash', '=', row.code_hash).executeTakeFirst();
  if (taken.numDeletedRows === 0n) return fail('invalid', 'code already used');
  await ctx.db.updateTable('account').set({ activated_at: ctx.now() }).where('id', '=', row.id).execute();
  await recordSignInEvent(ctx, { event: 'activation', outcome: 'success', ip: input.ip, loginIndex: index, accountId: row.id });
  return { ok: true, accountId: row.id };
}
