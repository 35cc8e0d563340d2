/** Student: a pupil in the national education database (Dapodik), identified by NISN. */
import { modelId } from '../model-id.js';
import { ref, type Sex } from './common.js';

export const STUDENT_ID = modelId('student', 1);

export const STUDENT_STATUSES = ['aktif', 'lulus', 'pindah', 'keluar'] as const;

export const studentSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: STUDENT_ID,
  title: 'Student (peserta didik)',
  type: 'object',
  required: ['nisn', 'nik', 'fullName', 'sex', 'birthDate', 'school', 'grade', 'status'],
  properties: {
    nisn: ref('nisn'),
    /** Null when the school never recorded it: schools still enrol children without one. */
    nik: { anyOf: [ref('nik'), { type: 'null' }] },
    fullName: ref('text'),
    sex: ref('sex'),
    birthDate: ref('date'),
    school: {
      type: 'object',
      required: ['npsn', 'name'],
      properties: { npsn: ref('npsn'), name: ref('text') },
      additionalProperties: false,
    },
    /** 1–12; 0 for early childhood (PAUD). */
    grade: { type: 'integer', minimum: 0, maximum: 12 },
    status: { enum: STUDENT_STATUSES },
  },
  additionalProperties: false,
} as const;

export interface Student {
  nisn: string;
  nik: string | null;
  fullName: string;
  sex: Sex;
  birthDate: string;
  school: { npsn: string; name: string };
  grade: number;
  status: (typeof STUDENT_STATUSES)[number];
}
