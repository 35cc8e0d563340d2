/**
 * Patient: a FHIR R4 `Patient` resource (hl7.org/fhir/R4/patient.html) under a Simpul profile
 * that follows the Ministry of Health's SATUSEHAT conventions: the NIK is an identifier with
 * system `https://fhir.kemkes.go.id/id/nik`, and name, gender and birth date are required.
 * Elements the profile does not constrain stay allowed, as FHIR profiles do, but an element
 * name that FHIR R4 does not define for Patient is refused.
 */
import { modelId } from '../model-id.js';
import { ref } from './common.js';

export const PATIENT_ID = modelId('patient', 1);
export const NIK_SYSTEM = 'https://fhir.kemkes.go.id/id/nik';
export const IHS_SYSTEM = 'https://fhir.kemkes.go.id/id/ihs-number';

const PATIENT_ELEMENTS = [
  'resourceType', 'id', 'meta', 'implicitRules', 'language', 'text', 'contained', 'extension', 'modifierExtension',
  'identifier', 'active', 'name', 'telecom', 'gender', 'birthDate', 'deceasedBoolean', 'deceasedDateTime', 'address',
  'maritalStatus', 'multipleBirthBoolean', 'multipleBirthInteger', 'photo', 'contact', 'communication',
  'generalPractitioner', 'managingOrganization', 'link',
];

// FHIR `date`: a year, a year and month, or a full date.
const FHIR_DATE = '^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$';

export const patientSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: PATIENT_ID,
  title: 'Patient (FHIR R4, Simpul profile)',
  type: 'object',
  required: ['resourceType', 'identifier', 'name', 'gender', 'birthDate'],
  properties: {
    resourceType: { const: 'Patient' },
    id: { type: 'string', pattern: '^[A-Za-z0-9\\-.]{1,64}$' },
    active: { type: 'boolean' },
    identifier: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['system', 'value'],
        properties: {
          use: { enum: ['usual', 'official', 'temp', 'secondary', 'old'] },
          system: { type: 'string', format: 'uri' },
          value: { type: 'string', minLength: 1 },
        },
      },
      contains: {
        type: 'object',
        required: ['system', 'value'],
        properties: { system: { const: NIK_SYSTEM }, value: ref('nik') },
      },
      maxContains: 1,
    },
    name: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          use: { enum: ['usual', 'official', 'temp', 'nickname', 'anonymous', 'old', 'maiden'] },
          text: { type: 'string', minLength: 1 },
          family: { type: 'string', minLength: 1 },
          given: { type: 'array', items: { type: 'string', minLength: 1 } },
          prefix: { type: 'array', items: { type: 'string' } },
          suffix: { type: 'array', items: { type: 'string' } },
        },
        // Many Indonesians have a single name: `text` alone is enough, but a name must say something.
        anyOf: [{ required: ['text'] }, { required: ['family'] }, { required: ['given'] }],
      },
    },
    gender: { enum: ['male', 'female', 'other', 'unknown'] },
    birthDate: { type: 'string', pattern: FHIR_DATE },
    deceasedBoolean: { type: 'boolean' },
    deceasedDateTime: { type: 'string', format: 'date-time' },
    address: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          use: { enum: ['home', 'work', 'temp', 'old', 'billing'] },
          type: { enum: ['postal', 'physical', 'both'] },
          text: { type: 'string' },
          line: { type: 'array', items: { type: 'string' } },
          city: { type: 'string' },
          district: { type: 'string' },
          state: { type: 'string' },
          postalCode: { type: 'string' },
          country: { type: 'string' },
          extension: { type: 'array', items: { type: 'object', required: ['url'] } },
        },
      },
    },
  },
  propertyNames: { anyOf: [{ enum: PATIENT_ELEMENTS }, { pattern: '^_[a-zA-Z]+$' }] },
  not: { required: ['deceasedBoolean', 'deceasedDateTime'] },
} as const;

export interface FhirHumanName {
  use?: 'usual' | 'official' | 'temp' | 'nickname' | 'anonymous' | 'old' | 'maiden';
  text?: string;
  family?: string;
  given?: string[];
}

export interface FhirAddress {
  use?: 'home' | 'work' | 'temp' | 'old' | 'billing';
  type?: 'postal' | 'physical' | 'both';
  text?: string;
  line?: string[];
  city?: string;
  district?: string;
  state?: string;
  postalCode?: string;
  country?: string;
  extension?: { url: string; [value: string]: unknown }[];
}

export interface Patient {
  resourceType: 'Patient';
  id?: string;
  active?: boolean;
  identifier: { use?: string; system: string; value: string }[];
  name: FhirHumanName[];
  gender: 'male' | 'female' | 'other' | 'unknown';
  birthDate: string;
  deceasedBoolean?: boolean;
  deceasedDateTime?: string;
  address?: FhirAddress[];
  [element: string]: unknown;
}
