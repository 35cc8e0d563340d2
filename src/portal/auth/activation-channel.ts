/**
 * How an activation code reaches the citizen: through a channel other than the browser that
 * asked for it (ADR 0069). A real deployment delivers by SMS to the number registered to the
 * NIK, by letter to the registered address, or at a service counter. The demo's channel is a
 * FILE OUTBOX: a stand-in for SMS that appends each message to a JSON-lines file the operator
 * (and the tests) can read. It holds live codes: the file is created readable by its owner only.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ActivationMessage {
  /** The account the code activates. */
  accountId: string;
  /** Who the message is for: a real channel looks up the phone number or address by NIK. */
  nik: string;
  name: string;
  code: string;
  expiresAt: string;
  /** A first code at sign-up, or one re-issued by an operator. */
  reason: 'sign_up' | 'reissue';
  /** The text as the citizen would receive it. */
  text: string;
  sentAt: string;
}

export interface ActivationChannel {
  /** A short description for operators and the demo printout (never the codes). */
  readonly description: string;
  deliver(message: ActivationMessage): Promise<void>;
}

/** DEMO STAND-IN for SMS/email: one JSON line per message, newest last. */
export class FileOutbox implements ActivationChannel {
  readonly description: string;

  constructor(readonly path: string) {
    this.description = `demo outbox (stand-in for SMS): ${path}`;
  }

  async deliver(message: ActivationMessage): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true });
    appendFileSync(this.path, `${JSON.stringify(message)}\n`, { mode: 0o600 });
  }

  /** Every message so far, oldest first. */
  read(): ActivationMessage[] {
    if (!existsSync(this.path)) return [];
    return readFileSync(this.path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as ActivationMessage);
  }

  /** The newest message for a NIK, as a citizen's phone would show it. */
  latestFor(nik: string): ActivationMessage | undefined {
    return this.read().filter((m) => m.nik === nik).at(-1);
  }
}

/** When no channel is configured: sign-up is refused rather than leaving codes nowhere. */
export const noActivationChannel: ActivationChannel = {
  description: 'none (sign-up closed)',
  async deliver() {
    throw new Error('No activation channel is configured');
  },
};
