/**
 * Changing one's own factors from the account page. Replacing the TOTP authenticator (a new
 * phone) needs the current second factor first, a TOTP code or a recovery code, so a stolen
 * session alone cannot move the account to an attacker's authenticator; the new secret counts
 * only once a code from it is typed, and new recovery codes replace the old ones. Removing a
 * passkey is allowed while another factor remains. Each change is a sign_in_event.
 */
import { seal, unseal, type PortalContext } from '../context.js';
import { issueRecoveryCodes } from './accounts.js';
import { newToken, tokenHash } from './sessions.js';
import { acceptSecondFactor, recordSignInEvent, throttleWait, type ThrottlePolicy } from './sign-in.js';
import { newTotpSecret, totpQrSvg, totpUri, verifyTotp } from './totp.js';

const REENROL_LIFETIME_MS = 10 * 60_000;

export type ProveResult = { ok: true; flowToken: string } | { ok: false; reason: 'invalid' | 'throttled' | 'no_totp'; retryAfterMs?: number };

/** Step 1: the current factor. Returns a short-lived flow holding the new, unconfirmed secret. */
export async function proveCurrentFactor(ctx: PortalContext, policy: ThrottlePolicy, input: { accountId: string; code: string; ip: string }): Promise<ProveResult> {
  const account = await ctx.db.selectFrom('account').select(['login_index', 'totp_secret_sealed']).where('id', '=', input.accountId).executeTakeFirstOrThrow();
  if (!account.totp_secret_sealed) return { ok: false, reason: 'no_totp' };
  const wait = await throttleWait(ctx, policy, account.login_index, input.ip);
  if (wait > 0) {
    await recordSignInEvent(ctx, { event: 'totp_reenrolled', outcome: 'refused', ip: input.ip, accountId: input.accountId, detail: 'throttled' });
    return { ok: false, reason: 'throttled', retryAfterMs: wait };
  }
  const { accepted, method } = await acceptSecondFactor(ctx, input.accountId, input.code);
  if (!accepted) {
    await recordSignInEvent(ctx, { event: 'totp_reenrolled', outcome: 'failure', ip: input.ip, accountId: input.accountId, detail: `current ${method} wrong` });
    return { ok: false, reason: 'invalid' };
  }
  const token = newToken();
  const now = ctx.now();
  const idHash = tokenHash(token);
  await ctx.db.insertInto('auth_flow').values({
    id_hash: idHash, kind: 'reenrol_totp', account_id: input.accountId, challenge: null,
    pending_secret_sealed: seal(ctx, newTotpSecret(), `flow:${idHash}:totp`),
    created_at: now, expires_at: new Date(now.getTime() + REENROL_LIFETIME_MS),
  }).execute();
  await recordSignInEvent(ctx, { event: 'totp_reenrolled', outcome: 'success', ip: input.ip, accountId: input.accountId, detail: `started with current ${method}` });
  return { ok: true, flowToken: token };
}

async function readReenrolment(ctx: PortalContext, accountId: string, token: string | undefined) {
  if (!token) return undefined;
  const row = await ctx.db.selectFrom('auth_flow').selectAll().where('id_hash', '=', tokenHash(token)).where('kind', '=', 'reenrol_totp').executeTakeFirst();
  if (!row || row.account_id !== accountId || !row.pending_secret_sealed || row.expires_at.getTime() <= ctx.now().getTime()) return undefined;
  return { idHash: row.id_hash, secret: unseal(ctx, row.pending_secret_sealed, `flow:${row.id_hash}:totp`) };
}

/** Step 2, shown: the new secret to scan. */
export async function reenrolmentSecret(ctx: PortalContext, accountId: string, token: string | undefined, label: string) {
  const flow = await readReenrolment(ctx, accountId, token);
  if (!flow) return undefined;
  const uri = totpUri(flow.secret, label);
  return { secret: flow.secret, uri, svg: await totpQrSvg(uri) };
}

export type ConfirmResult = { ok: true; recoveryCodes: string[] } | { ok: false; reason: 'invalid' | 'flow_expired' };

/** Step 2, confirmed: a code from the new authenticator replaces the old secret and the recovery codes. */
export async function confirmTotpReenrolment(ctx: PortalContext, input: { accountId: string; flowToken: string | undefined; code: string; ip: string }): Promise<ConfirmResult> {
  const flow = await readReenrolment(ctx, input.accountId, input.flowToken);
  if (!flow) return { ok: false, reason: 'flow_expired' };
  const step = await verifyTotp(flow.secret, input.code.replace(/\s/g, ''), null, ctx.now());
  if (step === undefined) {
    await recordSignInEvent(ctx, { event: 'totp_reenrolled', outcome: 'failure', ip: input.ip, accountId: input.accountId, detail: 'new code wrong' });
    return { ok: false, reason: 'invalid' };
  }
  const taken = await ctx.db.deleteFrom('auth_flow').where('id_hash', '=', flow.idHash).executeTakeFirst();
  if (taken.numDeletedRows === 0n) return { ok: false, reason: 'flow_expired' };
  await ctx.db.updateTable('account')
    .set({ totp_secret_sealed: seal(ctx, flow.secret, `account:${input.accountId}:totp`), totp_last_step: step, totp_enrolled_at: ctx.now() })
    .where('id', '=', input.accountId).execute();
  const recoveryCodes = await issueRecoveryCodes(ctx, input.accountId);
  await recordSignInEvent(ctx, { event: 'totp_reenrolled', outcome: 'success', ip: input.ip, accountId: input.accountId, detail: 'new authenticator confirmed; recovery codes replaced' });
  return { ok: true, recoveryCodes };
}

export type RemovePasskeyResult = { ok: true } | { ok: false; reason: 'not_found' | 'last_factor' };

/** Removes one of the account's own passkeys, unless it is the only factor left. */
export async function removePasskey(ctx: PortalContext, input: { accountId: string; passkeyId: string; ip: string }): Promise<RemovePasskeyResult> {
  const own = await ctx.db.selectFrom('passkey').select('id').where('account_id', '=', input.accountId).execute();
  if (!own.some((p) => p.id === input.passkeyId)) return { ok: false, reason: 'not_found' };
  const account = await ctx.db.selectFrom('account').select('totp_secret_sealed').where('id', '=', input.accountId).executeTakeFirstOrThrow();
  if (!account.totp_secret_sealed && own.length === 1) {
    await recordSignInEvent(ctx, { event: 'passkey_removed', outcome: 'refused', ip: input.ip, accountId: input.accountId, detail: 'last factor' });
    return { ok: false, reason: 'last_factor' };
  }
  await ctx.db.deleteFrom('passkey').where('id', '=', input.passkeyId).where('account_id', '=', input.accountId).execute();
  await recordSignInEvent(ctx, { event: 'passkey_removed', outcome: 'success', ip: input.ip, accountId: input.accountId, detail: `credential ${input.passkeyId.slice(0, 12)}…` });
  return { ok: true };
}
