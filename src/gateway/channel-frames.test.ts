import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameKind, FrameReader, FramingError, encodeFrame, type Frame } from './channel-frames.js';

const request: Frame = {
  kind: FrameKind.request,
  correlation: 7,
  header: { ':method': 'GET', ':path': '/r1/ID/GOV/DUKCAPIL/SIAK/person/3201014101900001', 'simpul-id': '2f1c7d0a-8a2b-4c1d-9e3f-0a1b2c3d4e5f' },
  body: Buffer.alloc(0),
};
const response: Frame = { kind: FrameKind.response, correlation: 7, header: { ':status': '200', 'content-type': 'application/json' }, body: Buffer.from('{"nik":"3201014101900001"}') };

describe('exchange channel frames', () => {
  it('matches the test vector of docs/protocols/exchange.md', () => {
    const frame: Frame = { kind: FrameKind.response, correlation: 1, header: { ':status': '200' }, body: Buffer.from('{}') };
    assert.equal(encodeFrame(frame).toString('hex'), '0000001c0200000001000000117b223a737461747573223a22323030227d7b7d');
  });

  it('reads back what was written, whatever the chunk boundaries', () => {
    const bytes = Buffer.concat([encodeFrame(request), encodeFrame(response), encodeFrame({ ...request, correlation: 8, body: Buffer.from('x'.repeat(1000)) })]);
    for (const size of [1, 2, 3, 12, 13, 14, 100, bytes.length]) {
      const reader = new FrameReader(1 << 20);
      const frames: Frame[] = [];
      for (let i = 0; i < bytes.length; i += size) for (const r of reader.push(bytes.subarray(i, i + size))) if ('frame' in r) frames.push(r.frame);
      assert.equal(frames.length, 3, `chunks of ${size}`);
      assert.deepEqual(frames[0], request);
      assert.deepEqual({ ...frames[1]!, body: frames[1]!.body.toString() }, { ...response, body: response.body.toString() });
      assert.equal(frames[2]!.correlation, 8);
      assert.equal(frames[2]!.body.length, 1000);
    }
  });

  it('reports an oversized frame by its correlation, skips its bytes and reads the next one', () => {
    const big = encodeFrame({ ...request, correlation: 9, body: Buffer.alloc(5000) });
    const bytes = Buffer.concat([big, encodeFrame(request)]);
    for (const size of [7, 100, bytes.length]) {
      const reader = new FrameReader(1000);
      const results = [];
      for (let i = 0; i < bytes.length; i += size) results.push(...reader.push(bytes.subarray(i, i + size)));
      assert.deepEqual(results.map((r) => ('oversized' in r ? `oversized ${r.oversized.correlation}` : 'frame' in r ? `frame ${r.frame.correlation}` : 'malformed')), ['oversized 9', 'frame 7'], `chunks of ${size}`);
    }
  });

  it('reports a frame whose header is not a JSON object of strings, and goes on', () => {
    const bad = encodeFrame({ ...request, correlation: 3 });
    const header = Buffer.from('{"a":1}');
    const malformed = Buffer.concat([Buffer.alloc(13), header]);
    malformed.writeUInt32BE(9 + header.length, 0);
    malformed.writeUInt8(FrameKind.request, 4);
    malformed.writeUInt32BE(4, 5);
    malformed.writeUInt32BE(header.length, 9);
    const results = new FrameReader(1 << 20).push(Buffer.concat([malformed, bad]));
    assert.deepEqual(results.map((r) => ('malformed' in r ? `malformed ${r.malformed.correlation}` : 'frame' in r ? `frame ${r.frame.correlation}` : '?')), ['malformed 4', 'frame 3']);
  });

  it('refuses a stream whose framing is broken (header longer than its frame)', () => {
    const broken = Buffer.alloc(13);
    broken.writeUInt32BE(9, 0);
    broken.writeUInt8(FrameKind.request, 4);
    broken.writeUInt32BE(1, 5);
    broken.writeUInt32BE(50, 9);
    assert.throws(() => new FrameReader(1 << 20).push(broken), FramingError);
  });
});
