/**
 * A running gateway: the consumer endpoint for the agency's own systems (HTTP, /r1/…), and
 * the peer endpoint for other gateways (HTTP/2 over mutual TLS with instance certificates).
 */
import http2, { type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Kysely } from 'kysely';
import type { Backend } from '../adapters/backend.js';
import { problem } from '../core/errors.js';
import type { ServiceId, SubsystemId } from '../core/ids.js';
import { createHttpApp, listen, type HttpApp } from '../core/http/app.js';
import type { Database } from '../core/storage/database.js';
import { BatchSigner, BatchVerifier } from './batch-signer.js';
import { CHANNEL_PATH } from './channel-frames.js';
import { serveChannel, type ServedChannel } from './channel-server.js';
import type { ConfigurationSource } from './configuration.js';
import { consume } from './consumer.js';
import { GatewayLog, type GatewayLogOptions } from './exchange-log.js';
import { LocalClients, ReplayGuard, type GatewayContext, type GatewayIdentity } from './context.js';
import { PeerClient } from './peer-client.js';
import type { ModelCheckMode } from './model-check.js';
import { provide } from './provider.js';
import { GatewayStore, type GatewayTables } from './store.js';
import { SubjectExchangesBackend } from './subject-exchanges.js';

export interface GatewayOptions {
  identity: GatewayIdentity;
  database: Database<GatewayTables>;
  configuration: ConfigurationSource;
  /** The agency systems behind this gateway, by service. */
  backends?: Map<string, Backend>;
  /**
   * How answers are checked against the data model their service declares, by service id;
   * services not listed are checked in `reject` mode (src/gateway/model-check.ts).
   */
  modelChecks?: Map<string, ModelCheckMode> | Record<string, ModelCheckMode>;
  consumer: { port: number; host?: string };
  peer: { port: number; host?: string };
  clockSkewMs?: number;
  maxBodyBytes?: number;
  logLevel?: string;
  /** How often the local systems' tokens are re-read from the database (`simpul gateway client-token` writes there). Default 5 s. */
  credentialRefreshMs?: number;
  /** The verifiable exchange log; without it records are kept but not logged in a Merkle tree. */
  log?: GatewayLogOptions & {
    /** Leave checkpointing to `log.start()`: a federation starting several gateways starts
     * their checkpointers once every witness is listening. */
    deferStart?: boolean;
  };
  /**
   * Carry exchanges with other gateways on one framed stream per peer (ADR 0006), both when
   * sending and when receiving. Default on; off, every exchange takes an HTTP/2 stream of its own.
   */
  peerChannel?: boolean;
  /** Serve this service from the gateway's own records: the exchanges about a subject (ADR 0068). */
  subjectExchanges?: { service: ServiceId };
}

const EXCHANGE_METHODS = ['DELETE', 'GET', 'PATCH', 'POST', 'PUT'] as const;

export class Gateway {
  readonly identity: GatewayIdentity;
  readonly store: GatewayStore;
  readonly context: GatewayContext;
  readonly app: HttpApp;
  readonly consumerUrl: string;
  readonly peerUrl: string;
  readonly log: GatewayLog | undefined;
  readonly #peerServer: http2.Http2SecureServer;
  readonly #channels: Set<ServedChannel>;
  readonly #sessions: Set<http2.ServerHttp2Session>;
  readonly #backends: Map<string, Backend>;
  readonly #credentialRefresh: NodeJS.Timeout;
  // Bumped by issueClientToken, so a re-read that started before it cannot undo it.
  #credentialVersion = 0;
  #backgroundStopped: Promise<void> | undefined;
  #serversClosed: Promise<void> | undefined;

  private constructor(fields: { identity: GatewayIdentity; store: GatewayStore; context: GatewayContext; app: HttpApp; consumerUrl: string; peerUrl: string; peerServer: http2.Http2SecureServer; channels: Set<ServedChannel>; sessions: Set<http2.ServerHttp2Session>; backends: Map<string, Backend>; log: GatewayLog | undefined; credentialRefreshMs: number }) {
    this.identity = fields.identity;
    this.store = fields.store;
    this.context = fields.context;
    this.app = fields.app;
    this.consumerUrl = fields.consumerUrl;
    this.peerUrl = fields.peerUrl;
    this.#peerServer = fields.peerServer;
    this.#channels = fields.channels;
    this.#sessions = fields.sessions;
    this.#backends = fields.backends;
    this.log = fields.log;
    this.#credentialRefresh = setInterval(() => {
      const version = this.#credentialVersion;
      this.store.clientCredentials().then(
        (credentials) => {
          if (version === this.#credentialVersion) this.context.clients.replaceAll(credentials);
        },
        (error: unknown) => this.app.log.warn({ err: error }, 'could not re-read client credentials'),
      );
    }, fields.credentialRefreshMs);
    this.#credentialRefresh.unref();
  }

  static async start(options: GatewayOptions): Promise<Gateway> {
    const store = await GatewayStore.open(options.database);
    const view = options.configuration.current();
    const clockSkewMs = options.clockSkewMs ?? 60_000;
    const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
    const backends = new Map<string, Backend>(options.backends ?? []);
    if (options.subjectExchanges) backends.set(options.subjectExchanges.service, new SubjectExchangesBackend(store, options.identity, options.subjectExchanges.service));
    const modelChecks = new Map<string, ModelCheckMode>(options.modelChecks instanceof Map ? options.modelChecks : Object.entries(options.modelChecks ?? {}));
    const clients = new LocalClients();
    for (const c of await store.clientCredentials()) clients.set(c.subsystem as SubsystemId, c.tokenHash);
    const replay = new ReplayGuard(clockSkewMs);
    for (const id of await store.recentProviderIds(Date.now() - 2 * clockSkewMs)) replay.admit(id);

    const app = await createHttpApp({ title: `Simpul gateway ${options.identity.id}`, description: 'Consumer endpoint for the agency\'s own systems. See docs/protocols/exchange.md.', logLevel: options.logLevel, bodyLimit: maxBodyBytes });
    const context: GatewayContext = {
      identity: options.identity,
      config: options.configuration,
      store,
      signer: new BatchSigner(options.identity.signingKey, options.identity.id),
      verifier: new BatchVerifier(),
      clients,
      peers: new PeerClient({ keyPem: options.identity.tls.keyPem, certPem: options.identity.tls.certPem, caPem: view.conf.caCertificate }, { channel: options.peerChannel ?? true }),
      backends: (service: ServiceId) => backends.get(service),
      modelCheck: (service: ServiceId) => modelChecks.get(service) ?? 'reject',
      onModelViolation: (service, warning) => app.log.warn({ service, model: warning.model, errors: warning.errors }, 'answer passed on despite breaking its data model (warn mode)'),
      replay,
      clockSkewMs,
      maxBodyBytes,
      onInternalError: (error) => app.log.error({ err: error }, 'exchange failed'),
    };

    await app.register(async (scope) => {
      // Exchanges carry bodies of any type, signed byte for byte: never parse them here.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBodyBytes }, (_req, body, done) => done(null, body));
      scope.route({
        method: [...EXCHANGE_METHODS],
        url: '/r1/*',
        exposeHeadRoute: false,
        schema: {
          summary: 'Call a service of another agency through the exchange',
          description: 'Path: /r1/{INSTANCE}/{CLASS}/{MEMBER}/{SUBSYSTEM}/{SERVICE}[/path][?query]. Headers: Authorization (Bearer subsystem token), Simpul-Client, Simpul-Purpose, Simpul-Subject (personal-data services), Simpul-Id (optional UUID). Errors are problem+json with a stable code.',
          security: [{ bearer: [] }],
        },
        handler: async (request, reply) => {
          const url = request.raw.url ?? '/';
          const q = url.indexOf('?');
          const result = await consume(context, {
            method: request.method,
            path: q < 0 ? url : url.slice(0, q),
            query: q < 0 ? '' : url.slice(q + 1),
            headers: request.headers,
            body: request.body as Buffer | undefined,
          });
          return reply.code(result.status).headers(result.headers).send(result.body);
        },
      });
    });
    const log = options.log
      ? await GatewayLog.attach({ ...options.log, gatewayId: options.identity.id, database: options.database, records: store, config: options.configuration, peers: context.peers, app, onError: (error) => app.log.warn({ err: error }, 'exchange log') })
      : undefined;
    const consumerUrl = await listen(app, options.consumer.port, options.consumer.host);

    const peerServer = http2.createSecureServer({
      key: options.identity.tls.keyPem,
      cert: options.identity.tls.certPem,
      ca: view.conf.caCertificate,
      requestCert: true,
      rejectUnauthorized: true,
      allowHTTP1: true,
      settings: { initialWindowSize: 4 * 1024 * 1024, maxConcurrentStreams: 1000 },
    });
    // Many small frames share one connection: Nagle's algorithm would hold a response frame
    // back until the peer's delayed ACK (~40 ms) whenever the connection is not busy.
    peerServer.on('secureConnection', (socket: TLSSocket) => socket.setNoDelay(true));
    const fingerprints = new WeakMap<object, string | undefined>();
    const channels = new Set<ServedChannel>();
    const sessions = new Set<http2.ServerHttp2Session>();
    peerServer.on('session', (session: http2.ServerHttp2Session) => {
      sessions.add(session);
      session.once('close', () => sessions.delete(session));
    });
    peerServer.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => {
      if (req.url === CHANNEL_PATH) {
        if (options.peerChannel !== false && req.method === 'POST') {
          const channel = serveChannel(context, req, res, peerFingerprint(req, fingerprints));
          channels.add(channel);
          res.stream.once('close', () => channels.delete(channel));
        }
        else answerProblem(res, problem('request.not_found', 'This gateway does not take the exchange channel: send each exchange on a stream of its own.'));
      } else if (log && req.method === 'POST' && req.url === '/witness/add-checkpoint') void handleWitnessRequest(context, log, req, res);
      else void handlePeerRequest(context, req, res, fingerprints);
    });
    peerServer.on('sessionError', () => undefined);
    await new Promise<void>((resolve, reject) => {
      peerServer.once('error', reject);
      peerServer.listen(options.peer.port, options.peer.host ?? '127.0.0.1', () => resolve());
    });
    const address = peerServer.address() as AddressInfo;
    const peerUrl = `https://${options.peer.host ?? '127.0.0.1'}:${address.port}`;
    options.configuration.start();
    if (!options.log?.deferStart) await log?.start();
    return new Gateway({ identity: options.identity, store, context, app, consumerUrl, peerUrl, peerServer, channels, sessions, backends, log, credentialRefreshMs: options.credentialRefreshMs ?? 5_000 });
  }

  /** Issues a new bearer token for a local subsystem; only its hash is stored. */
  async issueClientToken(subsystem: SubsystemId): Promise<string> {
    const token = LocalClients.newToken();
    const hash = LocalClients.hash(token);
    await this.store.setClientCredential(subsystem, hash);
    this.#credentialVersion++;
    this.context.clients.set(subsystem, hash);
    return token;
  }

  get db(): Kysely<GatewayTables> {
    return this.store.db;
  }

  /**
   * Stops what the gateway does on its own: credential re-reads, configuration refresh, and its
   * log's checkpointer and witness client (waiting for requests in flight). It still answers
   * exchanges and witness requests. Several gateways closing in one process call this on all of
   * them before closing any (ADR 0048): otherwise one asks a witness whose database is closed.
   */
  stopBackground(): Promise<void> {
    this.#backgroundStopped ??= (async () => {
      clearInterval(this.#credentialRefresh);
      this.context.config.stop();
      await this.log?.close();
    })();
    return this.#backgroundStopped;
  }

  /** Stops answering: the consumer endpoint, our sessions to peers, the peer endpoint, the backends. */
  closeServers(): Promise<void> {
    this.#serversClosed ??= (async () => {
      await this.app.close();
      // Our own sessions first: peers closing at the same time then see theirs end at once.
      this.context.peers.close();
      // Exchanges already taken on a channel are answered; the peers then see the channel end.
      await Promise.race([Promise.all([...this.#channels].map((c) => c.drain())), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      await new Promise<void>((resolve) => {
        this.#peerServer.close(() => resolve());
        // GOAWAY to every peer: streams under way finish, no new one starts on a session whose
        // gateway is stopping (it would find the database closed).
        for (const session of this.#sessions) session.close();
        setTimeout(resolve, 2000).unref();
      });
      for (const b of this.#backends.values()) await b.close();
    })();
    return this.#serversClosed;
  }

  async close(): Promise<void> {
    await this.stopBackground();
    await this.closeServers();
    await this.store.close();
  }
}

async function handlePeerRequest(ctx: GatewayContext, req: Http2ServerRequest, res: Http2ServerResponse, fingerprints: WeakMap<object, string | undefined>): Promise<void> {
  try {
    const body = await readBody(req, ctx.maxBodyBytes);
    const fingerprint = peerFingerprint(req, fingerprints);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const result = await provide(ctx, {
      method: req.method,
      path: q < 0 ? url : url.slice(0, q),
      query: q < 0 ? '' : url.slice(q + 1),
      headers: req.headers,
      body: body ?? undefined,
      peerFingerprint: fingerprint,
    });
    res.writeHead(result.status, result.headers);
    res.end(result.body);
  } catch (error) {
    // Nobody is left to answer when the peer reset the stream.
    if (!(error instanceof StreamAborted)) answerFailure(ctx, res, error, ctx.maxBodyBytes);
  }
}

/** The SHA-256 fingerprint of the peer's TLS client certificate, read once per connection. */
function peerFingerprint(req: Http2ServerRequest, fingerprints: WeakMap<object, string | undefined>): string | undefined {
  const holder: object = req.stream?.session ?? req.socket;
  if (fingerprints.has(holder)) return fingerprints.get(holder);
  const cert = (req.socket as TLSSocket).getPeerCertificate?.();
  const fingerprint = cert && 'fingerprint256' in cert ? cert.fingerprint256 : undefined;
  fingerprints.set(holder, fingerprint);
  return fingerprint;
}

/** A checkpoint from another gateway's log, to cosign (C2SP tlog-witness add-checkpoint). */
async function handleWitnessRequest(ctx: GatewayContext, log: GatewayLog, req: Http2ServerRequest, res: Http2ServerResponse): Promise<void> {
  try {
    const body = (await readBody(req, WITNESS_BODY_LIMIT)) ?? Buffer.alloc(0);
    const result = await log.witness.addCheckpoint(body.toString('utf8'));
    if ('error' in result) {
      const doc = result.error.toProblem();
      res.writeHead(doc.status, { 'content-type': 'application/problem+json' }).end(JSON.stringify(doc));
    } else if (result.status === 409) {
      res.writeHead(409, { 'content-type': 'text/x.tlog.size' }).end(`${result.size}\n`);
    } else {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(result.cosignature);
    }
  } catch (error) {
    answerFailure(ctx, res, error, WITNESS_BODY_LIMIT);
  }
}

// A signed note with a consistency proof of at most 63 hashes fits many times over.
const WITNESS_BODY_LIMIT = 64 * 1024;

/** What a peer hears when its message could not be handled: too large, or our own failure. */
function answerFailure(ctx: GatewayContext, res: Http2ServerResponse, error: unknown, bodyLimit: number): void {
  const tooLarge = error instanceof BodyTooLarge;
  if (!tooLarge) ctx.onInternalError(error);
  answerProblem(res, tooLarge ? problem('request.body_too_large', `Message bodies are limited to ${bodyLimit} bytes.`) : problem('internal.error'));
}

function answerProblem(res: Http2ServerResponse, doc: ReturnType<typeof problem>): void {
  if (!res.headersSent) res.writeHead(doc.status, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify(doc));
}

class BodyTooLarge extends Error {}
class StreamAborted extends Error {}

function readBody(req: Http2ServerRequest, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(size === 0 ? null : Buffer.concat(chunks)));
    req.on('error', reject);
    // A peer that resets the stream mid-body: nothing more will come.
    req.on('aborted', () => reject(new StreamAborted()));
  });
}
