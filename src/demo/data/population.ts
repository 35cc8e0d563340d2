/**
 * The population registry's truth: households (family cards) with members whose ages, names,
 * faith, marital status and occupations hang together, each person with a NIK that encodes
 * where they were first registered, their birth date and sex, and a serial unique for that
 * prefix. Some households moved (the registry holds the new address; copies made earlier hold
 * the old one) and some people died.
 */
import { ageOn, dayOf, dayOfYear, isoDay, isoInstant, yearOf } from './dates.js';
import { BIRTH_PLACES, familyNaming, personName, type FamilyNaming } from './names.js';
import type { Random } from './random.js';
import type { District, NameGroup, Regency, Village } from './regions.js';
import type { Address, Household, Person, Sex } from './types.js';

/** Where a household lives (or lived). */
export interface Place {
  regency: Regency;
  district: District;
  village: Village;
  address: Address;
}

/** A person with the facts the agencies' copies are made from; none of it is served by DUKCAPIL. */
export interface Resident {
  person: Person;
  group: NameGroup;
  relationship: string;
  household: number;
  place: Place;
  /** The household's address before it moved, and when it moved. */
  previousPlace: Place | null;
  movedAt: string | null;
  fatherName: string | null;
  motherName: string | null;
}

export interface Population {
  persons: Person[];
  households: Household[];
  residents: Resident[];
}

export const RELATIONSHIPS = ['KEPALA KELUARGA', 'SUAMI', 'ISTRI', 'ANAK', 'MENANTU', 'CUCU', 'ORANG TUA', 'MERTUA', 'FAMILI LAIN'] as const;

const STREETS = ['MERDEKA', 'SUDIRMAN', 'AHMAD YANI', 'DIPONEGORO', 'GATOT SUBROTO', 'PEMUDA', 'PAHLAWAN', 'MELATI', 'MAWAR', 'KENANGA', 'ANGGREK', 'CEMPAKA', 'FLAMBOYAN', 'DAHLIA', 'KARTINI', 'HASANUDDIN', 'IMAM BONJOL', 'TEUKU UMAR', 'CUT NYAK DIEN', 'GAJAH MADA', 'HAYAM WURUK', 'PATTIMURA', 'SISINGAMANGARAJA', 'SOEKARNO HATTA', 'MANGGA', 'RAMBUTAN', 'KELAPA', 'BAMBU', 'SETIABUDI', 'PERINTIS KEMERDEKAAN', 'PANGERAN ANTASARI', 'DR. SOETOMO', 'KH. AGUS SALIM', 'SAWO', 'NANGKA', 'BERINGIN', 'CENDANA', 'SULTAN AGUNG'];
const COMPLEXES = ['PERUMNAS', 'GRIYA ASRI', 'TAMAN SARI', 'BUMI INDAH', 'PERMATA HIJAU', 'GRAHA PERMAI'];
const HAMLETS = ['KRAJAN', 'SUKAMAJU', 'MEKARSARI', 'TENGAH', 'KULON', 'WETAN', 'LOR', 'KIDUL', 'BARU', 'SUMBERSARI', 'KEBONAGUNG', 'SUKARAJA', 'CIBEREUM', 'TANJUNG'];

interface Draft {
  sex: Sex;
  birthDay: number;
  relationship: string;
  maritalStatus: string;
  group: NameGroup;
  naming: FamilyNaming;
  familyName: string | null;
  birthOrder: number;
  father: number | null;
  mother: number | null;
  /** Born elsewhere: the index into BIRTH_PLACES of the group, or null for the household's place. */
  bornAway: boolean;
  /** NIK issued in another district than the household's (spouses and parents who came from elsewhere). */
  registeredAway: boolean;
}

export interface PopulationOptions {
  persons: number;
  referenceDate: string;
}

export function generatePopulation(random: Random, regions: Regency[], options: PopulationOptions): Population {
  const reference = dayOf(options.referenceDate);
  const referenceYear = yearOf(reference);
  const serials = new Map<string, number>();
  const kkSerials = new Map<string, number>();
  const weights = Object.fromEntries(regions.map((r) => [r.code, r.weight]));
  const byCode = new Map(regions.map((r) => [r.code, r]));

  const persons: Person[] = [];
  const households: Household[] = [];
  const residents: Resident[] = [];

  const randomPlace = (regency: Regency): Place => {
    const district = random.pick(regency.districts);
    const village = random.pick(district.villages);
    return { regency, district, village, address: addressFor(random, regency, district, village) };
  };

  while (persons.length < options.persons) {
    const regency = byCode.get(random.weighted(weights)) as Regency;
    const place = randomPlace(regency);
    const group = random.weighted(regency.mix as Record<NameGroup, number>);
    const naming = familyNaming(random, group);
    const drafts = composeHousehold(random, regency, naming, reference, referenceYear);
    const room = options.persons - persons.length;
    if (drafts.length > room) drafts.length = room;

    // A quarter of households moved in recent years: the registry has the new address.
    let previousPlace: Place | null = null;
    let movedDay: number | null = null;
    if (random.chance(0.25)) {
      movedDay = random.int(dayOfYear(2019), reference - 30);
      const from = random.chance(0.7) ? regency : (byCode.get(random.weighted(weights)) as Regency);
      previousPlace = randomPlace(from);
      if (previousPlace.village.code === place.village.code) previousPlace = randomPlace(from === regency ? random.pick(regions) : from);
    }

    const youngest = Math.max(...drafts.map((d) => d.birthDay));
    const kkDay = random.int(Math.max(youngest, movedDay ?? 0, dayOfYear(2008)), reference - 1);
    const kk = nextNumber(kkSerials, place.district.code + ddmmyy(kkDay, 'L'));
    const hh = households.length;

    const people = drafts.map((draft) => {
      const born = draft.birthDay;
      const origin = movedDay !== null && previousPlace && born < movedDay ? previousPlace : place;
      const registration = draft.registeredAway ? randomPlace(random.pick(regions)) : origin;
      const nik = nextNumber(serials, registration.district.code + ddmmyy(born, draft.sex));
      const birthPlace = draft.bornAway ? random.pick(BIRTH_PLACES[draft.group]) : origin.regency.placeName;
      const birthYear = yearOf(born);
      const fullName = personName(random, draft.group, {
        sex: draft.sex,
        birthYear,
        familyName: draft.familyName,
        birthOrder: draft.birthOrder,
        religion: draft.naming.religion,
      });
      const age = ageOn(isoDay(born), options.referenceDate);
      const updatedDay = Math.max(kkDay, movedDay ?? 0);
      const person: Person = {
        nik,
        kk,
        fullName,
        sex: draft.sex,
        birthPlace,
        birthDate: isoDay(born),
        religion: draft.naming.religion,
        maritalStatus: draft.maritalStatus,
        occupation: occupationFor(random, age, draft.sex, regency.city, draft.relationship),
        bloodType: bloodType(random),
        nationality: 'WNI',
        address: place.address,
        deathDate: null,
        updatedAt: isoInstant(updatedDay, random.int(8 * 3600, 16 * 3600)),
      };
      return person;
    });

    const hhResidents: Resident[] = people.map((person, i) => ({
      person,
      group: (drafts[i] as Draft).group,
      relationship: (drafts[i] as Draft).relationship,
      household: hh,
      place,
      previousPlace,
      movedAt: movedDay === null ? null : isoDay(movedDay),
      fatherName: null,
      motherName: null,
    }));
    drafts.forEach((draft, i) => {
      const resident = hhResidents[i] as Resident;
      resident.fatherName = draft.father !== null ? (people[draft.father]?.fullName ?? null) : null;
      resident.motherName = draft.mother !== null ? (people[draft.mother]?.fullName ?? null) : null;
      // Parents who do not live here still have names on the child's records.
      if (resident.motherName === null) resident.motherName = personName(random, draft.group, { sex: 'P', birthYear: yearOf(draft.birthDay) - 25, familyName: null, birthOrder: 1, religion: draft.naming.religion });
      if (resident.fatherName === null && draft.relationship !== 'KEPALA KELUARGA' && random.chance(0.9)) {
        resident.fatherName = personName(random, draft.group, { sex: 'L', birthYear: yearOf(draft.birthDay) - 28, familyName: draft.familyName, birthOrder: 1, religion: draft.naming.religion });
      }
    });

    const deaths = chooseDeaths(random, drafts, reference, options.referenceDate);
    const members: Household['members'] = [];
    let headIndex = 0;
    for (const [i, deathDay] of deaths) {
      (people[i] as Person).deathDate = isoDay(deathDay);
      (people[i] as Person).updatedAt = isoInstant(Math.min(reference - 1, deathDay + random.int(3, 60)), random.int(8 * 3600, 16 * 3600));
    }
    if (deaths.has(0)) {
      // The family card passes to the surviving spouse, or else the eldest adult.
      const heir = drafts.findIndex((d, i) => i > 0 && !deaths.has(i) && (d.relationship === 'ISTRI' || d.relationship === 'SUAMI'));
      headIndex = heir >= 0 ? heir : drafts.findIndex((d, i) => i > 0 && !deaths.has(i) && ageOn(isoDay(d.birthDay), options.referenceDate) >= 17);
      const heir2 = people[headIndex] as Person;
      heir2.maritalStatus = heir >= 0 ? 'CERAI MATI' : heir2.maritalStatus;
      (hhResidents[headIndex] as Resident).relationship = 'KEPALA KELUARGA';
    } else {
      for (const [i] of deaths) {
        const d = drafts[i] as Draft;
        if (d.relationship === 'ISTRI') (people[0] as Person).maritalStatus = 'CERAI MATI';
      }
    }
    people.forEach((person, i) => {
      if (person.deathDate === null) members.push({ nik: person.nik, fullName: person.fullName, relationship: (hhResidents[i] as Resident).relationship });
    });
    members.sort((a, b) => (a.relationship === 'KEPALA KELUARGA' ? -1 : b.relationship === 'KEPALA KELUARGA' ? 1 : 0));
    households.push({ kk, headNik: (people[headIndex] as Person).nik, address: place.address, members });
    persons.push(...people);
    residents.push(...hhResidents);
  }
  return { persons, households, residents };
}

/** DDMMYY as the NIK writes it: 40 is added to the day for women. */
function ddmmyy(day: number, sex: Sex): string {
  const iso = isoDay(day);
  const dd = Number(iso.slice(8, 10)) + (sex === 'P' ? 40 : 0);
  return String(dd).padStart(2, '0') + iso.slice(5, 7) + iso.slice(2, 4);
}

function nextNumber(serials: Map<string, number>, prefix: string): string {
  const next = (serials.get(prefix) ?? 0) + 1;
  serials.set(prefix, next);
  return prefix + String(next).padStart(4, '0');
}

function addressFor(random: Random, regency: Regency, district: District, village: Village): Address {
  let street: string;
  if (village.urban) {
    const style = random.weighted({ jalan: 65, gang: 25, komplek: 10 });
    if (style === 'jalan') street = `JL. ${random.pick(STREETS)} NO. ${random.int(1, 180)}`;
    else if (style === 'gang') street = `GG. ${random.pick(STREETS)}${random.chance(0.4) ? ` ${random.pick(['I', 'II', 'III', 'IV'])}` : ''} NO. ${random.int(1, 60)}`;
    else street = `KOMP. ${random.pick(COMPLEXES)} BLOK ${random.pick(['A', 'B', 'C', 'D', 'E', 'F'])}${random.int(1, 12)} NO. ${random.int(1, 40)}`;
  } else {
    const hamlet = { '32': 'KP.', '51': 'BR.', '13': 'JORONG' }[regency.provinceCode] ?? 'DUSUN';
    street = `${hamlet} ${random.pick(HAMLETS)}`;
  }
  return {
    street,
    rt: String(random.int(1, 15)).padStart(3, '0'),
    rw: String(random.int(1, 12)).padStart(3, '0'),
    village: village.name,
    district: district.name,
    city: regency.name,
    province: regency.province,
    postcode: village.postcode,
  };
}

function randomDayIn(random: Random, year: number, notAfter: number): number {
  return Math.min(notAfter, dayOfYear(year) + random.int(0, 364));
}

function otherFamilyName(random: Random, naming: FamilyNaming): string | null {
  if (naming.group === 'batak' || naming.group === 'chinese') return familyNaming(random, naming.group).familyName;
  return null;
}

/** The members of one family card, head first, with parents' indices. */
function composeHousehold(random: Random, regency: Regency, naming: FamilyNaming, reference: number, referenceYear: number): Draft[] {
  const kind = random.weighted({ nuclear: 62, couple: 9, singleParent: 10, single: 8, extended: 11 });
  const drafts: Draft[] = [];
  const draft = (d: Partial<Draft> & Pick<Draft, 'sex' | 'birthDay' | 'relationship' | 'maritalStatus'>): number => {
    drafts.push({
      group: naming.group,
      naming,
      familyName: naming.familyName,
      birthOrder: 1,
      father: null,
      mother: null,
      bornAway: false,
      registeredAway: false,
      ...d,
    });
    return drafts.length - 1;
  };
  const spouseNaming = (): FamilyNaming => {
    if (!random.chance(0.1)) return { ...naming, familyName: otherFamilyName(random, naming) };
    const group = random.weighted(regency.mix as Record<NameGroup, number>);
    const own = familyNaming(random, group);
    return { ...own, religion: naming.religion };
  };

  if (kind === 'single') {
    const age = Math.round(random.normal(40, 18, 19, 88));
    const sex: Sex = random.chance(0.5) ? 'L' : 'P';
    const marital = age < 30 ? 'BELUM KAWIN' : random.weighted({ 'BELUM KAWIN': 35, 'CERAI MATI': 45, 'CERAI HIDUP': 20 });
    draft({ sex, birthDay: randomDayIn(random, referenceYear - age, reference), relationship: 'KEPALA KELUARGA', maritalStatus: marital, bornAway: random.chance(0.35) });
    return drafts;
  }

  const single = kind === 'singleParent';
  const motherAge = Math.round(random.normal(42, 12, 20, 80));
  const fatherAge = motherAge + random.int(0, 7);
  let father: number | null = null;
  let mother: number | null = null;
  if (!single) {
    father = draft({ sex: 'L', birthDay: randomDayIn(random, referenceYear - fatherAge, reference), relationship: 'KEPALA KELUARGA', maritalStatus: 'KAWIN', bornAway: random.chance(0.3) });
    const own = spouseNaming();
    mother = draft({ sex: 'P', birthDay: randomDayIn(random, referenceYear - motherAge, reference), relationship: 'ISTRI', maritalStatus: 'KAWIN', group: own.group, naming: { ...own, religion: naming.religion }, familyName: own.familyName, bornAway: random.chance(0.35), registeredAway: random.chance(0.15) });
  } else if (random.chance(0.75)) {
    mother = draft({ sex: 'P', birthDay: randomDayIn(random, referenceYear - motherAge, reference), relationship: 'KEPALA KELUARGA', maritalStatus: random.chance(0.6) ? 'CERAI MATI' : 'CERAI HIDUP', familyName: otherFamilyName(random, naming), bornAway: random.chance(0.3) });
  } else {
    father = draft({ sex: 'L', birthDay: randomDayIn(random, referenceYear - fatherAge, reference), relationship: 'KEPALA KELUARGA', maritalStatus: random.chance(0.6) ? 'CERAI MATI' : 'CERAI HIDUP', bornAway: random.chance(0.3) });
  }

  const motherBirthYear = referenceYear - motherAge;
  const married = motherBirthYear + random.int(19, 28);
  const childWeights: Record<string, number> = motherBirthYear < 1970 ? { '1': 10, '2': 20, '3': 30, '4': 25, '5': 15 } : motherBirthYear < 1985 ? { '1': 20, '2': 40, '3': 28, '4': 12 } : { '0': 10, '1': 35, '2': 40, '3': 15 };
  const wanted = kind === 'couple' ? 0 : Number(random.weighted(childWeights));
  let year = married + random.int(1, 3);
  const children: number[] = [];
  for (let order = 1; order <= Number(wanted); order++) {
    if (year > referenceYear || year - motherBirthYear > 42) break;
    const birthDay = randomDayIn(random, year, reference - 1);
    const age = ageOn(isoDay(birthDay), isoDay(reference));
    // Grown children usually have family cards of their own.
    const stays = age < 23 || random.chance(kind === 'extended' ? 0.7 : 0.3);
    if (stays) {
      const sex: Sex = random.chance(0.51) ? 'L' : 'P';
      children.push(draft({ sex, birthDay, relationship: 'ANAK', maritalStatus: 'BELUM KAWIN', birthOrder: order, father, mother }));
    }
    year += random.int(1, 5);
  }

  if (kind === 'extended') {
    const adult = children.find((c) => ageOn(isoDay((drafts[c] as Draft).birthDay), isoDay(reference)) >= 22);
    if (adult !== undefined && random.chance(0.6)) {
      const child = drafts[adult] as Draft;
      child.maritalStatus = 'KAWIN';
      const inLawSex: Sex = child.sex === 'L' ? 'P' : 'L';
      const own = spouseNaming();
      const inLawBirth = child.birthDay + random.int(-4 * 365, 4 * 365);
      const inLaw = draft({ sex: inLawSex, birthDay: Math.min(inLawBirth, reference - 18 * 365), relationship: 'MENANTU', maritalStatus: 'KAWIN', group: own.group, naming: { ...own, religion: naming.religion }, familyName: own.familyName, bornAway: random.chance(0.4), registeredAway: random.chance(0.3) });
      const [dad, mum] = child.sex === 'L' ? [adult, inLaw] : [inLaw, adult];
      const grandFamily = (drafts[dad] as Draft).familyName;
      let cucuYear = yearOf(child.birthDay) + random.int(21, 27);
      for (let order = 1; order <= random.int(0, 2) && cucuYear <= referenceYear; order++) {
        draft({ sex: random.chance(0.5) ? 'L' : 'P', birthDay: randomDayIn(random, cucuYear, reference - 1), relationship: 'CUCU', maritalStatus: 'BELUM KAWIN', familyName: grandFamily, birthOrder: order, father: dad, mother: mum });
        cucuYear += random.int(2, 4);
      }
    } else {
      const elderAge = Math.min(95, fatherAge + random.int(22, 32));
      const isMother = random.chance(0.75);
      const relationship = random.chance(0.6) ? 'ORANG TUA' : 'MERTUA';
      draft({ sex: isMother ? 'P' : 'L', birthDay: randomDayIn(random, referenceYear - elderAge, reference), relationship, maritalStatus: 'CERAI MATI', familyName: isMother ? otherFamilyName(random, naming) : naming.familyName, bornAway: random.chance(0.6), registeredAway: random.chance(0.5) });
    }
  }
  if (random.chance(0.03)) {
    // A nephew or niece who came to the city for school or work.
    const age = random.int(15, 24);
    draft({ sex: random.chance(0.5) ? 'L' : 'P', birthDay: randomDayIn(random, referenceYear - age, reference), relationship: 'FAMILI LAIN', maritalStatus: 'BELUM KAWIN', familyName: otherFamilyName(random, naming) ?? naming.familyName, bornAway: true, registeredAway: true });
  }
  return drafts;
}

/** Index → day of death. Heads die only where another adult can take the family card. */
function chooseDeaths(random: Random, drafts: Draft[], reference: number, referenceDate: string): Map<number, number> {
  const deaths = new Map<number, number>();
  const adults = drafts.filter((d) => ageOn(isoDay(d.birthDay), referenceDate) >= 17).length;
  drafts.forEach((d, i) => {
    const age = ageOn(isoDay(d.birthDay), referenceDate);
    const p = age >= 75 ? 0.14 : age >= 60 ? 0.05 : age >= 40 ? 0.012 : 0.003;
    if (!random.chance(p)) return;
    if (i === 0 && adults < 2) return;
    if (deaths.size > 0) return;
    deaths.set(i, random.int(Math.max(d.birthDay + 30, dayOf('2015-01-01')), reference - 1));
  });
  return deaths;
}

function bloodType(random: Random): string | null {
  const type = random.weighted({ O: 37, A: 24, B: 25, AB: 6, '-': 35 });
  return type === '-' ? null : type;
}

function occupationFor(random: Random, age: number, sex: Sex, city: boolean, relationship: string): string {
  if (age < 5) return 'BELUM/TIDAK BEKERJA';
  if (age < 18) return 'PELAJAR/MAHASISWA';
  if (age < 23 && relationship === 'ANAK' && random.chance(0.55)) return 'PELAJAR/MAHASISWA';
  if (age >= 65) return random.weighted({ PENSIUNAN: 30, 'BELUM/TIDAK BEKERJA': 35, 'MENGURUS RUMAH TANGGA': sex === 'P' ? 30 : 0, WIRASWASTA: 10, 'PETANI/PEKEBUN': city ? 2 : 15 });
  if (sex === 'P' && random.chance(0.38)) return 'MENGURUS RUMAH TANGGA';
  return random.weighted({
    'KARYAWAN SWASTA': city ? 30 : 14,
    WIRASWASTA: 18,
    PEDAGANG: 10,
    'PETANI/PEKEBUN': city ? 1 : 20,
    'BURUH HARIAN LEPAS': 10,
    'PEGAWAI NEGERI SIPIL': 6,
    GURU: 4,
    SOPIR: sex === 'L' ? 3 : 0,
    'NELAYAN/PERIKANAN': city ? 0.5 : 2,
    'TENTARA NASIONAL INDONESIA': sex === 'L' ? 1 : 0.1,
    'KEPOLISIAN RI': sex === 'L' ? 1 : 0.2,
    PERAWAT: sex === 'P' ? 2 : 0.5,
    DOKTER: 0.5,
    'KARYAWAN BUMN': 2,
    MEKANIK: sex === 'L' ? 2 : 0,
    'TUKANG BATU': sex === 'L' ? 2 : 0,
    'BELUM/TIDAK BEKERJA': 5,
  });
}
