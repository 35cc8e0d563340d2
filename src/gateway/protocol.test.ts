import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { b64, generateSigningKey, publicKeyObject, sha256, sign, signingKeyFromSeed } from '../core/crypto.js';
import { BatchSigner, BatchVerifier } from './batch-signer.js';
import { batchLeaf, batchNode, batchSigningInput, bodyDigest, buildBatch, formatSignature, parseSignature, requestDigest, responseDigest, rootFromPath } from './protocol.js';

function naiveRoot(leaves: Buffer[]): Buffer {
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return batchNode(naiveRoot(leaves.slice(0, k)), naiveRoot(leaves.slice(k)));
}

describe('batch signatures', () => {
  it('gives every message of every batch size a path that leads to the signed root', () => {
    for (let n = 1; n <= 40; n++) {
      const leaves = Array.from({ length: n }, (_, i) => batchLeaf(sha256(`m${i}`)));
      const { root, paths } = buildBatch(leaves);
      assert.deepEqual(root, naiveRoot(leaves));
      for (let i = 0; i < n; i++) {
        assert.deepEqual(rootFromPath(leaves[i]!, i, n, paths[i]!), root, `n=${n} i=${i}`);
        if (n > 1) assert.notDeepEqual(rootFromPath(leaves[i]!, (i + 1) % n, n, paths[i]!), root, 'wrong index must not verify');
      }
    }
  });

  it('signs concurrent messages as one batch and verifies each; a changed digest fails', async () => {
    const key = generateSigningKey();
    const signer = new BatchSigner(key, 'ID/GOV/A/gw1');
    const digests = Array.from({ length: 25 }, (_, i) => sha256(`request ${i}`));
    const signatures = await Promise.all(digests.map((d) => signer.sign(d)));
    assert.equal(new Set(signatures.map((s) => s.signature.toString('hex'))).size, 1, 'one signature for the batch');
    assert.equal(signatures[0]!.size, 25);
    const verifier = new BatchVerifier();
    const pub = publicKeyObject(key.publicKey);
    signatures.forEach((s, i) => assert.ok(verifier.verify(digests[i]!, parseSignature(formatSignature(s)), pub)));
    assert.equal(verifier.verify(sha256('forged'), signatures[3]!, pub), false);
    assert.equal(new BatchVerifier().verify(digests[0]!, signatures[0]!, publicKeyObject(generateSigningKey().publicKey)), false, 'another key');
  });

  it('binds every field of a request into its digest', () => {
    const base = { method: 'GET', path: '/r1/ID/GOV/DUKCAPIL/SIAK/person/3201014101900001', query: '', client: 'ID/GOV/BPS/SENSUS', purpose: 'STATISTIK', subject: '3201014101900001', id: '2f1c7d0a-8a2b-4c1d-9e3f-0a1b2c3d4e5f', time: 1767225600000, sender: 'ID/GOV/BPS/gw1', bodyDigest: sha256('') };
    const d = requestDigest(base);
    for (const [field, value] of Object.entries({ method: 'POST', path: '/r1/x', query: 'a=1', client: 'ID/GOV/X/Y', purpose: 'OTHER', subject: '3201014101900002', id: '2f1c7d0a-8a2b-4c1d-9e3f-0a1b2c3d4e50', time: 1767225600001, sender: 'ID/GOV/X/gw1', bodyDigest: sha256('x') })) {
      assert.notDeepEqual(requestDigest({ ...base, [field]: value }), d, field);
    }
    assert.throws(() => requestDigest({ ...base, purpose: 'A\nB' }), /line breaks/);
  });

  it('rejects malformed signature headers', () => {
    for (const bad of [undefined, '', 'key=a', 'key=a; i=2; n=2; path=; sig=AAAA', 'key=a; i=0; n=1; path=; sig=AAAA', 'garbage']) {
      assert.throws(() => parseSignature(bad), (e: { code?: string }) => e.code === 'message.signature_invalid', String(bad));
    }
  });
});

describe('test vectors of docs/protocols/exchange.md', () => {
  const key = signingKeyFromSeed(Buffer.alloc(32, 7));
  const request = { method: 'GET', path: '/r1/ID/GOV/DUKCAPIL/SIAK/person/3201014101900001', query: 'fields=nik,fullName', client: 'ID/GOV/BPS/SENSUS', purpose: 'STATISTIK', subject: '3201014101900001', id: '2f1c7d0a-8a2b-4c1d-9e3f-0a1b2c3d4e5f', time: 1767225600000, sender: 'ID/GOV/BPS/gw1', bodyDigest: bodyDigest(undefined) };

  it('reproduces the published key, digests and signatures', () => {
    assert.equal(b64.encode(key.publicKey), '6kpsY+KcUgq+9VB7Ey7F+ZVHdq6+vnuSQh7qaRRG0iw=');
    const d = requestDigest(request);
    assert.equal(d.toString('hex'), '8355574b826318c33e177c1bdedad878687b5ac62562a45562ef997402f2647b');
    const single = formatSignature({ key: 'ID/GOV/BPS/gw1', index: 0, size: 1, path: [], signature: sign(key, batchSigningInput(batchLeaf(d))) });
    assert.equal(single, 'key=ID/GOV/BPS/gw1; i=0; n=1; path=; sig=Y2/UJ4qpzw5K/+4enJ1ZQqt8xjHAQjcfaMeBAO/SGQlVOj+Xum5AwBvmFvb9kJQWyedjXSdnXUFYvbwn36bxCw==');
    const d2 = requestDigest({ ...request, id: '2f1c7d0a-8a2b-4c1d-9e3f-0a1b2c3d4e60' });
    assert.equal(d2.toString('hex'), '0f6a27621e579cdc07453fe240396cd593b2e1d3a0f543f7b5b6f0525754539a');
    const { root, paths } = buildBatch([batchLeaf(d), batchLeaf(d2)]);
    assert.equal(root.toString('hex'), 'd5dddbdb82073d30ae888a50f8ba8a2d26da3bad464cf7ac3408b5ba82d8d690');
    assert.equal(
      formatSignature({ key: 'ID/GOV/BPS/gw1', index: 0, size: 2, path: paths[0]!, signature: sign(key, batchSigningInput(root)) }),
      'key=ID/GOV/BPS/gw1; i=0; n=2; path=EwI603jCT1+rd4EwW7oZhbl3PAemPkyjiGhIujAtvfA=; sig=YtQxzS5//SfDsbwQ7Nhj93jds4hoxAxIOIcRfjxcC01stg6cOHvpUi3+qTxguCFtw0p9qWY9j0KB63Dj+MbDBQ==',
    );
    const r = responseDigest({ status: 200, contentType: 'application/json', id: request.id, requestHash: d, time: 1767225600042, sender: 'ID/GOV/DUKCAPIL/gw1', bodyDigest: bodyDigest(Buffer.from('{"nik":"3201014101900001"}')) });
    assert.equal(r.toString('hex'), '67c39f4d48abbe37647971144cd6c255de89c29514ab0ee69b8ad51cb3ce9878');
  });
});
