/**
 * KEMENDIKBUD's sample backend: pupils as the education data system (Dapodik style) records
 * them, by NISN or by NIK, with their school.
 */
import { Type } from '@sinclair/typebox';
import { sql, type Kysely } from 'kysely';
import { SimpulError } from '../../core/errors.js';
import { parseNik } from '../../core/ids.js';
import type { HttpApp } from '../../core/http/app.js';
import type { Migrations } from '../../core/storage/migrate.js';
import type { FederationData, Student } from '../data/types.js';
import type { AgencyModule } from './agency-module.js';
import { AddressSchema, responses } from './schemas.js';
import { ADDRESS_COLUMNS_SQL, addressColumns, addressJson, bulkInsert } from './seed.js';

const StudentSchema = Type.Object({
  nisn: Type.String({ pattern: '^\\d{10}$', description: 'Nomor Induk Siswa Nasional' }),
  nik: Type.Union([Type.String(), Type.Null()]),
  fullName: Type.String(),
  sex: Type.Union([Type.Literal('L'), Type.Literal('P')]),
  birthPlace: Type.String(),
  birthDate: Type.String({ format: 'date' }),
  religion: Type.String(),
  npsn: Type.String({ description: 'School number (Nomor Pokok Sekolah Nasional)' }),
  schoolName: Type.String(),
  level: Type.Union([Type.Literal('SD'), Type.Literal('SMP'), Type.Literal('SMA'), Type.Literal('SMK')]),
  grade: Type.Integer({ minimum: 1, maximum: 12 }),
  fatherName: Type.Union([Type.String(), Type.Null()]),
  motherName: Type.String(),
  address: AddressSchema,
  enrolledAt: Type.String({ format: 'date' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

const migrations: Migrations = {
  '0001_students': {
    async up(db: Kysely<unknown>) {
      await sql.raw(`
        create table school (
          npsn text primary key,
          name text not null,
          level text not null,
          status text not null,
          city text not null,
          province text not null
        );
        create table student (
          nisn text primary key,
          nik text,
          full_name text not null,
          sex text not null check (sex in ('L', 'P')),
          birth_place text not null,
          birth_date date not null,
          religion text not null,
          npsn text not null references school (npsn),
          level text not null,
          grade integer not null check (grade between 1 and 12),
          father_name text,
          mother_name text not null,
          ${ADDRESS_COLUMNS_SQL},
          enrolled_at date not null,
          updated_at timestamptz not null
        );
        create index student_nik on student (nik);
        create index student_school on student (npsn);
      `).execute(db);
    },
  },
};

const COLUMNS = `s.nisn, s.nik, s.full_name, s.sex, s.birth_place, to_char(s.birth_date, 'YYYY-MM-DD') as birth_date, s.religion,
  s.npsn, sc.name as school_name, s.level, s.grade, s.father_name, s.mother_name, ${addressJson('s')} as address,
  to_char(s.enrolled_at, 'YYYY-MM-DD') as enrolled_at, to_char(s.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as updated_at`;

interface Row {
  nisn: string; nik: string | null; full_name: string; sex: 'L' | 'P'; birth_place: string; birth_date: string; religion: string;
  npsn: string; school_name: string; level: Student['level']; grade: number; father_name: string | null; mother_name: string;
  address: Student['address']; enrolled_at: string; updated_at: string;
}

function toStudent(r: Row): Student {
  return {
    nisn: r.nisn, nik: r.nik, fullName: r.full_name, sex: r.sex, birthPlace: r.birth_place, birthDate: r.birth_date,
    religion: r.religion, npsn: r.npsn, schoolName: r.school_name, level: r.level, grade: r.grade, fatherName: r.father_name,
    motherName: r.mother_name, address: r.address, enrolledAt: r.enrolled_at, updatedAt: r.updated_at,
  };
}

async function fill(db: Kysely<unknown>, data: FederationData): Promise<void> {
  await bulkInsert(db, 'school', data.kemendikbud.schools);
  await bulkInsert(db, 'student', data.kemendikbud.students.map((s) => ({
    nisn: s.nisn, nik: s.nik, full_name: s.fullName, sex: s.sex, birth_place: s.birthPlace, birth_date: s.birthDate,
    religion: s.religion, npsn: s.npsn, level: s.level, grade: s.grade, father_name: s.fatherName, mother_name: s.motherName,
    ...addressColumns(s.address), enrolled_at: s.enrolledAt, updated_at: s.updatedAt,
  })));
}

function routes(app: HttpApp, db: Kysely<unknown>): void {
  app.get('/students/:nisn', {
    schema: {
      summary: 'A pupil by NISN',
      tags: ['students'],
      params: Type.Object({ nisn: Type.String({ pattern: '^\\d{10}$', description: 'NISN, 10 digits' }) }),
      response: responses(StudentSchema),
    },
  }, async (request) => {
    const { rows } = await sql<Row>`select ${sql.raw(COLUMNS)} from student s join school sc on sc.npsn = s.npsn where s.nisn = ${request.params.nisn}`.execute(db);
    if (!rows[0]) throw new SimpulError('request.not_found', `No pupil with NISN ${request.params.nisn}.`);
    return toStudent(rows[0]);
  });

  app.get('/students', {
    schema: {
      summary: 'Pupils recorded with this NIK',
      tags: ['students'],
      querystring: Type.Object({ nik: Type.String({ description: 'NIK, 16 digits' }) }),
      response: responses(Type.Object({ students: Type.Array(StudentSchema) }), 200, 400),
    },
  }, async (request) => {
    const nik = parseNik(request.query.nik);
    const { rows } = await sql<Row>`select ${sql.raw(COLUMNS)} from student s join school sc on sc.npsn = s.npsn where s.nik = ${nik} order by s.nisn`.execute(db);
    return { students: rows.map(toStudent) };
  });
}

export const kemendikbud: AgencyModule = {
  agency: 'KEMENDIKBUD',
  title: 'KEMENDIKBUD sample backend (education)',
  description: 'Synthetic pupils (Dapodik style) with NISN, school, grade and parents. Demo data only.',
  migrations,
  seedTable: 'student',
  fill,
  routes,
};
