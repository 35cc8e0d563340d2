/** Household: the family card (Kartu Keluarga, KK) issued by the population registry. */
import { modelId } from '../model-id.js';
import { ref, type Address } from './common.js';

export const HOUSEHOLD_ID = modelId('household', 1);

export const RELATIONSHIPS = ['kepala_keluarga', 'suami', 'istri', 'anak', 'menantu', 'cucu', 'orang_tua', 'mertua', 'famili_lain', 'pembantu', 'lainnya'] as const;
export type Relationship = (typeof RELATIONSHIPS)[number];

export const householdSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: HOUSEHOLD_ID,
  title: 'Household (Kartu Keluarga)',
  type: 'object',
  required: ['kk', 'headNik', 'address', 'members'],
  properties: {
    kk: ref('kk'),
    headNik: ref('nik'),
    address: ref('address'),
    members: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      items: {
        type: 'object',
        required: ['nik', 'fullName', 'relationship'],
        properties: {
          nik: ref('nik'),
          fullName: ref('text'),
          relationship: { title: 'Relationship to the head of the family (hubungan keluarga)', enum: RELATIONSHIPS },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

export interface Household {
  kk: string;
  headNik: string;
  address: Address;
  members: { nik: string; fullName: string; relationship: Relationship }[];
}
