/**
 * Who may use the console. Roles live in the registry (registry-admin, agency-admin of one
 * member, auditor): the console signs people in against the registry's `/auth/token` and
 * resolves tokens with `/me`, so one account and one role apply to both, and changes made
 * through the console are made with the person's own token and land in the registry's audit.
 */
import { RegistryClient } from '../registry/client.js';

export type ConsoleRole = 'registry-admin' | 'agency-admin' | 'auditor';

export interface ConsolePrincipal {
  username: string;
  role: ConsoleRole;
  /** The member an agency administrator manages; null for the other roles. */
  member: string | null;
}

/** The registry's management API, called with the signed-in person's own token. */
export interface RegistryApi {
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
}

export interface ConsoleAuth {
  signIn(username: string, password: string): Promise<{ token: string; principal: ConsolePrincipal } | undefined>;
  resolve(token: string): Promise<ConsolePrincipal | undefined>;
  signOut(token: string): Promise<void>;
  registry(token: string): RegistryApi;
}

export function registryAuth(registryUrl: string): ConsoleAuth {
  return {
    async signIn(username, password) {
      try {
        const issued = await new RegistryClient(registryUrl).signIn(username, password);
        return { token: issued.token, principal: { username, role: issued.role as ConsoleRole, member: issued.member } };
      } catch {
        return undefined;
      }
    },
    async resolve(token) {
      try {
        const me = await new RegistryClient(registryUrl, token).request<{ username: string; role: ConsoleRole; member: string | null }>('GET', '/me');
        return { username: me.username, role: me.role, member: me.member };
      } catch {
        return undefined;
      }
    },
    async signOut(token) {
      await new RegistryClient(registryUrl, token).request('DELETE', '/auth/token').catch(() => undefined);
    },
    registry: (token) => new RegistryClient(registryUrl, token),
  };
}

/** Whether the principal may act on (not only read) something concerning `member`. */
export function mayAct(p: ConsolePrincipal, member: string | null): boolean {
  if (p.role === 'registry-admin') return true;
  if (p.role === 'agency-admin') return member !== null && p.member === member;
  return false;
}

/** Whether the principal may see something concerning `member`. */
export function maySee(p: ConsolePrincipal, member: string | null): boolean {
  return p.role !== 'agency-admin' || (member !== null && p.member === member);
}
