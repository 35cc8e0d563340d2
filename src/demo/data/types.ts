/**
 * The shapes of the synthetic federation: the population registry's truth (persons and family
 * cards, field names as the common data model will formalise them) and each other agency's copy
 * in that agency's own shape, with the inconsistencies and the ground truth that reconciliation
 * will be measured against.
 */

export type Sex = 'L' | 'P';

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

/** A person as DUKCAPIL's population registry serves it. */
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

export interface HouseholdMember {
  nik: string;
  fullName: string;
  relationship: string;
}

/** A family card (Kartu Keluarga). */
export interface Household {
  kk: string;
  headNik: string;
  address: Address;
  members: HouseholdMember[];
}

/** BPS census respondent (Regsosek 2022 style): BPS codes, its own ids and region codes. */
export interface BpsRespondent {
  id: string;
  householdId: string;
  nik: string | null;
  name: string;
  /** BPS code: '1' laki-laki, '2' perempuan. */
  sex: '1' | '2';
  /** As BPS records it: DD/MM/YYYY. */
  birthDate: string;
  age: number;
  /** BPS code: 1 kepala rumah tangga, 2 istri/suami, 3 anak, 4 menantu, 5 cucu, 6 orang tua/mertua, 7 famili lain, 9 lainnya. */
  relationshipCode: number;
  /** BPS code: 1 belum kawin, 2 kawin, 3 cerai hidup, 4 cerai mati. */
  maritalCode: number;
  religion: string;
  education: string;
  occupation: string;
  address: Address;
  /** BPS region code: province(2) regency(2) district(3) village(3). */
  regionCode: string;
  survey: string;
  enumeratedAt: string;
}

export interface FhirIdentifier {
  use?: 'official' | 'usual' | 'secondary';
  system: string;
  value: string;
}

/** A FHIR R4 Patient resource, as SATUSEHAT-style health systems hold it. */
export interface FhirPatient {
  resourceType: 'Patient';
  id: string;
  meta: { lastUpdated: string };
  identifier: FhirIdentifier[];
  active: boolean;
  name: Array<{ use: 'official'; text: string }>;
  telecom?: Array<{ system: 'phone'; value: string; use: 'mobile' }>;
  gender: 'male' | 'female';
  birthDate: string;
  deceasedBoolean?: boolean;
  deceasedDateTime?: string;
  address: Array<{
    use: 'home';
    line: string[];
    city: string;
    postalCode: string;
    country: 'ID';
    extension: Array<{ url: string; extension: Array<{ url: string; valueCode: string }> }>;
  }>;
  maritalStatus: { coding: Array<{ system: string; code: string; display: string }> };
  communication: Array<{ language: { coding: Array<{ system: string; code: string; display: string }> }; preferred: boolean }>;
}

export interface School {
  npsn: string;
  name: string;
  level: 'SD' | 'SMP' | 'SMA' | 'SMK';
  status: 'NEGERI' | 'SWASTA';
  city: string;
  province: string;
}

/** A student as the education data system (Dapodik style) holds them. */
export interface Student {
  nisn: string;
  nik: string | null;
  fullName: string;
  sex: Sex;
  birthPlace: string;
  birthDate: string;
  religion: string;
  npsn: string;
  schoolName: string;
  level: School['level'];
  grade: number;
  fatherName: string | null;
  motherName: string;
  address: Address;
  enrolledAt: string;
  updatedAt: string;
}

export type RiskLevel = 'RENDAH' | 'MENENGAH_RENDAH' | 'MENENGAH_TINGGI' | 'TINGGI';

export interface KbliEntry {
  code: string;
  title: string;
  sector: string;
  riskLevel: RiskLevel;
}

export interface Permit {
  type: 'NIB' | 'SERTIFIKAT_STANDAR' | 'IZIN' | 'SPP_IRT' | 'SERTIFIKAT_HALAL';
  number: string;
  issuedAt: string;
  status: 'BERLAKU' | 'DICABUT' | 'MENUNGGU_VERIFIKASI';
}

/** A business registered with the licensing agency (OSS style). */
export interface Business {
  nib: string;
  businessName: string;
  legalForm: 'PERORANGAN' | 'CV' | 'PT' | 'UD';
  ownerNik: string;
  ownerName: string;
  scale: 'MIKRO' | 'KECIL' | 'MENENGAH';
  kbli: string[];
  riskLevel: RiskLevel;
  investment: number;
  employees: number;
  address: Address;
  issuedAt: string;
  status: 'AKTIF' | 'DICABUT';
  permits: Permit[];
}

export type Agency = 'DUKCAPIL' | 'BPS' | 'KEMENKES' | 'KEMENDIKBUD' | 'LICENSING';
export type CopyAgency = Exclude<Agency, 'DUKCAPIL'>;

export type InconsistencyKind =
  | 'missing_nik'
  | 'nik_mistyped'
  | 'name_variant'
  | 'parent_name_variant'
  | 'birth_place_variant'
  | 'birth_date_error'
  | 'outdated_address'
  | 'duplicate'
  | 'death_unreported'
  | 'deceased_still_active';

/** One deliberate (or naturally arising) difference between an agency's record and the truth. */
export interface Inconsistency {
  agency: CopyAgency;
  /** The agency's record id: respondent id, patient id, NISN or NIB. */
  recordId: string;
  kind: InconsistencyKind;
  /** The NIK of the person the record really is. */
  nik: string;
  field?: string;
  /** DUKCAPIL's value and the agency's, where the kind is about a field. */
  expected?: string | null;
  actual?: string | null;
}

export interface FederationData {
  seed: number;
  /** The day the data describes: ages, deaths and moves are relative to it. */
  referenceDate: string;
  persons: Person[];
  households: Household[];
  bps: { respondents: BpsRespondent[] };
  kemenkes: { patients: FhirPatient[] };
  kemendikbud: { schools: School[]; students: Student[] };
  licensing: { kbli: KbliEntry[]; businesses: Business[] };
  /** Record id → the NIK of the person it really is, per agency (the reconciliation answer key). */
  truth: Record<CopyAgency, Record<string, string>>;
  inconsistencies: {
    records: Inconsistency[];
    counts: Record<CopyAgency, Partial<Record<InconsistencyKind, number>>>;
  };
  /** A person present, correctly identified, in every agency: the demo's ready-made subject. */
  showcaseNik: string;
}
