/**
 * The portal's housekeeping, on a timer that starts and stops with the portal: complaints
 * answered and left without a reply for 10 working days close by themselves (not only when a
 * back office page happens to open), and workflows interrupted by a restart are resumed or
 * marked retryable. One round at a time; a failing round is logged and the next one tries again.
 */
import type { ComplaintDesk } from './complaints/complaint-desk.js';
import type { Workflow } from './workflow/workflow.js';

export interface MaintenanceRound {
  closedComplaints: number;
  interruptedSteps: number;
  resumedWorkflows: number;
}

export class Maintenance {
  readonly #complaints: ComplaintDesk;
  readonly #workflow: Workflow;
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<MaintenanceRound> | undefined;
  rounds = 0;

  constructor(complaints: ComplaintDesk, workflow: Workflow, onError: (error: unknown) => void) {
    this.#complaints = complaints;
    this.#workflow = workflow;
    this.#onError = onError;
  }

  get running(): boolean {
    return this.#timer !== undefined;
  }

  start(intervalMs: number): void {
    if (this.#timer || intervalMs <= 0) return;
    this.#timer = setInterval(() => {
      if (this.#round) return;
      void this.runOnce().catch(this.#onError);
    }, intervalMs);
    // The timer alone does not keep the process alive.
    this.#timer.unref();
  }

  /** Stops the timer and waits for a round in progress. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#round?.catch(() => undefined);
  }

  runOnce(): Promise<MaintenanceRound> {
    this.#round ??= (async () => {
      try {
        const closedComplaints = await this.#complaints.closeStale();
        const { interrupted, resumed } = await this.#workflow.recover();
        this.rounds++;
        return { closedComplaints, interruptedSteps: interrupted, resumedWorkflows: resumed };
      } finally {
        this.#round = undefined;
      }
    })();
    return this.#round;
  }
}
