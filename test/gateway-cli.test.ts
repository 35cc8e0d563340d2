/**
 * An agency's operator sets up a gateway with the CLI: keys and CSR, the certificate the
 * registry issued, and a token for one of the agency's own systems.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { X509Certificate } from 'node:crypto';
import type { SubsystemId } from '../src/core/ids.js';
import { createCertificateAuthority, issueCertificate } from '../src/core/pki.js';
import { openDatabase } from '../src/core/storage/database.js';
import { LocalClients } from '../src/gateway/context.js';
import { GatewayStore, type GatewayTables } from '../src/gateway/store.js';

const run = promisify(execFile);
const simpul = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...process.env, DATABASE_URL: '' } });

describe('simpul gateway init, install-cert and client-token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'simpul-gwcli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('creates private keys readable by the owner only and a CSR naming the gateway', async () => {
    const { stdout } = await simpul('gateway', 'init', '--id', 'ID/GOV/BPS/gw1', '--dir', dir, '--host', '127.0.0.1', 'gw.bps.go.id');
    assert.match(stdout, /simpul registry gateway add --id ID\/GOV\/BPS\/gw1/);
    assert.equal(statSync(join(dir, 'keys.json')).mode & 0o777, 0o600);
    const keys = JSON.parse(readFileSync(join(dir, 'keys.json'), 'utf8')) as { signingSeed: string; tlsKeyPem: string; tlsCertPem: string };
    assert.ok(keys.signingSeed && keys.tlsKeyPem.includes('PRIVATE KEY'));
    assert.equal(keys.tlsCertPem, '');
    assert.match(readFileSync(join(dir, 'gateway.csr'), 'utf8'), /BEGIN CERTIFICATE REQUEST/);
  });

  it('installs the certificate the instance CA issued for that CSR', async () => {
    const ca = await createCertificateAuthority('ID');
    const certPem = await issueCertificate(ca, readFileSync(join(dir, 'gateway.csr'), 'utf8'), { days: 30 });
    writeFileSync(join(dir, 'gateway.crt'), certPem);
    await simpul('gateway', 'install-cert', '--keys', join(dir, 'keys.json'), '--cert', join(dir, 'gateway.crt'));
    const keys = JSON.parse(readFileSync(join(dir, 'keys.json'), 'utf8')) as { tlsCertPem: string };
    const cert = new X509Certificate(keys.tlsCertPem);
    assert.match(cert.subject, /ID\/GOV\/BPS\/gw1/);
    assert.ok(cert.checkIssued(new X509Certificate(ca.certificatePem)));
    assert.equal(statSync(join(dir, 'keys.json')).mode & 0o777, 0o600);
  });

  it('issues a token for a subsystem, stores only its hash, and a new token replaces the old', async () => {
    const settings = { id: 'ID/GOV/BPS/gw1', keyFile: 'keys.json', registry: { anchor: 'AAAA', configurationFile: 'conf.json' }, consumer: { port: 0 }, peer: { port: 0 }, database: { dataDir: 'db', schema: 'gateway' }, backends: {} };
    writeFileSync(join(dir, 'gateway.json'), JSON.stringify(settings));
    const first = (await simpul('gateway', 'client-token', '--settings', join(dir, 'gateway.json'), '--subsystem', 'ID/GOV/BPS/SENSUS')).stdout.trim();
    const second = (await simpul('gateway', 'client-token', '--settings', join(dir, 'gateway.json'), '--subsystem', 'ID/GOV/BPS/SENSUS')).stdout.trim();
    assert.notEqual(first, second);
    const store = await GatewayStore.open(await openDatabase<GatewayTables>({ dataDir: join(dir, 'db'), schema: 'gateway' }));
    const credentials = await store.clientCredentials();
    await store.close();
    assert.equal(credentials.length, 1);
    assert.equal(credentials[0]!.subsystem, 'ID/GOV/BPS/SENSUS');
    assert.deepEqual(credentials[0]!.tokenHash, LocalClients.hash(second));
    const clients = new LocalClients();
    clients.set(credentials[0]!.subsystem as SubsystemId, credentials[0]!.tokenHash);
    assert.equal(clients.authenticate(`Bearer ${second}`), 'ID/GOV/BPS/SENSUS');
    assert.throws(() => clients.authenticate(`Bearer ${first}`), /client|token/i);
  });

  it('refuses a malformed subsystem identifier', async () => {
    await assert.rejects(simpul('gateway', 'client-token', '--settings', join(dir, 'gateway.json'), '--subsystem', 'BPS'), (error: { stderr: string }) => /subsystem|identifier/i.test(error.stderr));
  });
});
