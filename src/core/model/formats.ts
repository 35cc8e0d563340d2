/**
 * The Simpul formats the schemas name (`nik`, `kk`), for Ajv. The schemas also carry a digit
 * `pattern`, so a validator without these formats still checks the shape; these add what a
 * pattern cannot say: a NIK encodes a real day and month, and regional codes start at 11 (Aceh).
 */
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { decodeNik } from '../ids.js';

export const SIMPUL_FORMATS: Record<string, (value: string) => boolean> = {
  nik: (value) => decodeNik(value) !== undefined,
  kk: (value) => /^\d{16}$/.test(value) && Number(value.slice(0, 2)) >= 11,
};

export function addSimpulFormats(ajv: Ajv2020): Ajv2020 {
  for (const [name, validate] of Object.entries(SIMPUL_FORMATS)) ajv.addFormat(name, { type: 'string', validate });
  return ajv;
}
