/**
 * Definitions the entity schemas share: Indonesian identifiers and the address shape.
 * Each identifier has a `pattern` (so any JSON Schema validator checks the digits) and a
 * Simpul `format` that checks what a pattern cannot (a NIK's encoded birth date, say).
 */
import { modelId } from '../model-id.js';

export const COMMON_ID = modelId('common', 1);

/** `$ref` to a definition of the common schema. */
export const ref = (name: keyof typeof commonSchema.$defs): { $ref: string } => ({ $ref: `${COMMON_ID}#/$defs/${name}` });

export const commonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: COMMON_ID,
  title: 'Simpul common definitions',
  $defs: {
    nik: {
      title: 'NIK (Nomor Induk Kependudukan)',
      description: '16 digits: province (2), regency/city (2), district (2), birth date DDMMYY with 40 added to the day for women, serial (4).',
      type: 'string',
      pattern: '^[0-9]{16}$',
      format: 'nik',
    },
    kk: {
      title: 'Family card number (Nomor Kartu Keluarga)',
      description: '16 digits, starting with the regional code of the issuing district.',
      type: 'string',
      pattern: '^[0-9]{16}$',
      format: 'kk',
    },
    nisn: { title: 'NISN (Nomor Induk Siswa Nasional)', type: 'string', pattern: '^[0-9]{10}$' },
    npsn: { title: 'NPSN (Nomor Pokok Sekolah Nasional)', type: 'string', pattern: '^[0-9A-Z]{8}$' },
    nib: { title: 'NIB (Nomor Induk Berusaha)', type: 'string', pattern: '^[0-9]{13}$' },
    kbli: { title: 'KBLI 2020 business classification code', type: 'string', pattern: '^[0-9]{5}$' },
    date: { title: 'Calendar date', type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', format: 'date' },
    sex: { title: 'Sex as recorded by the population registry: L (laki-laki), P (perempuan)', enum: ['L', 'P'] },
    text: { type: 'string', minLength: 1, maxLength: 200 },
    address: {
      title: 'Indonesian address',
      type: 'object',
      required: ['street', 'rt', 'rw', 'village', 'district', 'city', 'province', 'postcode'],
      properties: {
        street: { type: 'string', maxLength: 200 },
        rt: { type: 'string', pattern: '^[0-9]{1,3}$' },
        rw: { type: 'string', pattern: '^[0-9]{1,3}$' },
        village: { title: 'Kelurahan / desa', type: 'string', minLength: 1, maxLength: 100 },
        district: { title: 'Kecamatan', type: 'string', minLength: 1, maxLength: 100 },
        city: { title: 'Kabupaten / kota', type: 'string', minLength: 1, maxLength: 100 },
        province: { type: 'string', minLength: 1, maxLength: 100 },
        postcode: { type: 'string', pattern: '^[0-9]{5}$' },
      },
      additionalProperties: false,
    },
  },
} as const;

export interface Address {
  street: string;
  rt: string;
  rw: string;
  village: string;
  district: string;
  city: string;
  province: string;
  postcode: string;
}

export type Sex = 'L' | 'P';
