/**
 * A TEST PEER, not the gateway: a tiny HTTP server on 127.0.0.1 that speaks the consumer
 * gateway protocol the portal uses (`/r1/{service}[/path]`, bearer token, Simpul-Client,
 * Simpul-Purpose, Simpul-Subject, Simpul-Id, problem+json errors) and answers for the demo
 * services from in-memory data. Tests use it until the real gateway is wired in; it also
 * records each exchange so it can serve as the data tracker's ExchangeRecordSource.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Nik } from '../../core/ids.js';
import type { ExchangeRecordSource, TrackedExchange } from '../tracker/exchange-record-source.js';

export interface TestPerson {
  nik: string;
  kk: string;
  fullName: string;
  sex: 'L' | 'P';
  birthPlace: string;
  birthDate: string;
  religion: string;
  maritalStatus: string;
  occupation: string;
  bloodType: string;
  nationality: string;
  address: { street: string; rt: string; rw: string; village: string; district: string; city: string; province: string; postcode: string };
  deathDate: string | null;
  updatedAt: string;
}

export interface TestPeerRight {
  service: string;
  purpose: string;
  legalBasis: string;
}

export interface PeerExchange extends TrackedExchange {
  id: string;
  subject: string | null;
  method: string;
  path: string;
  status: number;
}

export interface GatewayTestPeerOptions {
  token: string;
  client: string;
  rights: TestPeerRight[];
  persons?: TestPerson[];
  /** KBLI entries as the licensing agency's `kbli` service answers them. */
  kbli?: Record<string, TestKbli>;
}

export interface TestKbli {
  code: string;
  title: string;
  sector: string;
  riskLevel: 'RENDAH' | 'MENENGAH_RENDAH' | 'MENENGAH_TINGGI' | 'TINGGI';
}

/** A failure the peer simulates for the next `times` calls to a service. */
export interface PeerFault {
  /** Answer with this status and problem code (default 503 service.disabled)… */
  status?: number;
  code?: string;
  /** …or hold the answer this long before answering normally (to exceed a step's time limit)… */
  delayMs?: number;
  /** …or until this promise settles (to look at a step while it runs). */
  until?: Promise<unknown>;
  times?: number;
}

export interface GatewayTestPeer extends ExchangeRecordSource {
  readonly url: string;
  readonly exchanges: PeerExchange[];
  /** The NIB applications the peer accepted, as its licensing service stores them. */
  readonly applications: { id: string; nib: string; body: Record<string, unknown>; answer: Record<string, unknown> }[];
  /** Makes the next calls to a service fail or answer late. */
  fault(service: string, fault: PeerFault): void;
  close(): Promise<void>;
}

const RISK_ORDER = ['RENDAH', 'MENENGAH_RENDAH', 'MENENGAH_TINGGI', 'TINGGI'] as const;
const MICRO_CAPITAL_LIMIT = 1_000_000_000;

const PERSONAL = new Set(['ID/GOV/DUKCAPIL/SIAK/person', 'ID/GOV/LICENSING/OSS/applications']);

export async function startGatewayTestPeer(options: GatewayTestPeerOptions): Promise<GatewayTestPeer> {
  const exchanges: PeerExchange[] = [];
  const applications: GatewayTestPeer['applications'] = [];
  const faults = new Map<string, PeerFault & { remaining: number }>();
  const persons = new Map((options.persons ?? []).map((p) => [p.nik, p]));
  const kbli = options.kbli ?? {};

  const server: Server = createServer((req, res) => {
    void handle(req).then(({ status, body, exchange }) => {
      if (exchange) exchanges.push({ ...exchange, status });
      const problem = status >= 400;
      res.writeHead(status, { 'content-type': problem ? 'application/problem+json' : 'application/json' });
      res.end(JSON.stringify(body));
    });
  });

  async function handle(req: IncomingMessage): Promise<{ status: number; body: unknown; exchange?: Omit<PeerExchange, 'status'> }> {
    const url = new URL(req.url ?? '/', 'http://peer');
    const fail = (status: number, code: string, detail: string) => ({ status, body: { type: `https://simpul.go.id/problems/${code}`, title: code, status, code, detail } });
    if (req.headers.authorization !== `Bearer ${options.token}`) return fail(401, 'client.unauthenticated', 'Bad bearer token');
    if (req.headers['simpul-client'] !== options.client) return fail(403, 'client.not_owner', 'Token does not belong to this client');
    const id = String(req.headers['simpul-id'] ?? '');
    if (!/^[0-9a-f-]{36}$/.test(id)) return fail(400, 'request.malformed_header', 'Simpul-Id must be a UUID');
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] !== 'r1' || parts.length < 6) return fail(400, 'request.malformed_identifier', 'Expected /r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE');
    const service = parts.slice(1, 6).join('/');
    const rest = parts.slice(6);
    const purpose = String(req.headers['simpul-purpose'] ?? '');
    const subject = req.headers['simpul-subject'] ? String(req.headers['simpul-subject']) : null;
    const right = options.rights.find((r) => r.service === service && r.purpose === purpose);
    const base = { id, time: Date.now(), client: options.client, service, purpose, subject, method: req.method ?? 'GET', path: rest.join('/') };
    if (!right) {
      return { ...fail(403, 'client.purpose_not_allowed', `No right for ${service} with purpose ${purpose}`), exchange: { ...base, legalBasis: null, outcome: 'refused' } };
    }
    if (PERSONAL.has(service) && !subject) return fail(400, 'request.subject_required', 'Simpul-Subject is required');
    const ok = (status: number, body: unknown) => ({ status, body, exchange: { ...base, legalBasis: right.legalBasis, outcome: status < 400 ? 'ok' as const : 'error' as const } });
    const problem = (status: number, code: string, detail: string, extra: Record<string, unknown> = {}) => ok(status, { type: `https://simpul.go.id/problems/${code}`, title: code, status, code, detail, ...extra });
    // Read before any simulated delay: a late answer is one the provider received and acted on.
    const chunks: Buffer[] = [];
    if (req.method === 'POST') for await (const chunk of req) chunks.push(chunk as Buffer);
    const fault = faults.get(service);
    if (fault && fault.remaining > 0) {
      fault.remaining--;
      if (fault.until) await fault.until.catch(() => undefined);
      else if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      else return problem(fault.status ?? 503, fault.code ?? 'service.disabled', 'Simulated failure');
    }
    if (service === 'ID/GOV/DUKCAPIL/SIAK/person' && req.method === 'GET') {
      const person = persons.get(rest[0] ?? '');
      return person ? ok(200, person) : { ...ok(404, { code: 'request.not_found', status: 404, detail: 'No such person' }) };
    }
    if (service === 'ID/GOV/LICENSING/OSS/kbli' && req.method === 'GET') {
      const entry = kbli[rest[0] ?? ''];
      return entry ? ok(200, entry) : problem(404, 'request.not_found', `No KBLI code ${rest[0]} in this table.`);
    }
    if (service === 'ID/GOV/LICENSING/OSS/applications' && req.method === 'POST') {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      const codes = Array.isArray(body.kbli) ? body.kbli.map(String) : [];
      // The licensing backend's rules, in short: micro capital, known codes, one active name per owner.
      if (typeof body.ownerNik !== 'string' || body.ownerNik !== subject) return problem(400, 'request.invalid', 'ownerNik must be the data subject');
      if (Number(body.investment) > MICRO_CAPITAL_LIMIT) return problem(400, 'request.invalid', 'Micro businesses only');
      const unknown = codes.filter((c) => !kbli[c]);
      if (codes.length === 0 || unknown.length) return problem(400, 'request.invalid', `Unknown KBLI code(s): ${unknown.join(', ')}.`);
      // As the licensing backend: a repeated reference returns the first answer (idempotent retry).
      const earlier = typeof body.reference === 'string' ? applications.find((a) => a.body.reference === body.reference) : undefined;
      if (earlier && earlier.body.ownerNik === body.ownerNik) return ok(201, earlier.answer);
      if (earlier) return problem(409, 'request.conflict', 'This reference belongs to another application.');
      const same = applications.find((a) => a.body.ownerNik === body.ownerNik && String(a.body.businessName).toUpperCase() === String(body.businessName).toUpperCase());
      if (same) return problem(409, 'request.conflict', `This owner already has an active business named ${String(body.businessName).toUpperCase()}: NIB ${same.nib}.`, { nib: same.nib });
      const risk = RISK_ORDER[Math.max(...codes.map((c) => RISK_ORDER.indexOf(kbli[c]!.riskLevel)))]!;
      const requiredPermits = risk === 'RENDAH' ? [] : risk === 'TINGGI' ? ['IZIN'] : ['SERTIFIKAT_STANDAR'];
      const id = randomUUID();
      const nib = `9226${String(applications.length + 1).padStart(9, '0')}`;
      const answer = {
        id, status: risk === 'MENENGAH_TINGGI' || risk === 'TINGGI' ? 'MENUNGGU_VERIFIKASI' : 'NIB_TERBIT', nib, riskLevel: risk, requiredPermits,
        ownerNik: body.ownerNik, ownerName: body.ownerName, businessName: body.businessName, kbli: codes, investment: body.investment,
        employees: body.employees, address: body.address, submittedAt: new Date().toISOString(),
      };
      applications.push({ id, nib, body, answer });
      return ok(201, answer);
    }
    if (service === 'ID/GOV/LICENSING/OSS/applications' && req.method === 'GET') {
      const found = applications.find((a) => a.id === rest[0]);
      return found ? ok(200, { id: found.id, nib: found.nib, ...found.body }) : problem(404, 'request.not_found', `No application ${rest[0]}.`);
    }
    return fail(404, 'service.unknown', `No such service ${service}`);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exchanges,
    applications,
    fault(service, fault) {
      faults.set(service, { ...fault, remaining: fault.times ?? 1 });
    },
    async listBySubject(nik: Nik, { limit, before }) {
      return exchanges
        .filter((e) => e.subject === nik && (before === undefined || e.time < before))
        .sort((a, b) => b.time - a.time)
        .slice(0, limit)
        .map(({ time, client, service, purpose, legalBasis, outcome }) => ({ time, client, service, purpose, legalBasis, outcome }));
    },
    close: () => new Promise<void>((resolve, reject) => {
      server.close((e) => (e ? reject(e) : resolve()));
      server.closeAllConnections();
    }),
  };
}
