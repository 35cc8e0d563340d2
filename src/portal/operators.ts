/**
 * What the portal's operators need outside the web pages (`simpul portal`): the accounts and
 * their state, lifting a throttle after an identity check, re-issuing an activation code
 * through the activation channel, and the work waiting on agencies (applications whose step is
 * pending, running or failed; complaints not closed) with their deadlines.
 *
 * Operators see masked NIKs and names, never secrets; every change is a sign_in_event with
 * the operator named, like the citizen's own.
 */
import { parseNik, type MemberId } from '../core/ids.js';
import { unseal, type PortalContext } from './context.js';
import type { ActivationChannel } from './auth/activation-channel.js';
import { findAccountId, type LoginName } from './auth/accounts.js';
import { recordSignInEvent, throttleWait, type ThrottlePolicy } from './auth/sign-in.js';
import { issueActivationCode, type SignUpPolicy } from './auth/sign-up.js';
import { maskNik } from './permits/permits.js';
import type { AccountKind } from './storage/schema.js';

export const OPERATOR_IP = 'operator-cli';

export interface AccountOverview {
  id: string;
  kind: AccountKind;
  name: string;
  nikMasked: string | null;
  agency: string | null;
  activated: boolean;
  totp: boolean;
  passkeys: number;
  /** Seconds until the account may try again, when throttled after failed attempts. */
  lockedForSeconds: number;
  lastSignIn: string | null;
  createdAt: string;
}

export async function listAccounts(ctx: PortalContext, throttle: ThrottlePolicy, filter: { kind?: AccountKind; locked?: boolean; inactive?: boolean } = {}): Promise<AccountOverview[]> {
  let query = ctx.db.selectFrom('account').selectAll().orderBy('created_at').orderBy('id');
  if (filter.kind) query = query.where('kind', '=', filter.kind);
  if (filter.inactive) query = query.where('activated_at', 'is', null);
  const rows = await query.execute();
  const out: AccountOverview[] = [];
  for (const r of rows) {
    const passkeys = await ctx.db.selectFrom('passkey').select('id').where('account_id', '=', r.id).execute();
    const last = await ctx.db.selectFrom('sign_in_event').select('time').where('account_id', '=', r.id).where('outcome', '=', 'success')
      .where('event', 'in', ['totp', 'recovery_code', 'passkey', 'totp_enrolled']).orderBy('time', 'desc').limit(1).executeTakeFirst();
    const wait = await throttleWait(ctx, throttle, r.login_index, OPERATOR_IP);
    const nik = r.nik_sealed ? unseal(ctx, r.nik_sealed, `account:${r.id}:nik`) : null;
    out.push({
      id: r.id, kind: r.kind, name: unseal(ctx, r.name_sealed, `account:${r.id}:name`), nikMasked: nik ? maskNik(nik) : null, agency: r.agency,
      activated: r.activated_at !== null, totp: r.totp_secret_sealed !== null, passkeys: passkeys.length,
      lockedForSeconds: Math.ceil(wait / 1000), lastSignIn: last?.time.toISOString() ?? null, createdAt: r.created_at.toISOString(),
    });
  }
  return filter.locked ? out.filter((a) => a.lockedForSeconds > 0) : out;
}

/** A NIK (16 digits) names a citizen; anything else a staff user name. */
export function loginFromText(text: string): LoginName {
  return /^\d{16}$/.test(text) ? { kind: 'nik', nik: parseNik(text) } : { kind: 'staff', username: text };
}

async function accountFor(ctx: PortalContext, login: string): Promise<string> {
  const id = await findAccountId(ctx, loginFromText(login.trim()));
  if (!id) throw new Error(`Tidak ada akun untuk ${login} / No account for ${login}.`);
  return id;
}

/**
 * Lets an account try again at once after the operator has checked the person's identity:
 * failures before this point no longer count (the per-address limit stays).
 */
export async function unlockAccount(ctx: PortalContext, login: string, operator: string): Promise<{ accountId: string }> {
  const accountId = await accountFor(ctx, login);
  await recordSignInEvent(ctx, { event: 'unlocked', outcome: 'success', ip: OPERATOR_IP, accountId, detail: `by operator ${operator}` });
  return { accountId };
}

/** A new activation code for a self-registered account still awaiting it, through the channel. */
export async function reissueActivationCode(
  deps: { ctx: PortalContext; channel: ActivationChannel; policy: SignUpPolicy },
  nik: string,
  operator: string,
): Promise<{ accountId: string; expiresAt: Date }> {
  const accountId = await accountFor(deps.ctx, nik);
  const row = await deps.ctx.db.selectFrom('account').select('activated_at').where('id', '=', accountId).executeTakeFirstOrThrow();
  if (row.activated_at) throw new Error('Akun ini sudah aktif / This account is already active.');
  const expiresAt = await issueActivationCode(deps, accountId, 'reissue', OPERATOR_IP, operator);
  return { accountId, expiresAt };
}

export interface PendingApplication {
  id: string;
  kind: string;
  status: string;
  submittedAt: string | null;
  step: { code: string; agency: string; status: string; dueAt: string | null; overdue: boolean; attempts: number; errorCode: string | null } | null;
}

export interface PendingComplaint {
  trackingId: string;
  agency: string;
  category: string;
  status: string;
  createdAt: string;
  /** The next deadline: verification, follow-up, or automatic closing. */
  dueAt: string | null;
  overdue: boolean;
}

export async function pendingWork(ctx: PortalContext, filter: { agency?: MemberId } = {}): Promise<{ applications: PendingApplication[]; complaints: PendingComplaint[] }> {
  const now = ctx.now().getTime();
  const apps = await ctx.db.selectFrom('application').select(['id', 'kind', 'status', 'submitted_at'])
    .where('status', 'in', ['submitted', 'in_progress']).orderBy('submitted_at').execute();
  const applications: PendingApplication[] = [];
  for (const a of apps) {
    const step = await ctx.db.selectFrom('application_step').selectAll().where('application_id', '=', a.id).where('status', '!=', 'done').orderBy('seq').limit(1).executeTakeFirst();
    if (filter.agency && step?.agency !== filter.agency) continue;
    applications.push({
      id: a.id, kind: a.kind, status: a.status, submittedAt: a.submitted_at?.toISOString() ?? null,
      step: step ? {
        code: step.code, agency: step.agency, status: step.status, dueAt: step.due_at?.toISOString() ?? null,
        overdue: step.due_at !== null && step.due_at.getTime() < now, attempts: step.attempts, errorCode: step.error_code,
      } : null,
    });
  }
  let cq = ctx.db.selectFrom('complaint').select(['tracking_id', 'agency', 'category', 'status', 'created_at', 'verify_due', 'follow_up_due', 'close_due'])
    .where('status', '!=', 'closed').orderBy('created_at');
  if (filter.agency) cq = cq.where('agency', '=', filter.agency);
  const complaints = (await cq.execute()).map((c) => {
    const due = c.status === 'submitted' ? c.verify_due : c.status === 'verified' ? c.follow_up_due : c.close_due;
    return {
      trackingId: c.tracking_id, agency: c.agency, category: c.category, status: c.status, createdAt: c.created_at.toISOString(),
      dueAt: due?.toISOString() ?? null, overdue: due !== null && due.getTime() < now,
    };
  });
  return { applications, complaints };
}
