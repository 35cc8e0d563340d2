import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeNik, parseNik } from '../../core/ids.js';
import { ageOn } from './dates.js';
import { generateFederationData } from './generate.js';
import { INCONSISTENCY_RATES } from './ledger.js';
import { NIK_SYSTEM } from './kemenkes.js';
import { titleCase } from './variants.js';
import type { FederationData, FhirPatient, InconsistencyKind } from './types.js';

const data = generateFederationData({ seed: 42 });
const persons = new Map(data.persons.map((p) => [p.nik, p]));
const REAL_PROVINCES = new Set(['11', '12', '13', '31', '32', '33', '34', '35', '51', '61', '73']);

function noted(kind: InconsistencyKind, agency: keyof FederationData['truth']): Set<string> {
  return new Set(data.inconsistencies.records.filter((r) => r.agency === agency && r.kind === kind).map((r) => r.recordId));
}
function patientNik(p: FhirPatient): string | null {
  return p.identifier.find((i) => i.system === NIK_SYSTEM)?.value ?? null;
}
/** Observed rate of `kind` among an agency's records that are not duplicates. */
function rate(agency: keyof FederationData['truth'], kind: InconsistencyKind, total: number): number {
  return noted(kind, agency).size / total;
}

describe('synthetic population (DUKCAPIL)', () => {
  it('has the requested number of persons, 10,000 by default', () => {
    assert.equal(data.persons.length, 10_000);
    assert.equal(generateFederationData({ seed: 1, persons: 250 }).persons.length, 250);
  });

  it('gives every person a valid, unique NIK that encodes their birth date and sex', () => {
    assert.equal(persons.size, data.persons.length);
    for (const p of data.persons) {
      parseNik(p.nik);
      const facts = decodeNik(p.nik);
      assert.ok(facts, p.nik);
      assert.ok(REAL_PROVINCES.has(facts.province), `${p.nik} province`);
      assert.equal(facts.sex, p.sex, `${p.nik} sex`);
      assert.equal(facts.birthDay, Number(p.birthDate.slice(8, 10)), `${p.nik} day`);
      assert.equal(facts.birthMonth, Number(p.birthDate.slice(5, 7)), `${p.nik} month`);
      assert.equal(facts.birthYear2, Number(p.birthDate.slice(2, 4)), `${p.nik} year`);
      assert.notEqual(facts.serial, '0000');
    }
  });

  it('groups persons in family cards with a living head and real relationships', () => {
    const kks = new Set<string>();
    for (const h of data.households) {
      assert.match(h.kk, /^\d{16}$/);
      assert.ok(!kks.has(h.kk), `duplicate KK ${h.kk}`);
      kks.add(h.kk);
      const head = h.members.find((m) => m.relationship === 'KEPALA KELUARGA');
      assert.equal(head?.nik, h.headNik, h.kk);
      assert.equal(h.members.filter((m) => m.relationship === 'KEPALA KELUARGA').length, 1, h.kk);
      for (const m of h.members) {
        const p = persons.get(m.nik);
        assert.ok(p && p.kk === h.kk && p.deathDate === null && p.fullName === m.fullName, m.nik);
        assert.deepEqual(p.address, h.address);
      }
    }
    for (const p of data.persons) assert.ok(kks.has(p.kk), p.nik);
    const relationships = new Set(data.households.flatMap((h) => h.members.map((m) => m.relationship)));
    for (const r of ['KEPALA KELUARGA', 'ISTRI', 'ANAK', 'CUCU', 'MENANTU']) assert.ok(relationships.has(r), r);
  });

  it('has plausible people: adult heads, married spouses, some deceased, varied naming traditions', () => {
    for (const h of data.households) {
      const head = persons.get(h.headNik);
      assert.ok(head && ageOn(head.birthDate, data.referenceDate) >= 17, h.kk);
    }
    const dead = data.persons.filter((p) => p.deathDate !== null);
    assert.ok(dead.length > 50 && dead.length < 600, `${dead.length} deceased`);
    for (const p of dead) assert.ok(p.deathDate! > p.birthDate && p.deathDate! < data.referenceDate);
    const names = data.persons.map((p) => p.fullName);
    for (const pattern of [/^I (WAYAN|PUTU|GEDE|MADE|KADEK|NENGAH|NYOMAN|KOMANG|KETUT) /, /^NI /, /^MUHAMMAD /, /^SITI /, / BR /, /^ANDI /, /^[A-Z]+$/, / (SIMANJUNTAK|SIREGAR|NASUTION|LUBIS)$/, / (WIJAYA|HALIM|TANOTO|SALIM)$/]) {
      assert.ok(names.some((n) => pattern.test(n)), `no name matches ${pattern}`);
    }
    const religions = new Set(data.persons.map((p) => p.religion));
    for (const r of ['ISLAM', 'KRISTEN', 'KATOLIK', 'HINDU', 'BUDDHA']) assert.ok(religions.has(r), r);
    for (const p of data.persons) {
      assert.match(p.address.rt, /^\d{3}$/);
      assert.match(p.address.postcode, /^\d{5}$/);
      assert.match(p.updatedAt, /^\d{4}-\d{2}-\d{2}T/);
    }
  });

  it('is deterministic: the same seed gives the same federation, another seed another', () => {
    const a = generateFederationData({ seed: 9, persons: 800 });
    const b = generateFederationData({ seed: 9, persons: 800 });
    const c = generateFederationData({ seed: 10, persons: 800 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.persons.map((p) => p.nik), c.persons.map((p) => p.nik));
  });
});

describe('agency copies and their inconsistencies', () => {
  it('BPS: a subset with missing NIKs, name variants, wrong birth dates, duplicates and old addresses, as stated', () => {
    const rows = data.bps.respondents;
    const dups = noted('duplicate', 'BPS');
    const originals = rows.length - dups.size;
    const missing = noted('missing_nik', 'BPS');
    const names = noted('name_variant', 'BPS');
    const R = INCONSISTENCY_RATES.BPS;
    assert.ok(Math.abs(rate('BPS', 'missing_nik', originals) - R.missing_nik) < 0.02);
    assert.ok(Math.abs(rate('BPS', 'name_variant', originals) - R.name_variant) < 0.025);
    assert.ok(Math.abs(rate('BPS', 'birth_date_error', originals) - R.birth_date_error) < 0.012);
    assert.ok(Math.abs(dups.size / originals - R.duplicate) < 0.01);
    assert.ok(noted('outdated_address', 'BPS').size > 0.03 * originals);
    assert.ok(originals > 0.5 * data.persons.length && originals < 0.85 * data.persons.length);
    for (const r of rows) {
      const nik = data.truth.BPS[r.id] as string;
      const truth = persons.get(nik);
      assert.ok(truth, r.id);
      assert.match(r.birthDate, /^\d{2}\/\d{2}\/\d{4}$/);
      assert.ok(r.sex === (truth.sex === 'L' ? '1' : '2'));
      if (dups.has(r.id)) continue;
      // Every difference from the registry is counted, and every count is a difference.
      assert.equal(r.nik === null, missing.has(r.id), r.id);
      if (r.nik !== null) assert.equal(r.nik, nik);
      assert.equal(r.name !== titleCase(truth.fullName), names.has(r.id), `${r.id} ${r.name} / ${truth.fullName}`);
    }
  });

  it('KEMENKES: FHIR Patients with the NIK identifier, some mistyped or missing, variants and duplicates', () => {
    const R = INCONSISTENCY_RATES.KEMENKES;
    const dups = noted('duplicate', 'KEMENKES');
    const patients = data.kemenkes.patients;
    const originals = patients.length - dups.size;
    const missing = noted('missing_nik', 'KEMENKES');
    const mistyped = noted('nik_mistyped', 'KEMENKES');
    assert.ok(Math.abs(missing.size / originals - R.missing_nik) < 0.015);
    assert.ok(Math.abs(mistyped.size / originals - R.nik_mistyped * (1 - R.missing_nik)) < 0.012);
    assert.ok(Math.abs(rate('KEMENKES', 'name_variant', originals) - R.name_variant) < 0.02);
    assert.ok(Math.abs(dups.size / originals - R.duplicate) < 0.01);
    assert.ok(noted('death_unreported', 'KEMENKES').size > 0);
    for (const p of patients) {
      assert.equal(p.resourceType, 'Patient');
      assert.match(p.id, /^P\d{11}$/);
      const nik = data.truth.KEMENKES[p.id] as string;
      const truth = persons.get(nik)!;
      assert.equal(p.gender, truth.sex === 'L' ? 'male' : 'female');
      if (dups.has(p.id)) continue;
      const value = patientNik(p);
      assert.equal(value === null, missing.has(p.id), p.id);
      assert.equal(value !== null && value !== nik, mistyped.has(p.id), p.id);
      if (mistyped.has(p.id)) assert.ok(!persons.has(value!), 'a mistyped NIK never lands on another person');
    }
  });

  it('KEMENDIKBUD: pupils with NISN, school and parents, NIK mostly present', () => {
    const R = INCONSISTENCY_RATES.KEMENDIKBUD;
    const students = data.kemendikbud.students;
    assert.ok(students.length > 0.1 * data.persons.length);
    const npsn = new Set(data.kemendikbud.schools.map((s) => s.npsn));
    const missing = noted('missing_nik', 'KEMENDIKBUD');
    const mothers = noted('parent_name_variant', 'KEMENDIKBUD');
    assert.ok(Math.abs(missing.size / students.length - R.missing_nik) < 0.02);
    assert.ok(Math.abs(mothers.size / students.length - R.parent_name_variant) < 0.025);
    assert.ok(Math.abs(rate('KEMENDIKBUD', 'birth_place_variant', students.length) - R.birth_place_variant) < 0.02);
    assert.equal(new Set(students.map((s) => s.nisn)).size, students.length);
    for (const s of students) {
      assert.match(s.nisn, /^\d{10}$/);
      assert.equal(s.nisn.slice(0, 3), s.birthDate.slice(1, 4));
      assert.ok(npsn.has(s.npsn));
      assert.ok(s.grade >= 1 && s.grade <= 12);
      assert.ok(s.motherName.length > 0);
      const nik = data.truth.KEMENDIKBUD[s.nisn] as string;
      assert.equal(s.nik === null, missing.has(s.nisn));
      if (s.nik !== null && s.nik !== nik) assert.ok(noted('nik_mistyped', 'KEMENDIKBUD').has(s.nisn));
    }
  });

  it('LICENSING: businesses with NIB, KBLI codes, owner NIK, risk level and permits', () => {
    const kbli = new Map(data.licensing.kbli.map((k) => [k.code, k]));
    const mistyped = noted('nik_mistyped', 'LICENSING');
    assert.ok(data.licensing.businesses.length > 0.02 * data.persons.length);
    assert.equal(new Set(data.licensing.businesses.map((b) => b.nib)).size, data.licensing.businesses.length);
    for (const b of data.licensing.businesses) {
      assert.match(b.nib, /^\d{13}$/);
      assert.ok(b.kbli.length >= 1 && b.kbli.every((c) => kbli.has(c)));
      assert.ok(b.permits.some((p) => p.type === 'NIB' && p.number === b.nib));
      const nik = data.truth.LICENSING[b.nib] as string;
      assert.equal(b.ownerNik !== nik, mistyped.has(b.nib));
      const owner = persons.get(nik)!;
      assert.ok(ageOn(owner.birthDate, b.issuedAt) >= 17);
    }
  });

  it('counts every inconsistency in the summary', () => {
    const total = Object.values(data.inconsistencies.counts).flatMap((c) => Object.values(c)).reduce((a, b) => a + (b ?? 0), 0);
    assert.equal(total, data.inconsistencies.records.length);
    for (const r of data.inconsistencies.records) assert.equal(data.truth[r.agency][r.recordId], r.nik);
  });

  it('has one showcase person, correctly identified in every agency', () => {
    const nik = data.showcaseNik;
    const person = persons.get(nik)!;
    assert.equal(person.deathDate, null);
    assert.ok(data.bps.respondents.some((r) => r.nik === nik));
    assert.ok(data.kemenkes.patients.some((p) => patientNik(p) === nik));
    assert.ok(data.kemendikbud.students.some((s) => s.nik === nik));
    assert.ok(data.licensing.businesses.some((b) => b.ownerNik === nik && b.status === 'AKTIF'));
    assert.equal(data.inconsistencies.records.filter((r) => r.nik === nik && r.kind !== 'outdated_address').length, 0);
  });
});
