/**
 * The SOAP adapter end to end against a real SOAP service on 127.0.0.1 (the demo's legacy
 * student service, node-soap server), and against raw HTTP servers that misbehave.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createBackend } from '../src/adapters/create-backend.js';
import { createBackendApp } from '../src/adapters/backend-app.js';
import { reportsStatus, type Backend } from '../src/adapters/backend.js';
import type { SoapBackendConfig } from '../src/adapters/config.js';
import { modelId } from '../src/core/model/model-id.js';
import type { Student } from '../src/core/model/schemas/student.js';
import { validateAgainstModel } from '../src/core/model/validate-model.js';
import { startSoapStudentService, studentSoapBackendConfig, type SoapStudentService } from '../src/demo/legacy/soap-student-service.js';

const students: Student[] = [
  { nisn: '0012345678', nik: '3171055708120001', fullName: 'Siti Rahayu', sex: 'P', birthDate: '2012-08-17', school: { npsn: '20100001', name: 'SD Negeri 1 Menteng' }, grade: 6, status: 'aktif' },
  { nisn: '0012345679', nik: null, fullName: 'Budi Santoso', sex: 'L', birthDate: '2013-01-05', school: { npsn: '20100001', name: 'SD Negeri 1 Menteng' }, grade: 5, status: 'aktif' },
  // The same NIK under two NISNs: a duplicate the reconciliation engine must see.
  { nisn: '0012345680', nik: '3171055708120001', fullName: 'Siti Rahayu', sex: 'P', birthDate: '2012-08-17', school: { npsn: '20100002', name: 'SMP Negeri 2' }, grade: 7, status: 'pindah' },
];

async function serve(backend: Backend) {
  const app = await createBackendApp(backend);
  return {
    get: (path: string) => app.inject({ method: 'GET', url: `/service${path}` }),
    post: (path: string, body: string | Buffer) => app.inject({ method: 'POST', url: `/service${path}`, headers: { 'content-type': 'application/json' }, payload: body }),
    close: () => app.close(),
  };
}

/** A raw HTTP server that answers every request with `answer`. */
async function rawServer(answer: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ws/siswa`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describe('SOAP adapter against a real SOAP 1.1 service', () => {
  let service: SoapStudentService;
  let backend: Backend;
  let http: Awaited<ReturnType<typeof serve>>;

  before(async () => {
    service = await startSoapStudentService({ students, port: 0 });
    backend = await createBackend(studentSoapBackendConfig(service.wsdlUrl));
    http = await serve(backend);
  });
  after(async () => {
    await http.close();
    await backend.close();
    await service.close();
  });

  it('serves the WSDL at ?wsdl', async () => {
    const wsdl = await (await fetch(service.wsdlUrl)).text();
    assert.match(wsdl, /<definitions name="LayananSiswa"/);
    assert.ok(wsdl.includes(`location="${service.url}"`));
  });

  it('looks a student up by NISN and answers in the common Student model', async () => {
    const response = await http.get('/0012345678');
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    const student = response.json();
    assert.deepEqual(student, { nisn: '0012345678', nik: '3171055708120001', fullName: 'SITI RAHAYU', sex: 'P', birthDate: '2012-08-17', school: { npsn: '20100001', name: 'SD NEGERI 1 MENTENG' }, grade: 6, status: 'aktif' });
    assert.deepEqual(validateAgainstModel(modelId('student', 1), student), { ok: true });
  });

  it('maps an xsi:nil NIK to null, still a valid Student', async () => {
    const student = (await http.get('/0012345679')).json();
    assert.equal(student.nik, null);
    assert.deepEqual(validateAgainstModel(modelId('student', 1), student), { ok: true });
  });

  it('lists every student recorded under a NIK, duplicates included', async () => {
    const answer = (await http.get('/by-nik/3171055708120001')).json();
    assert.deepEqual(answer.items.map((s: Student) => s.nisn), ['0012345678', '0012345680']);
    assert.deepEqual((await http.get('/by-nik/3171055708129999')).json(), { items: [] });
  });

  it('turns the "not found" fault into 404 request.not_found', async () => {
    const response = await http.get('/0000000001');
    assert.equal(response.statusCode, 404);
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(response.json().code, 'request.not_found');
  });

  it('turns any other SOAP fault into 502 adapter.soap_fault problem+json with the fault code', async () => {
    service.setOutage(true);
    try {
      const response = await http.get('/0012345678');
      assert.equal(response.statusCode, 502);
      const problem = response.json();
      assert.equal(problem.code, 'adapter.soap_fault');
      assert.equal(problem.type, 'https://simpul.go.id/problems/adapter.soap_fault');
      assert.equal(problem.faultCode, 'soap:Server');
      assert.equal(problem.faultReason, 'Basis data sedang tidak tersedia');
    } finally {
      service.setOutage(false);
    }
  });

  it('refuses bad parameters with request.invalid before calling the legacy system', async () => {
    const response = await http.get('/12ab');
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().code, 'request.invalid');
    assert.equal(response.json().errors[0].path, '/nisn');
  });

  it('answers 404 request.not_found for a path no operation declares', async () => {
    const response = await http.get('/by-name/Siti');
    assert.equal(response.statusCode, 404);
    assert.equal(response.json().code, 'request.not_found');
  });
});

describe('SOAP adapter: declarations, versions and failures', () => {
  let service: SoapStudentService;
  before(async () => {
    service = await startSoapStudentService({ students, port: 0 });
  });
  after(async () => {
    await service.close();
  });

  const withEndpoint = (endpoint: string, extra: Partial<SoapBackendConfig> = {}): SoapBackendConfig => ({ ...studentSoapBackendConfig(service.wsdlUrl), endpoint, ...extra });

  it('speaks SOAP 1.2 when the service does', async () => {
    const soap12 = await startSoapStudentService({ students, port: 0, soapVersion: '1.2' });
    const backend = await createBackend(studentSoapBackendConfig(soap12.wsdlUrl, '1.2'));
    const http = await serve(backend);
    try {
      assert.equal((await http.get('/0012345678')).json().nisn, '0012345678');
      assert.equal((await http.get('/0000000001')).json().code, 'request.not_found');
      soap12.setOutage(true);
      const fault = (await http.get('/0012345678')).json();
      assert.equal(fault.code, 'adapter.soap_fault');
      assert.equal(fault.faultCode, 'soap:Receiver');
    } finally {
      await http.close();
      await soap12.close();
    }
  });

  it('answers malformed XML with 502 adapter.malformed_upstream', async () => {
    const broken = await rawServer((_req, res) => {
      res.setHeader('content-type', 'text/xml');
      res.end('<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><CariSiswaByNisnResponse><Siswa><NISN>0012345678</NISN></Sis');
    });
    const http = await serve(await createBackend(withEndpoint(broken.url)));
    try {
      const response = await http.get('/0012345678');
      assert.equal(response.statusCode, 502);
      assert.equal(response.json().code, 'adapter.malformed_upstream');
    } finally {
      await http.close();
      await broken.close();
    }
  });

  it('answers an HTML error page or a non-SOAP XML document with adapter.malformed_upstream', async () => {
    for (const body of ['<html><body><h1>502 Bad Gateway</h1><br></body></html>', '<?xml version="1.0"?><status>maintenance</status>']) {
      const broken = await rawServer((_req, res) => {
        res.setHeader('content-type', 'text/html');
        res.end(body);
      });
      const http = await serve(await createBackend(withEndpoint(broken.url)));
      try {
        const response = await http.get('/0012345678');
        assert.equal(response.statusCode, 502, body);
        assert.equal(response.json().code, 'adapter.malformed_upstream', body);
      } finally {
        await http.close();
        await broken.close();
      }
    }
  });

  it('refuses an answer larger than maxResponseBytes with adapter.upstream_too_large', async () => {
    const huge = await rawServer((_req, res) => {
      res.setHeader('content-type', 'text/xml');
      res.end(`<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><x>${'a'.repeat(200_000)}</x></soap:Body></soap:Envelope>`);
    });
    const http = await serve(await createBackend(withEndpoint(huge.url, { maxResponseBytes: 50_000 })));
    try {
      const response = await http.get('/0012345678');
      assert.equal(response.statusCode, 502);
      assert.equal(response.json().code, 'adapter.upstream_too_large');
    } finally {
      await http.close();
      await huge.close();
    }
  });

  it('gives up after timeoutMs with 504 provider.timeout', async () => {
    const silent = await rawServer(() => undefined);
    const http = await serve(await createBackend(withEndpoint(silent.url, { timeoutMs: 300 })));
    try {
      const started = Date.now();
      const response = await http.get('/0012345678');
      assert.equal(response.statusCode, 504);
      assert.equal(response.json().code, 'provider.timeout');
      assert.ok(Date.now() - started < 3000);
    } finally {
      await http.close();
      await silent.close();
    }
  });

  it('starts while the legacy system is down, reports it, and answers provider.unreachable', async () => {
    const gone = await rawServer(() => undefined);
    await gone.close();
    const backend = await createBackend(studentSoapBackendConfig(`${gone.url}?wsdl`));
    assert.ok(reportsStatus(backend));
    assert.equal(backend.status().state, 'unavailable');
    const http = await serve(backend);
    try {
      const response = await http.get('/0012345678');
      assert.equal(response.statusCode, 502);
      assert.equal(response.json().code, 'provider.unreachable');
    } finally {
      await http.close();
    }
  });

  it('fails a mapping that breaks at run time with 502 adapter.mapping_failed, naming the mapping', async () => {
    const config = studentSoapBackendConfig(service.wsdlUrl);
    config.operations[0] = { ...config.operations[0]!, response: 'Siswa.{ "nisn": NISN, "grade": $number(NamaLengkap) }' };
    const http = await serve(await createBackend(config));
    try {
      const response = await http.get('/0012345678');
      assert.equal(response.statusCode, 502);
      const problem = response.json();
      assert.equal(problem.code, 'adapter.mapping_failed');
      assert.equal(problem.mapping, 'operations[0].response');
      assert.match(problem.detail, /number/i);
    } finally {
      await http.close();
    }
  });

  it('lets the model catch a mapping that forgets a conversion (schema violation)', async () => {
    const config = studentSoapBackendConfig(service.wsdlUrl);
    // Forgot to turn DD-MM-YYYY into an ISO date and to lower-case the status.
    config.operations[0] = { ...config.operations[0]!, response: 'Siswa.{ "nisn": NISN, "nik": NIK, "fullName": NamaLengkap, "sex": JenisKelamin, "birthDate": TanggalLahir, "school": { "npsn": NPSN, "name": NamaSekolah }, "grade": Tingkat, "status": StatusSiswa }' };
    const http = await serve(await createBackend(config));
    try {
      const result = validateAgainstModel(modelId('student', 1), (await http.get('/0012345678')).json());
      assert.equal(result.ok, false);
      assert.deepEqual(result.ok ? [] : result.errors.map((e) => e.path).sort(), ['/birthDate', '/birthDate', '/status']);
    } finally {
      await http.close();
    }
  });

  it('refuses a request body over maxRequestBytes with 413 request.body_too_large', async () => {
    const config: SoapBackendConfig = {
      ...studentSoapBackendConfig(service.wsdlUrl),
      maxRequestBytes: 1024,
      operations: [{ method: 'POST', path: '/cari', operation: 'CariSiswaByNisn', input: '{ "NISN": $body.nisn }', response: 'Siswa.{ "nisn": NISN }' }],
    };
    const http = await serve(await createBackend(config));
    try {
      assert.deepEqual((await http.post('/cari', JSON.stringify({ nisn: '0012345678' }))).json(), { nisn: '0012345678' });
      const response = await http.post('/cari', JSON.stringify({ nisn: '0012345678', padding: 'x'.repeat(2000) }));
      assert.equal(response.statusCode, 413);
      assert.equal(response.json().code, 'request.body_too_large');
      const notJson = await http.post('/cari', '{"nisn": ');
      assert.equal(notJson.statusCode, 400);
      assert.equal(notJson.json().code, 'request.invalid');
    } finally {
      await http.close();
    }
  });

  it('refuses declarations that cannot work, at creation', async () => {
    const unknownOperation = studentSoapBackendConfig(service.wsdlUrl);
    unknownOperation.operations[0] = { ...unknownOperation.operations[0]!, operation: 'CariSiswaByNama' };
    await assert.rejects(createBackend(unknownOperation), (e: Error & { code?: string }) => e.code === 'request.invalid' && /CariSiswaByNama.*CariSiswaByNisn/.test(e.message));
    const badExpression = studentSoapBackendConfig(service.wsdlUrl);
    badExpression.operations[0] = { ...badExpression.operations[0]!, response: 'Siswa.{ "nisn": ' };
    await assert.rejects(createBackend(badExpression), (e: Error & { code?: string }) => e.code === 'request.invalid' && /operations\[0\]\.response/.test(e.message));
    await assert.rejects(createBackend({ ...studentSoapBackendConfig(service.wsdlUrl), wsdl: undefined } as never), { code: 'request.invalid' });
  });
});
