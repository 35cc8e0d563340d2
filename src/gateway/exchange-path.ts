/**
 * `/r1/{INSTANCE}/{CLASS}/{MEMBER}/{SUBSYSTEM}/{SERVICE}[/path]` → the service and the rest.
 */
import { SimpulError } from '../core/errors.js';
import { parseServiceId, parseSubsystemId, type ServiceId } from '../core/ids.js';

export interface ExchangePath {
  service: ServiceId;
  /** The rest after the service code, starting with '/' or empty. */
  rest: string;
}

export function parseExchangePath(path: string): ExchangePath {
  if (!path.startsWith('/r1/')) throw new SimpulError('request.malformed_identifier', 'Exchange paths start with /r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE.');
  const parts = path.slice(4).split('/');
  if (parts.length < 5) throw new SimpulError('request.malformed_identifier', `The path names no service: expected /r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE, got ${path}.`);
  const service = parseServiceId(parts.slice(0, 5).map(decodeSegment).join('/'));
  const rest = parts.length > 5 ? '/' + parts.slice(5).join('/') : '';
  return { service, rest };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new SimpulError('request.malformed_identifier', `Bad percent-encoding in ${segment}.`);
  }
}

/** Subjects are opaque to the gateway (a NIK, a passport number…) but must be one printable token. */
export function parseSubject(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^[\x21-\x7e]{1,128}$/.test(value)) throw new SimpulError('request.malformed_subject', 'Simpul-Subject must be 1-128 printable ASCII characters without spaces.');
  return value;
}

export function parseClientHeader(value: string | undefined) {
  if (!value) throw new SimpulError('request.malformed_header', 'Simpul-Client (INSTANCE/CLASS/MEMBER/SUBSYSTEM) is required.');
  return parseSubsystemId(value);
}

/** The first value of a header as Node hands headers over (a string, or an array for repeats). */
export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Content negotiation headers passed along the exchange, from client to agency system. */
export const PASSED_HEADERS = ['content-type', 'accept', 'accept-language'] as const;

/** The service part of a path as claimed, for recording a request refused before it parsed. */
export function claimedService(path: string): string {
  return path.startsWith('/r1/') ? path.slice(4).split('/').slice(0, 5).join('/') : path;
}
