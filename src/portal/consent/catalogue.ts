/**
 * The services a citizen can apply for once, with the data each needs from base registries,
 * the purpose code the exchanges carry and the regulation that allows them. The workflow
 * steps are listed here too, so an application's timeline is known from the start.
 */
import type { MemberId, PurposeCode, ServiceId } from '../../core/ids.js';

export interface DataItemSpec {
  item: string;
  service: ServiceId;
  agency: MemberId;
  label: { id: string; en: string };
  /** Reads the item from the source's response (the common data model's Person, here). */
  read: (record: Record<string, unknown>) => string;
}

export interface WorkflowStepSpec {
  code: string;
  agency: MemberId;
  service: ServiceId;
  label: { id: string; en: string };
  /** Working days the agency has for the step. */
  withinWorkingDays: number;
}

export interface ApplicationKind {
  kind: string;
  title: { id: string; en: string };
  purpose: PurposeCode;
  legalBasis: string;
  /** How long the consent stays in force unless revoked. */
  consentDays: number;
  items: DataItemSpec[];
  steps: WorkflowStepSpec[];
}

const PERSON = 'ID/GOV/DUKCAPIL/SIAK/person' as ServiceId;
const DUKCAPIL = 'ID/GOV/DUKCAPIL' as MemberId;
const LICENSING = 'ID/GOV/LICENSING' as MemberId;

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
    { item: 'address', service: PERSON, agency: DUKCAPIL, label: { id: 'Alamat', en: 'Address' }, read: address },
  ],
  steps: [
    { code: 'identity', agency: DUKCAPIL, service: PERSON, label: { id: 'Verifikasi identitas (Dukcapil)', en: 'Identity check (Dukcapil)' }, withinWorkingDays: 1 },
    { code: 'risk', agency: LICENSING, service: 'ID/GOV/LICENSING/OSS/kbli' as ServiceId, label: { id: 'Pemeriksaan risiko KBLI', en: 'KBLI risk check' }, withinWorkingDays: 1 },
    { code: 'issuance', agency: LICENSING, service: 'ID/GOV/LICENSING/OSS/applications' as ServiceId, label: { id: 'Penerbitan NIB', en: 'NIB issuance' }, withinWorkingDays: 3 },
  ],
};

export const APPLICATION_KINDS: readonly ApplicationKind[] = [NIB_UMK];

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
