/**
 * Issued permits. The permit's content is signed by the portal's permit key as a compact JWS
 * (EdDSA, `typ: simpul-permit+jwt`); the PDF carries a verification URL with the signature, so
 * anyone can check without signing in that the document is one the portal issued and has not
 * been altered: the verification page recomputes the check against the content the portal
 * holds for that number. A wrong number, a wrong signature or a changed record is refused.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { CompactSign, compactVerify, type JWK } from 'jose';
import type { Kysely, Transaction } from 'kysely';
import { SimpulError } from '../../core/errors.js';
import { publicKeyObject } from '../../core/crypto.js';
import type { SubsystemId } from '../../core/ids.js';
import { seal, unseal, type PortalContext } from '../context.js';
import type { AddressParts } from '../consent/catalogue.js';
import type { PortalTables } from '../storage/schema.js';
import type { KbliActivity } from '../workflow/nib-form.js';
import type { RiskLevel } from '../workflow/risk.js';

export const PERMIT_TYPE = 'simpul-permit+jwt';
/** Permit numbers as printed (an NIB is 13 digits); anything else is refused before a lookup. */
export const PERMIT_NUMBER = /^[0-9A-Z][0-9A-Z-]{3,39}$/;

export interface PermitContent {
  v: 1;
  type: 'NIB';
  number: string;
  /** ISO 8601 instant. */
  issuedAt: string;
  issuer: { member: string; name: string };
  /** The subsystem that signed the document: the portal. */
  signer: SubsystemId;
  holder: { name: string; nikMasked: string };
  business: {
    name: string;
    scale: 'MIKRO';
    activities: Pick<KbliActivity, 'code' | 'title' | 'riskLevel'>[];
    riskLevel: RiskLevel;
    /** Further permits the risk level needs (Sertifikat Standar, Izin), with their state at issuance. */
    requiredPermits: string[];
    location: AddressParts;
    capital: number;
    employees: number;
  };
  licensing: { application: string; status: string };
}

/** What the public verification shows: no NIK, the holder's name shortened, the location without the street. */
export interface PublicPermit {
  number: string;
  type: string;
  issuedAt: string;
  issuer: { member: string; name: string };
  holderName: string;
  businessName: string;
  activities: { code: string; title: string; riskLevel: string }[];
  riskLevel: string;
  requiredPermits: string[];
  location: { village: string; district: string; city: string; province: string };
  status: 'valid' | 'revoked';
}

export interface PermitVerification {
  permit: PublicPermit;
  /** True when a signature was presented (from the document's QR code) and it matches. */
  documentChecked: boolean;
  keyId: string;
}

export interface IssuedPermit {
  number: string;
  content: PermitContent;
  jws: string;
  /** The JWS signature part: what the verification URL carries. */
  signature: string;
  status: 'valid' | 'revoked';
}

export function maskNik(nik: string): string {
  return `${nik.slice(0, 6)}******${nik.slice(-4)}`;
}

/** "Siti Rahayu Putri" → "Siti R. P.": enough to match a document, not a full name for anyone who types a number. */
export function shortName(name: string): string {
  const [first = '', ...rest] = name.trim().split(/\s+/);
  return [first, ...rest.map((w) => `${w[0]}.`)].join(' ');
}

function decodePayload(jws: string): PermitContent {
  return JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8')) as PermitContent;
}

export class Permits {
  readonly #ctx: PortalContext;
  readonly keyId: string;

  constructor(ctx: PortalContext) {
    this.#ctx = ctx;
    this.keyId = createHash('sha256').update(ctx.keys.permit.publicKey).digest('base64url').slice(0, 16);
  }

  async sign(content: PermitContent): Promise<string> {
    return new CompactSign(new TextEncoder().encode(JSON.stringify(content)))
      .setProtectedHeader({ alg: 'EdDSA', typ: PERMIT_TYPE, kid: this.keyId })
      .sign(this.#ctx.keys.permit.privateKey);
  }

  /** Stores a signed permit inside the caller's transaction (the workflow's last step). */
  async insert(trx: Transaction<PortalTables> | Kysely<PortalTables>, input: { jws: string; applicationId: string; accountId: string }): Promise<void> {
    const content = decodePayload(input.jws);
    await trx.insertInto('permit').values({
      number: content.number, kind: content.type, application_id: input.applicationId, account_id: input.accountId,
      jws_sealed: seal(this.#ctx, input.jws, `permit:${content.number}:jws`), issued_at: content.issuedAt, status: 'valid',
    }).execute();
  }

  /** The holder's own permit (for the PDF). */
  async forApplication(accountId: string, applicationId: string): Promise<IssuedPermit> {
    const row = await this.#ctx.db.selectFrom('permit').selectAll().where('application_id', '=', applicationId).where('account_id', '=', accountId).executeTakeFirst();
    if (!row) throw new SimpulError('request.not_found', 'No permit has been issued for this application.');
    const jws = unseal(this.#ctx, row.jws_sealed, `permit:${row.number}:jws`);
    return { number: row.number, content: decodePayload(jws), jws, signature: jws.split('.')[2]!, status: row.status };
  }

  /**
   * Public check of a permit number, and of the document's signature when one is presented.
   * Throws request.not_found for an unknown number, permit.signature_invalid when the
   * signature does not match the content the portal holds (or that content was altered).
   */
  async verify(number: string, signature?: string): Promise<PermitVerification> {
    if (!PERMIT_NUMBER.test(number)) throw new SimpulError('request.not_found', 'No permit has this number.');
    const row = await this.#ctx.db.selectFrom('permit').selectAll().where('number', '=', number).executeTakeFirst();
    if (!row) throw new SimpulError('request.not_found', `No permit has the number ${number}.`);
    let jws: string;
    try {
      jws = unseal(this.#ctx, row.jws_sealed, `permit:${row.number}:jws`);
    } catch (error) {
      // A sealed value moved from another row does not decrypt under this number.
      throw new SimpulError('permit.signature_invalid', 'The permit record for this number has been altered.', {}, { cause: error });
    }
    const [header = '', payload = '', stored = ''] = jws.split('.');
    const key = publicKeyObject(this.#ctx.keys.permit.publicKey);
    // The stored record is checked too: an edited database row does not verify either.
    const content = await this.#verifiedContent(`${header}.${payload}.${stored}`, key);
    if (content.number !== number) throw new SimpulError('permit.signature_invalid', 'The record for this number does not carry its own signature.');
    let documentChecked = false;
    if (signature !== undefined) {
      const presented = Buffer.from(signature, 'base64url');
      const expected = Buffer.from(stored, 'base64url');
      // Ed25519 signatures are deterministic: the document's must be the stored one, byte for byte.
      if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
        throw new SimpulError('permit.signature_invalid', `The document's signature does not match permit ${number}: the document was altered or is not the one the portal issued.`);
      }
      documentChecked = true;
    }
    const loc = content.business.location;
    return {
      keyId: this.keyId,
      documentChecked,
      permit: {
        number: content.number, type: content.type, issuedAt: content.issuedAt, issuer: content.issuer,
        holderName: shortName(content.holder.name), businessName: content.business.name,
        activities: content.business.activities.map(({ code, title, riskLevel }) => ({ code, title, riskLevel })),
        riskLevel: content.business.riskLevel, requiredPermits: content.business.requiredPermits,
        location: { village: loc.village, district: loc.district, city: loc.city, province: loc.province },
        status: row.status,
      },
    };
  }

  /** The permit key as a JWK set, so that anyone holding a document's JWS can check it offline. */
  publicJwks(): { keys: JWK[] } {
    return { keys: [{ kty: 'OKP', crv: 'Ed25519', x: this.#ctx.keys.permit.publicKey.toString('base64url'), kid: this.keyId, alg: 'EdDSA', use: 'sig' }] };
  }

  async #verifiedContent(jws: string, key: ReturnType<typeof publicKeyObject>): Promise<PermitContent> {
    try {
      const result = await compactVerify(jws, key, { algorithms: ['EdDSA'] });
      if (result.protectedHeader.typ !== PERMIT_TYPE) throw new Error('wrong type');
      return JSON.parse(new TextDecoder().decode(result.payload)) as PermitContent;
    } catch (error) {
      throw new SimpulError('permit.signature_invalid', 'The permit record does not verify with the portal key.', {}, { cause: error });
    }
  }
}

/** The URL printed (and QR-encoded) on the document. */
export function verificationUrl(origin: string, number: string, signature: string): string {
  return `${origin}/verifikasi/${encodeURIComponent(number)}?s=${signature}`;
}
