/**
 * The few cryptographic primitives Simpul uses, all from Node's OpenSSL binding:
 * SHA-256, Ed25519 signatures, AES-256-GCM for personal data at rest.
 */
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  hash,
  randomBytes,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';

// One-shot hashing: a gateway hashes a dozen times per exchange, and creating a Hash object
// per digest costs about half again as much as the one-shot call (a micro-measurement, not kept).
export function sha256(...parts: (Uint8Array | string)[]): Buffer {
  if (parts.length === 1) return hash('sha256', parts[0]!, 'buffer');
  return hash('sha256', Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))), 'buffer');
}

export const b64 = {
  encode: (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64'),
  decode: (text: string): Buffer => Buffer.from(text, 'base64'),
};
export const b64url = {
  encode: (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url'),
  decode: (text: string): Buffer => Buffer.from(text, 'base64url'),
};

// DER prefixes of Ed25519 SPKI and PKCS#8 structures (RFC 8410); the 32 raw key bytes follow.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** An Ed25519 key pair; `publicKey` is the raw 32 bytes, as published in the global configuration. */
export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: Buffer;
}

export function generateSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey: rawPublicKey(publicKey) };
}

export function rawPublicKey(key: KeyObject): Buffer {
  return (key.export({ type: 'spki', format: 'der' }) as Buffer).subarray(SPKI_PREFIX.length);
}

/** The 32-byte seed, for storing a key (encrypted) in a database or a key file. */
export function exportSeed(key: SigningKey): Buffer {
  return (key.privateKey.export({ type: 'pkcs8', format: 'der' }) as Buffer).subarray(PKCS8_PREFIX.length);
}

export function signingKeyFromSeed(seed: Uint8Array): SigningKey {
  if (seed.length !== 32) throw new Error('An Ed25519 seed is 32 bytes');
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  return { privateKey, publicKey: rawPublicKey(createPublicKey(privateKey)) };
}

export function publicKeyObject(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new Error('An Ed25519 public key is 32 bytes');
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

export function sign(key: SigningKey, message: Uint8Array): Buffer {
  return nodeSign(null, message, key.privateKey);
}

/** Verifies against a raw public key or a prepared KeyObject (cache KeyObjects on hot paths). */
export function verify(publicKey: Uint8Array | KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  const key = publicKey instanceof Uint8Array ? publicKeyObject(publicKey) : publicKey;
  return nodeVerify(null, message, key, signature);
}

/**
 * Authenticated encryption for personal data at rest. The key id travels with the
 * ciphertext so keys can rotate: old ciphertexts stay readable while new ones use the
 * current key. Format (base64url segments): `v1.<kid>.<iv>.<ciphertext>.<tag>`.
 */
export class DataKeyring {
  readonly #keys: Map<string, Buffer>;
  readonly #current: string;

  constructor(keys: Record<string, Uint8Array>, current: string) {
    this.#keys = new Map(Object.entries(keys).map(([k, v]) => [k, Buffer.from(v)]));
    for (const [kid, key] of this.#keys) {
      if (key.length !== 32) throw new Error(`Data key ${kid} must be 32 bytes`);
      if (!/^[A-Za-z0-9_-]+$/.test(kid)) throw new Error(`Data key id ${kid} must be base64url-safe`);
    }
    if (!this.#keys.has(current)) throw new Error(`Current data key ${current} is not in the keyring`);
    this.#current = current;
  }

  static generate(kid = 'k1'): DataKeyring {
    return new DataKeyring({ [kid]: randomBytes(32) }, kid);
  }

  get currentKeyId(): string {
    return this.#current;
  }

  /** `aad` binds the ciphertext to its context (for example the table and row id). */
  encrypt(plaintext: string | Uint8Array, aad = ''): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(this.#current)!, iv);
    cipher.setAAD(Buffer.from(aad));
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return ['v1', this.#current, iv.toString('base64url'), ct.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  decrypt(sealed: string, aad = ''): Buffer {
    const [version, kid, iv, ct, tag] = sealed.split('.');
    if (version !== 'v1' || !kid || iv === undefined || ct === undefined || tag === undefined) throw new Error('Not a sealed value');
    const key = this.#keys.get(kid);
    if (!key) throw new Error(`Unknown data key ${kid}`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]);
  }

  decryptText(sealed: string, aad = ''): string {
    return this.decrypt(sealed, aad).toString('utf8');
  }

  /** Keys as base64url, for the component's key file. */
  export(): { current: string; keys: Record<string, string> } {
    return { current: this.#current, keys: Object.fromEntries([...this.#keys].map(([k, v]) => [k, v.toString('base64url')])) };
  }

  static import(data: { current: string; keys: Record<string, string> }): DataKeyring {
    return new DataKeyring(Object.fromEntries(Object.entries(data.keys).map(([k, v]) => [k, Buffer.from(v, 'base64url')])), data.current);
  }

  /** A keyring with a new current key; old keys stay for decryption. */
  rotate(kid: string): DataKeyring {
    return new DataKeyring({ ...Object.fromEntries(this.#keys), [kid]: randomBytes(32) }, kid);
  }
}

/**
 * Keyed commitment to a value (HMAC-SHA-256 under a per-gateway salt), so that records can
 * name a data subject without holding it in clear, and the salt can be destroyed to shred.
 */
const ZERO = Buffer.from([0]);
export function commitment(salt: Uint8Array, value: string): Buffer {
  return sha256(salt, ZERO, value);
}
