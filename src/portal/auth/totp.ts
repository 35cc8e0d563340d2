/**
 * Time-based one-time passwords (RFC 6238: SHA-1, 6 digits, 30 s) through otplib, enrolled by
 * scanning a QR code. A code is accepted once only: the caller stores the accepted time step
 * and passes it back as `afterStep`, and otplib refuses any code from that step or earlier.
 */
import { generate, generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';

export const TOTP_ISSUER = 'Portal Simpul';

export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

export function totpUri(secret: string, label: string): string {
  return generateURI({ issuer: TOTP_ISSUER, label, secret });
}

/** The QR code as an SVG document, to inline in the enrolment page (no script, no extra request). */
export function totpQrSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/**
 * Returns the time step the code belongs to when it is valid and newer than `afterStep`, else
 * undefined. One step of clock drift either way is tolerated (RFC 6238 §5.2).
 */
export async function verifyTotp(secret: string, code: string, afterStep: number | null, now: Date): Promise<number | undefined> {
  if (!/^\d{6}$/.test(code)) return undefined;
  const result = await verify({
    secret,
    token: code,
    epoch: Math.floor(now.getTime() / 1000),
    epochTolerance: 30,
    ...(afterStep !== null ? { afterTimeStep: afterStep } : {}),
  });
  return result.valid && 'timeStep' in result ? result.timeStep : undefined;
}

/** The current code, for tests and the demo printout. */
export function totpCode(secret: string, now = new Date()): Promise<string> {
  return generate({ secret, epoch: Math.floor(now.getTime() / 1000) });
}
