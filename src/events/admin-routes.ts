/**
 * The operator's view of an agency's subscriptions over HTTP: position and lag, dead letters,
 * replay. `simpul events …` talks to it while the subscriber runs (an embedded database is
 * open in one process only).
 */
import { Type } from '@sinclair/typebox';
import { SimpulError } from '../core/errors.js';
import type { HttpApp } from '../core/http/app.js';
import type { Subscription } from './subscription.js';

export interface AdminSubscription {
  /** The subscribing agency or system, e.g. `BPS`. */
  owner: string;
  subscription: Subscription;
}

const Status = Type.Object({
  owner: Type.String(),
  name: Type.String(),
  service: Type.String(),
  running: Type.Boolean(),
  position: Type.Integer(),
  head: Type.Integer(),
  behind: Type.Integer(),
  lastEventTime: Type.Union([Type.String(), Type.Null()]),
  lastLagMs: Type.Union([Type.Number(), Type.Null()]),
  lastAppliedAt: Type.Union([Type.String(), Type.Null()]),
  lastPolledAt: Type.Union([Type.String(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  openDeadLetters: Type.Integer(),
});

export async function registerSubscriptionRoutes(app: HttpApp, subscriptions: readonly AdminSubscription[]): Promise<void> {
  const find = (owner: string, name?: string) => {
    const found = subscriptions.filter((s) => s.owner === owner && (name === undefined || s.subscription.name === name));
    if (found.length === 0) throw new SimpulError('request.not_found', `No subscription of ${owner}${name ? ` named ${name}` : ''} here; see GET /subscriptions.`);
    if (found.length > 1) throw new SimpulError('request.invalid', `${owner} has several subscriptions; name one with ?name=.`);
    return found[0]!.subscription;
  };
  const Owner = Type.Object({ owner: Type.String({ minLength: 1, maxLength: 64 }) });
  const Name = Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) });

  app.get('/subscriptions', {
    schema: { summary: 'Every subscription: position, publisher head, lag, last error, open dead letters', tags: ['events'], response: { 200: Type.Object({ subscriptions: Type.Array(Status) }) } },
  }, async () => ({
    subscriptions: await Promise.all(subscriptions.map(async (s) => ({ owner: s.owner, running: s.subscription.running, ...(await s.subscription.status()) }))),
  }));

  app.get('/subscriptions/:owner/dead-letters', {
    schema: {
      summary: 'Dead letters of a subscription: events that kept failing, and those held behind them',
      tags: ['events'],
      params: Owner,
      querystring: Type.Object({ name: Type.Optional(Type.String()), all: Type.Optional(Type.Boolean({ description: 'Include dead letters already replayed' })) }),
    },
  }, async (request) => ({ deadLetters: await find(request.params.owner, request.query.name).deadLetters({ includeReplayed: request.query.all ?? false }) }));

  app.post('/subscriptions/:owner/replay', {
    schema: {
      summary: 'Read again from a position; applied events are skipped by id unless reapply forgets them',
      tags: ['events'],
      params: Owner,
      querystring: Name,
      body: Type.Object({ from: Type.Integer({ minimum: 1 }), reapply: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    },
  }, async (request) => find(request.params.owner, request.query.name).replay(request.body.from, { reapply: request.body.reapply ?? false }));
}
