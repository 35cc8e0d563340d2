import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NIK_SYSTEM } from '../data/kemenkes.js';
import { sampleIdentifiers } from './samples.js';
import { testData } from './testing.js';

describe('sample identifiers for the demo', () => {
  const samples = sampleIdentifiers(testData);

  it('name one living person found under the same NIK in every agency', () => {
    const { nik } = samples.everywhere;
    const person = testData.persons.find((p) => p.nik === nik);
    assert.ok(person && person.deathDate === null);
    assert.equal(testData.bps.respondents.find((r) => r.id === samples.everywhere.respondentId)?.nik, nik);
    const patient = testData.kemenkes.patients.find((p) => p.id === samples.everywhere.patientId);
    assert.ok(patient?.identifier.some((i) => i.system === NIK_SYSTEM && i.value === nik));
    assert.equal(testData.kemendikbud.students.find((s) => s.nisn === samples.everywhere.nisn)?.nik, nik);
    assert.equal(testData.licensing.businesses.find((b) => b.nib === samples.everywhere.nib)?.ownerNik, nik);
    assert.equal(samples.everywhere.kk, person.kk);
  });

  it('point at records that exist, including inconsistent ones to show reconciliation', () => {
    const deceased = testData.persons.find((p) => p.nik === samples.DUKCAPIL.deceasedNik);
    assert.ok(deceased?.deathDate);
    assert.ok(testData.persons.some((p) => p.fullName.includes(samples.DUKCAPIL.nameQuery) && p.birthDate === samples.DUKCAPIL.birthDate));
    assert.equal(testData.bps.respondents.find((r) => r.id === samples.BPS.missingNikRespondentId)?.nik, null);
    const mistyped = testData.kemenkes.patients.find((p) => p.id === samples.KEMENKES.mistypedNikPatientId);
    const written = mistyped?.identifier.find((i) => i.system === NIK_SYSTEM)?.value;
    assert.ok(written && written !== testData.truth.KEMENKES[mistyped!.id]);
    assert.ok(testData.licensing.kbli.some((k) => k.code === samples.LICENSING.kbli));
    assert.equal(samples.KEMENKES.identifier, `${NIK_SYSTEM}|${samples.everywhere.nik}`);
  });
});
