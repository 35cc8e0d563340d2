/**
 * The health ministry's copy: FHIR R4 Patient resources in the SATUSEHAT style (the NIK as an
 * identifier of system https://fhir.kemkes.go.id/id/nik, an IHS number as the resource id,
 * administrative codes in an address extension). Patients are registered at facilities, so
 * NIKs get mistyped or are missing (newborns go by their mother's NIK), people are registered
 * twice, deaths in hospital are not always reported to DUKCAPIL, and deaths reported to
 * DUKCAPIL are not always known to the health record.
 */
import { ageOn, dayOf, isoDay, isoInstant } from './dates.js';
import { INCONSISTENCY_RATES, type CopyContext } from './ledger.js';
import type { Place, Resident } from './population.js';
import type { Random } from './random.js';
import { addressLine, mistypeNik, nameVariant, titleCase } from './variants.js';
import type { FhirPatient } from './types.js';

export const NIK_SYSTEM = 'https://fhir.kemkes.go.id/id/nik';
export const MOTHER_NIK_SYSTEM = 'https://fhir.kemkes.go.id/id/nik-ibu';
export const IHS_SYSTEM = 'https://fhir.kemkes.go.id/id/ihs-number';
const ADMINISTRATIVE_CODE = 'https://fhir.kemkes.go.id/r4/StructureDefinition/administrativeCode';
const RATES = INCONSISTENCY_RATES.KEMENKES;

const MARITAL: Record<string, [string, string]> = {
  'BELUM KAWIN': ['S', 'Never Married'],
  KAWIN: ['M', 'Married'],
  'CERAI HIDUP': ['D', 'Divorced'],
  'CERAI MATI': ['W', 'Widowed'],
};

export function copyToKemenkes({ random, population, ledger, showcase, referenceDate }: CopyContext): FhirPatient[] {
  const ids = new Set<string>();
  const newId = () => {
    for (;;) {
      const id = `P${random.digits(11)}`;
      if (!ids.has(id)) {
        ids.add(id);
        return id;
      }
    }
  };
  const niks = new Set(population.persons.map((p) => p.nik));
  const motherNik = new Map<string, string>();
  for (const r of population.residents) if (r.motherName) motherNik.set(r.person.nik, r.motherName);
  const nikByName = new Map<string, string>();
  for (const r of population.residents) if (r.person.sex === 'P') nikByName.set(`${r.household}|${r.person.fullName}`, r.person.nik);

  const patients: FhirPatient[] = [];
  const reference = dayOf(referenceDate);
  for (const r of population.residents) {
    const p = r.person;
    if (r !== showcase && !random.chance(RATES.coverage)) continue;
    const clean = r === showcase;
    const id = newId();
    const born = dayOf(p.birthDate);
    const lastVisit = random.int(Math.max(born, dayOf('2021-01-01')), p.deathDate ? dayOf(p.deathDate) : reference);
    const lastUpdated = isoDay(lastVisit);
    const stale = r.movedAt !== null && r.previousPlace !== null && r.movedAt > lastUpdated;
    const place = stale ? (r.previousPlace as Place) : r.place;
    const patient = patientFor(random, r, id, place, isoInstant(lastVisit, random.int(7 * 3600, 20 * 3600)));
    ledger.link('KEMENKES', id, p.nik);
    if (stale) ledger.note('KEMENKES', id, 'outdated_address', p.nik, 'address', addressLine(p.address), addressLine(place.address));

    if (p.deathDate !== null) {
      if (random.chance(0.6)) patient.deceasedDateTime = `${p.deathDate}T00:00:00+07:00`;
      else ledger.note('KEMENKES', id, 'deceased_still_active', p.nik, 'deathDate', p.deathDate, null);
    } else if (!clean && ageOn(p.birthDate, isoDay(reference)) >= 60 && random.chance(RATES.death_unreported_over_60)) {
      // Died in hospital; the family never reported it to DUKCAPIL.
      const died = isoDay(random.int(reference - 700, reference - 1));
      patient.deceasedDateTime = `${died}T00:00:00+07:00`;
      patient.meta.lastUpdated = `${died}T12:00:00.000Z`;
      ledger.note('KEMENKES', id, 'death_unreported', p.nik, 'deathDate', null, died);
    }

    if (!clean && random.chance(RATES.missing_nik)) {
      patient.identifier = patient.identifier.filter((i) => i.system !== NIK_SYSTEM);
      const mother = nikByName.get(`${r.household}|${motherNik.get(p.nik) ?? ''}`);
      if (ageOn(p.birthDate, lastUpdated) < 1 && mother) patient.identifier.push({ use: 'official', system: MOTHER_NIK_SYSTEM, value: mother });
      ledger.note('KEMENKES', id, 'missing_nik', p.nik, 'nik', p.nik, null);
    } else if (!clean && random.chance(RATES.nik_mistyped)) {
      let wrong = mistypeNik(random, p.nik);
      while (niks.has(wrong)) wrong = mistypeNik(random, p.nik);
      (patient.identifier.find((i) => i.system === NIK_SYSTEM) as { value: string }).value = wrong;
      ledger.note('KEMENKES', id, 'nik_mistyped', p.nik, 'nik', p.nik, wrong);
    }
    if (!clean && random.chance(RATES.name_variant)) {
      const variant = titleCase(nameVariant(random, p.fullName));
      patient.name = [{ use: 'official', text: variant }];
      ledger.note('KEMENKES', id, 'name_variant', p.nik, 'fullName', p.fullName, variant);
    }
    patients.push(patient);

    if (!clean && random.chance(RATES.duplicate)) {
      // Registered again at another facility that did not find the first record.
      const dupId = newId();
      const dup: FhirPatient = structuredClone(patient);
      dup.id = dupId;
      dup.identifier = dup.identifier.map((i) => (i.system === IHS_SYSTEM ? { ...i, value: dupId } : i));
      if (random.chance(0.4)) dup.identifier = dup.identifier.filter((i) => i.system !== NIK_SYSTEM);
      if (random.chance(0.5)) dup.name = [{ use: 'official', text: titleCase(nameVariant(random, p.fullName)) }];
      ledger.link('KEMENKES', dupId, p.nik);
      ledger.note('KEMENKES', dupId, 'duplicate', p.nik, 'id', id, dupId);
      patients.push(dup);
    }
  }
  return patients;
}

function patientFor(random: Random, r: Resident, id: string, place: Place, lastUpdated: string): FhirPatient {
  const p = r.person;
  const [code, display] = MARITAL[p.maritalStatus] ?? ['UNK', 'unknown'];
  const a = place.address;
  const patient: FhirPatient = {
    resourceType: 'Patient',
    id,
    meta: { lastUpdated },
    identifier: [
      { use: 'official', system: NIK_SYSTEM, value: p.nik },
      { use: 'official', system: IHS_SYSTEM, value: id },
    ],
    active: true,
    name: [{ use: 'official', text: titleCase(p.fullName) }],
    gender: p.sex === 'L' ? 'male' : 'female',
    birthDate: p.birthDate,
    address: [{
      use: 'home',
      line: [titleCase(a.street)],
      city: titleCase(a.city),
      postalCode: a.postcode,
      country: 'ID',
      extension: [{
        url: ADMINISTRATIVE_CODE,
        extension: [
          { url: 'province', valueCode: place.regency.provinceCode },
          { url: 'city', valueCode: place.regency.code },
          { url: 'district', valueCode: place.district.code },
          { url: 'village', valueCode: place.village.code },
          { url: 'rt', valueCode: a.rt },
          { url: 'rw', valueCode: a.rw },
        ],
      }],
    }],
    maritalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code, display }] },
    communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'id-ID', display: 'Indonesian' }] }, preferred: true }],
  };
  if (ageOn(p.birthDate, lastUpdated.slice(0, 10)) >= 15) {
    patient.telecom = [{ system: 'phone', value: `+628${random.int(11, 59)}${random.digits(random.int(7, 8))}`, use: 'mobile' }];
  }
  return patient;
}
