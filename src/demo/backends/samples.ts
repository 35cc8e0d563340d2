/**
 * Ready-made identifiers for the demo's examples: one person known to every agency, and for
 * each agency a record to look up, including the kinds of inconsistency reconciliation is for.
 */
import { NIK_SYSTEM } from '../data/kemenkes.js';
import type { FederationData, InconsistencyKind } from '../data/types.js';

export interface AgencySamples {
  /** A living person present, with the right NIK, in every agency. */
  everywhere: { nik: string; kk: string; fullName: string; respondentId: string; patientId: string; nisn: string; nib: string };
  DUKCAPIL: { nik: string; kk: string; deceasedNik: string | null; nameQuery: string; birthDate: string };
  BPS: { respondentId: string; nik: string; province: string; missingNikRespondentId: string | null };
  KEMENKES: { patientId: string; nik: string; identifier: string; mistypedNikPatientId: string | null };
  KEMENDIKBUD: { nisn: string; nik: string };
  LICENSING: { nib: string; ownerNik: string; kbli: string };
}

export function sampleIdentifiers(data: FederationData): AgencySamples {
  const nik = data.showcaseNik;
  const person = data.persons.find((p) => p.nik === nik);
  if (!person) throw new Error('The showcase person is missing from the population');
  const respondent = data.bps.respondents.find((r) => r.nik === nik);
  const patient = data.kemenkes.patients.find((p) => p.identifier.some((i) => i.system === NIK_SYSTEM && i.value === nik));
  const student = data.kemendikbud.students.find((s) => s.nik === nik);
  const business = data.licensing.businesses.find((b) => b.ownerNik === nik);
  if (!respondent || !patient || !student || !business) throw new Error('The showcase person is not in every agency');
  const firstWith = (agency: keyof FederationData['truth'], kind: InconsistencyKind) =>
    data.inconsistencies.records.find((r) => r.agency === agency && r.kind === kind)?.recordId ?? null;
  const surname = person.fullName.split(' ').slice(-1)[0] as string;
  return {
    everywhere: { nik, kk: person.kk, fullName: person.fullName, respondentId: respondent.id, patientId: patient.id, nisn: student.nisn, nib: business.nib },
    DUKCAPIL: {
      nik,
      kk: person.kk,
      deceasedNik: data.persons.find((p) => p.deathDate !== null)?.nik ?? null,
      nameQuery: surname,
      birthDate: person.birthDate,
    },
    BPS: { respondentId: respondent.id, nik, province: person.address.province, missingNikRespondentId: firstWith('BPS', 'missing_nik') },
    KEMENKES: { patientId: patient.id, nik, identifier: `${NIK_SYSTEM}|${nik}`, mistypedNikPatientId: firstWith('KEMENKES', 'nik_mistyped') },
    KEMENDIKBUD: { nisn: student.nisn, nik },
    LICENSING: { nib: business.nib, ownerNik: nik, kbli: business.kbli[0] as string },
  };
}
