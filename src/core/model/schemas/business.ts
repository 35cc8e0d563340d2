/** Business: a business registered in the licensing system (OSS), identified by its NIB. */
import { modelId } from '../model-id.js';
import { ref, type Address } from './common.js';

export const BUSINESS_ID = modelId('business', 1);

/** Risk levels of risk-based licensing (PP 5/2021): low, medium-low, medium-high, high. */
export const RISK_LEVELS = ['rendah', 'menengah_rendah', 'menengah_tinggi', 'tinggi'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export const businessSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: BUSINESS_ID,
  title: 'Business (pelaku usaha)',
  type: 'object',
  required: ['nib', 'name', 'kbli', 'ownerNik', 'address', 'riskLevel', 'registeredAt'],
  properties: {
    nib: ref('nib'),
    name: ref('text'),
    kbli: { type: 'array', minItems: 1, maxItems: 50, uniqueItems: true, items: ref('kbli') },
    ownerNik: ref('nik'),
    address: ref('address'),
    riskLevel: { enum: RISK_LEVELS },
    registeredAt: ref('date'),
  },
  additionalProperties: false,
} as const;

export interface Business {
  nib: string;
  name: string;
  kbli: string[];
  ownerNik: string;
  address: Address;
  riskLevel: RiskLevel;
  registeredAt: string;
}
