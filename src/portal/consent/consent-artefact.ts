/**
 * The consent artefact: a compact JWS (RFC 7515, EdDSA over Ed25519, RFC 8037) signed by the
 * portal, naming the data subject, the purpose code, the legal basis, each data item with its
 * source service and agency, and an expiry. The citizen can download it; the portal checks
 * it, and that it is not revoked, before every gateway call it makes under it.
 */
import { CompactSign, compactVerify } from 'jose';
import { SimpulError } from '../../core/errors.js';
import { publicKeyObject, type SigningKey } from '../../core/crypto.js';
import type { MemberId, Nik, PurposeCode, ServiceId, SubsystemId } from '../../core/ids.js';

export const CONSENT_TYPE = 'simpul-consent+jwt';

export interface ConsentItem {
  /** The data item's code, e.g. `fullName`. */
  item: string;
  service: ServiceId;
  agency: MemberId;
}

export interface ConsentClaims {
  jti: string;
  iss: SubsystemId;
  sub: Nik;
  iat: number;
  exp: number;
  purpose: PurposeCode;
  legal_basis: string;
  items: ConsentItem[];
  /** The application the consent serves, when there is one. */
  application: string | null;
}

export async function signConsent(key: SigningKey, claims: ConsentClaims): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: 'EdDSA', typ: CONSENT_TYPE })
    .sign(key.privateKey);
}

/** Verifies signature, type and expiry; returns the claims. */
export async function verifyConsent(publicKey: Uint8Array, jws: string, now: Date): Promise<ConsentClaims> {
  let payload: Uint8Array;
  try {
    const result = await compactVerify(jws, publicKeyObject(publicKey), { algorithms: ['EdDSA'] });
    if (result.protectedHeader.typ !== CONSENT_TYPE) throw new Error('wrong type');
    payload = result.payload;
  } catch (error) {
    throw new SimpulError('consent.required', 'The consent artefact does not verify.', {}, { cause: error });
  }
  const claims = JSON.parse(new TextDecoder().decode(payload)) as ConsentClaims;
  if (claims.exp * 1000 <= now.getTime()) throw new SimpulError('consent.expired', `The consent expired at ${new Date(claims.exp * 1000).toISOString()}.`);
  return claims;
}
