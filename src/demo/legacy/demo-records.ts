/**
 * The demo's legacy systems are fed from the synthetic federation: the agencies' own copies
 * (BPS respondents and KEMENDIKBUD pupils, read from their tables so that event-applied
 * changes show) and the generator's businesses. These functions turn those records into the
 * common-data-model records the legacy systems' fixtures take (SOAP service, CSV export, SQL
 * tables); the adapters then turn the legacy wire formats back into the same model.
 */
import type { Business } from '../../core/model/schemas/business.js';
import type { Permit } from '../../core/model/schemas/permit.js';
import type { Respondent } from '../../core/model/schemas/respondent.js';
import type { Student } from '../../core/model/schemas/student.js';
import type * as Demo from '../data/types.js';

/** A row of BPS's `respondent` table (src/demo/backends/bps.ts), as selected by RESPONDENT_ROW_SQL. */
export interface RespondentRow {
  id: string; nik: string | null; name: string; sex: '1' | '2'; birth_date: string; marital_code: number; occupation: string;
  street: string; village: string; district: string; city: string; province: string; region_code: string; survey: string; enumerated_at: string;
}

export const RESPONDENT_ROW_SQL = `select id, nik, name, sex, birth_date, marital_code, occupation, street, village, district, city, province,
  region_code, survey, to_char(enumerated_at, 'YYYY-MM-DD') as enumerated_at from respondent`;

/** BPS marital status codes as the survey questionnaire words them. */
const MARITAL: Record<number, string> = { 1: 'BELUM KAWIN', 2: 'KAWIN', 3: 'CERAI HIDUP', 4: 'CERAI MATI' };

/** BPS writes dates DD/MM/YYYY; anything else is kept as unknown rather than guessed. */
function isoFromDmy(text: string): string | null {
  const m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text);
  return m ? `${m[3]}-${m[2]}-${m[1]}` : null;
}

export function respondentFromRow(r: RespondentRow): Respondent {
  return {
    respondentId: r.id,
    survey: r.survey,
    nik: r.nik,
    fullName: r.name,
    sex: r.sex === '1' ? 'L' : 'P',
    birthDate: isoFromDmy(r.birth_date),
    address: { street: r.street, village: r.village, district: r.district, city: r.city, province: r.province, regionCode: r.region_code },
    occupation: r.occupation || null,
    maritalStatus: MARITAL[r.marital_code] ?? null,
    surveyedAt: r.enumerated_at,
  };
}

/** A row of KEMENDIKBUD's `student` table joined with its school, as selected by STUDENT_ROW_SQL. */
export interface StudentRow {
  nisn: string; nik: string | null; full_name: string; sex: 'L' | 'P'; birth_date: string; npsn: string; school_name: string; grade: number;
}

export const STUDENT_ROW_SQL = `select s.nisn, s.nik, s.full_name, s.sex, to_char(s.birth_date, 'YYYY-MM-DD') as birth_date, s.npsn,
  sc.name as school_name, s.grade from student s join school sc on sc.npsn = s.npsn`;

export function studentFromRow(r: StudentRow): Student {
  // Dapodik lists enrolled pupils only: everyone in the table is active.
  return { nisn: r.nisn, nik: r.nik, fullName: r.full_name, sex: r.sex, birthDate: r.birth_date, school: { npsn: r.npsn, name: r.school_name }, grade: Number(r.grade), status: 'aktif' };
}

export function businessFromDemo(b: Demo.Business): Business {
  return {
    nib: b.nib,
    name: b.businessName,
    kbli: [...new Set(b.kbli)],
    ownerNik: b.ownerNik,
    address: { ...b.address },
    riskLevel: b.riskLevel.toLowerCase() as Business['riskLevel'],
    registeredAt: b.issuedAt,
  };
}

const PERMIT_STATUS: Record<Demo.Permit['status'], Permit['status']> = { BERLAKU: 'aktif', DICABUT: 'dicabut', MENUNGGU_VERIFIKASI: 'diajukan' };
const LICENSING = 'ID/GOV/LICENSING';

/**
 * The permits the licensing database records for a business. The NIB is the registration
 * itself (the business row), and halal certificates are issued by BPJPH, not this agency:
 * neither is a permit row here. SPP-IRT is a standard certificate for home food production.
 */
export function permitsFromDemo(b: Demo.Business): Permit[] {
  const kinds: Partial<Record<Demo.Permit['type'], Permit['kind']>> = { SERTIFIKAT_STANDAR: 'sertifikat_standar', IZIN: 'izin', SPP_IRT: 'sertifikat_standar' };
  return b.permits.flatMap((p) => {
    const kind = kinds[p.type];
    if (!kind || !b.kbli[0]) return [];
    return [{ permitNumber: p.number, nib: b.nib, kind, kbli: b.kbli[0], issuer: LICENSING, status: PERMIT_STATUS[p.status], issuedAt: p.status === 'MENUNGGU_VERIFIKASI' ? null : p.issuedAt, validUntil: null }];
  });
}
