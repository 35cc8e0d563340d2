/** Person: the population registry's (DUKCAPIL) base record, keyed by NIK. */
import { modelId } from '../model-id.js';
import { ref, type Address, type Sex } from './common.js';

export const PERSON_ID = modelId('person', 1);

export const personSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: PERSON_ID,
  title: 'Person (penduduk)',
  description: 'A resident as the population registry records them. Other agencies hold copies; this is the base record.',
  type: 'object',
  required: ['nik', 'kk', 'fullName', 'sex', 'birthPlace', 'birthDate', 'religion', 'maritalStatus', 'occupation', 'bloodType', 'nationality', 'address', 'deathDate', 'updatedAt'],
  properties: {
    nik: ref('nik'),
    kk: ref('kk'),
    fullName: ref('text'),
    sex: ref('sex'),
    birthPlace: ref('text'),
    birthDate: ref('date'),
    religion: { ...ref('text'), examples: ['Islam', 'Kristen', 'Katolik', 'Hindu', 'Buddha', 'Khonghucu', 'Kepercayaan'] },
    maritalStatus: { ...ref('text'), examples: ['BELUM KAWIN', 'KAWIN', 'CERAI HIDUP', 'CERAI MATI'] },
    occupation: ref('text'),
    bloodType: { type: ['string', 'null'], maxLength: 3, examples: ['A', 'B', 'AB', 'O', 'A+', 'O-'] },
    nationality: { const: 'WNI' },
    address: ref('address'),
    deathDate: { anyOf: [ref('date'), { type: 'null' }] },
    updatedAt: { type: 'string', format: 'date-time' },
  },
  additionalProperties: false,
} as const;

export interface Person {
  nik: string;
  kk: string;
  fullName: string;
  sex: Sex;
  birthPlace: string;
  birthDate: string;
  religion: string;
  maritalStatus: string;
  occupation: string;
  bloodType: string | null;
  nationality: 'WNI';
  address: Address;
  deathDate: string | null;
  updatedAt: string;
}
