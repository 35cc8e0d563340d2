import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileMapping } from './mapping.js';

describe('JSONata mappings', () => {
  it('maps a legacy record with request variables bound', async () => {
    const mapping = compileMapping('{ "nisn": NISN, "asked": $params.nisn, "purpose": $purpose }', 'operations[0].response');
    assert.deepEqual(await mapping.evaluate({ NISN: '0012345678' }, { params: { nisn: '0012345678' }, purpose: 'PENDIDIKAN' }), { nisn: '0012345678', asked: '0012345678', purpose: 'PENDIDIKAN' });
    assert.equal(mapping.usesRequest, true);
    assert.equal(compileMapping('{ "nisn": NISN }', 'x').usesRequest, false);
  });

  it('gives undefined when the expression selects nothing (the adapters answer not found)', async () => {
    assert.equal(await compileMapping('Siswa.{ "nisn": NISN }', 'x').evaluate({}), undefined);
  });

  it('stops a runaway expression instead of hanging the gateway', async () => {
    const runaway = compileMapping('($loop := function($n) { $loop($n + 1) }; $loop(0))', 'operations[3].response', { maxDepth: 50, timeoutMs: 200 });
    await assert.rejects(runaway.evaluate({}), (e: Error & { code?: string; extensions?: Record<string, unknown> }) =>
      e.code === 'adapter.mapping_failed' && e.extensions?.mapping === 'operations[3].response' && ['D1011', 'D1012'].includes(String(e.extensions?.jsonataCode)));
  });

  it('refuses results JSON cannot carry', async () => {
    await assert.rejects(compileMapping('{ "f": function($x) { $x } }', 'x').evaluate({}), { code: 'adapter.mapping_failed', message: /function/ });
    await assert.rejects(compileMapping('{ "n": 1 / 0 }', 'x').evaluate({}), { code: 'adapter.mapping_failed' });
  });

  it('reports a syntax error at creation with its place', () => {
    assert.throws(() => compileMapping('{ "a": ', 'operations[1].input'), { code: 'request.invalid', message: /operations\[1\]\.input does not parse/ });
  });
});
