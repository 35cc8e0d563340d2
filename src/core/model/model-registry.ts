/**
 * Every schema of the common data model, by id. The registry publishes these documents; the
 * provider gateway validates responses of services that declare one (`ServiceEntry.dataModel`).
 */
import { canonicalModelId } from './model-id.js';
import { businessSchema } from './schemas/business.js';
import { commonSchema } from './schemas/common.js';
import { householdSchema } from './schemas/household.js';
import { patientSchema } from './schemas/patient.js';
import { permitSchema } from './schemas/permit.js';
import { personSchema } from './schemas/person.js';
import { respondentSchema } from './schemas/respondent.js';
import { studentSchema } from './schemas/student.js';

export interface ModelSchema {
  $id: string;
  $schema: string;
  title: string;
  [keyword: string]: unknown;
}

/** Shared definitions first: entity schemas refer to them by `$ref`. */
export const MODEL_SCHEMAS: readonly ModelSchema[] = Object.freeze([
  commonSchema,
  personSchema,
  householdSchema,
  businessSchema,
  permitSchema,
  studentSchema,
  patientSchema,
  respondentSchema,
] as unknown as ModelSchema[]);

const byId = new Map(MODEL_SCHEMAS.map((schema) => [schema.$id, schema]));

/** The schema with this id (canonical, or short: `person/1`, `simpul:person/1`). */
export function getModelSchema(id: string): ModelSchema | undefined {
  return byId.get(canonicalModelId(id));
}

/** Ids of the schemas a service can declare (the entities; not the shared definitions). */
export function listModelIds(): string[] {
  return MODEL_SCHEMAS.filter((schema) => !schema.$id.includes('/model/common/')).map((schema) => schema.$id);
}
