/**
 * The statistics office's copy: respondents of a socio-economic registration (Regsosek 2022
 * style), enumerated household by household in October–November 2022. BPS writes its own
 * codes (sex 1/2, relationship and marital codes, 10-digit region codes), dates as DD/MM/YYYY,
 * names in Title Case, and it has what a field enumeration has: missing NIKs, misheard names,
 * wrong birth dates, households enumerated twice, and the address of households that have moved
 * since.
 */
import { ageOn, dayOf, isoDay } from './dates.js';
import { INCONSISTENCY_RATES, type CopyContext } from './ledger.js';
import type { Place, Resident } from './population.js';
import type { Random } from './random.js';
import { addressLine, nameVariant, titleCase } from './variants.js';
import type { Address, BpsRespondent } from './types.js';

const RATES = INCONSISTENCY_RATES.BPS;
const SURVEY = 'REGSOSEK2022';
const WINDOW = [dayOf('2022-10-15'), dayOf('2022-11-14')] as const;

const RELATIONSHIP_CODES: Record<string, number> = {
  'KEPALA KELUARGA': 1, SUAMI: 2, ISTRI: 2, ANAK: 3, MENANTU: 4, CUCU: 5, 'ORANG TUA': 6, MERTUA: 6, 'FAMILI LAIN': 7,
};
const MARITAL_CODES: Record<string, number> = { 'BELUM KAWIN': 1, KAWIN: 2, 'CERAI HIDUP': 3, 'CERAI MATI': 4 };

/** BPS region code: province(2) regency(2) district(3) village(3). */
export function bpsRegionCode(place: Place): string {
  return `${place.district.code}0${String(place.village.index).padStart(3, '0')}`;
}

function education(random: Random, age: number): string {
  if (age < 7) return 'Tidak/belum sekolah';
  if (age < 13) return 'Belum tamat SD/sederajat';
  if (age < 16) return 'SD/sederajat';
  if (age < 19) return 'SMP/sederajat';
  return random.weighted({ 'SD/sederajat': age > 55 ? 35 : 12, 'SMP/sederajat': 18, 'SMA/sederajat': 40, 'Diploma I/II/III': 7, 'Diploma IV/S1': 14, 'S2/S3': 2, 'Tidak/belum sekolah': age > 60 ? 8 : 1 });
}

function formatDate(iso: string): string {
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
}

export function copyToBps({ random, population, ledger, showcase }: CopyContext): BpsRespondent[] {
  const byHousehold = new Map<number, Resident[]>();
  for (const r of population.residents) {
    const list = byHousehold.get(r.household) ?? [];
    list.push(r);
    byHousehold.set(r.household, list);
  }
  const serials = new Map<string, number>();
  const respondents: BpsRespondent[] = [];
  const householdId = (regionCode: string) => {
    const next = (serials.get(regionCode) ?? 0) + 1;
    serials.set(regionCode, next);
    return `${regionCode}${String(next).padStart(4, '0')}`;
  };

  for (const [hh, members] of byHousehold) {
    if (hh !== showcase.household && !random.chance(RATES.coverage)) continue;
    const day = random.int(WINDOW[0], WINDOW[1]);
    const enumeratedAt = isoDay(day);
    const first = members[0] as Resident;
    const stale = first.movedAt !== null && first.previousPlace !== null && first.movedAt > enumeratedAt;
    const place = stale ? (first.previousPlace as Place) : first.place;
    const regionCode = bpsRegionCode(place);
    const hid = householdId(regionCode);
    let memberNo = 0;
    for (const r of members) {
      const p = r.person;
      if (p.birthDate > enumeratedAt || (p.deathDate !== null && p.deathDate <= enumeratedAt)) continue;
      memberNo++;
      const id = `${hid}-${String(memberNo).padStart(2, '0')}`;
      const clean = r === showcase;
      const respondent = respondentFor(random, r, id, hid, place.address, regionCode, enumeratedAt);
      ledger.link('BPS', id, p.nik);
      if (stale) ledger.note('BPS', id, 'outdated_address', p.nik, 'address', addressLine(p.address), addressLine(place.address));
      if (!clean && random.chance(RATES.missing_nik)) {
        respondent.nik = null;
        ledger.note('BPS', id, 'missing_nik', p.nik, 'nik', p.nik, null);
      }
      if (!clean && random.chance(RATES.name_variant)) {
        respondent.name = titleCase(nameVariant(random, p.fullName));
        ledger.note('BPS', id, 'name_variant', p.nik, 'fullName', p.fullName, respondent.name);
      }
      if (!clean && random.chance(RATES.birth_date_error)) {
        const wrong = wrongBirthDate(random, p.birthDate);
        respondent.birthDate = formatDate(wrong);
        respondent.age = Math.max(0, ageOn(wrong, enumeratedAt));
        ledger.note('BPS', id, 'birth_date_error', p.nik, 'birthDate', p.birthDate, wrong);
      }
      respondents.push(respondent);
      if (!clean && random.chance(RATES.duplicate)) {
        // Enumerated again in a neighbouring block, as a one-person household.
        const dupHousehold = householdId(regionCode);
        const dupId = `${dupHousehold}-01`;
        const dup: BpsRespondent = { ...respondent, id: dupId, householdId: dupHousehold, relationshipCode: 1 };
        if (random.chance(0.5)) dup.name = titleCase(nameVariant(random, p.fullName));
        if (random.chance(0.3)) dup.nik = null;
        ledger.link('BPS', dupId, p.nik);
        ledger.note('BPS', dupId, 'duplicate', p.nik, 'id', id, dupId);
        respondents.push(dup);
      }
    }
  }
  return respondents;
}

function respondentFor(random: Random, r: Resident, id: string, householdId: string, address: Address, regionCode: string, enumeratedAt: string): BpsRespondent {
  const p = r.person;
  const age = ageOn(p.birthDate, enumeratedAt);
  return {
    id,
    householdId,
    nik: p.nik,
    name: titleCase(p.fullName),
    sex: p.sex === 'L' ? '1' : '2',
    birthDate: formatDate(p.birthDate),
    age,
    relationshipCode: RELATIONSHIP_CODES[r.relationship] ?? 9,
    maritalCode: MARITAL_CODES[p.maritalStatus] ?? 1,
    religion: titleCase(p.religion),
    education: education(random, age),
    occupation: titleCase(p.occupation),
    address: { ...address },
    regionCode,
    survey: SURVEY,
    enumeratedAt,
  };
}

/** Day and month swapped (when both could be months), or the year off by one. */
function wrongBirthDate(random: Random, iso: string): string {
  const [y, m, d] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
  if (Number(d) <= 12 && d !== m && random.chance(0.6)) return `${y}-${d}-${m}`;
  const year = Number(y) + (random.chance(0.5) ? 1 : -1);
  const day = m === '02' && d === '29' ? '28' : d;
  return `${year}-${m}-${day}`;
}
