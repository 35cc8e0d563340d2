/**
 * Keeps a backend's status for its operator: the state, since when, and the last problem the
 * legacy system caused. Requests update it as they go, so the status says what consumers see.
 */
import { SimpulError } from '../core/errors.js';
import type { BackendStatus } from './backend.js';

// Failures that say something about the legacy system, not about one consumer's request.
const SYSTEM_FAILURES: Partial<Record<string, BackendStatus['state']>> = {
  'provider.unreachable': 'unavailable',
  'provider.timeout': 'degraded',
  'provider.error': 'degraded',
  'adapter.soap_fault': 'degraded',
  'adapter.malformed_upstream': 'degraded',
  'adapter.upstream_too_large': 'degraded',
  'adapter.mapping_failed': 'degraded',
};

export class StatusTracker {
  #status: BackendStatus;

  constructor(state: BackendStatus['state'], message: string) {
    this.#status = { state, message, since: new Date().toISOString() };
  }

  get(): BackendStatus {
    return this.#status;
  }

  set(state: BackendStatus['state'], message: string, details?: Record<string, unknown>): void {
    const since = this.#status.state === state ? this.#status.since : new Date().toISOString();
    this.#status = { state, message, since, ...(details ? { details } : {}) };
  }

  /** A request was answered: the system works again, whatever happened before. */
  succeeded(message = 'The last request was answered.'): void {
    if (this.#status.state !== 'ok') this.set('ok', message);
  }

  /** A request failed; records it when the failure is the legacy system's. Returns the error. */
  failed(error: unknown): unknown {
    if (error instanceof SimpulError) {
      const state = SYSTEM_FAILURES[error.code];
      if (state) this.set(state, `Last failure: ${error.code}: ${error.message}`, { code: error.code, at: new Date().toISOString() });
    }
    return error;
  }
}
