/**
 * Respondent: a person as a statistics survey or census (BPS) recorded them. Surveys record
 * what people say, so fields are looser than the base registry's and the NIK may be missing;
 * the reconciliation engine links respondents to persons.
 */
import { modelId } from '../model-id.js';
import { ref, type Sex } from './common.js';

export const RESPONDENT_ID = modelId('respondent', 1);

export const respondentSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: RESPONDENT_ID,
  title: 'Survey respondent (responden)',
  type: 'object',
  required: ['respondentId', 'survey', 'nik', 'fullName', 'sex', 'birthDate', 'address', 'occupation', 'maritalStatus', 'surveyedAt'],
  properties: {
    respondentId: { type: 'string', minLength: 1, maxLength: 64 },
    survey: { title: 'Survey code, e.g. SUSENAS-2025', type: 'string', minLength: 1, maxLength: 64 },
    nik: { anyOf: [ref('nik'), { type: 'null' }] },
    fullName: ref('text'),
    sex: ref('sex'),
    birthDate: { anyOf: [ref('date'), { type: 'null' }] },
    address: {
      type: 'object',
      required: ['village', 'district', 'city', 'province'],
      properties: {
        street: { type: 'string', maxLength: 200 },
        village: ref('text'),
        district: ref('text'),
        city: ref('text'),
        province: ref('text'),
        /** BPS 10-digit village code (kode wilayah). */
        regionCode: { type: 'string', pattern: '^[0-9]{10}$' },
      },
      additionalProperties: false,
    },
    occupation: { type: ['string', 'null'], maxLength: 200 },
    maritalStatus: { type: ['string', 'null'], maxLength: 50 },
    surveyedAt: ref('date'),
  },
  additionalProperties: false,
} as const;

export interface Respondent {
  respondentId: string;
  survey: string;
  nik: string | null;
  fullName: string;
  sex: Sex;
  birthDate: string | null;
  address: { street?: string; village: string; district: string; city: string; province: string; regionCode?: string };
  occupation: string | null;
  maritalStatus: string | null;
  surveyedAt: string;
}
