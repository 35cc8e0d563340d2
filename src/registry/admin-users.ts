/**
 * People who manage the registry, their roles, and their bearer tokens.
 *
 * Passwords are hashed with Argon2id (the library's default: m=19 MiB, t=2, p=1, OWASP's
 * recommended minimum). Tokens are opaque random strings; only their SHA-256 is stored,
 * and they expire.
 */
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { SimpulError } from '../core/errors.js';
import { parseMemberId, type MemberId } from '../core/ids.js';
import type { RegistryTables } from './schema.js';

export const ROLES = ['registry-admin', 'agency-admin', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** Who is acting, as resolved from a bearer token. */
export interface Principal {
  username: string;
  role: Role;
  /** The member an agency-admin manages; null for the other roles. */
  member: MemberId | null;
}

export interface NewAdminUser {
  username: string;
  role: Role;
  member?: string | null;
  /** Chosen password (at least 12 characters); one is generated when absent. */
  password?: string;
}

export interface IssuedToken {
  token: string;
  expiresAt: string;
  principal: Principal;
}

const USERNAME = /^[a-z0-9][a-z0-9._@-]{1,63}$/;
const MIN_PASSWORD = 12;

export function parseRole(text: string): Role {
  if (!(ROLES as readonly string[]).includes(text)) throw new SimpulError('request.invalid', `Unknown role ${JSON.stringify(text)}; one of ${ROLES.join(', ')}.`);
  return text as Role;
}

export function parseUsername(text: string): string {
  if (!USERNAME.test(text)) throw new SimpulError('request.invalid', 'A username has 2-64 lower-case letters, digits, ".", "_", "@" or "-".');
  return text;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

// Verified when the username is unknown, so that a wrong username costs as long as a wrong password.
let decoyHash: Promise<string> | undefined;

export class AdminUsers {
  readonly #db: Kysely<RegistryTables>;
  readonly #tokenTtlMs: number;
  readonly #now: () => number;

  constructor(db: Kysely<RegistryTables>, opts: { tokenTtlSeconds: number; now: () => number }) {
    this.#db = db;
    this.#tokenTtlMs = opts.tokenTtlSeconds * 1000;
    this.#now = opts.now;
  }

  /** Inserts a user inside the caller's transaction; returns the password to hand over once. */
  async insert(trx: Transaction<RegistryTables>, input: NewAdminUser): Promise<{ principal: Principal; password: string }> {
    const username = parseUsername(input.username);
    const role = parseRole(input.role);
    const member = input.member ? parseMemberId(input.member) : null;
    if ((role === 'agency-admin') !== (member !== null)) {
      throw new SimpulError('request.invalid', role === 'agency-admin' ? 'An agency-admin manages exactly one member: give it.' : `A ${role} is not tied to a member.`);
    }
    const password = input.password ?? generatePassword();
    if (password.length < MIN_PASSWORD) throw new SimpulError('request.invalid', `A password has at least ${MIN_PASSWORD} characters.`);
    if (member && !(await trx.selectFrom('member').select('id').where('id', '=', member).executeTakeFirst())) {
      throw new SimpulError('request.not_found', `No member ${member}.`);
    }
    if (await trx.selectFrom('admin_user').select('username').where('username', '=', username).executeTakeFirst()) {
      throw new SimpulError('request.conflict', `User ${username} already exists.`);
    }
    await trx.insertInto('admin_user').values({ username, password_hash: await argon2Hash(password), role, member, created_at: new Date(this.#now()) }).execute();
    return { principal: { username, role, member }, password };
  }

  async count(): Promise<number> {
    const row = await this.#db.selectFrom('admin_user').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async list(): Promise<Array<Principal & { createdAt: string }>> {
    const rows = await this.#db.selectFrom('admin_user').selectAll().where('disabled_at', 'is', null).orderBy('username').execute();
    return rows.map((r) => ({ username: r.username, role: r.role, member: r.member as MemberId | null, createdAt: new Date(r.created_at).toISOString() }));
  }

  /** Checks the password and issues a bearer token; any failure is the same `auth.unauthenticated`. */
  async signIn(username: string, password: string): Promise<IssuedToken> {
    const user = await this.#db.selectFrom('admin_user').selectAll().where('username', '=', username).where('disabled_at', 'is', null).executeTakeFirst();
    const ok = user
      ? await argon2Verify(user.password_hash, password)
      : (await argon2Verify(await (decoyHash ??= argon2Hash(generatePassword())), password), false);
    if (!user || !ok) throw new SimpulError('auth.unauthenticated', 'Unknown username or wrong password.');
    const token = `spl_${randomBytes(32).toString('base64url')}`;
    const expiresAt = new Date(this.#now() + this.#tokenTtlMs);
    await this.#db.insertInto('api_token').values({ token_hash: hashToken(token), username: user.username, created_at: new Date(this.#now()), expires_at: expiresAt }).execute();
    // Expired tokens are useless; clearing them here keeps the table small without a sweeper.
    await this.#db.deleteFrom('api_token').where('expires_at', '<', new Date(this.#now())).execute();
    return { token, expiresAt: expiresAt.toISOString(), principal: { username: user.username, role: user.role, member: user.member as MemberId | null } };
  }

  /** The principal a bearer token stands for, or undefined when it is unknown or expired. */
  async principal(token: string): Promise<Principal | undefined> {
    const row = await this.#db.selectFrom('api_token')
      .innerJoin('admin_user', 'admin_user.username', 'api_token.username')
      .select(['admin_user.username', 'admin_user.role', 'admin_user.member', 'api_token.expires_at'])
      .where('api_token.token_hash', '=', hashToken(token))
      .where('admin_user.disabled_at', 'is', null)
      .executeTakeFirst();
    if (!row || new Date(row.expires_at).getTime() <= this.#now()) return undefined;
    return { username: row.username, role: row.role, member: row.member as MemberId | null };
  }

  async signOut(token: string): Promise<void> {
    await this.#db.deleteFrom('api_token').where('token_hash', '=', hashToken(token)).execute();
  }
}
