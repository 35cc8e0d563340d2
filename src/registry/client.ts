/**
 * A small client of the registry management API, used by the CLI (and usable by scripts):
 * problem+json answers become `RegistryApiError`s carrying the stable code.
 */
import type { SignedGlobalConfiguration } from './global-conf.js';

export class RegistryApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, detail: string) {
    super(detail);
    this.name = 'RegistryApiError';
    this.status = status;
    this.code = code;
  }
}

export class RegistryClient {
  readonly baseUrl: string;
  readonly #token: string | undefined;

  constructor(baseUrl: string, token?: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.#token = token;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(this.baseUrl + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), signal: AbortSignal.timeout(30_000) });
    } catch (error) {
      throw new RegistryApiError(0, 'provider.unreachable', `Cannot reach the registry at ${this.baseUrl}: ${(error as Error).message}`);
    }
    const text = await response.text();
    const data: unknown = text ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const problem = (data ?? {}) as { code?: string; detail?: string; title?: string };
      throw new RegistryApiError(response.status, problem.code ?? 'internal.error', problem.detail ?? problem.title ?? `HTTP ${response.status}`);
    }
    return data as T;
  }

  signIn(username: string, password: string): Promise<{ token: string; expiresAt: string; role: string; member: string | null }> {
    return this.request('POST', '/auth/token', { username, password });
  }

  globalConfiguration(): Promise<SignedGlobalConfiguration> {
    return this.request('GET', '/global-conf');
  }

  anchor(): Promise<{ instance: string; algorithm: 'Ed25519'; publicKey: string }> {
    return this.request('GET', '/global-conf/anchor');
  }
}
