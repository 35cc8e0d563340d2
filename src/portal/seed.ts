/**
 * Demo accounts for the demo federation: citizens with a password and an enrolled TOTP
 * secret (printed so a newcomer can sign in with any authenticator app), and staff.
 */
import { randomBytes } from 'node:crypto';
import type { MemberId, Nik } from '../core/ids.js';
import { createAccount, findAccountId } from './auth/accounts.js';
import type { Portal } from './portal.js';

export interface DemoCitizen {
  nik: Nik;
  name: string;
  /** Enrol TOTP now (default) or leave enrolment to the first sign-in. */
  withTotp?: boolean;
}

export interface DemoCredentials {
  login: string;
  name: string;
  password: string;
  /** Base32 TOTP secret; null when enrolment happens at first sign-in. */
  totpSecret: string | null;
}

function demoPassword(): string {
  return `demo-${randomBytes(6).toString('base64url')}`;
}

/** Creates the accounts that do not exist yet; existing ones are left alone (their secrets are not known again). */
export async function seedDemoCitizens(portal: Portal, citizens: DemoCitizen[]): Promise<DemoCredentials[]> {
  const out: DemoCredentials[] = [];
  for (const c of citizens) {
    if (await findAccountId(portal.ctx, { kind: 'nik', nik: c.nik })) continue;
    const password = demoPassword();
    const { totpSecret } = await createAccount(portal.ctx, { kind: 'citizen', login: { kind: 'nik', nik: c.nik }, name: c.name, password, withTotp: c.withTotp ?? true });
    out.push({ login: c.nik, name: c.name, password, totpSecret });
  }
  return out;
}

export interface DemoStaff {
  username: string;
  name: string;
  role: 'officer' | 'agency_staff';
  agency?: MemberId;
}

export async function seedDemoStaff(portal: Portal, staff: DemoStaff[]): Promise<DemoCredentials[]> {
  const out: DemoCredentials[] = [];
  for (const s of staff) {
    if (await findAccountId(portal.ctx, { kind: 'staff', username: s.username })) continue;
    const password = demoPassword();
    const { totpSecret } = await createAccount(portal.ctx, { kind: s.role, login: { kind: 'staff', username: s.username }, name: s.name, password, withTotp: true, ...(s.agency ? { agency: s.agency } : {}) });
    out.push({ login: s.username, name: s.name, password, totpSecret });
  }
  return out;
}
