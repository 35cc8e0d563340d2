/**
 * The provider gateway checks the agency system's answer against the common-data-model schema
 * its service declares in the registry (`ServiceEntry.dataModel`), so a consumer never receives
 * a malformed record silently (docs/adr/0045). Per service, the operator chooses:
 *   reject: the consumer gets `model.violation` (problem+json, 502) instead of the record;
 *   warn:   the record goes through with a `Simpul-Model-Warning` header, and the exchange is
 *           recorded with the code `model.violation` (outcome ok);
 *   off:    no check (a service being migrated to the model).
 * Only successful JSON answers are checked: problems and non-JSON payloads are not records.
 */
import { SimpulError } from '../core/errors.js';
import { validateRecordsAgainstModel, type ModelViolation } from '../core/model/validate-model.js';

export type ModelCheckMode = 'reject' | 'warn' | 'off';

export const MODEL_CHECK_MODES: readonly ModelCheckMode[] = ['reject', 'warn', 'off'];

/** The header a warn-mode violation adds to the answer (the consumer gateway passes it on). */
export const MODEL_WARNING_HEADER = 'simpul-model-warning';

export interface ModelCheckResult {
  /** Violations found in warn mode; the answer is passed on. */
  warning?: { model: string; errors: ModelViolation[] };
}

function isJson(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || (type.endsWith('+json') && type !== 'application/problem+json');
}

/**
 * Checks `body` of a `status` answer. Throws `model.violation` (reject mode) with the
 * violations as `errors`, and `model.unknown` when the declared id names no schema.
 */
export function checkAgainstModel(model: string | undefined, mode: ModelCheckMode, status: number, contentType: string | undefined, body: Buffer): ModelCheckResult {
  if (!model || mode === 'off' || status < 200 || status >= 300 || !isJson(contentType)) return {};
  let parsed: unknown;
  let errors: ModelViolation[];
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined) {
    errors = [{ path: '', message: 'is not well-formed JSON' }];
  } else {
    const result = validateRecordsAgainstModel(model, parsed);
    if (result.ok) return {};
    errors = result.errors;
  }
  if (mode === 'warn') return { warning: { model, errors } };
  const first = errors[0]!;
  throw new SimpulError('model.violation', `The agency system's answer does not follow ${model}: ${first.path || '/'} ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}.`, { model, errors });
}

/** The warning header value: the model and the first violations, short enough for a header. */
export function modelWarningHeader(warning: NonNullable<ModelCheckResult['warning']>): string {
  const listed = warning.errors.slice(0, 3).map((e) => `${e.path || '/'} ${e.message}`).join('; ');
  return encodeURIComponent(`model.violation ${warning.model}: ${listed}`).slice(0, 1000);
}
