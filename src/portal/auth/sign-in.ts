/**
 * Sign-in at NIST SP 800-63B AAL2: something you know (NIK + password) then something you
 * have (a TOTP authenticator, a recovery code, or a passkey, which alone is multi-factor).
 * Between the two steps the browser holds a short-lived flow token, never a session.
 *
 * Throttling (§5.2.2): failures are counted per account (since its last success) and per IP
 * address within a window; past the limit, attempts are refused without checking the secret.
 * Every attempt, success or not, is a sign_in_event row.
 */
import { sql } from 'kysely';
import { seal, unseal, type PortalContext } from '../context.js';
import { blindIndex } from '../keys.js';
import { issueRecoveryCodes, loginIndex, recoveryCodeHash, type LoginName } from './accounts.js';
import { verifyPassword } from './passwords.js';
import { createSession, newToken, tokenHash, type SessionLimits } from './sessions.js';
import { newTotpSecret, totpQrSvg, totpUri, verifyTotp } from './totp.js';

export interface ThrottlePolicy {
  accountFailures: number;
  ipFailures: number;
  windowMs: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = { accountFailures: 5, ipFailures: 20, windowMs: 15 * 60_000 };
const FLOW_LIFETIME_MS = 10 * 60_000;
// Only a complete sign-in resets the account's failure count: a right password alone must not
// let an attacker reset the count and keep guessing second-factor codes.
// An operator's unlock (`simpul portal unlock`) counts as a fresh start too.
const COMPLETING = ['totp', 'recovery_code', 'passkey', 'totp_enrolled', 'unlocked'];

export type SignInEventName =
  | 'password' | 'totp' | 'recovery_code' | 'passkey' | 'totp_enrolled' | 'passkey_registered'
  | 'sign_out' | 'assisted_start' | 'assisted_end'
  | 'sign_up' | 'activation' | 'activation_code_issued' | 'totp_reenrolled' | 'passkey_removed' | 'unlocked';

export interface SignInEvent {
  event: SignInEventName;
  outcome: 'success' | 'failure' | 'refused';
  ip: string;
  accountId?: string | null;
  loginIndex?: string | null;
  actorId?: string | null;
  detail?: string;
}

export async function recordSignInEvent(ctx: PortalContext, e: SignInEvent): Promise<void> {
  let login = e.loginIndex ?? null;
  if (!login && e.accountId) {
    login = (await ctx.db.selectFrom('account').select('login_index').where('id', '=', e.accountId).executeTakeFirst())?.login_index ?? null;
  }
  await ctx.db.insertInto('sign_in_event').values({
    time: ctx.now(),
    account_id: e.accountId ?? null,
    login_index: login,
    ip_index: blindIndex(ctx.keys, 'ip', e.ip),
    event: e.event,
    outcome: e.outcome,
    actor_id: e.actorId ?? null,
    detail: e.detail ?? null,
  }).execute();
}

/** Milliseconds until another attempt is allowed, or 0 when one is allowed now. */
export async function throttleWait(ctx: PortalContext, policy: ThrottlePolicy, login: string | null, ip: string): Promise<number> {
  const now = ctx.now().getTime();
  const since = new Date(now - policy.windowMs);
  const waits: number[] = [0];
  if (login) {
    const lastSuccess = await ctx.db.selectFrom('sign_in_event').select(sql<Date | null>`max(time)`.as('t'))
      .where('login_index', '=', login).where('outcome', '=', 'success').where('event', 'in', COMPLETING).executeTakeFirst();
    const from = lastSuccess?.t && lastSuccess.t > since ? lastSuccess.t : since;
    const failures = await ctx.db.selectFrom('sign_in_event').select('time')
      .where('login_index', '=', login).where('outcome', '=', 'failure').where('time', '>', from)
      .orderBy('time', 'desc').limit(policy.accountFailures).execute();
    if (failures.length >= policy.accountFailures) waits.push(failures[failures.length - 1]!.time.getTime() + policy.windowMs - now);
  }
  const ipFailures = await ctx.db.selectFrom('sign_in_event').select('time')
    .where('ip_index', '=', blindIndex(ctx.keys, 'ip', ip)).where('outcome', '=', 'failure').where('time', '>', since)
    .orderBy('time', 'desc').limit(policy.ipFailures).execute();
  if (ipFailures.length >= policy.ipFailures) waits.push(ipFailures[ipFailures.length - 1]!.time.getTime() + policy.windowMs - now);
  return Math.max(...waits);
}

export type StepResult<T> = ({ ok: true } & T) | { ok: false; reason: 'invalid' | 'throttled' | 'flow_expired' | 'not_activated'; retryAfterMs?: number };

async function createFlow(ctx: PortalContext, kind: 'second_factor' | 'enrol_totp', accountId: string): Promise<string> {
  const token = newToken();
  const now = ctx.now();
  await ctx.db.insertInto('auth_flow').values({
    id_hash: tokenHash(token), kind, account_id: accountId, challenge: null, pending_secret_sealed: null,
    created_at: now, expires_at: new Date(now.getTime() + FLOW_LIFETIME_MS),
  }).execute();
  return token;
}

export async function readFlow(ctx: PortalContext, token: string | undefined, kind: 'second_factor' | 'enrol_totp') {
  if (!token) return undefined;
  const row = await ctx.db.selectFrom('auth_flow').selectAll().where('id_hash', '=', tokenHash(token)).where('kind', '=', kind).executeTakeFirst();
  if (!row || !row.account_id || row.expires_at.getTime() <= ctx.now().getTime()) return undefined;
  return row as typeof row & { account_id: string };
}

/** Step 1: NIK (or staff user name) and password. */
export async function passwordStep(
  ctx: PortalContext,
  policy: ThrottlePolicy,
  input: { login: LoginName; password: string; ip: string },
): Promise<StepResult<{ flowToken: string; next: 'second_factor' | 'enrol_totp'; accountId: string }>> {
  const index = loginIndex(ctx, input.login);
  const wait = await throttleWait(ctx, policy, index, input.ip);
  if (wait > 0) {
    await recordSignInEvent(ctx, { event: 'password', outcome: 'refused', ip: input.ip, loginIndex: index, detail: 'throttled' });
    return { ok: false, reason: 'throttled', retryAfterMs: wait };
  }
  const row = await ctx.db.selectFrom('account').select(['id', 'password_hash', 'totp_secret_sealed', 'activated_at']).where('login_index', '=', index).executeTakeFirst();
  const valid = await verifyPassword(row?.password_hash, input.password);
  if (!row || !valid) {
    await recordSignInEvent(ctx, { event: 'password', outcome: 'failure', ip: input.ip, loginIndex: index, accountId: row?.id ?? null });
    return { ok: false, reason: 'invalid' };
  }
  // Told only after the right password, so the answer reveals nothing to someone guessing.
  if (!row.activated_at) {
    await recordSignInEvent(ctx, { event: 'password', outcome: 'refused', ip: input.ip, loginIndex: index, accountId: row.id, detail: 'not activated' });
    return { ok: false, reason: 'not_activated' };
  }
  const passkeys = await ctx.db.selectFrom('passkey').select('id').where('account_id', '=', row.id).limit(1).execute();
  const next = row.totp_secret_sealed || passkeys.length > 0 ? 'second_factor' : 'enrol_totp';
  await recordSignInEvent(ctx, { event: 'password', outcome: 'success', ip: input.ip, loginIndex: index, accountId: row.id, detail: `${next} required` });
  return { ok: true, flowToken: await createFlow(ctx, next, row.id), next, accountId: row.id };
}

/**
 * Checks a TOTP code (accepted once only) or a recovery code (single use) of an account and
 * spends it when right. Also the proof of the current factor before a TOTP re-enrolment.
 */
export async function acceptSecondFactor(ctx: PortalContext, accountId: string, raw: string): Promise<{ accepted: boolean; method: 'totp' | 'recovery_code' }> {
  const account = await ctx.db.selectFrom('account').select(['totp_secret_sealed', 'totp_last_step']).where('id', '=', accountId).executeTakeFirstOrThrow();
  const code = raw.trim();
  if (/^\d{6}$/.test(code.replace(/\s/g, '')) && account.totp_secret_sealed) {
    const secret = unseal(ctx, account.totp_secret_sealed, `account:${accountId}:totp`);
    const step = await verifyTotp(secret, code.replace(/\s/g, ''), account.totp_last_step, ctx.now());
    if (step === undefined) return { accepted: false, method: 'totp' };
    // Conditional update: of two concurrent uses of one code, only one can move the step forward.
    const moved = await ctx.db.updateTable('account').set({ totp_last_step: step }).where('id', '=', accountId)
      .where((w) => w.or([w('totp_last_step', 'is', null), w('totp_last_step', '<', step)])).executeTakeFirst();
    return { accepted: moved.numUpdatedRows > 0n, method: 'totp' };
  }
  const used = await ctx.db.updateTable('recovery_code').set({ used_at: ctx.now() })
    .where('account_id', '=', accountId).where('code_hash', '=', recoveryCodeHash(ctx, code)).where('used_at', 'is', null).executeTakeFirst();
  return { accepted: used.numUpdatedRows > 0n, method: 'recovery_code' };
}

/** Step 2: a TOTP code (accepted once only) or a recovery code (single use). */
export async function secondFactorStep(
  ctx: PortalContext,
  policy: ThrottlePolicy,
  limits: SessionLimits,
  input: { flowToken: string | undefined; code: string; ip: string },
): Promise<StepResult<{ sessionToken: string; accountId: string; method: string }>> {
  const flow = await readFlow(ctx, input.flowToken, 'second_factor');
  if (!flow) return { ok: false, reason: 'flow_expired' };
  const accountId = flow.account_id;
  const account = await ctx.db.selectFrom('account').select(['login_index']).where('id', '=', accountId).executeTakeFirstOrThrow();
  const wait = await throttleWait(ctx, policy, account.login_index, input.ip);
  if (wait > 0) {
    await recordSignInEvent(ctx, { event: 'totp', outcome: 'refused', ip: input.ip, accountId, detail: 'throttled' });
    return { ok: false, reason: 'throttled', retryAfterMs: wait };
  }
  const { accepted, method } = await acceptSecondFactor(ctx, accountId, input.code);
  if (!accepted) {
    await recordSignInEvent(ctx, { event: method, outcome: 'failure', ip: input.ip, accountId });
    return { ok: false, reason: 'invalid' };
  }
  await ctx.db.deleteFrom('auth_flow').where('id_hash', '=', flow.id_hash).execute();
  await recordSignInEvent(ctx, { event: method, outcome: 'success', ip: input.ip, accountId, detail: `password+${method}` });
  return { ok: true, sessionToken: await createSession(ctx, limits, { accountId, method: `password+${method}` }), accountId, method: `password+${method}` };
}

/** Enrolment, first screen: the secret to scan. The same secret is shown until confirmed. */
export async function totpEnrolment(ctx: PortalContext, flowToken: string | undefined, label: string): Promise<{ secret: string; uri: string; svg: string } | undefined> {
  const flow = await readFlow(ctx, flowToken, 'enrol_totp');
  if (!flow) return undefined;
  const aad = `flow:${flow.id_hash}:totp`;
  let secret: string;
  if (flow.pending_secret_sealed) {
    secret = unseal(ctx, flow.pending_secret_sealed, aad);
  } else {
    secret = newTotpSecret();
    await ctx.db.updateTable('auth_flow').set({ pending_secret_sealed: seal(ctx, secret, aad) }).where('id_hash', '=', flow.id_hash).execute();
  }
  const uri = totpUri(secret, label);
  return { secret, uri, svg: await totpQrSvg(uri) };
}

/** Enrolment, second screen: a first code proves the authenticator works; recovery codes are issued. */
export async function confirmTotpEnrolment(
  ctx: PortalContext,
  policy: ThrottlePolicy,
  limits: SessionLimits,
  input: { flowToken: string | undefined; code: string; ip: string },
): Promise<StepResult<{ sessionToken: string; accountId: string; recoveryCodes: string[] }>> {
  const flow = await readFlow(ctx, input.flowToken, 'enrol_totp');
  if (!flow || !flow.pending_secret_sealed) return { ok: false, reason: 'flow_expired' };
  const accountId = flow.account_id;
  const wait = await throttleWait(ctx, policy, null, input.ip);
  if (wait > 0) return { ok: false, reason: 'throttled', retryAfterMs: wait };
  const secret = unseal(ctx, flow.pending_secret_sealed, `flow:${flow.id_hash}:totp`);
  const step = await verifyTotp(secret, input.code.replace(/\s/g, ''), null, ctx.now());
  if (step === undefined) {
    await recordSignInEvent(ctx, { event: 'totp_enrolled', outcome: 'failure', ip: input.ip, accountId });
    return { ok: false, reason: 'invalid' };
  }
  const enrolled = await ctx.db.updateTable('account')
    .set({ totp_secret_sealed: seal(ctx, secret, `account:${accountId}:totp`), totp_last_step: step, totp_enrolled_at: ctx.now() })
    .where('id', '=', accountId).where('totp_secret_sealed', 'is', null).executeTakeFirst();
  await ctx.db.deleteFrom('auth_flow').where('id_hash', '=', flow.id_hash).execute();
  if (enrolled.numUpdatedRows === 0n) return { ok: false, reason: 'flow_expired' };
  const recoveryCodes = await issueRecoveryCodes(ctx, accountId);
  await recordSignInEvent(ctx, { event: 'totp_enrolled', outcome: 'success', ip: input.ip, accountId, detail: 'password+totp' });
  return { ok: true, sessionToken: await createSession(ctx, limits, { accountId, method: 'password+totp' }), accountId, recoveryCodes };
}

