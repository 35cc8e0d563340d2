/**
 * The education ministry's copy (Dapodik style): pupils of primary and secondary schools, each
 * with a 10-digit NISN (the first three digits from the birth year), the school's 8-digit NPSN,
 * grade and parents' names. Records are entered by school operators at enrolment: NIKs missing
 * or mistyped, names and mothers' names spelt their own way, places of birth written another
 * way, and the address the family had when the child enrolled.
 */
import { ageOn, dayOf, isoInstant } from './dates.js';
import { INCONSISTENCY_RATES, type CopyContext } from './ledger.js';
import type { Place, Resident } from './population.js';
import type { Random } from './random.js';
import type { Regency } from './regions.js';
import { addressLine, mistypeNik, nameVariant, placeVariant, titleCase } from './variants.js';
import type { School, Student } from './types.js';

const RATES = INCONSISTENCY_RATES.KEMENDIKBUD;
/** The school year the data describes started on this day. */
const SCHOOL_YEAR_START = '2024-07-15';

export function makeSchools(random: Random, regions: Regency[]): Map<string, School[]> {
  const npsns = new Set<string>();
  const npsn = () => {
    for (;;) {
      const n = `${random.pick(['10', '20', '30', '40', '50', '60', '69'])}${random.digits(6)}`;
      if (!npsns.has(n)) {
        npsns.add(n);
        return n;
      }
    }
  };
  const byRegencyLevel = new Map<string, School[]>();
  for (const regency of regions) {
    const add = (level: School['level'], name: string, status: School['status'], key = `${regency.code}|${level}`) => {
      const school: School = { npsn: npsn(), name, level, status, city: regency.name, province: regency.province };
      const list = byRegencyLevel.get(key) ?? [];
      list.push(school);
      byRegencyLevel.set(key, list);
    };
    const place = regency.placeName;
    for (const district of regency.districts) {
      add('SD', `SD NEGERI 1 ${district.name}`, 'NEGERI', `${district.code}|SD`);
      add('SD', `SD NEGERI 2 ${district.name}`, 'NEGERI', `${district.code}|SD`);
    }
    add('SD', `SD MUHAMMADIYAH 1 ${place}`, 'SWASTA', `${regency.districts[0]?.code}|SD`);
    add('SD', `SD KRISTEN ${random.pick(['BPK PENABUR', 'KALAM KUDUS', 'PETRA'])} ${place}`, 'SWASTA', `${regency.districts[1]?.code}|SD`);
    for (let n = 1; n <= 3; n++) add('SMP', `SMP NEGERI ${n} ${place}`, 'NEGERI');
    add('SMP', `SMP ISLAM TERPADU ${random.pick(['AL-HIKMAH', 'NURUL FIKRI', 'AL-FALAH'])} ${place}`, 'SWASTA');
    for (let n = 1; n <= 2; n++) add('SMA', `SMA NEGERI ${n} ${place}`, 'NEGERI');
    add('SMA', `SMA KATOLIK ${random.pick(['SANTO YOSEF', 'SANTA MARIA', 'SANTO THOMAS'])} ${place}`, 'SWASTA');
    for (let n = 1; n <= 2; n++) add('SMK', `SMK NEGERI ${n} ${place}`, 'NEGERI');
  }
  return byRegencyLevel;
}

function levelOf(grade: number, random: Random): School['level'] {
  if (grade <= 6) return 'SD';
  if (grade <= 9) return 'SMP';
  return random.chance(0.4) ? 'SMK' : 'SMA';
}

export function copyToKemendikbud(context: CopyContext, regions: Regency[]): { schools: School[]; students: Student[] } {
  const { random, population, ledger, showcase, referenceDate } = context;
  const schoolsBy = makeSchools(random, regions);
  const niks = new Set(population.persons.map((p) => p.nik));
  const nisns = new Set<string>();
  const students: Student[] = [];
  const reference = dayOf(referenceDate);

  for (const r of population.residents) {
    const p = r.person;
    if (p.deathDate !== null) continue;
    const age = ageOn(p.birthDate, SCHOOL_YEAR_START);
    if (age < 6 || age > 17) continue;
    const clean = r === showcase;
    if (!clean && !random.chance(RATES.coverage)) continue;
    // A few children are a year behind or ahead of their age.
    const shift = clean ? 0 : Number(random.weighted({ '-1': 6, '0': 90, '1': 4 }));
    const grade = Math.min(12, Math.max(1, age - 5 + shift));
    const level = levelOf(grade, random);
    const firstGrade = level === 'SD' ? 1 : level === 'SMP' ? 7 : 10;
    const enrolledAt = `${2024 - (grade - firstGrade)}-07-15`;
    const key = level === 'SD' ? `${r.place.district.code}|SD` : `${r.place.regency.code}|${level}`;
    const school = random.pick(schoolsBy.get(key) ?? []);
    let nisn: string;
    do nisn = p.birthDate.slice(1, 4) + random.digits(7);
    while (nisns.has(nisn));
    nisns.add(nisn);

    const stale = r.movedAt !== null && r.previousPlace !== null && r.movedAt > enrolledAt;
    const place: Place = stale ? (r.previousPlace as Place) : r.place;
    const student: Student = {
      nisn,
      nik: p.nik,
      fullName: titleCase(p.fullName),
      sex: p.sex,
      birthPlace: titleCase(p.birthPlace),
      birthDate: p.birthDate,
      religion: titleCase(p.religion),
      npsn: school.npsn,
      schoolName: school.name,
      level,
      grade,
      fatherName: r.fatherName ? titleCase(r.fatherName) : null,
      motherName: titleCase(r.motherName ?? ''),
      address: { ...place.address },
      enrolledAt,
      updatedAt: isoInstant(random.int(dayOf('2024-07-15'), reference - 1), random.int(7 * 3600, 15 * 3600)),
    };
    ledger.link('KEMENDIKBUD', nisn, p.nik);
    if (stale) ledger.note('KEMENDIKBUD', nisn, 'outdated_address', p.nik, 'address', addressLine(p.address), addressLine(place.address));
    if (!clean) applyErrors(random, r, student, niks, context);
    students.push(student);
  }
  const schools = [...schoolsBy.values()].flat().sort((a, b) => a.npsn.localeCompare(b.npsn));
  return { schools, students };
}

function applyErrors(random: Random, r: Resident, student: Student, niks: Set<string>, { ledger }: CopyContext): void {
  const p = r.person;
  const id = student.nisn;
  if (random.chance(RATES.missing_nik)) {
    student.nik = null;
    ledger.note('KEMENDIKBUD', id, 'missing_nik', p.nik, 'nik', p.nik, null);
  } else if (random.chance(RATES.nik_mistyped)) {
    let wrong = mistypeNik(random, p.nik);
    while (niks.has(wrong)) wrong = mistypeNik(random, p.nik);
    student.nik = wrong;
    ledger.note('KEMENDIKBUD', id, 'nik_mistyped', p.nik, 'nik', p.nik, wrong);
  }
  if (random.chance(RATES.name_variant)) {
    student.fullName = titleCase(nameVariant(random, p.fullName));
    ledger.note('KEMENDIKBUD', id, 'name_variant', p.nik, 'fullName', p.fullName, student.fullName);
  }
  if (random.chance(RATES.parent_name_variant)) {
    student.motherName = titleCase(nameVariant(random, r.motherName ?? ''));
    ledger.note('KEMENDIKBUD', id, 'parent_name_variant', p.nik, 'motherName', r.motherName, student.motherName);
  }
  if (random.chance(RATES.birth_place_variant)) {
    student.birthPlace = titleCase(placeVariant(random, p.birthPlace));
    ledger.note('KEMENDIKBUD', id, 'birth_place_variant', p.nik, 'birthPlace', p.birthPlace, student.birthPlace);
  }
}
