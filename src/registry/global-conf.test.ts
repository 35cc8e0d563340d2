import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { b64, signingKeyFromSeed } from '../core/crypto.js';
import { SimpulError } from '../core/errors.js';
import { isExpired, signConfiguration, verifyConfiguration, type GlobalConfiguration } from './global-conf.js';

// The test vector of docs/protocols/global-configuration.md §8.
const SEED = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const PUBLIC_KEY = 'A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=';
const SIGNATURE = 'mbBgHXtcwam8APAl1NKtwK/3fLy+9sxdeduO8tig3TolWW0Mrp2GBTXzCx5IKZRJdXB1vLN/Ec/wcZ9bzzIGBg==';
const CONF = {
  format: 'simpul-global-conf/1',
  instance: 'ID',
  version: 7,
  generatedAt: '2026-01-05T08:00:00.000Z',
  expiresAt: '2026-01-05T08:10:00.000Z',
  caCertificate: '-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n',
  members: [
    { id: 'ID/GOV/BPS', name: 'Badan Pusat Statistik', subsystems: ['ID/GOV/BPS/SENSUS'] },
    { id: 'ID/GOV/DUKCAPIL', name: 'Ditjen Dukcapil', subsystems: ['ID/GOV/DUKCAPIL/SIAK'] },
  ],
  gateways: [],
  services: [{ id: 'ID/GOV/DUKCAPIL/SIAK/person', title: 'Data penduduk', personalData: true, enabled: true }],
  accessRights: [{
    id: '6f1c2b1e-8d0a-4c55-9a57-3e1f0b8c2d44', client: 'ID/GOV/BPS/SENSUS', service: 'ID/GOV/DUKCAPIL/SIAK/person', purpose: 'STATISTIK-SENSUS',
    legalBasis: 'UU 16/1997 Statistik', grantedAt: '2026-01-05T07:59:00.000Z', grantedBy: 'admin', expiresAt: null,
  }],
} as unknown as GlobalConfiguration;

const doc = readFileSync(new URL('../../docs/protocols/global-configuration.md', import.meta.url), 'utf8');

describe('global configuration test vector', () => {
  const key = signingKeyFromSeed(SEED);
  const signed = signConfiguration(CONF, key);

  it('reproduces the documented key, payload and signature', () => {
    assert.equal(b64.encode(key.publicKey), PUBLIC_KEY);
    assert.equal(b64.decode(signed.payload).toString('utf8'), JSON.stringify(CONF));
    assert.equal(signed.signature, SIGNATURE);
    assert.equal(signed.signer, PUBLIC_KEY);
  });

  it('is the vector the protocol page publishes', () => {
    assert.ok(doc.includes(SEED.toString('hex')));
    assert.ok(doc.includes(PUBLIC_KEY));
    assert.ok(doc.includes(JSON.stringify(CONF)), 'payload JSON');
    assert.ok(doc.includes(`"payload": "${signed.payload}"`));
    assert.ok(doc.includes(`"signature": "${SIGNATURE}"`));
    assert.ok(doc.includes(b64.decode(SIGNATURE).toString('hex')));
  });

  it('verifies under the anchor and fails on any changed byte or another anchor', () => {
    assert.deepEqual(verifyConfiguration(signed, b64.decode(PUBLIC_KEY)), CONF);
    const tampered = { ...signed, payload: b64.encode(Buffer.from(JSON.stringify(CONF).replace('"version":7', '"version":8'))) };
    const other = signingKeyFromSeed(Buffer.alloc(32, 7)).publicKey;
    for (const [document, anchor] of [[tampered, b64.decode(PUBLIC_KEY)], [signed, other]] as const) {
      assert.throws(() => verifyConfiguration(document, anchor), (e: unknown) => e instanceof SimpulError && e.code === 'config.signature_invalid');
    }
    assert.equal(isExpired(CONF, Date.parse('2026-01-05T08:09:59.999Z')), false);
    assert.equal(isExpired(CONF, Date.parse('2026-01-05T08:10:00.000Z')), true);
  });
});
