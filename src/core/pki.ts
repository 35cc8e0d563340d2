/**
 * The instance's public-key infrastructure for mutual TLS between gateways: the registry runs
 * a certificate authority, each gateway generates its own key and a certificate signing request
 * (the private key never leaves the gateway), and the registry issues a leaf certificate.
 *
 * Keys are ECDSA P-256: every TLS stack accepts them and the handshake is far cheaper than RSA.
 * Private keys are PKCS#8 PEM, which `node:tls`, `node:https` and `node:http2` take as `key`.
 */
import 'reflect-metadata'; // @peculiar/x509's dependency injection needs it loaded first
import * as x509 from '@peculiar/x509';
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

// The library's types name the DOM's Crypto; Node's webcrypto is the same API.
x509.cryptoProvider.set(webcrypto as unknown as ReturnType<typeof x509.cryptoProvider.get>);

const subtle = webcrypto.subtle;
const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const SUBJECT_ALT_NAME_OID = '2.5.29.17';
const DAY_MS = 24 * 60 * 60 * 1000;
// Tolerate small clock differences between the registry and the gateways.
const BACKDATE_MS = 5 * 60 * 1000;

export interface CertificateAuthority {
  certificatePem: string;
  privateKeyPem: string;
}

export interface TlsKeyAndCsr {
  privateKeyPem: string;
  csrPem: string;
}

export interface IssueOptions {
  /** Subject common name; defaults to the CSR's. */
  commonName?: string;
  /** DNS names or IP addresses for the subjectAltName; defaults to those the CSR requests. */
  hosts?: string[];
  /** Validity in days; default 365. */
  days?: number;
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return (await subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

async function importPrivateKey(pem: string): Promise<CryptoKey> {
  const [der] = x509.PemConverter.decode(pem);
  if (!der) throw new Error('Not a PEM private key');
  return subtle.importKey('pkcs8', der, KEY_ALGORITHM, false, ['sign']);
}

function subjectName(commonName: string, organization?: string): x509.JsonName {
  return organization ? [{ CN: [commonName] }, { O: [organization] }] : [{ CN: [commonName] }];
}

function generalNames(hosts: string[]): x509.JsonGeneralNames {
  return hosts.map((host) => ({ type: isIP(host) ? 'ip' : 'dns', value: host }));
}

function randomSerial(): string {
  // 16 random bytes with the top bit cleared: a positive integer, as RFC 5280 requires.
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

function validity(days: number): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - BACKDATE_MS), notAfter: new Date(now + days * DAY_MS) };
}

/**
 * Creates the instance CA: a self-signed certificate that may only sign certificates and CRLs.
 *
 * @example
 *   const ca = await createCertificateAuthority('ID');
 *   // ca.certificatePem is published in the global configuration as the mTLS trust anchor.
 */
export async function createCertificateAuthority(instance: string, opts: { days?: number } = {}): Promise<CertificateAuthority> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: subjectName(`Simpul ${instance} instance CA`, `Simpul ${instance}`),
    ...validity(opts.days ?? 3650),
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certificatePem: cert.toString('pem'), privateKeyPem: await privateKeyPem(keys.privateKey) };
}

/**
 * Generates a gateway's TLS key and a CSR naming the hosts it will be reached at
 * (DNS names or IP addresses, e.g. `localhost`, `127.0.0.1`).
 */
export async function createTlsKeyAndCsr(commonName: string, hosts: string[]): Promise<TlsKeyAndCsr> {
  const keys = await generateKeys();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectName(commonName),
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: hosts.length > 0 ? [new x509.SubjectAlternativeNameExtension(generalNames(hosts))] : [],
  });
  return { privateKeyPem: await privateKeyPem(keys.privateKey), csrPem: csr.toString('pem') };
}

/** The CN and requested hosts of a CSR, after checking that it is signed by its own key. */
export async function readCsr(csrPem: string): Promise<{ commonName: string | undefined; hosts: string[] }> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (error) {
    throw new Error('Not a PEM certificate signing request', { cause: error });
  }
  if (!(await csr.verify())) throw new Error('The certificate signing request signature does not verify');
  const commonName = csr.subjectName.getField('CN')[0];
  // Looked up by OID: getExtension(class) misses when the CSR's extension request was parsed.
  const raw = csr.extensions.find((e) => e.type === SUBJECT_ALT_NAME_OID);
  const san = raw ? new x509.SubjectAlternativeNameExtension(raw.rawData) : undefined;
  const hosts = san ? san.names.items.filter((n) => n.type === 'dns' || n.type === 'ip').map((n) => n.value) : [];
  return { commonName, hosts };
}

/**
 * Issues a leaf certificate for a CSR: usable as both TLS server and client (a gateway is
 * both), with the given hosts as subjectAltName and a random serial. Throws when the CSR's
 * signature does not verify, so nobody can obtain a certificate for a key they do not hold.
 */
export async function issueCertificate(ca: CertificateAuthority, csrPem: string, opts: IssueOptions = {}): Promise<string> {
  const request = await readCsr(csrPem);
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  const commonName = opts.commonName ?? request.commonName;
  if (!commonName) throw new Error('The certificate needs a common name');
  const hosts = opts.hosts ?? request.hosts;
  const caCert = new x509.X509Certificate(ca.certificatePem);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
    await x509.SubjectKeyIdentifierExtension.create(csr.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
  ];
  if (hosts.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(generalNames(hosts)));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: subjectName(commonName),
    issuer: caCert.subjectName,
    publicKey: csr.publicKey,
    signingKey: await importPrivateKey(ca.privateKeyPem),
    signingAlgorithm: SIGNING_ALGORITHM,
    ...validity(opts.days ?? 365),
    extensions,
  });
  return cert.toString('pem');
}

/** SHA-256 of the certificate's DER, lower-case hex: how a certificate is pinned or named in logs. */
export function certificateFingerprint(pem: string): string {
  const [der] = x509.PemConverter.decode(pem);
  if (!der) throw new Error('Not a PEM certificate');
  return createHash('sha256').update(Buffer.from(der)).digest('hex');
}

/** The subject common name of a PEM certificate. */
export function certificateCommonName(pem: string): string | undefined {
  return new x509.X509Certificate(pem).subjectName.getField('CN')[0];
}
