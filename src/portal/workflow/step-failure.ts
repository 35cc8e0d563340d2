/**
 * Why a workflow step did not succeed, in a form the timeline can show and the citizen can act
 * on: a stable code (a gateway or provider problem code, or one of the workflow's own checks)
 * and a detail for the record.
 */
import { SimpulError } from '../../core/errors.js';
import { GatewayCallError } from '../gateway-client.js';

export class StepFailure extends Error {
  constructor(readonly code: string, detail: string) {
    super(detail);
    this.name = 'StepFailure';
  }

  /** Maps what a step can throw to a failure; anything unexpected stays an error (a bug to log). */
  static from(error: unknown): StepFailure | undefined {
    if (error instanceof StepFailure) return error;
    if (error instanceof GatewayCallError) return new StepFailure(error.code ?? `http.${error.status}`, error.message);
    if (error instanceof SimpulError && (error.code.startsWith('consent.') || error.code.startsWith('provider.'))) return new StepFailure(error.code, error.message);
    return undefined;
  }
}
