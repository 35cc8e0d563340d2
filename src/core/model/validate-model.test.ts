import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listModelIds, getModelSchema } from './model-registry.js';
import { modelId, parseModelId } from './model-id.js';
import { validateAgainstModel, validateRecordsAgainstModel } from './validate-model.js';
import type { Person } from './schemas/person.js';
import type { Patient } from './schemas/patient.js';
import { NIK_SYSTEM } from './schemas/patient.js';
import type { Student } from './schemas/student.js';
import type { Business } from './schemas/business.js';
import type { Household } from './schemas/household.js';
import type { Permit } from './schemas/permit.js';
import type { Respondent } from './schemas/respondent.js';

const address = { street: 'Jl. Merdeka 10', rt: '001', rw: '002', village: 'Menteng', district: 'Menteng', city: 'Jakarta Pusat', province: 'DKI Jakarta', postcode: '10310' };

// Woman born 17 August 1990 (day 17 + 40 = 57).
const person: Person = {
  nik: '3171055708900001', kk: '3171050101100002', fullName: 'Siti Rahayu', sex: 'P', birthPlace: 'Jakarta',
  birthDate: '1990-08-17', religion: 'Islam', maritalStatus: 'KAWIN', occupation: 'Guru', bloodType: 'O',
  nationality: 'WNI', address, deathDate: null, updatedAt: '2025-01-02T03:04:05Z',
};

function errors(model: string, body: unknown) {
  const result = validateAgainstModel(model, body);
  assert.equal(result.ok, false, 'expected a violation');
  return result.ok ? [] : result.errors;
}

describe('common data model', () => {
  it('gives every entity a stable, versioned id and serves its schema', () => {
    const ids = listModelIds();
    for (const name of ['person', 'household', 'business', 'permit', 'student', 'patient', 'respondent'] as const) {
      const id = modelId(name, 1);
      assert.ok(ids.includes(id), id);
      assert.equal(getModelSchema(id)?.$schema, 'https://json-schema.org/draft/2020-12/schema');
      assert.deepEqual(parseModelId(id), { name, version: 1 });
    }
    assert.equal(parseModelId('https://example.org/person/1'), undefined);
  });

  it('accepts a population-registry person record', () => {
    assert.deepEqual(validateAgainstModel(modelId('person', 1), person), { ok: true });
  });

  it('refuses a NIK whose digits do not encode a birth date, naming the path', () => {
    const bad = { ...person, nik: '3171059913900001' }; // day 99
    assert.deepEqual(errors(modelId('person', 1), bad), [{ path: '/nik', message: 'must match format "nik"' }]);
  });

  it('refuses unknown fields, wrong enums and missing fields, reporting each', () => {
    const { deathDate: _drop, ...withoutDeath } = person;
    const bad = { ...withoutDeath, sex: 'F', hobby: 'catur', address: { ...address, postcode: '1031' } };
    const found = errors(modelId('person', 1), bad);
    const paths = found.map((e) => e.path).sort();
    assert.deepEqual(paths, ['', '', '/address/postcode', '/sex']);
    assert.ok(found.some((e) => e.message.includes('deathDate')));
    assert.ok(found.some((e) => e.message.includes('"hobby"')));
    assert.ok(found.some((e) => e.path === '/sex' && e.message === 'must be one of "L", "P"'));
  });

  it('checks dates as calendar dates', () => {
    assert.deepEqual(errors(modelId('person', 1), { ...person, birthDate: '1990-02-30' }), [{ path: '/birthDate', message: 'must match format "date"' }]);
  });

  it('checks NISN, NIB and KBLI digit counts', () => {
    const student: Student = { nisn: '0012345678', nik: null, fullName: 'Budi', sex: 'L', birthDate: '2012-01-05', school: { npsn: '20100001', name: 'SD Negeri 1' }, grade: 6, status: 'aktif' };
    assert.deepEqual(validateAgainstModel(modelId('student', 1), student), { ok: true });
    assert.equal(errors(modelId('student', 1), { ...student, nisn: '123' })[0]?.path, '/nisn');
    const business: Business = { nib: '9120001234567', name: 'CV Maju Jaya', kbli: ['47111', '56101'], ownerNik: person.nik, address, riskLevel: 'menengah_rendah', registeredAt: '2021-06-01' };
    assert.deepEqual(validateAgainstModel(modelId('business', 1), business), { ok: true });
    assert.deepEqual(errors(modelId('business', 1), { ...business, nib: '912000123456', kbli: ['4711'] }).map((e) => e.path).sort(), ['/kbli/0', '/nib']);
  });

  it('accepts households, permits and respondents in their shapes', () => {
    const household: Household = { kk: person.kk, headNik: person.nik, address, members: [{ nik: person.nik, fullName: person.fullName, relationship: 'kepala_keluarga' }] };
    assert.deepEqual(validateAgainstModel(modelId('household', 1), household), { ok: true });
    assert.equal(errors(modelId('household', 1), { ...household, members: [{ ...household.members[0], relationship: 'boss' }] })[0]?.path, '/members/0/relationship');
    const permit: Permit = { permitNumber: 'P-2024-0001', nib: '9120001234567', kind: 'izin', kbli: '56101', issuer: 'ID/GOV/KEMENKES', status: 'aktif', issuedAt: '2024-01-01', validUntil: null };
    assert.deepEqual(validateAgainstModel(modelId('permit', 1), permit), { ok: true });
    const respondent: Respondent = { respondentId: 'R-1', survey: 'SUSENAS-2025', nik: null, fullName: 'Siti R.', sex: 'P', birthDate: null, address: { village: 'Menteng', district: 'Menteng', city: 'Jakarta Pusat', province: 'DKI Jakarta', regionCode: '3171050001' }, occupation: null, maritalStatus: 'KAWIN', surveyedAt: '2025-03-01' };
    assert.deepEqual(validateAgainstModel(modelId('respondent', 1), respondent), { ok: true });
  });

  it('validates a FHIR R4 Patient carrying the NIK identifier', () => {
    const patient: Patient = {
      resourceType: 'Patient', id: 'P001',
      identifier: [{ use: 'official', system: NIK_SYSTEM, value: person.nik }, { system: 'https://fhir.kemkes.go.id/id/ihs-number', value: 'P02478375538' }],
      name: [{ use: 'official', text: 'Siti Rahayu' }], gender: 'female', birthDate: '1990-08-17',
      address: [{ use: 'home', line: ['Jl. Merdeka 10'], city: 'Jakarta Pusat', postalCode: '10310', country: 'ID' }],
      meta: { profile: ['https://simpul.go.id/model/patient/1'] },
    };
    assert.deepEqual(validateAgainstModel(modelId('patient', 1), patient), { ok: true });
    // Without the NIK identifier, with an element FHIR does not define, with a non-FHIR gender.
    const bad = { ...patient, identifier: [{ system: 'https://fhir.kemkes.go.id/id/ihs-number', value: 'P1' }], hobby: 'x', gender: 'P' };
    const found = errors(modelId('patient', 1), bad);
    assert.ok(found.some((e) => e.path === '/identifier' && e.message.includes('contain')));
    assert.ok(found.some((e) => e.path === '/gender'));
    assert.ok(found.some((e) => e.message.includes('property name')));
    // Two NIKs on one patient is ambiguous.
    assert.ok(errors(modelId('patient', 1), { ...patient, identifier: [patient.identifier[0], patient.identifier[0]] }).some((e) => e.path === '/identifier'));
  });

  it('validates each record of a list answer and points into it', () => {
    const result = validateRecordsAgainstModel(modelId('person', 1), { items: [person, { ...person, kk: '12' }] });
    assert.equal(result.ok, false);
    assert.deepEqual(result.ok ? [] : result.errors.map((e) => e.path), ['/items/1/kk', '/items/1/kk']);
  });

  it('accepts the short forms of an id', () => {
    assert.deepEqual(validateAgainstModel('person/1', person), { ok: true });
    assert.deepEqual(validateAgainstModel('simpul:person/1', person), { ok: true });
    assert.equal(getModelSchema('simpul:patient/1')?.$id, modelId('patient', 1));
  });

  it('throws model.unknown for an id that names no schema', () => {
    assert.throws(() => validateAgainstModel('https://simpul.go.id/model/unicorn/1', {}), { code: 'model.unknown' });
    assert.throws(() => validateAgainstModel('person/2', {}), { code: 'model.unknown' });
  });
});
