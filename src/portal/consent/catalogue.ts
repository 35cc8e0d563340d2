/**
 * The services a citizen can apply for once, with the data each needs from base registries,
 * the purpose code the exchanges carry and the regulation that allows them. The workflow
 * steps are listed here too, so an application's timeline is known from the start.
 */
import type { MemberId, PurposeCode, ServiceId } from '../../core/ids.js';
import { SIGN_UP_LEGAL_BASIS, SIGN_UP_PURPOSE } from '../auth/sign-up.js';

export interface DataItemSpec {
  item: string;
  service: ServiceId;
  agency: MemberId;
  label: { id: string; en: string };
  /** Reads the item from the source's response (the common data model's Person, here). */
  read: (record: Record<string, unknown>) => string;
  /** The item's parts, kept (sealed) beside the display value when a form needs them. */
  readParts?: (record: Record<string, unknown>) => Record<string, string>;
}

/**
 * Personal data the workflow itself reads or sends (not shown in the preview): listed on the
 * consent screen and in the consent artefact, so every exchange with the citizen as subject
 * is covered by what the citizen agreed to.
 */
export interface WorkflowUseSpec {
  item: string;
  service: ServiceId;
  agency: MemberId;
  label: { id: string; en: string };
}

export interface WorkflowStepSpec {
  code: string;
  agency: MemberId;
  service: ServiceId;
  label: { id: string; en: string };
  /** Working days the agency has for the step. */
  withinWorkingDays: number;
  /** How long one attempt's exchange may take before it counts as failed (and can be retried). */
  timeoutMs: number;
}

export interface ApplicationKind {
  kind: string;
  title: { id: string; en: string };
  purpose: PurposeCode;
  legalBasis: string;
  /** How long the consent stays in force unless revoked. */
  consentDays: number;
  items: DataItemSpec[];
  workflowUses: WorkflowUseSpec[];
  steps: WorkflowStepSpec[];
}

const PERSON = 'ID/GOV/DUKCAPIL/SIAK/person' as ServiceId;
const DUKCAPIL = 'ID/GOV/DUKCAPIL' as MemberId;
const LICENSING = 'ID/GOV/LICENSING' as MemberId;
const KBLI = 'ID/GOV/LICENSING/OSS/kbli' as ServiceId;
const NIB_APPLICATIONS = 'ID/GOV/LICENSING/OSS/applications' as ServiceId;

export const ADDRESS_PARTS = ['street', 'rt', 'rw', 'village', 'district', 'city', 'province', 'postcode'] as const;
export type AddressParts = Record<(typeof ADDRESS_PARTS)[number], string>;

function addressParts(record: Record<string, unknown>): Record<string, string> {
  const a = (record.address ?? {}) as Record<string, unknown>;
  return Object.fromEntries(ADDRESS_PARTS.map((k) => [k, typeof a[k] === 'string' ? a[k] : '']));
}

function address(record: Record<string, unknown>): string {
  const a = (record.address ?? {}) as Record<string, string>;
  return [a.street, a.rt && a.rw ? `RT ${a.rt}/RW ${a.rw}` : '', a.village, a.district, a.city, a.province, a.postcode].filter(Boolean).join(', ');
}

/** Business identification number (NIB) for a micro or small business (UMK), OSS-style. */
export const NIB_UMK: ApplicationKind = {
  kind: 'nib-umk',
  title: { id: 'Nomor Induk Berusaha (NIB) untuk usaha mikro dan kecil', en: 'Business identification number (NIB) for a micro or small business' },
  purpose: 'PERIZINAN-BERUSAHA-NIB' as PurposeCode,
  legalBasis: 'PP 5/2021 Perizinan Berusaha Berbasis Risiko; Permendagri 102/2019 Hak Akses Data Kependudukan',
  consentDays: 30,
  items: [
    { item: 'fullName', service: PERSON, agency: DUKCAPIL, label: { id: 'Nama lengkap', en: 'Full name' }, read: (r) => String(r.fullName ?? '') },
    { item: 'birthPlace', service: PERSON, agency: DUKCAPIL, label: { id: 'Tempat lahir', en: 'Place of birth' }, read: (r) => String(r.birthPlace ?? '') },
    { item: 'birthDate', service: PERSON, agency: DUKCAPIL, label: { id: 'Tanggal lahir', en: 'Date of birth' }, read: (r) => String(r.birthDate ?? '') },
    { item: 'sex', service: PERSON, agency: DUKCAPIL, label: { id: 'Jenis kelamin', en: 'Sex' }, read: (r) => (r.sex === 'P' ? 'Perempuan' : r.sex === 'L' ? 'Laki-laki' : '') },
    { item: 'address', service: PERSON, agency: DUKCAPIL, label: { id: 'Alamat', en: 'Address' }, read: address, readParts: addressParts },
  ],
  workflowUses: [
    { item: 'identityCheck', service: PERSON, agency: DUKCAPIL, label: { id: 'Pencocokan NIK, nama dan status hidup Anda untuk verifikasi identitas', en: 'Matching your NIK, name and life status to verify your identity' } },
    { item: 'nibApplication', service: NIB_APPLICATIONS, agency: LICENSING, label: { id: 'Pengiriman NIK, nama, alamat dan data usaha Anda ke OSS untuk penerbitan NIB', en: 'Sending your NIK, name, address and business data to OSS to issue the NIB' } },
  ],
  steps: [
    { code: 'identity', agency: DUKCAPIL, service: PERSON, label: { id: 'Verifikasi identitas (Dukcapil)', en: 'Identity check (Dukcapil)' }, withinWorkingDays: 1, timeoutMs: 10_000 },
    { code: 'risk', agency: LICENSING, service: KBLI, label: { id: 'Pemeriksaan risiko kegiatan usaha (KBLI)', en: 'Business activity risk check (KBLI)' }, withinWorkingDays: 1, timeoutMs: 10_000 },
    { code: 'issuance', agency: LICENSING, service: NIB_APPLICATIONS, label: { id: 'Penerbitan NIB (OSS)', en: 'NIB issuance (OSS)' }, withinWorkingDays: 3, timeoutMs: 20_000 },
  ],
};

export const APPLICATION_KINDS: readonly ApplicationKind[] = [NIB_UMK];

/**
 * The access rights the portal's subsystem needs in the registry, one per service and purpose,
 * for the federation to grant: the prefill and workflow services of every application kind.
 */
export function portalAccessRights(): { service: ServiceId; purpose: PurposeCode; legalBasis: string }[] {
  const rights = new Map<string, { service: ServiceId; purpose: PurposeCode; legalBasis: string }>();
  for (const kind of APPLICATION_KINDS) {
    for (const service of [...kind.items.map((i) => i.service), ...kind.workflowUses.map((u) => u.service), ...kind.steps.map((s) => s.service)]) {
      rights.set(`${service} ${kind.purpose}`, { service, purpose: kind.purpose, legalBasis: kind.legalBasis });
    }
  }
  // Self-registration checks the NIK and name at DUKCAPIL under its own purpose (ADR 0069).
  rights.set(`${PERSON} ${SIGN_UP_PURPOSE}`, { service: PERSON, purpose: SIGN_UP_PURPOSE, legalBasis: SIGN_UP_LEGAL_BASIS });
  return [...rights.values()];
}

export function agencyName(agency: string): string {
  const names: Record<string, string> = {
    'ID/GOV/DUKCAPIL': 'Dukcapil (Kemendagri)',
    'ID/GOV/LICENSING': 'OSS (Kementerian Investasi/BKPM)',
    'ID/GOV/BPS': 'Badan Pusat Statistik',
    'ID/GOV/KEMENKES': 'Kementerian Kesehatan',
    'ID/GOV/KEMENDIKBUD': 'Kemendikdasmen',
    'ID/GOV/KOMINFO': 'Komdigi (Portal Simpul)',
  };
  return names[agency] ?? agency;
}
