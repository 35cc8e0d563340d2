/** Permit: a licence or standard certificate issued to a business for one KBLI activity. */
import { modelId } from '../model-id.js';
import { ref } from './common.js';

export const PERMIT_ID = modelId('permit', 1);

export const PERMIT_KINDS = ['sertifikat_standar', 'izin', 'izin_usaha_menengah_tinggi'] as const;
export const PERMIT_STATUSES = ['diajukan', 'aktif', 'dibekukan', 'dicabut', 'kedaluwarsa'] as const;

export const permitSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: PERMIT_ID,
  title: 'Permit (perizinan berusaha)',
  type: 'object',
  required: ['permitNumber', 'nib', 'kind', 'kbli', 'issuer', 'status', 'issuedAt', 'validUntil'],
  properties: {
    permitNumber: { type: 'string', minLength: 1, maxLength: 64 },
    nib: ref('nib'),
    kind: { enum: PERMIT_KINDS },
    kbli: ref('kbli'),
    /** The member that issued it, e.g. ID/GOV/KEMENKES. */
    issuer: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}/[A-Za-z0-9][A-Za-z0-9._-]{0,63}/[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
    status: { enum: PERMIT_STATUSES },
    issuedAt: { anyOf: [ref('date'), { type: 'null' }] },
    validUntil: { anyOf: [ref('date'), { type: 'null' }] },
  },
  additionalProperties: false,
} as const;

export interface Permit {
  permitNumber: string;
  nib: string;
  kind: (typeof PERMIT_KINDS)[number];
  kbli: string;
  issuer: string;
  status: (typeof PERMIT_STATUSES)[number];
  issuedAt: string | null;
  validUntil: string | null;
}
