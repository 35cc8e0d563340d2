import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { before, describe, it } from 'node:test';
import {
  certificateCommonName,
  certificateFingerprint,
  createCertificateAuthority,
  createTlsKeyAndCsr,
  issueCertificate,
  readCsr,
  type CertificateAuthority,
} from './pki.js';

interface Identity { key: string; cert: string }

async function identity(ca: CertificateAuthority, name: string): Promise<Identity> {
  const { privateKeyPem, csrPem } = await createTlsKeyAndCsr(name, ['localhost', '127.0.0.1']);
  return { key: privateKeyPem, cert: await issueCertificate(ca, csrPem, {}) };
}

async function serve(ca: CertificateAuthority, server: Identity): Promise<{ server: Server; port: number }> {
  const https = createServer({ key: server.key, cert: server.cert, ca: ca.certificatePem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    res.end(`halo ${peer.subject.CN}`);
  });
  https.listen(0, '127.0.0.1');
  await once(https, 'listening');
  return { server: https, port: (https.address() as AddressInfo).port };
}

function call(port: number, ca: CertificateAuthority, client: Identity | undefined, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', ca: ca.certificatePem, ...(client ?? {}), agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve(body));
    });
    req.on('error', reject).end();
  });
}

describe('instance PKI', () => {
  let ca: CertificateAuthority;
  let other: CertificateAuthority;
  before(async () => {
    [ca, other] = await Promise.all([createCertificateAuthority('ID'), createCertificateAuthority('XX')]);
  });

  it('creates a CA that may only sign certificates', () => {
    const cert = new X509Certificate(ca.certificatePem);
    assert.equal(cert.ca, true);
    assert.match(cert.subject, /CN=Simpul ID instance CA/);
    assert.equal(cert.verify(cert.publicKey), true);
    assert.match(ca.privateKeyPem, /^-----BEGIN PRIVATE KEY-----/);
  });

  it('issues a leaf with the requested hosts, both TLS usages and a random serial', async () => {
    const { csrPem } = await createTlsKeyAndCsr('ID/GOV/DUKCAPIL/gw1', ['gw.dukcapil.go.id', '127.0.0.1']);
    assert.deepEqual(await readCsr(csrPem), { commonName: 'ID/GOV/DUKCAPIL/gw1', hosts: ['gw.dukcapil.go.id', '127.0.0.1'] });
    const first = new X509Certificate(await issueCertificate(ca, csrPem, { days: 30 }));
    const second = new X509Certificate(await issueCertificate(ca, csrPem, { hosts: ['localhost'] }));
    assert.equal(first.ca, false);
    assert.equal(first.verify(new X509Certificate(ca.certificatePem).publicKey), true);
    assert.equal(first.subjectAltName, 'DNS:gw.dukcapil.go.id, IP Address:127.0.0.1');
    assert.equal(second.subjectAltName, 'DNS:localhost');
    assert.deepEqual(first.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    assert.notEqual(first.serialNumber, second.serialNumber);
    assert.equal(certificateCommonName(first.toString()), 'ID/GOV/DUKCAPIL/gw1');
    const days = (Date.parse(first.validTo) - Date.now()) / 86_400_000;
    assert.ok(days > 29.9 && days <= 30, `valid for ${days} days`);
  });

  it('refuses a CSR whose signature does not verify', async () => {
    const { csrPem } = await createTlsKeyAndCsr('ID/GOV/BPS/gw1', ['localhost']);
    const der = Buffer.from(csrPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der[der.length - 5] = der[der.length - 5]! ^ 0xff; // inside the signature
    const forged = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    await assert.rejects(issueCertificate(ca, forged, {}), /does not verify|signature/i);
    await assert.rejects(issueCertificate(ca, 'not a csr', {}), /certificate signing request/);
  });

  it('fingerprints the DER with SHA-256', async () => {
    const cert = (await identity(ca, 'ID/GOV/BPS/gw1')).cert;
    assert.equal(certificateFingerprint(cert), new X509Certificate(cert).fingerprint256.replaceAll(':', '').toLowerCase());
  });

  it('completes a mutual-TLS handshake between two holders of CA-issued certificates', async () => {
    const [serverId, clientId] = await Promise.all([identity(ca, 'ID/GOV/DUKCAPIL/gw1'), identity(ca, 'ID/GOV/BPS/gw1')]);
    const { server, port } = await serve(ca, serverId);
    try {
      assert.equal(await call(port, ca, clientId), 'halo ID/GOV/BPS/gw1');
      assert.equal(await call(port, ca, clientId, 'localhost'), 'halo ID/GOV/BPS/gw1');
    } finally {
      server.close();
    }
  });

  it('refuses a client certificate from another CA, and a client without one', async () => {
    const serverId = await identity(ca, 'ID/GOV/DUKCAPIL/gw1');
    const stranger = await identity(other, 'XX/GOV/EVIL/gw1');
    const { server, port } = await serve(ca, serverId);
    try {
      await assert.rejects(call(port, ca, stranger), (e: NodeJS.ErrnoException) => /ECONNRESET|alert|certificate/i.test(`${e.code} ${e.message}`));
      await assert.rejects(call(port, ca, undefined), (e: NodeJS.ErrnoException) => /ECONNRESET|alert|certificate/i.test(`${e.code} ${e.message}`));
    } finally {
      server.close();
    }
  });

  it('lets the client refuse a server whose certificate is from another CA', async () => {
    const impostor = await identity(other, 'ID/GOV/DUKCAPIL/gw1');
    const clientId = await identity(ca, 'ID/GOV/BPS/gw1');
    const { server, port } = await serve(other, impostor);
    try {
      await assert.rejects(call(port, ca, clientId), (e: NodeJS.ErrnoException) => e.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || /self[- ]signed|unable to verify/i.test(e.message));
    } finally {
      server.close();
    }
  });
});
