/**
 * The interface the federation calls: each agency's person records, as its adapter delivers
 * them in the common data model, become an `AgencySource`; the engine links them to the base
 * registry and returns the discrepancy report, whose conflicts become correction requests
 * (corrections.ts). This module also flattens the demo federation's sample data (src/demo/data)
 * into sources, so the demo — and the tests — run the same path production will.
 *
 * In the demo federation (src/demo/reconcile.ts, ADR 0036) the reconciliation service calls
 * `reconcileAgencies` over `demoAgencyRecords(data)` at start and on demand.
 */
import { NIK_SYSTEM, type Address, type FederationData } from '../demo/data/index.js';
import { parseFieldMap } from './field-map.js';
import type { InputRecord } from './prepare.js';
import { buildDiscrepancyReport, type AgencySource, type DiscrepancyReport, type ReportOptions } from './report.js';

/** The field map every flattened person record uses (see `personRecord`). */
export const PERSON_RECORD_MAP = parseFieldMap(
  'nik=nik,full_name=nama,sex=jenis_kelamin,birth_place=tempat_lahir,birth_date=tanggal_lahir,address=alamat,locality=kelurahan,district=kecamatan,city=kabupaten_kota,province=provinsi,postcode=kode_pos,phone=telepon',
);

/** One person as an agency holds it, flattened for the engine; absent fields are null. */
export interface PersonRecord extends InputRecord {
  id: string;
  nik: string | null;
  nama: string | null;
  jenis_kelamin: string | null;
  tempat_lahir: string | null;
  tanggal_lahir: string | null;
  alamat: string | null;
  kelurahan: string | null;
  kecamatan: string | null;
  kabupaten_kota: string | null;
  provinsi: string | null;
  kode_pos: string | null;
  telepon: string | null;
}

export interface AgencyRecords {
  agency: string;
  records: readonly PersonRecord[];
}

function addressFields(a: Address | undefined): Pick<PersonRecord, 'alamat' | 'kelurahan' | 'kecamatan' | 'kabupaten_kota' | 'provinsi' | 'kode_pos'> {
  if (!a) return { alamat: null, kelurahan: null, kecamatan: null, kabupaten_kota: null, provinsi: null, kode_pos: null };
  return { alamat: `${a.street} RT ${a.rt}/RW ${a.rw}`, kelurahan: a.village, kecamatan: a.district, kabupaten_kota: a.city, provinsi: a.province, kode_pos: a.postcode };
}

/** The street line with the RT/RW that SATUSEHAT keeps in the administrative-code extension. */
function fhirStreet(address: FederationData['kemenkes']['patients'][number]['address'][number]): string {
  const codes = address.extension.flatMap((e) => e.extension);
  const rt = codes.find((c) => c.url === 'rt')?.valueCode;
  const rw = codes.find((c) => c.url === 'rw')?.valueCode;
  return [address.line.join(' '), rt && rw ? `RT ${rt}/RW ${rw}` : ''].filter(Boolean).join(' ');
}

const empty = { nik: null, nama: null, jenis_kelamin: null, tempat_lahir: null, tanggal_lahir: null, telepon: null } as const;

/**
 * The demo federation's person registers, flattened: DUKCAPIL's persons (the base), BPS's census
 * respondents, KEMENKES's FHIR patients, KEMENDIKBUD's students and the licensing agency's
 * business owners. A business record names its owner by NIK and name only: its address is the
 * business's premises, not the owner's domicile, so it is not compared (ADR 0036).
 */
export function demoAgencyRecords(data: FederationData): { base: AgencyRecords; others: AgencyRecords[] } {
  const base: PersonRecord[] = data.persons.map((p) => ({
    ...empty,
    id: p.nik,
    nik: p.nik,
    nama: p.fullName,
    jenis_kelamin: p.sex,
    tempat_lahir: p.birthPlace,
    tanggal_lahir: p.birthDate,
    ...addressFields(p.address),
  }));
  const bps: PersonRecord[] = data.bps.respondents.map((r) => ({
    ...empty,
    id: r.id,
    nik: r.nik,
    nama: r.name,
    jenis_kelamin: r.sex,
    tanggal_lahir: r.birthDate,
    ...addressFields(r.address),
  }));
  const kemenkes: PersonRecord[] = data.kemenkes.patients.map((p) => {
    const address = p.address[0];
    return {
      ...empty,
      id: p.id,
      nik: p.identifier.find((i) => i.system === NIK_SYSTEM)?.value ?? null,
      nama: p.name[0]?.text ?? null,
      jenis_kelamin: p.gender,
      tanggal_lahir: p.birthDate,
      telepon: p.telecom?.[0]?.value ?? null,
      alamat: address ? fhirStreet(address) : null,
      kelurahan: null,
      kecamatan: null,
      kabupaten_kota: address?.city ?? null,
      provinsi: null,
      kode_pos: address?.postalCode ?? null,
    };
  });
  const kemendikbud: PersonRecord[] = data.kemendikbud.students.map((s) => ({
    ...empty,
    id: s.nisn,
    nik: s.nik,
    nama: s.fullName,
    jenis_kelamin: s.sex,
    tempat_lahir: s.birthPlace,
    tanggal_lahir: s.birthDate,
    ...addressFields(s.address),
  }));
  const owners: PersonRecord[] = data.licensing.businesses.map((b) => ({
    ...empty,
    ...addressFields(undefined),
    id: b.nib,
    nik: b.ownerNik,
    nama: b.ownerName,
  }));
  return {
    base: { agency: 'DUKCAPIL', records: base },
    others: [
      { agency: 'BPS', records: bps },
      { agency: 'KEMENKES', records: kemenkes },
      { agency: 'KEMENDIKBUD', records: kemendikbud },
      { agency: 'LICENSING', records: owners },
    ],
  };
}

function source(records: AgencyRecords): AgencySource {
  // Map only the fields this agency fills at all, so that it is neither compared nor scored on the rest.
  const filled = Object.fromEntries(
    Object.entries(PERSON_RECORD_MAP).filter(([, columns]) => records.records.some((r) => (columns ?? []).some((c) => r[c] !== null && r[c] !== undefined && r[c] !== ''))),
  );
  return { agency: records.agency, file: `${records.agency} records`, id: 'id', map: filled, records: records.records };
}

/**
 * Links every agency's person records to the base registry's and reports the discrepancies.
 *
 * @example
 *   const { base, others } = demoAgencyRecords(generateFederationData({ persons: 2000 }));
 *   const report = await reconcileAgencies(base, others);
 *   report.agencies.map((a) => [a.agency, a.score]);
 */
export async function reconcileAgencies(base: AgencyRecords, others: readonly AgencyRecords[], options: ReportOptions = {}): Promise<DiscrepancyReport> {
  return buildDiscrepancyReport(source(base), others.map(source), options);
}
