/**
 * Passkeys (WebAuthn Level 3) through @simplewebauthn/server. A passkey with user
 * verification is a multi-factor cryptographic authenticator: AAL2 on its own (NIST SP
 * 800-63B §5.1.9) and phishing-resistant, since the browser binds it to the portal's origin.
 * Challenges live in auth_flow rows, single use, five minutes.
 */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { PortalContext } from '../context.js';
import type { Account } from './accounts.js';
import { createSession, newToken, tokenHash, type SessionLimits } from './sessions.js';
import { recordSignInEvent } from './sign-in.js';

export interface RelyingParty {
  /** The registrable domain, e.g. `portal.simpul.go.id` or `localhost` (an IP address cannot be an RP ID). */
  id: string;
  name: string;
  origin: string;
}

const CHALLENGE_LIFETIME_MS = 5 * 60_000;

async function storeChallenge(ctx: PortalContext, kind: 'passkey_register' | 'passkey_sign_in', accountId: string | null, challenge: string): Promise<string> {
  const token = newToken();
  const now = ctx.now();
  await ctx.db.insertInto('auth_flow').values({
    id_hash: tokenHash(token), kind, account_id: accountId, challenge, pending_secret_sealed: null,
    created_at: now, expires_at: new Date(now.getTime() + CHALLENGE_LIFETIME_MS),
  }).execute();
  return token;
}

/** Takes the challenge out (single use) when it exists, matches the kind and is fresh. */
async function takeChallenge(ctx: PortalContext, kind: 'passkey_register' | 'passkey_sign_in', token: string | undefined) {
  if (!token) return undefined;
  const row = await ctx.db.deleteFrom('auth_flow').where('id_hash', '=', tokenHash(token)).where('kind', '=', kind).returningAll().executeTakeFirst();
  if (!row || !row.challenge || row.expires_at.getTime() <= ctx.now().getTime()) return undefined;
  return row as typeof row & { challenge: string };
}

export async function passkeyRegistrationOptions(ctx: PortalContext, rp: RelyingParty, account: Account) {
  const existing = await ctx.db.selectFrom('passkey').select(['id', 'transports']).where('account_id', '=', account.id).execute();
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: account.nik ?? account.name,
    userDisplayName: account.name,
    userID: Buffer.from(account.id, 'utf8'),
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports ? p.transports.split(',') as never : [] })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
  return { options, flowToken: await storeChallenge(ctx, 'passkey_register', account.id, options.challenge) };
}

export async function registerPasskey(ctx: PortalContext, rp: RelyingParty, account: Account, flowToken: string | undefined, response: RegistrationResponseJSON, ip: string): Promise<boolean> {
  const flow = await takeChallenge(ctx, 'passkey_register', flowToken);
  if (!flow || flow.account_id !== account.id) return false;
  let verified;
  try {
    verified = await verifyRegistrationResponse({ response, expectedChallenge: flow.challenge, expectedOrigin: rp.origin, expectedRPID: rp.id, requireUserVerification: true });
  } catch {
    verified = { verified: false as const };
  }
  if (!verified.verified) {
    await recordSignInEvent(ctx, { event: 'passkey_registered', outcome: 'failure', ip, accountId: account.id });
    return false;
  }
  const { credential } = verified.registrationInfo;
  await ctx.db.insertInto('passkey').values({
    id: credential.id,
    account_id: account.id,
    public_key: Buffer.from(credential.publicKey).toString('base64url'),
    counter: credential.counter,
    transports: (credential.transports ?? []).join(','),
    created_at: ctx.now(),
    last_used_at: null,
  }).execute();
  await recordSignInEvent(ctx, { event: 'passkey_registered', outcome: 'success', ip, accountId: account.id });
  return true;
}

export async function passkeySignInOptions(ctx: PortalContext, rp: RelyingParty) {
  // Discoverable credentials: the browser offers the user's passkeys, no NIK typed first.
  const options = await generateAuthenticationOptions({ rpID: rp.id, userVerification: 'required' });
  return { options, flowToken: await storeChallenge(ctx, 'passkey_sign_in', null, options.challenge) };
}

export async function signInWithPasskey(
  ctx: PortalContext,
  rp: RelyingParty,
  limits: SessionLimits,
  flowToken: string | undefined,
  response: AuthenticationResponseJSON,
  ip: string,
): Promise<{ sessionToken: string; accountId: string } | undefined> {
  const flow = await takeChallenge(ctx, 'passkey_sign_in', flowToken);
  const stored = await ctx.db.selectFrom('passkey').selectAll().where('id', '=', String(response.id)).executeTakeFirst();
  if (!flow || !stored) {
    await recordSignInEvent(ctx, { event: 'passkey', outcome: 'failure', ip, accountId: stored?.account_id ?? null, detail: flow ? 'unknown credential' : 'no challenge' });
    return undefined;
  }
  let result;
  try {
    result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: flow.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
      credential: { id: stored.id, publicKey: Buffer.from(stored.public_key, 'base64url'), counter: stored.counter, transports: stored.transports ? stored.transports.split(',') as never : [] },
    });
  } catch {
    result = { verified: false as const };
  }
  if (!result.verified) {
    await recordSignInEvent(ctx, { event: 'passkey', outcome: 'failure', ip, accountId: stored.account_id });
    return undefined;
  }
  await ctx.db.updateTable('passkey').set({ counter: result.authenticationInfo.newCounter, last_used_at: ctx.now() }).where('id', '=', stored.id).execute();
  await recordSignInEvent(ctx, { event: 'passkey', outcome: 'success', ip, accountId: stored.account_id, detail: 'passkey' });
  return { sessionToken: await createSession(ctx, limits, { accountId: stored.account_id, method: 'passkey' }), accountId: stored.account_id };
}
