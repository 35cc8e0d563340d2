import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExchangeId, PurposeCode, ServiceId, SubsystemId } from '../core/ids.js';
import type { BackendRequest } from './backend.js';
import { OperationRouter, expandTemplate } from './operation-router.js';

const request = (method: string, path: string, query = '', body?: string, contentType = 'application/json'): BackendRequest => ({
  method, path, query, headers: body ? { 'content-type': contentType } : {}, body: body ? Buffer.from(body) : undefined,
  service: 'ID/GOV/X/SYS/svc' as ServiceId, client: 'ID/GOV/Y/SYS' as SubsystemId, purpose: 'TEST' as PurposeCode, subject: undefined, exchangeId: 'e' as ExchangeId,
});

describe('operation router', () => {
  const router = new OperationRouter([
    { path: '/{nik}', params: { type: 'object', properties: { nik: { type: 'string', pattern: '^[0-9]{16}$' }, limit: { type: 'integer', default: 10 } } } },
    { path: '/', params: { type: 'object', properties: { tag: { type: 'array', items: { type: 'string' } } } } },
    { method: 'POST', path: '/search' },
  ], 100);

  it('binds path and query parameters, coerced and defaulted by the schema', () => {
    const bound = router.bind(request('GET', '/3171055708900001', 'limit=5'));
    assert.equal(bound.where, 'operations[0]');
    assert.deepEqual(bound.params, { nik: '3171055708900001', limit: 5 });
    assert.deepEqual(router.bind(request('GET', '/3171055708900001')).params, { nik: '3171055708900001', limit: 10 });
    assert.deepEqual(router.bind(request('GET', '', 'tag=a&tag=b')).params, { tag: ['a', 'b'] });
  });

  it('lets no query parameter override the record the path names', () => {
    assert.equal(router.bind(request('GET', '/3171055708900001', 'nik=3171055708900002')).params.nik, '3171055708900001');
  });

  it('refuses unknown paths, bad parameters, oversized and non-JSON bodies with stable codes', () => {
    assert.throws(() => router.bind(request('DELETE', '/3171055708900001')), { code: 'request.not_found' });
    assert.throws(() => router.bind(request('GET', '/12')), { code: 'request.invalid' });
    assert.throws(() => router.bind(request('POST', '/search', '', 'x'.repeat(101))), { code: 'request.body_too_large' });
    assert.throws(() => router.bind(request('POST', '/search', '', 'nik=1', 'application/x-www-form-urlencoded')), { code: 'request.invalid' });
    assert.deepEqual(router.bind(request('POST', '/search', '', '{"nik":"1"}')).body, { nik: '1' });
  });

  it('expands URI templates with percent-encoding', () => {
    assert.equal(expandTemplate('/penduduk/{nik}/kk', { nik: 'a/b c' }, 'x'), '/penduduk/a%2Fb%20c/kk');
    assert.throws(() => expandTemplate('/penduduk/{nik}', {}, 'operations[0].upstream.path'), { code: 'adapter.mapping_failed' });
  });
});
