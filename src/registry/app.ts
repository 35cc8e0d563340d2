/**
 * The registry's HTTP API: authenticated management routes for operators and agencies, and the
 * public routes gateways use to fetch the signed global configuration and its trust anchor.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { b64 } from '../core/crypto.js';
import { SimpulError } from '../core/errors.js';
import { memberOf, parseServiceId, parseSubsystemId, type MemberId } from '../core/ids.js';
import { createHttpApp, type HttpApp } from '../core/http/app.js';
import { registerModelRoutes } from '../core/model/model-routes.js';
import type { Principal } from './admin-users.js';
import * as S from './api-schemas.js';
import { parseGatewayId, type Registry } from './registry.js';

export interface RegistryAppOptions {
  logLevel?: string;
  /** Shown in the OpenAPI document. */
  version?: string;
  /** Where JSON log lines go (default stdout): authorization decisions are among them. */
  logStream?: { write(line: string): void };
}

/** What a principal may do; reads are open to every signed-in role. */
type Action =
  | 'read' | 'audit.read' | 'user.read' | 'user.add' | 'member.add' | 'subsystem.add' | 'service.add' | 'service.update'
  | 'gateway.register' | 'gateway.revoke' | 'right.grant' | 'right.revoke';

// What an agency-admin may do, always limited to its own member.
const AGENCY_ACTIONS = new Set<Action>(['subsystem.add', 'service.add', 'service.update', 'gateway.register', 'gateway.revoke', 'right.grant', 'right.revoke']);
const AUDITOR_ACTIONS = new Set<Action>(['read', 'audit.read', 'user.read']);

/** The authorization rule, in one place so that it can be read, tested and audited. */
export function isAllowed(principal: Principal, action: Action, owner?: MemberId): boolean {
  switch (principal.role) {
    case 'registry-admin':
      return true;
    case 'auditor':
      return AUDITOR_ACTIONS.has(action);
    case 'agency-admin':
      if (action === 'read') return true;
      return AGENCY_ACTIONS.has(action) && owner !== undefined && owner === principal.member;
  }
}

const secured = { security: [{ bearer: [] }] };
const errors = { 400: S.Problem, 401: S.Problem, 403: S.Problem, 404: S.Problem, 409: S.Problem };

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/**
 * Builds the registry API on the shared HTTP base (OpenAPI at `/openapi.json`, problem+json).
 *
 * @example
 *   const app = await buildRegistryApp(registry);
 *   const url = await listen(app, 8080);
 */
export async function buildRegistryApp(registry: Registry, opts: RegistryAppOptions = {}): Promise<HttpApp> {
  const app = await createHttpApp({
    title: 'Simpul registry',
    description: 'Members, subsystems, services, gateways and access rights of a Simpul instance, and its signed global configuration. / Registri anggota, subsistem, layanan, gateway dan hak akses, serta konfigurasi global bertanda tangan.',
    ...(opts.version ? { version: opts.version } : {}),
    ...(opts.logLevel ? { logLevel: opts.logLevel } : {}),
    ...(opts.logStream ? { fastify: { logger: { level: opts.logLevel ?? 'info', stream: opts.logStream, base: { component: 'Simpul registry' } } } } : {}),
  });

  async function authenticate(request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization;
    const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const principal = token ? await registry.users.principal(token) : undefined;
    if (!principal) {
      request.log.info({ actor: null, action: 'authenticate', allowed: false, route: request.routeOptions.url }, 'authorization');
      throw new SimpulError('auth.unauthenticated', token ? 'The token is unknown or has expired; sign in again (POST /auth/token).' : 'Send Authorization: Bearer <token> (POST /auth/token to get one).');
    }
    return principal;
  }

  /** Authenticates, decides, and logs the decision either way. */
  async function authorize(request: FastifyRequest, action: Action, target?: string, owner?: MemberId): Promise<Principal> {
    const principal = await authenticate(request);
    const allowed = isAllowed(principal, action, owner);
    request.log.info({ actor: principal.username, role: principal.role, member: principal.member, action, target, owner, allowed }, 'authorization');
    if (!allowed) {
      const why = principal.role === 'agency-admin' && owner !== undefined && AGENCY_ACTIONS.has(action)
        ? `You manage ${principal.member}; ${target ?? 'this'} belongs to ${owner}.`
        : `The ${principal.role} role may not ${action}.`;
      throw new SimpulError('auth.forbidden', why);
    }
    return principal;
  }

  app.addHook('onSend', async (_request, reply: FastifyReply, payload) => {
    if (reply.statusCode === 401) void reply.header('www-authenticate', 'Bearer realm="simpul-registry"');
    return payload;
  });

  // --- sign-in ---------------------------------------------------------------------------------

  app.post('/auth/token', {
    schema: { tags: ['auth'], summary: 'Sign in: username and password for a bearer token', body: S.TokenRequest, response: { 200: S.TokenResponse, 400: S.Problem, 401: S.Problem } },
  }, async (request) => {
    try {
      const issued = await registry.users.signIn(request.body.username, request.body.password);
      request.log.info({ actor: issued.principal.username, action: 'sign-in', allowed: true }, 'authorization');
      return { token: issued.token, tokenType: 'Bearer' as const, expiresAt: issued.expiresAt, ...issued.principal };
    } catch (error) {
      request.log.info({ actor: request.body.username, action: 'sign-in', allowed: false }, 'authorization');
      throw error;
    }
  });

  app.delete('/auth/token', { schema: { tags: ['auth'], summary: 'Sign out: revoke this bearer token', ...secured, response: { 204: Type.Null(), 401: S.Problem } } }, async (request, reply) => {
    await authenticate(request);
    await registry.users.signOut(request.headers.authorization!.replace(/^Bearer\s+/i, ''));
    return reply.code(204).send(null);
  });

  app.get('/me', { schema: { tags: ['auth'], summary: 'Who the token belongs to', ...secured, response: { 200: S.Principal, 401: S.Problem } } }, async (request) => authenticate(request));

  // --- users -----------------------------------------------------------------------------------

  app.get('/users', { schema: { tags: ['users'], summary: 'List management users', ...secured, response: { 200: Type.Array(S.User), ...errors } } }, async (request) => {
    await authorize(request, 'user.read');
    return registry.users.list();
  });

  app.post('/users', { schema: { tags: ['users'], summary: 'Add a management user; the password is shown once', ...secured, body: S.NewUser, response: { 201: S.CreatedUser, ...errors } } }, async (request, reply) => {
    const actor = await authorize(request, 'user.add', `user:${request.body.username}`);
    const { principal, password } = await registry.addAdminUser(actor.username, request.body);
    return reply.code(201).send({ ...principal, password });
  });

  // --- members and subsystems ------------------------------------------------------------------

  app.get('/members', { schema: { tags: ['members'], summary: 'List members (agencies)', ...secured, response: { 200: Type.Array(S.Member), ...errors } } }, async (request) => {
    await authorize(request, 'read');
    return registry.listMembers();
  });

  app.post('/members', { schema: { tags: ['members'], summary: 'Add a member (registry-admin)', ...secured, body: S.NewMember, response: { 201: S.Member, ...errors } } }, async (request, reply) => {
    const actor = await authorize(request, 'member.add', request.body.id);
    return reply.code(201).send(await registry.addMember(actor.username, request.body));
  });

  app.get('/subsystems', { schema: { tags: ['members'], summary: 'List subsystems, optionally of one member', ...secured, querystring: S.MemberQuery, response: { 200: Type.Array(S.Subsystem), ...errors } } }, async (request) => {
    await authorize(request, 'read');
    return registry.listSubsystems(request.query.member);
  });

  app.post('/subsystems', { schema: { tags: ['members'], summary: 'Add a subsystem (information system) to a member', ...secured, body: S.NewSubsystem, response: { 201: S.Subsystem, ...errors } } }, async (request, reply) => {
    const id = parseSubsystemId(request.body.id);
    const actor = await authorize(request, 'subsystem.add', id, memberOf(id));
    return reply.code(201).send(await registry.addSubsystem(actor.username, { id }));
  });

  // --- services --------------------------------------------------------------------------------

  app.get('/services', { schema: { tags: ['services'], summary: 'List services, optionally of one member', ...secured, querystring: S.MemberQuery, response: { 200: Type.Array(S.Service), ...errors } } }, async (request) => {
    await authorize(request, 'read');
    return registry.listServices(request.query.member);
  });

  app.post('/services', { schema: { tags: ['services'], summary: 'Add a service with its OpenAPI description', ...secured, body: S.NewService, response: { 201: S.Service, ...errors } } }, async (request, reply) => {
    const id = parseServiceId(request.body.id);
    const actor = await authorize(request, 'service.add', id, memberOf(id));
    return reply.code(201).send(await registry.addService(actor.username, request.body));
  });

  app.patch('/services/:id', { schema: { tags: ['services'], summary: 'Enable or disable a service', ...secured, params: S.IdParam, body: S.ServicePatch, response: { 200: S.Service, ...errors } } }, async (request) => {
    const id = parseServiceId(request.params.id);
    const actor = await authorize(request, 'service.update', id, memberOf(id));
    return registry.setServiceEnabled(actor.username, id, request.body.enabled);
  });

  // --- gateways --------------------------------------------------------------------------------

  app.get('/gateways', { schema: { tags: ['gateways'], summary: 'List gateways, optionally of one member', ...secured, querystring: S.MemberQuery, response: { 200: Type.Array(S.Gateway), ...errors } } }, async (request) => {
    await authorize(request, 'read');
    return registry.listGateways(request.query.member);
  });

  app.post('/gateways', {
    schema: { tags: ['gateways'], summary: 'Register a gateway: its address, signing key and TLS CSR; returns the issued certificate', ...secured, body: S.NewGateway, response: { 201: S.RegisteredGateway, ...errors } },
  }, async (request, reply) => {
    const { id, member } = parseGatewayId(request.body.id);
    const actor = await authorize(request, 'gateway.register', id, member);
    const { csr, ...rest } = request.body;
    return reply.code(201).send(await registry.registerGateway(actor.username, { ...rest, tlsCsr: csr }));
  });

  app.post('/gateways/:id/revoke', { schema: { tags: ['gateways'], summary: 'Revoke a gateway: other gateways stop trusting it at the next configuration', ...secured, params: S.IdParam, response: { 200: S.Gateway, ...errors } } }, async (request) => {
    const { id, member } = parseGatewayId(request.params.id);
    const actor = await authorize(request, 'gateway.revoke', id, member);
    return registry.revokeGateway(actor.username, id);
  });

  // --- access rights ---------------------------------------------------------------------------

  app.get('/access-rights', { schema: { tags: ['access rights'], summary: 'List access rights with purpose and legal basis', ...secured, querystring: S.RightQuery, response: { 200: Type.Array(S.AccessRight), ...errors } } }, async (request) => {
    await authorize(request, 'read');
    return registry.listRights(request.query);
  });

  app.post('/access-rights', { schema: { tags: ['access rights'], summary: 'Grant a client subsystem access to a service for a purpose under a legal basis (by the provider)', ...secured, body: S.NewAccessRight, response: { 201: S.AccessRight, ...errors } } }, async (request, reply) => {
    const service = parseServiceId(request.body.service);
    const actor = await authorize(request, 'right.grant', service, memberOf(service));
    return reply.code(201).send(await registry.grantRight(actor.username, request.body));
  });

  app.post('/access-rights/:id/revoke', { schema: { tags: ['access rights'], summary: 'Revoke an access right (by the provider)', ...secured, params: S.IdParam, response: { 200: S.AccessRight, ...errors } } }, async (request) => {
    const principal = await authenticate(request);
    // The owner is the provider of the right's service; an unknown id is 404 only to those who could revoke it.
    const right = await registry.getRight(request.params.id).catch((error: unknown) => {
      if (principal.role === 'registry-admin') throw error;
      return undefined;
    });
    const actor = await authorize(request, 'right.revoke', request.params.id, right ? memberOf(right.service) : undefined);
    return registry.revokeRight(actor.username, request.params.id);
  });

  // --- audit trail -----------------------------------------------------------------------------

  app.get('/audit', { schema: { tags: ['audit'], summary: 'The audit trail of every change, newest first', ...secured, querystring: S.AuditQuery, response: { 200: Type.Array(S.AuditEvent), ...errors } } }, async (request) => {
    await authorize(request, 'audit.read');
    return registry.auditTrail(request.query);
  });

  // --- public: the global configuration --------------------------------------------------------

  app.get('/global-conf', {
    schema: {
      tags: ['global configuration'],
      summary: 'The signed global configuration; ETag is its version, If-None-Match gives 304',
      headers: Type.Object({ 'if-none-match': Type.Optional(Type.String()) }),
      response: { 200: S.SignedConfiguration, 304: Type.Null() },
    },
  }, async (request, reply) => {
    const published = await registry.publishedConfiguration();
    const etag = `"${published.version}"`;
    void reply.header('etag', etag).header('cache-control', 'no-cache').header('simpul-config-version', String(published.version)).header('simpul-config-expires', published.expiresAt);
    if (etagMatches(request.headers['if-none-match'], etag)) return reply.code(304).send(null);
    return published.signed;
  });

  app.get('/global-conf/anchor', {
    schema: { tags: ['global configuration'], summary: 'The registry public key that signs the configuration (compare it out of band before trusting it)', response: { 200: S.Anchor } },
  }, async () => ({ instance: registry.instance, algorithm: 'Ed25519' as const, publicKey: b64.encode(registry.publicKey) }));

  // The common data model the services' `dataModel` ids name, public like the configuration (ADR 0040).
  registerModelRoutes(app);

  return app;
}
