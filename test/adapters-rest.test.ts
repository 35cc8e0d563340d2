/**
 * The REST adapter end to end against a real HTTP server on 127.0.0.1 that speaks JSON in
 * its own shape (a clinic system), mapped to the FHIR R4 Patient of the common model; and
 * the declaration checks every adapter shares.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createBackendApp } from '../src/adapters/backend-app.js';
import { reportsStatus, type Backend } from '../src/adapters/backend.js';
import { parseBackendConfig, type RestBackendConfig } from '../src/adapters/config.js';
import { createBackend } from '../src/adapters/create-backend.js';
import { modelId } from '../src/core/model/model-id.js';
import { NIK_SYSTEM } from '../src/core/model/schemas/patient.js';
import { validateAgainstModel } from '../src/core/model/validate-model.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** The clinic system: its own field names, dates as YYYYMMDD, sex as 1/2. */
async function startClinic() {
  const seen: Seen[] = [];
  const patients: Record<string, unknown> = {
    '3171055708900001': { no_rm: 'RM-001', nik: '3171055708900001', nama: 'Siti Rahayu', jk: 2, tgl_lahir: '19900817', alamat: { jalan: 'Jl. Merdeka 10', kota: 'Jakarta Pusat', kodepos: '10310' } },
  };
  let mode: 'normal' | 'error' | 'html' | 'huge' | 'silent' = 'normal';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (mode === 'silent') return;
      if (mode === 'error') return void res.writeHead(500, { 'content-type': 'application/json' }).end('{"pesan":"galat"}');
      if (mode === 'html') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Maintenance</html>');
      if (mode === 'huge') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: 'x'.repeat(100_000) }));
      const url = new URL(req.url ?? '/', 'http://clinic');
      const match = /^\/api\/v1\/pasien\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && match) {
        const patient = patients[decodeURIComponent(match[1] as string)];
        if (!patient) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"pesan":"tidak ada"}');
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'OK', data: patient }));
      }
      if (req.method === 'POST' && url.pathname === '/api/v1/rujukan') {
        return void res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ nomor: 'RJ-77', diterima: JSON.parse(body) }));
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    setMode: (m: typeof mode) => (mode = m),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

const PATIENT = `data.{
  "resourceType": "Patient",
  "identifier": [{ "use": "official", "system": "${NIK_SYSTEM}", "value": nik }],
  "name": [{ "use": "official", "text": nama }],
  "gender": jk = 1 ? "male" : jk = 2 ? "female" : "unknown",
  "birthDate": $substring(tgl_lahir, 0, 4) & "-" & $substring(tgl_lahir, 4, 2) & "-" & $substring(tgl_lahir, 6, 2),
  "address": [{ "use": "home", "line": [alamat.jalan], "city": alamat.kota, "postalCode": alamat.kodepos, "country": "ID" }]
}`;

function clinicConfig(baseUrl: string, extra: Partial<RestBackendConfig> = {}): RestBackendConfig {
  return {
    type: 'rest',
    baseUrl,
    headers: { 'X-Api-Key': '${SIMPUL_TEST_CLINIC_KEY}' },
    timeoutMs: 2000,
    operations: [
      { method: 'GET', path: '/{nik}', upstream: { path: '/api/v1/pasien/{nik}', query: { sumber: 'simpul' } }, response: PATIENT },
      {
        method: 'POST',
        path: '/referrals',
        params: { type: 'object', properties: { priority: { type: 'integer', minimum: 1, maximum: 3, default: 2 } } },
        upstream: { path: '/api/v1/rujukan', body: '{ "nik_pasien": nik, "alasan": reason, "prioritas": $params.priority, "tujuan": $purpose }' },
        response: '{ "referral": nomor, "accepted": diterima }',
      },
      { method: 'GET', path: '/raw/{id}', upstream: { path: '/api/v1/pasien/{id}' } },
    ],
    ...extra,
  };
}

describe('REST adapter against a real JSON service', () => {
  let clinic: Awaited<ReturnType<typeof startClinic>>;
  let backend: Backend;
  let app: Awaited<ReturnType<typeof createBackendApp>>;

  before(async () => {
    process.env.SIMPUL_TEST_CLINIC_KEY = 'rahasia-klinik';
    clinic = await startClinic();
    backend = await createBackend(clinicConfig(clinic.url));
    app = await createBackendApp(backend);
  });
  after(async () => {
    await app.close();
    await backend.close();
    await clinic.close();
    delete process.env.SIMPUL_TEST_CLINIC_KEY;
  });

  it('maps the clinic record to a FHIR R4 Patient, calling the declared URL with the secret header', async () => {
    const answer = await app.inject({ method: 'GET', url: '/service/3171055708900001' });
    assert.equal(answer.statusCode, 200);
    const patient = answer.json();
    assert.deepEqual(validateAgainstModel(modelId('patient', 1), patient), { ok: true });
    assert.equal(patient.gender, 'female');
    assert.equal(patient.birthDate, '1990-08-17');
    const call = clinic.seen.at(-1) as Seen;
    assert.equal(call.url, '/api/v1/pasien/3171055708900001?sumber=simpul');
    assert.equal(call.headers['x-api-key'], 'rahasia-klinik');
  });

  it('builds the upstream body with JSONata, with parameters and the exchange purpose', async () => {
    const answer = await app.inject({ method: 'POST', url: '/service/referrals?priority=1', headers: { 'content-type': 'application/json' }, payload: { nik: '3171055708900001', reason: 'kontrol' } });
    assert.equal(answer.statusCode, 200);
    assert.deepEqual(answer.json(), { referral: 'RJ-77', accepted: { nik_pasien: '3171055708900001', alasan: 'kontrol', prioritas: 1, tujuan: 'ADAPTER-TRIAL' } });
    assert.equal((clinic.seen.at(-1) as Seen).headers['content-type'], 'application/json');
  });

  it('percent-encodes parameters into the path, so a value cannot climb out of it', async () => {
    await app.inject({ method: 'GET', url: `/service/raw/${encodeURIComponent('../../admin?x=1')}` });
    assert.equal((clinic.seen.at(-1) as Seen).url, '/api/v1/pasien/..%2F..%2Fadmin%3Fx%3D1');
  });

  it('answers 404 request.not_found when the clinic says 404', async () => {
    const answer = await app.inject({ method: 'GET', url: '/service/3171055708900002' });
    assert.equal(answer.statusCode, 404);
    assert.equal(answer.json().code, 'request.not_found');
  });

  it('turns upstream failures into problem+json with stable codes', async () => {
    const cases = [
      ['error', 502, 'provider.error'],
      ['html', 502, 'adapter.malformed_upstream'],
      ['huge', 502, 'adapter.upstream_too_large'],
    ] as const;
    const small = await createBackend(clinicConfig(clinic.url, { maxResponseBytes: 10_000 }));
    const smallApp = await createBackendApp(small);
    try {
      for (const [mode, status, code] of cases) {
        clinic.setMode(mode);
        const answer = await smallApp.inject({ method: 'GET', url: '/service/3171055708900001' });
        assert.equal(answer.statusCode, status, mode);
        assert.equal(answer.headers['content-type'], 'application/problem+json; charset=utf-8', mode);
        assert.equal(answer.json().code, code, mode);
        if (mode === 'error') assert.equal(answer.json().upstreamStatus, 500);
      }
      // The operator sees the last failure, and sees it clear once the clinic answers again.
      assert.ok(reportsStatus(small));
      assert.equal(small.status().state, 'degraded');
      assert.match(small.status().message, /adapter\.upstream_too_large/);
      clinic.setMode('normal');
      assert.equal((await smallApp.inject({ method: 'GET', url: '/service/3171055708900001' })).statusCode, 200);
      assert.equal(small.status().state, 'ok');
    } finally {
      clinic.setMode('normal');
      await smallApp.close();
      await small.close();
    }
  });

  it('gives up after timeoutMs with provider.timeout, and names an unreachable system', async () => {
    const quick = await createBackend(clinicConfig(clinic.url, { timeoutMs: 200 }));
    const quickApp = await createBackendApp(quick);
    clinic.setMode('silent');
    try {
      const answer = await quickApp.inject({ method: 'GET', url: '/service/3171055708900001' });
      assert.equal(answer.statusCode, 504);
      assert.equal(answer.json().code, 'provider.timeout');
    } finally {
      clinic.setMode('normal');
      await quickApp.close();
    }
    const nowhere = await createBackendApp(await createBackend(clinicConfig('http://127.0.0.1:1')));
    const answer = await nowhere.inject({ method: 'GET', url: '/service/3171055708900001' });
    assert.equal(answer.json().code, 'provider.unreachable');
    await nowhere.close();
  });

  it('refuses an oversized request body with 413 before calling the clinic', async () => {
    const strict = await createBackendApp(await createBackend(clinicConfig(clinic.url, { maxRequestBytes: 512 })));
    const calls = clinic.seen.length;
    const answer = await strict.inject({ method: 'POST', url: '/service/referrals', headers: { 'content-type': 'application/json' }, payload: { nik: '3171055708900001', reason: 'x'.repeat(600) } });
    assert.equal(answer.statusCode, 413);
    assert.equal(answer.json().code, 'request.body_too_large');
    assert.equal(clinic.seen.length, calls);
    await strict.close();
  });

  it('fails a mapping that breaks at run time with adapter.mapping_failed', async () => {
    const config = clinicConfig(clinic.url);
    config.operations[0] = { ...config.operations[0]!, response: 'data.{ "age": $number(nama) }' };
    const broken = await createBackendApp(await createBackend(config));
    const answer = await broken.inject({ method: 'GET', url: '/service/3171055708900001' });
    assert.equal(answer.statusCode, 502);
    assert.equal(answer.json().code, 'adapter.mapping_failed');
    assert.equal(answer.json().mapping, 'operations[0].response');
    await broken.close();
  });

  it('passes a plain http declaration through to the agency system untouched', async () => {
    const passthrough = await createBackendApp(await createBackend({ type: 'http', url: `${clinic.url}/api/v1/pasien` }));
    const answer = await passthrough.inject({ method: 'GET', url: '/service/3171055708900001' });
    assert.equal(answer.statusCode, 200);
    assert.equal(answer.json().data.no_rm, 'RM-001');
    await passthrough.close();
  });
});

describe('backend declarations', () => {
  it('names what is wrong with a declaration, by JSON path', () => {
    assert.throws(() => parseBackendConfig({ type: 'ftp' }), { code: 'request.invalid', message: /"http", "rest", "soap", "csv", "sql"/ });
    assert.throws(() => parseBackendConfig({ type: 'csv', folder: '/data', operations: [{ path: '/{id}', result: 'single' }], pollEvery: 5 }), (e: Error & { extensions?: { errors?: { path: string }[] } }) => {
      const paths = (e.extensions?.errors ?? []).map((x) => x.path);
      return paths.includes('') && paths.includes('/operations/0/result') && /pollEvery/.test(e.message);
    });
    assert.throws(() => parseBackendConfig({ type: 'rest', baseUrl: 'http://x', operations: [] }), /operations/);
  });

  it('refuses two operations on the same method and path, and a missing environment variable', async () => {
    const twice = clinicConfig('http://127.0.0.1:1');
    twice.operations.push({ ...twice.operations[0]!, upstream: { path: '/other/{nik}' } });
    process.env.SIMPUL_TEST_CLINIC_KEY = 'x';
    try {
      await assert.rejects(createBackend(twice), { code: 'request.invalid', message: /conflicts/ });
    } finally {
      delete process.env.SIMPUL_TEST_CLINIC_KEY;
    }
    await assert.rejects(createBackend(clinicConfig('http://127.0.0.1:1')), { code: 'request.invalid', message: /SIMPUL_TEST_CLINIC_KEY, which is not set/ });
  });
});
