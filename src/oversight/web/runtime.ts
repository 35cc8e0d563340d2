/**
 * What the route modules share: oversight's services and per-request language.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Directory } from '../directory.js';
import type { MonitoredGateway } from '../log-monitor.js';
import type { QualitySource } from '../quality.js';
import type { OversightTables } from '../schema.js';
import type { ServiceTimesSource } from '../service-times.js';
import type { ExchangeStatistics } from '../statistics.js';
import { translator, type Lang } from './html.js';

export const LANG_COOKIE = 'oversight_lang';

export interface OversightRuntime {
  db: Kysely<OversightTables>;
  statistics: ExchangeStatistics;
  directory: Directory;
  quality: QualitySource;
  serviceTimes: ServiceTimesSource;
  gateways: () => MonitoredGateway[];
  /** Counts below this are withheld from every public figure. */
  threshold: number;
  /** Days the public page and exports cover. */
  publicDays: number;
  now: () => number;
  publicUrl: () => string;
}

export function langOf(req: FastifyRequest): Lang {
  return req.cookies[LANG_COOKIE] === 'en' ? 'en' : 'id';
}

export function tOf(req: FastifyRequest) {
  return translator(langOf(req));
}

export function sendPage(reply: FastifyReply, body: string, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
}

/** A local path to go back to; anything else becomes the fallback. */
export function safeNext(next: unknown, fallback = '/'): string {
  return typeof next === 'string' && /^\/(?!\/)[^\s\\]*$/.test(next) ? next : fallback;
}
