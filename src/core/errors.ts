/**
 * Every error Simpul returns over HTTP is an RFC 9457 problem+json document with a stable
 * `code`. The table below is the single source of codes: a code is never reused for another
 * meaning, and `docs/errors.md` is generated from it.
 */

export interface ProblemSpec {
  status: number;
  title: string;
}

export const PROBLEMS = {
  // The local system calling its own gateway.
  'client.unauthenticated': { status: 401, title: 'The calling system did not authenticate to its gateway' },
  'client.not_owner': { status: 403, title: 'The credentials do not belong to the subsystem named in Simpul-Client' },
  'client.access_denied': { status: 403, title: 'No access right allows this client to call this service' },
  'client.purpose_not_allowed': { status: 403, title: 'The access right does not grant this purpose' },
  'client.right_expired': { status: 403, title: 'The access right has expired' },
  // Request shape.
  'request.malformed_identifier': { status: 400, title: 'Malformed identifier' },
  'request.malformed_header': { status: 400, title: 'Malformed or missing header' },
  'request.malformed_purpose': { status: 400, title: 'Malformed purpose code' },
  'request.malformed_subject': { status: 400, title: 'Malformed data subject' },
  'request.subject_required': { status: 400, title: 'This service handles personal data: Simpul-Subject is required' },
  'request.body_too_large': { status: 413, title: 'Request body too large' },
  'request.invalid': { status: 400, title: 'The request does not match the schema' },
  'request.not_found': { status: 404, title: 'No such resource' },
  'request.conflict': { status: 409, title: 'The resource already exists or conflicts with another' },
  // Between gateways.
  'message.signature_invalid': { status: 401, title: 'The message signature does not verify' },
  'message.body_digest_mismatch': { status: 401, title: 'The body does not match the signed digest' },
  'message.replayed': { status: 409, title: 'A message with this id was already received' },
  'message.stale': { status: 401, title: 'The message time is outside the accepted window' },
  'message.unknown_sender': { status: 403, title: 'The sending gateway is not in the global configuration' },
  'message.response_mismatch': { status: 502, title: 'The response is not bound to the request that was sent' },
  // Exchange log and witnesses.
  'log.bad_range': { status: 400, title: 'The index, size or range is outside the log' },
  'log.no_checkpoint': { status: 404, title: 'No checkpoint has been published yet' },
  'log.unknown_exchange': { status: 404, title: 'No exchange with this id is in this log' },
  'log.no_tile': { status: 404, title: 'The log has no such tile or entry bundle (yet)' },
  'log.not_yet_checkpointed': { status: 404, title: 'The exchange is logged but no published checkpoint covers it yet; retry in a few seconds' },
  'witness.bad_request': { status: 400, title: 'The add-checkpoint request is malformed' },
  'witness.bad_signature': { status: 403, title: 'The checkpoint is not signed by a key this witness trusts for its log' },
  'witness.unknown_log': { status: 404, title: 'This witness does not witness that log' },
  'witness.root_mismatch': { status: 409, title: 'The witness cosigned another root at this size: the log shows two histories' },
  'witness.inconsistent': { status: 422, title: 'The consistency proof does not verify against the checkpoint the witness cosigned' },
  // Services and configuration.
  'service.unknown': { status: 404, title: 'No such service in the global configuration' },
  'service.disabled': { status: 503, title: 'The service is disabled by its provider' },
  'config.expired': { status: 503, title: 'The global configuration has expired; the gateway refuses exchanges until it is refreshed' },
  'config.unavailable': { status: 503, title: 'No verified global configuration is available' },
  'config.signature_invalid': { status: 502, title: 'The global configuration signature does not verify' },
  'provider.unreachable': { status: 502, title: 'The provider gateway or backend could not be reached' },
  'provider.timeout': { status: 504, title: 'The provider did not answer in time' },
  'provider.error': { status: 502, title: 'The provider backend answered with an error' },
  // Adapters and the common data model.
  'adapter.soap_fault': { status: 502, title: 'The legacy SOAP service answered with a fault' },
  'adapter.malformed_upstream': { status: 502, title: 'The legacy system answered with a malformed or unexpected message' },
  'adapter.mapping_failed': { status: 502, title: 'The declared mapping failed on this request or response' },
  'adapter.upstream_too_large': { status: 502, title: 'The legacy system answer exceeds the adapter size limit' },
  'adapter.unavailable': { status: 503, title: 'The adapter has no good data to serve yet' },
  'model.unknown': { status: 500, title: 'The declared data model is not a known common-data-model schema' },
  'model.violation': { status: 502, title: 'The response does not match the data model the service declares' },
  // Management API.
  'auth.unauthenticated': { status: 401, title: 'Sign-in required' },
  'auth.forbidden': { status: 403, title: 'Your role does not allow this action' },
  'auth.csrf_invalid': { status: 403, title: 'The form is stale or did not come from this site' },
  'auth.rate_limited': { status: 429, title: 'Too many failed attempts; try again later' },
  'consent.required': { status: 403, title: 'No consent in force covers this access to personal data' },
  'consent.revoked': { status: 403, title: 'The consent was revoked; no further access is allowed' },
  'consent.expired': { status: 403, title: 'The consent has expired' },
  'permit.signature_invalid': { status: 422, title: 'The permit document does not match a permit the portal issued (altered or forged)' },
  // Reconciliation engine.
  'reconcile.invalid_input': { status: 400, title: 'The input file cannot be read as a CSV of person records' },
  'reconcile.invalid_mapping': { status: 400, title: 'The field map is malformed or names a column the file does not have' },
  'reconcile.invalid_option': { status: 400, title: 'A reconciliation option is malformed or out of range' },
  'reconcile.correction_decided': { status: 409, title: 'The correction request was already accepted or rejected' },
  'oversight.alert_state': { status: 409, title: 'The alert is not in a state that allows this step' },
  'oversight.own_agency_only': { status: 403, title: 'An agency administrator may act only on their own agency' },
  'internal.error': { status: 500, title: 'Internal error' },
  'internal.unavailable': { status: 503, title: 'Temporarily unavailable' },
} as const satisfies Record<string, ProblemSpec>;

export type ProblemCode = keyof typeof PROBLEMS;

/** The RFC 9457 document, with Simpul's `code` extension member. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

export const PROBLEM_TYPE_BASE = 'https://simpul.go.id/problems/';

export class SimpulError extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly extensions: Record<string, unknown>;

  constructor(code: ProblemCode, detail?: string, extensions: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(detail ?? PROBLEMS[code].title, options);
    this.name = 'SimpulError';
    this.code = code;
    this.status = PROBLEMS[code].status;
    this.extensions = extensions;
  }

  toProblem(instance?: string): ProblemDocument {
    return problem(this.code, this.message, { ...this.extensions, ...(instance ? { instance } : {}) });
  }
}

export function problem(code: ProblemCode, detail?: string, extensions: Record<string, unknown> = {}): ProblemDocument {
  const spec = PROBLEMS[code];
  return {
    type: PROBLEM_TYPE_BASE + code,
    title: spec.title,
    status: spec.status,
    code,
    ...(detail !== undefined ? { detail } : {}),
    ...extensions,
  };
}

export function isProblemCode(value: unknown): value is ProblemCode {
  return typeof value === 'string' && Object.hasOwn(PROBLEMS, value);
}
