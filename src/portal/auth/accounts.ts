/**
 * Citizen and staff accounts. A citizen signs in with their NIK; staff (service-counter
 * officers, agency back-office staff) with a user name. Both are found through a blind index;
 * the NIK and name are sealed.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { SimpulError } from '../../core/errors.js';
import { parseMemberId, type MemberId, type Nik } from '../../core/ids.js';
import { seal, unseal, type PortalContext } from '../context.js';
import { blindIndex } from '../keys.js';
import type { AccountKind } from '../storage/schema.js';
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './passwords.js';
import { newTotpSecret } from './totp.js';

export interface Account {
  id: string;
  kind: AccountKind;
  name: string;
  nik: Nik | null;
  agency: MemberId | null;
  totpEnrolled: boolean;
  /** False while a self-registered account awaits its activation code (ADR 0069). */
  activated: boolean;
}

export type LoginName = { kind: 'nik'; nik: Nik } | { kind: 'staff'; username: string };

export function loginIndex(ctx: PortalContext, login: LoginName): string {
  return login.kind === 'nik' ? blindIndex(ctx.keys, 'nik', login.nik) : blindIndex(ctx.keys, 'staff', login.username.toLowerCase());
}

export function checkPassword(password: string): void {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    throw new SimpulError('request.invalid', `A password has ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters.`);
  }
}

export interface NewAccount {
  kind: AccountKind;
  login: LoginName;
  name: string;
  password: string;
  agency?: MemberId;
  /** Enrol a TOTP secret at once (seeded demo accounts); otherwise enrolment happens at first sign-in. */
  withTotp?: boolean;
  /** Accounts made by operators are active at once; self-registration waits for its activation code. */
  activated?: boolean;
}

export async function createAccount(ctx: PortalContext, input: NewAccount): Promise<{ account: Account; totpSecret: string | null }> {
  checkPassword(input.password);
  if (input.kind === 'agency_staff' && !input.agency) throw new SimpulError('request.invalid', 'Agency staff belong to an agency.');
  if (input.agency) parseMemberId(input.agency);
  const id = randomUUID();
  const totpSecret = input.withTotp ? newTotpSecret() : null;
  const row = {
    id,
    kind: input.kind,
    login_index: loginIndex(ctx, input.login),
    nik_sealed: input.login.kind === 'nik' ? seal(ctx, input.login.nik, `account:${id}:nik`) : null,
    name_sealed: seal(ctx, input.name, `account:${id}:name`),
    agency: input.agency ?? null,
    password_hash: await hashPassword(input.password),
    totp_secret_sealed: totpSecret ? seal(ctx, totpSecret, `account:${id}:totp`) : null,
    totp_last_step: null,
    totp_enrolled_at: totpSecret ? ctx.now() : null,
    created_at: ctx.now(),
    activated_at: input.activated === false ? null : ctx.now(),
  };
  const inserted = await ctx.db.insertInto('account').values(row).onConflict((c) => c.column('login_index').doNothing()).returning('id').executeTakeFirst();
  if (!inserted) throw new SimpulError('request.conflict', 'An account with this sign-in name already exists.');
  return { account: await getAccount(ctx, id), totpSecret };
}

export async function getAccount(ctx: PortalContext, id: string): Promise<Account> {
  const row = await ctx.db.selectFrom('account').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new SimpulError('request.not_found', 'No such account.');
  return {
    id: row.id,
    kind: row.kind,
    name: unseal(ctx, row.name_sealed, `account:${id}:name`),
    nik: row.nik_sealed ? (unseal(ctx, row.nik_sealed, `account:${id}:nik`) as Nik) : null,
    agency: row.agency as MemberId | null,
    totpEnrolled: row.totp_secret_sealed !== null,
    activated: row.activated_at !== null,
  };
}

export async function findAccountId(ctx: PortalContext, login: LoginName): Promise<string | undefined> {
  const row = await ctx.db.selectFrom('account').select('id').where('login_index', '=', loginIndex(ctx, login)).executeTakeFirst();
  return row?.id;
}

// Recovery codes: 10 random codes of 10 base32 characters (50 bits), shown once, stored hashed.
// They are high-entropy secrets, so a keyed SHA-256 is enough (no slow hash needed).
const RECOVERY_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32: 32 symbols, no bias

export function recoveryCodeHash(ctx: PortalContext, code: string): string {
  return createHash('sha256').update(ctx.keys.index).update(code.replace(/[^a-z0-9]/gi, '').toLowerCase()).digest('hex');
}

export async function issueRecoveryCodes(ctx: PortalContext, accountId: string): Promise<string[]> {
  const codes = Array.from({ length: 10 }, () => {
    const bytes = randomBytes(10);
    const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b & 31]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('recovery_code').where('account_id', '=', accountId).execute();
    await trx.insertInto('recovery_code').values(codes.map((c) => ({ account_id: accountId, code_hash: recoveryCodeHash(ctx, c), used_at: null }))).execute();
  });
  return codes;
}
