import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SimpulError } from '../core/errors.js';
import type { ExchangeId, PurposeCode, ServiceId, SubsystemId } from '../core/ids.js';
import type { BackendRequest } from './backend.js';
import { createHttpBackend } from './http.js';

const request = (over: Partial<BackendRequest> = {}): BackendRequest => ({
  method: 'GET',
  path: '/3201014101900001',
  query: '',
  headers: { accept: 'application/json' },
  body: undefined,
  service: 'ID/GOV/DUKCAPIL/SIAK/person' as ServiceId,
  client: 'ID/GOV/BPS/SENSUS' as SubsystemId,
  purpose: 'STATISTIK' as PurposeCode,
  subject: '3201014101900001',
  exchangeId: '0b6c7f0e-6f55-4c39-9a3e-8f0f1c7e1b11' as ExchangeId,
  ...over,
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SimpulError, String(error));
    return error.code;
  }
  assert.fail('expected the call to fail');
}

describe('plain HTTP backend', () => {
  let server: http.Server;
  let url: string;
  const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
        if (req.url!.startsWith('/api/slow')) return void setTimeout(() => res.end('late'), 2_000);
        if (req.url!.startsWith('/api/big')) return void res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(4096));
        res.writeHead(201, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ ok: true }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('forwards method, path under the base URL, query, headers and body, and returns status, type and body', async () => {
    const backend = createHttpBackend({ type: 'http', url, headers: { 'x-api-key': 'demo-key' } });
    const response = await backend.call(request({ method: 'POST', path: '/persons', query: 'fields=nik', body: Buffer.from('{"nik":"1"}'), headers: { 'content-type': 'application/json' } }));
    await backend.close();
    assert.equal(response.status, 201);
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(JSON.parse(response.body.toString()), { ok: true });
    const last = seen.at(-1)!;
    assert.equal(last.method, 'POST');
    assert.equal(last.url, '/api/persons?fields=nik');
    assert.equal(last.headers['x-api-key'], 'demo-key');
    assert.equal(last.body, '{"nik":"1"}');
  });

  it('gives up after timeoutMs with provider.timeout', async () => {
    const backend = createHttpBackend({ type: 'http', url: `${url}/slow`, timeoutMs: 200 });
    assert.equal(await codeOf(backend.call(request())), 'provider.timeout');
    await backend.close();
  });

  it('refuses a response larger than maxResponseBytes with provider.error', async () => {
    const backend = createHttpBackend({ type: 'http', url: `${url}/big`, maxResponseBytes: 1024 });
    assert.equal(await codeOf(backend.call(request())), 'provider.error');
    await backend.close();
  });

  it('names an unreachable agency system with provider.unreachable', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const backend = createHttpBackend({ type: 'http', url: `http://127.0.0.1:${port}` });
    assert.equal(await codeOf(backend.call(request())), 'provider.unreachable');
    await backend.close();
  });
});
