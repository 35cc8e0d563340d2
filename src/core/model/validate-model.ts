/**
 * Validation against the common data model, for the provider gateway (responses of services
 * that declare a model), adapters and tests. One Ajv instance holds every schema; each
 * entity's validator is compiled on first use and kept, so validation costs one function call.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { SimpulError } from '../errors.js';
import { addSimpulFormats } from './formats.js';
import { canonicalModelId } from './model-id.js';
import { MODEL_SCHEMAS, getModelSchema } from './model-registry.js';

export interface ModelViolation {
  /** JSON Pointer (RFC 6901) to the offending value; '' for the document itself. */
  path: string;
  message: string;
}

export type ModelValidation = { ok: true } | { ok: false; errors: ModelViolation[] };

// ajv-formats is CommonJS with a default export; under NodeNext its default import is the module.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

/** The most violations reported for one document: enough to fix it, bounded for a hostile one. */
const MAX_VIOLATIONS = 20;

let ajv: Ajv2020 | undefined;
const validators = new Map<string, ValidateFunction>();

function modelAjv(): Ajv2020 {
  if (!ajv) {
    ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, validateFormats: true });
    addFormats(ajv);
    addSimpulFormats(ajv);
    for (const schema of MODEL_SCHEMAS) ajv.addSchema(schema);
  }
  return ajv;
}

function validatorFor(id: string): ValidateFunction {
  const modelId = canonicalModelId(id);
  let validate = validators.get(modelId);
  if (!validate) {
    if (!getModelSchema(modelId)) {
      throw new SimpulError('model.unknown', `No common-data-model schema has the id ${JSON.stringify(modelId)}.`);
    }
    validate = modelAjv().getSchema(modelId);
    if (!validate) throw new SimpulError('model.unknown', `The schema ${modelId} could not be compiled.`);
    validators.set(modelId, validate);
  }
  return validate;
}

/**
 * Checks `body` (parsed JSON) against the model `modelId` (canonical, or short: `person/1`).
 * Throws `model.unknown` when the id names no schema: a configuration error, not a bad record.
 *
 * @example
 *   const result = validateAgainstModel('https://simpul.go.id/model/person/1', record);
 *   if (!result.ok) console.log(result.errors); // [{ path: '/nik', message: 'must match format "nik"' }]
 */
export function validateAgainstModel(modelId: string, body: unknown): ModelValidation {
  const validate = validatorFor(modelId);
  if (validate(body)) return { ok: true };
  return { ok: false, errors: describe(validate.errors ?? []) };
}

/**
 * Validates every record of a list answer (`{ items: [...] }`, an array, or a FHIR searchset
 * Bundle, whose records are `entry[].resource`) or a single record.
 */
export function validateRecordsAgainstModel(modelId: string, body: unknown): ModelValidation {
  // A Bundle without matches may leave `entry` out.
  if (isBundle(body)) return validateEach(modelId, (body.entry ?? []).map((e) => e?.resource), (i) => `/entry/${i}/resource`);
  const items = Array.isArray(body) ? body : isList(body) ? body.items : undefined;
  if (!items) return validateAgainstModel(modelId, body);
  const prefix = Array.isArray(body) ? '' : '/items';
  return validateEach(modelId, items, (i) => `${prefix}/${i}`);
}

function validateEach(modelId: string, items: unknown[], pathOf: (index: number) => string): ModelValidation {
  const errors: ModelViolation[] = [];
  items.forEach((item, index) => {
    const result = validateAgainstModel(modelId, item);
    if (!result.ok) errors.push(...result.errors.map((e) => ({ path: `${pathOf(index)}${e.path}`, message: e.message })));
  });
  return errors.length === 0 ? { ok: true } : { ok: false, errors: errors.slice(0, MAX_VIOLATIONS) };
}

function isBundle(body: unknown): body is { entry?: { resource?: unknown }[] } {
  if (typeof body !== 'object' || body === null || (body as { resourceType?: unknown }).resourceType !== 'Bundle') return false;
  const entry = (body as { entry?: unknown }).entry;
  return entry === undefined || Array.isArray(entry);
}

function isList(body: unknown): body is { items: unknown[] } {
  return typeof body === 'object' && body !== null && Array.isArray((body as { items?: unknown }).items);
}

function describe(errors: ErrorObject[]): ModelViolation[] {
  const out: ModelViolation[] = [];
  for (const error of errors) {
    // `anyOf`/`contains` add a summary error after their branches; keep it, it names the rule.
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'additionalProperties') message = `has no property ${JSON.stringify((error.params as { additionalProperty: string }).additionalProperty)} in this model`;
    if (error.keyword === 'enum') message = `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    if (error.keyword === 'const') message = `must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}`;
    out.push({ path: error.instancePath, message });
    if (out.length >= MAX_VIOLATIONS) break;
  }
  return out;
}
