/**
 * The NIB application form for a micro business: business name, KBLI activity codes, the
 * business location and its capital. Parsed from the submitted HTML form into a checked
 * value, or into per-field error codes the page turns into messages in the citizen's language.
 */
import { ADDRESS_PARTS, type AddressParts } from '../consent/catalogue.js';
import type { RiskLevel } from './risk.js';

/** Micro business ceiling (PP 7/2021): business capital up to Rp1 billion, land and buildings excluded. */
export const MICRO_CAPITAL_LIMIT = 1_000_000_000;
export const MAX_KBLI_CODES = 5;

export interface NibForm {
  businessName: string;
  kbli: string[];
  location: AddressParts;
  /** Business capital in rupiah, land and buildings excluded. */
  capital: number;
  employees: number;
}

export interface KbliActivity {
  code: string;
  title: string;
  sector: string;
  riskLevel: RiskLevel;
}

/** The form as kept with the application: checked, with the KBLI risk check made through the gateway. */
export interface SavedNibForm extends NibForm {
  activities: KbliActivity[];
  riskLevel: RiskLevel;
  /** The exchanges that made the risk check. */
  riskExchangeIds: string[];
}

export type NibFormField = keyof Omit<NibForm, 'location'> | keyof AddressParts;

/** What is wrong with a field; the page words it. */
export type NibFormError = 'required' | 'length' | 'format' | 'too_many' | 'too_high' | 'unknown_kbli';

export type ParsedNibForm = { ok: true; form: NibForm } | { ok: false; errors: Partial<Record<NibFormField, NibFormError>> };

type Raw = Record<string, string | undefined>;

const LIMITS: Record<keyof AddressParts, { min: number; max: number; pattern?: RegExp }> = {
  street: { min: 3, max: 200 },
  rt: { min: 1, max: 3, pattern: /^\d{1,3}$/ },
  rw: { min: 1, max: 3, pattern: /^\d{1,3}$/ },
  village: { min: 2, max: 100 },
  district: { min: 2, max: 100 },
  city: { min: 2, max: 100 },
  province: { min: 2, max: 100 },
  postcode: { min: 5, max: 5, pattern: /^\d{5}$/ },
};

/** Rupiah as people type it: "Rp 50.000.000", "50,000,000" or "50000000". */
export function parseRupiah(text: string): number | undefined {
  const digits = text.replace(/^\s*rp\.?\s*/i, '').replace(/[.,\s]/g, '');
  if (!/^\d{1,13}$/.test(digits)) return undefined;
  return Number(digits);
}

export function parseNibForm(raw: Raw): ParsedNibForm {
  const errors: Partial<Record<NibFormField, NibFormError>> = {};
  const text = (name: string) => (raw[name] ?? '').replace(/\s+/g, ' ').trim();

  const businessName = text('businessName');
  if (!businessName) errors.businessName = 'required';
  else if (businessName.length < 3 || businessName.length > 120) errors.businessName = 'length';

  const codes = [...new Set(text('kbli').split(/[\s,;]+/).filter(Boolean))];
  if (codes.length === 0) errors.kbli = 'required';
  else if (codes.some((c) => !/^\d{5}$/.test(c))) errors.kbli = 'format';
  else if (codes.length > MAX_KBLI_CODES) errors.kbli = 'too_many';

  const location = {} as AddressParts;
  for (const part of ADDRESS_PARTS) {
    const value = text(part);
    const limit = LIMITS[part];
    if (!value) errors[part] = 'required';
    else if (limit.pattern && !limit.pattern.test(value)) errors[part] = 'format';
    else if (value.length < limit.min || value.length > limit.max) errors[part] = 'length';
    // RT and RW are written with three digits (RT 001/RW 002).
    location[part] = part === 'rt' || part === 'rw' ? value.padStart(3, '0') : value;
  }

  const capitalText = text('capital');
  const capital = parseRupiah(capitalText);
  if (!capitalText) errors.capital = 'required';
  else if (capital === undefined) errors.capital = 'format';
  else if (capital > MICRO_CAPITAL_LIMIT) errors.capital = 'too_high';

  const employeesText = text('employees');
  const employees = /^\d{1,4}$/.test(employeesText) ? Number(employeesText) : undefined;
  if (!employeesText) errors.employees = 'required';
  else if (employees === undefined || employees > 1000) errors.employees = 'format';

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, form: { businessName, kbli: codes, location, capital: capital!, employees: employees! } };
}
