import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { ExchangeRecord } from '../gateway/exchange-record.js';
import { LeafError, decodeExchangeLeaf, encodeExchangeLeaf, leafExchangeId } from './leaf.js';
import { leafHash } from './merkle.js';

interface Vector { name: string; record: Record<string, unknown>; leaf: string; leafHash: string }
const vectors = (JSON.parse(readFileSync(new URL('../../docs/protocols/vectors/log/exchange-leaf-v1.json', import.meta.url), 'utf8')) as { vectors: Vector[] }).vectors;
const BYTE_FIELDS = ['subjectCommitment', 'requestHash', 'responseHash'];
const toRecord = (json: Record<string, unknown>): ExchangeRecord =>
  Object.fromEntries(Object.entries(json).map(([k, v]) => [k, BYTE_FIELDS.includes(k) && typeof v === 'string' ? Buffer.from(v, 'hex') : v])) as unknown as ExchangeRecord;

describe('exchange leaf', () => {
  it('encodes the published test vectors byte for byte and decodes them back', () => {
    assert.ok(vectors.length >= 2);
    for (const v of vectors) {
      const record = toRecord(v.record);
      const leaf = encodeExchangeLeaf(record);
      assert.equal(leaf.toString('hex'), v.leaf, v.name);
      assert.equal(leafHash(leaf).toString('hex'), v.leafHash, v.name);
      assert.deepEqual(decodeExchangeLeaf(leaf), record, v.name);
      assert.equal(leafExchangeId(leaf), record.id);
    }
  });

  it('holds no personal data in clear: the subject appears only as its commitment', () => {
    const v = vectors[0]!;
    const leaf = Buffer.from(v.leaf, 'hex');
    assert.equal(leaf.includes(Buffer.from('3171014501900001')), false);
    assert.ok(leaf.includes(Buffer.from(v.record.subjectCommitment as string, 'hex')));
  });

  it('refuses every byte string the encoder would not produce', () => {
    const leaf = Buffer.from(vectors[0]!.leaf, 'hex');
    // The presence byte of purpose follows version, id, side, time and the two strings.
    const purposeFlag = 1 + 16 + 1 + 8 + 2 + 17 + 2 + 27;
    assert.equal(leaf[purposeFlag], 1);
    const mutants: [string, Buffer][] = [
      ['empty', Buffer.alloc(0)],
      ['version 2', Buffer.concat([Buffer.from([2]), leaf.subarray(1)])],
      ['truncated', leaf.subarray(0, -1)],
      ['trailing byte', Buffer.concat([leaf, Buffer.from([0])])],
      ['side 2', Buffer.from(leaf.map((b, i) => (i === 17 ? 2 : b)))],
      ['presence byte 2', Buffer.from(leaf.map((b, i) => (i === purposeFlag ? 2 : b)))],
    ];
    for (const [name, bytes] of mutants) assert.throws(() => decodeExchangeLeaf(bytes), LeafError, name);
    const badUtf8 = Buffer.from(leaf);
    badUtf8[1 + 16 + 1 + 8 + 2] = 0xff; // first byte of the client string
    assert.throws(() => decodeExchangeLeaf(badUtf8), /not UTF-8/);
  });

  it('rejects records it cannot encode canonically and rounds durations', () => {
    const record = toRecord(vectors[0]!.record);
    assert.throws(() => encodeExchangeLeaf({ ...record, id: 'nope' as never }), /not a UUID/);
    assert.throws(() => encodeExchangeLeaf({ ...record, time: 1.5 }), /whole milliseconds/);
    assert.throws(() => encodeExchangeLeaf({ ...record, requestHash: Buffer.alloc(31) }), /32 bytes/);
    assert.throws(() => encodeExchangeLeaf({ ...record, client: 'x'.repeat(70_000) }), /longer than/);
    assert.throws(() => encodeExchangeLeaf({ ...record, client: '\ud800' }), /well-formed/);
    assert.equal(decodeExchangeLeaf(encodeExchangeLeaf({ ...record, durationMs: 41.6 })).durationMs, 42);
    const upper = encodeExchangeLeaf({ ...record, id: record.id.toUpperCase() as never });
    assert.deepEqual(upper, encodeExchangeLeaf(record));
  });
});
