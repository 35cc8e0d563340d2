/**
 * The declarations in docs/adapters.md are what integration engineers copy: each must be a
 * valid declaration whose JSONata expressions parse.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseBackendConfig } from '../src/adapters/config.js';
import { compileMapping } from '../src/adapters/mapping.js';

const guide = readFileSync(new URL('../docs/adapters.md', import.meta.url), 'utf8');
const blocks = [...guide.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1] as string);

describe('docs/adapters.md examples', () => {
  it('has a complete example for every backend type', () => {
    const types = blocks.map((b) => (JSON.parse(b) as { type?: string }).type).filter(Boolean);
    assert.deepEqual([...new Set(types)].sort(), ['csv', 'http', 'rest', 'soap', 'sql']);
  });

  for (const [i, block] of blocks.entries()) {
    const json = JSON.parse(block) as { type?: string; operations?: Record<string, unknown>[] };
    if (!json.type) continue;
    it(`example ${i + 1} (${json.type}) is a valid declaration with parsable mappings`, () => {
      parseBackendConfig(json);
      for (const [n, operation] of (json.operations ?? []).entries()) {
        const upstream = operation.upstream as { body?: string } | undefined;
        for (const [key, source] of Object.entries({ input: operation.input, response: operation.response, notFoundFault: operation.notFoundFault, 'upstream.body': upstream?.body })) {
          if (typeof source === 'string') compileMapping(source, `example ${i + 1} operations[${n}].${key}`);
        }
      }
    });
  }
});
