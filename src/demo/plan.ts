/**
 * What the demo federation holds: five agencies, their services, and the access rights
 * between them, each with its purpose and the regulation that allows it.
 */
import { DEMO_BUSINESS_EVENTS_SERVICE, DEMO_BUSINESS_EVENTS_SERVICE_DEFINITION, DEMO_EVENTS_PURPOSE, DEMO_EVENTS_SERVICE, DEMO_EVENTS_SERVICE_DEFINITION, DEMO_EVENT_RIGHTS } from '../events/index.js';
import type { Agency, FederationData } from './data/types.js';

export interface DemoService {
  code: string;
  title: string;
  personalData: boolean;
  /** Path prefix on the agency system that serves it. */
  backendPath: string;
  dataModel?: string;
  /**
   * Served by a legacy system through an adapter (src/demo/legacy/demo-legacy.ts) instead of
   * the agency's sample HTTP backend; `events` is the agency's event publisher (DUKCAPIL, LICENSING).
   */
  via?: 'soap' | 'csv' | 'sql' | 'events';
  /** Whether the provider gateway refuses (`reject`) or only records (`warn`) answers that break `dataModel`. */
  modelCheck?: 'reject' | 'warn';
}

export interface DemoAgency {
  agency: Agency;
  member: string;
  code: string;
  name: string;
  /** The subsystem that provides the agency's services. */
  subsystem: string;
  /** Subsystems that call other agencies (with bearer tokens at the agency's gateway). */
  clientSubsystems: string[];
  gatewayId: string;
  services: DemoService[];
}

const M = (code: string) => `ID/GOV/${code}`;

export const DEMO_AGENCIES: readonly DemoAgency[] = [
  {
    agency: 'DUKCAPIL', code: 'DUKCAPIL', member: M('DUKCAPIL'), name: 'Direktorat Jenderal Kependudukan dan Pencatatan Sipil', subsystem: `${M('DUKCAPIL')}/SIAK`, clientSubsystems: [`${M('DUKCAPIL')}/SIAK`], gatewayId: `${M('DUKCAPIL')}/gw1`,
    services: [
      { code: 'person', title: 'Data penduduk menurut NIK', personalData: true, backendPath: '/persons', dataModel: 'https://simpul.go.id/model/person/1' },
      { code: 'household', title: 'Kartu Keluarga menurut nomor KK', personalData: true, backendPath: '/households', dataModel: 'https://simpul.go.id/model/household/1' },
      { ...DEMO_EVENTS_SERVICE_DEFINITION, via: 'events' },
    ],
  },
  {
    agency: 'BPS', code: 'BPS', member: M('BPS'), name: 'Badan Pusat Statistik', subsystem: `${M('BPS')}/SENSUS`, clientSubsystems: [`${M('BPS')}/SENSUS`], gatewayId: `${M('BPS')}/gw1`,
    services: [
      { code: 'respondent', title: 'Responden sensus/survei (ekspor CSV)', personalData: true, backendPath: '', dataModel: 'https://simpul.go.id/model/respondent/1', via: 'csv', modelCheck: 'warn' },
      { code: 'population-statistics', title: 'Statistik penduduk agregat', personalData: false, backendPath: '/statistics/population' },
    ],
  },
  {
    agency: 'KEMENKES', code: 'KEMENKES', member: M('KEMENKES'), name: 'Kementerian Kesehatan', subsystem: `${M('KEMENKES')}/SATUSEHAT`, clientSubsystems: [`${M('KEMENKES')}/SATUSEHAT`], gatewayId: `${M('KEMENKES')}/gw1`,
    services: [{ code: 'patient', title: 'Pasien (FHIR R4 Patient)', personalData: true, backendPath: '/Patient', dataModel: 'https://simpul.go.id/model/patient/1' }],
  },
  {
    agency: 'KEMENDIKBUD', code: 'KEMENDIKBUD', member: M('KEMENDIKBUD'), name: 'Kementerian Pendidikan Dasar dan Menengah', subsystem: `${M('KEMENDIKBUD')}/DAPODIK`, clientSubsystems: [`${M('KEMENDIKBUD')}/DAPODIK`], gatewayId: `${M('KEMENDIKBUD')}/gw1`,
    services: [{ code: 'student', title: 'Peserta didik menurut NISN atau NIK (layanan SOAP)', personalData: true, backendPath: '', dataModel: 'https://simpul.go.id/model/student/1', via: 'soap' }],
  },
  {
    agency: 'LICENSING', code: 'LICENSING', member: M('LICENSING'), name: 'Kementerian Investasi/BKPM (OSS)', subsystem: `${M('LICENSING')}/OSS`, clientSubsystems: [`${M('LICENSING')}/OSS`], gatewayId: `${M('LICENSING')}/gw1`,
    services: [
      { code: 'business', title: 'Pelaku usaha menurut NIB (basis data SQL)', personalData: true, backendPath: '', dataModel: 'https://simpul.go.id/model/business/1', via: 'sql' },
      { code: 'kbli', title: 'Tingkat risiko menurut kode KBLI', personalData: false, backendPath: '/kbli' },
      { code: 'applications', title: 'Permohonan NIB usaha mikro', personalData: true, backendPath: '/applications' },
      { ...DEMO_BUSINESS_EVENTS_SERVICE_DEFINITION, via: 'events' },
    ],
  },
];

const ADMINDUK = 'UU 24/2013 Administrasi Kependudukan jo. Permendagri 102/2019 Hak Akses Data Kependudukan';
const STATISTIK = 'UU 16/1997 Statistik';
const IMUNISASI = 'UU 17/2023 Kesehatan; Permenkes 12/2017 Penyelenggaraan Imunisasi';
const PERIZINAN = 'PP 5/2021 Perizinan Berusaha Berbasis Risiko';

export const DEMO_RIGHTS: readonly { client: string; service: string; purpose: string; legalBasis: string }[] = [
  { client: `${M('BPS')}/SENSUS`, service: `${M('DUKCAPIL')}/SIAK/person`, purpose: 'STATISTIK', legalBasis: `${STATISTIK}; ${ADMINDUK}` },
  { client: `${M('BPS')}/SENSUS`, service: `${M('DUKCAPIL')}/SIAK/household`, purpose: 'STATISTIK', legalBasis: `${STATISTIK}; ${ADMINDUK}` },
  { client: `${M('KEMENKES')}/SATUSEHAT`, service: `${M('DUKCAPIL')}/SIAK/person`, purpose: 'LAYANAN-KESEHATAN', legalBasis: `UU 17/2023 Kesehatan; ${ADMINDUK}` },
  { client: `${M('KEMENDIKBUD')}/DAPODIK`, service: `${M('DUKCAPIL')}/SIAK/person`, purpose: 'PENDIDIKAN', legalBasis: `UU 20/2003 Sistem Pendidikan Nasional; ${ADMINDUK}` },
  { client: `${M('LICENSING')}/OSS`, service: `${M('DUKCAPIL')}/SIAK/person`, purpose: 'PERIZINAN-BERUSAHA', legalBasis: `${PERIZINAN}; ${ADMINDUK}` },
  { client: `${M('DUKCAPIL')}/SIAK`, service: `${M('BPS')}/SENSUS/respondent`, purpose: 'PEMADANAN-DATA', legalBasis: `${ADMINDUK} Pasal 58` },
  { client: `${M('KEMENDIKBUD')}/DAPODIK`, service: `${M('BPS')}/SENSUS/population-statistics`, purpose: 'PERENCANAAN', legalBasis: STATISTIK },
  { client: `${M('KEMENDIKBUD')}/DAPODIK`, service: `${M('KEMENKES')}/SATUSEHAT/patient`, purpose: 'IMUNISASI-SEKOLAH', legalBasis: IMUNISASI },
  { client: `${M('KEMENKES')}/SATUSEHAT`, service: `${M('KEMENDIKBUD')}/DAPODIK/student`, purpose: 'IMUNISASI-SEKOLAH', legalBasis: IMUNISASI },
  { client: `${M('BPS')}/SENSUS`, service: `${M('LICENSING')}/OSS/business`, purpose: 'STATISTIK', legalBasis: STATISTIK },
  { client: `${M('BPS')}/SENSUS`, service: `${M('LICENSING')}/OSS/kbli`, purpose: 'STATISTIK', legalBasis: STATISTIK },
  // Subscriptions to DUKCAPIL's and LICENSING's change events: access rights like any other.
  ...DEMO_EVENT_RIGHTS,
];

export interface DemoExample {
  description: string;
  gateway: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: unknown;
  expect_status: number;
}

/** One ready-made exchange per demo service that a client holds a right to. */
export function demoExamples(data: FederationData, gateways: Record<string, { url: string }>, clients: Record<string, { token: string }>): DemoExample[] {
  const showcase = data.persons.find((p) => p.nik === data.showcaseNik)!;
  const student = data.kemendikbud.students.find((s) => s.nik === data.showcaseNik) ?? data.kemendikbud.students.find((s) => s.nik)!;
  const business = data.licensing.businesses[0]!;
  const subject = (nik: string | null | undefined): Record<string, string> => (nik ? { 'Simpul-Subject': nik } : {});
  const example = (description: string, client: string, purpose: string, path: string, subjectNik?: string | null): DemoExample => ({
    description,
    gateway: gateways[client.split('/').slice(0, 3).join('/')]!.url,
    method: 'GET',
    path,
    headers: { Authorization: `Bearer ${clients[client]!.token}`, 'Simpul-Client': client, 'Simpul-Purpose': purpose, ...subject(subjectNik) },
    expect_status: 200,
  });
  return [
    example('BPS membaca data penduduk dari DUKCAPIL (statistik) / BPS reads a person from the population registry', `${M('BPS')}/SENSUS`, 'STATISTIK', `/r1/${M('DUKCAPIL')}/SIAK/person/${showcase.nik}`, showcase.nik),
    example('BPS membaca Kartu Keluarga dari DUKCAPIL / BPS reads a family card', `${M('BPS')}/SENSUS`, 'STATISTIK', `/r1/${M('DUKCAPIL')}/SIAK/household/${showcase.kk}`, showcase.nik),
    example('DUKCAPIL mencocokkan responden BPS menurut NIK / the population registry matches BPS respondents by NIK', `${M('DUKCAPIL')}/SIAK`, 'PEMADANAN-DATA', `/r1/${M('BPS')}/SENSUS/respondent/by-nik/${showcase.nik}`, showcase.nik),
    example('KEMENDIKBUD membaca statistik penduduk agregat BPS / education reads aggregate population statistics', `${M('KEMENDIKBUD')}/DAPODIK`, 'PERENCANAAN', `/r1/${M('BPS')}/SENSUS/population-statistics?province=${showcase.nik.slice(0, 2)}`),
    example('KEMENDIKBUD membaca data pasien KEMENKES (FHIR) untuk imunisasi sekolah / education reads a FHIR Patient for school immunisation', `${M('KEMENDIKBUD')}/DAPODIK`, 'IMUNISASI-SEKOLAH', `/r1/${M('KEMENKES')}/SATUSEHAT/patient?identifier=${encodeURIComponent(`https://fhir.kemkes.go.id/id/nik|${showcase.nik}`)}`, showcase.nik),
    example('KEMENKES membaca data peserta didik dari KEMENDIKBUD / health reads a student record', `${M('KEMENKES')}/SATUSEHAT`, 'IMUNISASI-SEKOLAH', `/r1/${M('KEMENDIKBUD')}/DAPODIK/student/${student.nisn}`, student.nik),
    example('BPS membaca data pelaku usaha dari OSS / BPS reads a business from the licensing agency', `${M('BPS')}/SENSUS`, 'STATISTIK', `/r1/${M('LICENSING')}/OSS/business/${business.nib}`, business.ownerNik),
    example('BPS membaca peristiwa kependudukan DUKCAPIL (langganan) / BPS reads population change events (its subscription)', `${M('BPS')}/SENSUS`, DEMO_EVENTS_PURPOSE, `/r1/${DEMO_EVENTS_SERVICE}?after=0&limit=10`),
    example('BPS membaca peristiwa usaha terdaftar dari OSS (langganan) / BPS reads business registration events (its subscription)', `${M('BPS')}/SENSUS`, DEMO_EVENTS_PURPOSE, `/r1/${DEMO_BUSINESS_EVENTS_SERVICE}?after=0&limit=10`),
    example('BPS membaca tingkat risiko KBLI / BPS reads the risk level of a business activity code', `${M('BPS')}/SENSUS`, 'STATISTIK', `/r1/${M('LICENSING')}/OSS/kbli/${business.kbli[0]}`),
  ];
}
