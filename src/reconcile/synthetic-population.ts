/**
 * A synthetic Indonesian population for trials and benchmarks: households with an address,
 * RT/RW, village, district, regency and province; persons with a NIK that encodes their region,
 * birth date and sex; names drawn from @faker-js/faker's Indonesian lists with Islamic
 * prefixes, single names and Batak family names. Two registers are written from it:
 *
 * - the population registry (DUKCAPIL), complete and clean, semicolon-separated;
 * - an agency's copy (a BPS-style survey), covering most residents plus people the registry
 *   lacks, with the corruptions real agency data has: name variants (Muhammad → M.), titles
 *   and degrees, typing errors, missing or mistyped NIKs, other date formats and sex codes,
 *   abbreviated addresses, people who moved.
 *
 * Both files carry the true person in an unmapped `person_id` column, for scoring. Everything
 * is deterministic for a given seed.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { id_ID as indonesian } from '@faker-js/faker';

/** Province codes (the first two NIK digits) and a rough weight by population. */
const PROVINCES: ReadonlyArray<readonly [code: string, name: string, weight: number]> = [
  ['11', 'Aceh', 5], ['12', 'Sumatera Utara', 15], ['13', 'Sumatera Barat', 6], ['14', 'Riau', 7], ['15', 'Jambi', 4],
  ['16', 'Sumatera Selatan', 9], ['17', 'Bengkulu', 2], ['18', 'Lampung', 9], ['19', 'Kepulauan Bangka Belitung', 1], ['21', 'Kepulauan Riau', 2],
  ['31', 'DKI Jakarta', 11], ['32', 'Jawa Barat', 49], ['33', 'Jawa Tengah', 37], ['34', 'DI Yogyakarta', 4], ['35', 'Jawa Timur', 41],
  ['36', 'Banten', 12], ['51', 'Bali', 4], ['52', 'Nusa Tenggara Barat', 5], ['53', 'Nusa Tenggara Timur', 5], ['61', 'Kalimantan Barat', 5],
  ['62', 'Kalimantan Tengah', 3], ['63', 'Kalimantan Selatan', 4], ['64', 'Kalimantan Timur', 4], ['65', 'Kalimantan Utara', 1], ['71', 'Sulawesi Utara', 3],
  ['72', 'Sulawesi Tengah', 3], ['73', 'Sulawesi Selatan', 9], ['74', 'Sulawesi Tenggara', 3], ['75', 'Gorontalo', 1], ['76', 'Sulawesi Barat', 1],
  ['81', 'Maluku', 2], ['82', 'Maluku Utara', 1], ['91', 'Papua', 3], ['92', 'Papua Barat', 1],
];

const VILLAGE_HEADS = ['Suka', 'Karang', 'Tanjung', 'Sumber', 'Mekar', 'Harapan', 'Tegal', 'Kali', 'Banjar', 'Cipta', 'Sido', 'Margo', 'Wono', 'Pasir', 'Bukit', 'Teluk', 'Batu', 'Air', 'Rawa', 'Pondok'];
const VILLAGE_TAILS = ['maju', 'jadi', 'mulya', 'sari', 'rejo', 'asri', 'jaya', 'makmur', 'baru', 'indah', 'agung', 'harjo', 'mukti', 'luhur', 'raya', 'wangi', 'kencana', 'permai'];
const STREETS = ['Merdeka', 'Sudirman', 'Diponegoro', 'Gatot Subroto', 'Ahmad Yani', 'Pahlawan', 'Mawar', 'Melati', 'Anggrek', 'Kenanga', 'Flamboyan', 'Cempaka', 'Dahlia', 'Kartini', 'Imam Bonjol', 'Hasanuddin', 'Pattimura', 'Veteran', 'Pemuda', 'Kebon Jeruk', 'Raya Bogor', 'Siliwangi', 'Gajah Mada', 'Hayam Wuruk', 'Cendrawasih', 'Rajawali', 'Nusantara', 'Garuda', 'Pelita', 'Sejahtera'];
const PHONE_PREFIXES = ['811', '812', '813', '821', '822', '852', '853', '857', '858', '859', '877', '878', '881', '882', '895', '896', '897', '898'];
const MALE_PREFIXES = ['Muhammad', 'Ahmad', 'Abdul', 'Nur'];
const FEMALE_PREFIXES = ['Siti', 'Nur', 'Dewi', 'Sri'];
const MALE_TITLES = ['H.', 'Drs.', 'Ir.', 'Dr.'];
const FEMALE_TITLES = ['Hj.', 'Dra.', 'Dr.'];
const DEGREES = ['S.Pd.', 'S.H.', 'S.E.', 'S.Kom.', 'S.T.', 'M.M.', 'S.Sos.', 'A.Md.'];
const BATAK = new Set(['Damanik', 'Hutagalung', 'Hutapea', 'Hutasoit', 'Mangunsong', 'Manullang', 'Marbun', 'Marpaung', 'Nababan', 'Nainggolan', 'Napitupulu', 'Samosir', 'Saragih', 'Sihombing', 'Sihotang', 'Simanjuntak', 'Simbolon', 'Sinaga', 'Sirait', 'Siregar', 'Sitompul', 'Sitorus', 'Situmorang', 'Tamba', 'Tampubolon', 'Tarihoran']);

/** A small, fast, seedable generator (sfc32); Math.random cannot be seeded. */
class Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  constructor(seed: number) {
    this.#a = 0x9e3779b9;
    this.#b = 0x243f6a88;
    this.#c = 0xb7e15162;
    this.#d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }
  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return (t >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)] as T;
  }
}

export interface SyntheticPerson {
  personId: number;
  nik: string;
  name: string;
  sex: 'L' | 'P';
  birthYear: number;
  birthMonth: number;
  birthDay: number;
  birthPlace: string;
  street: string;
  houseNumber: number;
  rt: number;
  rw: number;
  village: string;
  district: string;
  regency: string;
  province: string;
  phone: string | null;
}

interface Household {
  provinceCode: string;
  province: string;
  regencyCode: string;
  districtCode: string;
  regency: string;
  district: string;
  village: string;
  street: string;
  houseNumber: number;
  rt: number;
  rw: number;
  familyName: string | null;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

const names = {
  male: indonesian.person?.first_name && 'male' in indonesian.person.first_name ? (indonesian.person.first_name.male as string[]) : [],
  female: indonesian.person?.first_name && 'female' in indonesian.person.first_name ? (indonesian.person.first_name.female as string[]) : [],
  lastMale: indonesian.person?.last_name && 'male' in indonesian.person.last_name ? (indonesian.person.last_name.male as string[]) : [],
  lastFemale: indonesian.person?.last_name && 'female' in indonesian.person.last_name ? (indonesian.person.last_name.female as string[]) : [],
  cities: (indonesian.location?.city_name as string[] | undefined) ?? [],
};

function weightedProvince(random: Random): readonly [string, string, number] {
  const total = PROVINCES.reduce((a, p) => a + p[2], 0);
  let x = random.next() * total;
  for (const p of PROVINCES) {
    x -= p[2];
    if (x <= 0) return p;
  }
  return PROVINCES[0] as readonly [string, string, number];
}

function household(random: Random): Household {
  const [provinceCode, province] = weightedProvince(random);
  const regencyNumber = 1 + random.int(25);
  const districtNumber = 1 + random.int(30);
  const regency = names.cities[(Number(provinceCode) * 31 + regencyNumber * 7) % names.cities.length] as string;
  const district = names.cities[(Number(provinceCode) * 17 + regencyNumber * 13 + districtNumber * 3 + 101) % names.cities.length] as string;
  return {
    provinceCode,
    province,
    regencyCode: pad(regencyNumber, 2),
    districtCode: pad(districtNumber, 2),
    regency,
    district,
    village: `${random.pick(VILLAGE_HEADS)}${random.pick(VILLAGE_TAILS)}`,
    street: random.pick(STREETS),
    houseNumber: 1 + random.int(150),
    rt: 1 + random.int(15),
    rw: 1 + random.int(12),
    familyName: random.chance(0.12) ? random.pick(names.lastMale.filter((n) => BATAK.has(n))) : null,
  };
}

function personName(random: Random, sex: 'L' | 'P', home: Household): string {
  const given = sex === 'L' ? names.male : names.female;
  const last = sex === 'L' ? names.lastMale : names.lastFemale;
  const roll = random.next();
  let parts: string[];
  if (roll < 0.14) parts = [random.pick(given)]; // a single name, as many Javanese have
  else if (roll < 0.3) parts = [random.pick(sex === 'L' ? MALE_PREFIXES : FEMALE_PREFIXES), random.pick(given)];
  else if (roll < 0.75) parts = [random.pick(given), random.pick(last)];
  else parts = [random.pick(given), random.pick(given), random.pick(last)];
  if (home.familyName && parts.length > 1) parts[parts.length - 1] = home.familyName;
  else if (home.familyName) parts.push(home.familyName);
  return [...new Set(parts)].join(' ');
}

/** Generates the population: persons in households, each with a unique NIK. */
export function* population(persons: number, seed = 1): Generator<SyntheticPerson> {
  const random = new Random(seed);
  const niks = new Set<string>();
  let personId = 0;
  while (personId < persons) {
    const home = household(random);
    const size = Math.min(persons - personId, [1, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 6][random.int(12)] as number);
    const headYear = 1945 + random.int(60);
    let previousChild: [number, number, number] | undefined;
    for (let member = 0; member < size; member++) {
      const sex: 'L' | 'P' = member === 0 ? (random.chance(0.85) ? 'L' : 'P') : member === 1 ? 'P' : random.chance(0.5) ? 'L' : 'P';
      let year = member <= 1 ? headYear + random.int(6) - 2 : headYear + 20 + random.int(20);
      year = Math.min(year, 2024);
      let month = 1 + random.int(12);
      let day = 1 + random.int(new Date(Date.UTC(year, month, 0)).getUTCDate());
      // Twins: a child sometimes shares the previous child's birth date (and address).
      if (member >= 2 && previousChild && random.chance(0.03)) [year, month, day] = previousChild;
      if (member >= 2) previousChild = [year, month, day];
      const region = `${home.provinceCode}${home.regencyCode}${home.districtCode}`;
      let serial = 1 + random.int(9999);
      let nik = `${region}${pad(day + (sex === 'P' ? 40 : 0), 2)}${pad(month, 2)}${pad(year % 100, 2)}${pad(serial, 4)}`;
      while (niks.has(nik)) {
        serial = (serial % 9999) + 1;
        nik = `${nik.slice(0, 12)}${pad(serial, 4)}`;
      }
      niks.add(nik);
      yield {
        personId: personId++,
        nik,
        name: personName(random, sex, home),
        sex,
        birthYear: year,
        birthMonth: month,
        birthDay: day,
        birthPlace: random.chance(0.7) ? home.regency : random.pick(names.cities),
        street: home.street,
        houseNumber: home.houseNumber,
        rt: home.rt,
        rw: home.rw,
        village: home.village,
        district: home.district,
        regency: home.regency,
        province: home.province,
        phone: member <= 1 || random.chance(0.3) ? `0${random.pick(PHONE_PREFIXES)}${pad(random.int(100_000_000), 8)}` : null,
      };
    }
  }
}

/** One typing error: a letter dropped, doubled, replaced by its keyboard neighbour, or two swapped. */
function typo(random: Random, text: string): string {
  if (text.length < 3) return text;
  const i = 1 + random.int(text.length - 2);
  switch (random.int(4)) {
    case 0:
      return text.slice(0, i) + text.slice(i + 1);
    case 1:
      return text.slice(0, i) + text[i] + text.slice(i);
    case 2:
      return text.slice(0, i) + (text[i + 1] ?? '') + text[i] + text.slice(i + 2);
    default: {
      const keyboard = 'qwertyuiopasdfghjklzxcvbnm';
      const at = keyboard.indexOf((text[i] ?? 'a').toLowerCase());
      const near = keyboard[Math.max(0, Math.min(keyboard.length - 1, at + (random.chance(0.5) ? 1 : -1)))] ?? 'a';
      return text.slice(0, i) + near + text.slice(i + 1);
    }
  }
}

function agencyName(random: Random, person: SyntheticPerson): string {
  let name = person.name;
  if (name.startsWith('Muhammad ') && random.chance(0.5)) name = `${random.pick(['M.', 'Moh.', 'Muh.', 'Muhamad', 'Mohammad'])} ${name.slice(9)}`;
  if (name.startsWith('Siti ') && random.chance(0.4)) name = `St. ${name.slice(5)}`;
  if (random.chance(0.03)) name = name.replace(/u/, 'oe').replace(/j/, 'dj');
  const words = name.split(' ');
  if (words.length > 2 && random.chance(0.06)) words.splice(1 + random.int(words.length - 1), 1);
  name = words.join(' ');
  if (random.chance(0.1)) name = typo(random, name);
  if (random.chance(0.04)) name = `${random.pick(person.sex === 'L' ? MALE_TITLES : FEMALE_TITLES)} ${name}`;
  if (random.chance(0.04)) name = `${name}, ${random.pick(DEGREES)}`;
  return random.chance(0.5) ? name.toUpperCase() : name;
}

function agencyNik(random: Random, nik: string): string {
  const roll = random.next();
  if (roll < 0.15) return '';
  if (roll < 0.18) {
    const i = random.int(16);
    return nik.slice(0, i) + String((Number(nik[i]) + 1 + random.int(8)) % 10) + nik.slice(i + 1);
  }
  if (roll < 0.19) {
    const i = random.int(15);
    return nik.slice(0, i) + (nik[i + 1] ?? '') + (nik[i] ?? '') + nik.slice(i + 2);
  }
  return nik;
}

function agencyDate(random: Random, p: SyntheticPerson): string {
  let { birthDay: d, birthMonth: m, birthYear: y } = p;
  const roll = random.next();
  if (roll < 0.03) return '';
  if (roll < 0.05) d = Math.min(28, Math.max(1, d + (random.chance(0.5) ? 1 : -1)));
  else if (roll < 0.06 && d <= 12) [d, m] = [m, d];
  else if (roll < 0.07) y += random.chance(0.5) ? 1 : -1;
  return `${pad(d, 2)}/${pad(m, 2)}/${y}`;
}

function registryAddress(p: SyntheticPerson): string {
  return `Jl. ${p.street} No. ${p.houseNumber} RT ${pad(p.rt, 3)}/RW ${pad(p.rw, 3)}`;
}

function agencyAddress(random: Random, p: SyntheticPerson): string {
  if (random.chance(0.05)) return `Jalan ${random.pick(STREETS)} ${1 + random.int(150)} Rt.${1 + random.int(15)} Rw.${1 + random.int(12)}`; // moved
  const word = random.pick(['Jl.', 'Jln.', 'Jalan', 'JL']);
  let address = `${word} ${p.street} ${random.chance(0.5) ? 'No.' : 'no'}${p.houseNumber} ${random.pick([`RT ${p.rt}/RW ${p.rw}`, `Rt.${pad(p.rt, 3)} Rw.${pad(p.rw, 3)}`, `RT/RW ${pad(p.rt, 3)}/${pad(p.rw, 3)}`])}`;
  if (random.chance(0.04)) address = typo(random, address);
  return address;
}

function csvField(value: string): string {
  return /[",;\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

class LineWriter {
  readonly #stream: ReturnType<typeof createWriteStream>;
  #buffer: string[] = [];
  constructor(path: string) {
    this.#stream = createWriteStream(path);
  }
  async line(text: string): Promise<void> {
    this.#buffer.push(text);
    if (this.#buffer.length >= 4096) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.#buffer.length === 0) return;
    const ok = this.#stream.write(this.#buffer.join('\n') + '\n');
    this.#buffer = [];
    if (!ok) await once(this.#stream, 'drain');
  }
  async close(): Promise<void> {
    await this.flush();
    this.#stream.end();
    await once(this.#stream, 'finish');
  }
}

export interface SyntheticOptions {
  /** Residents in the population registry. */
  persons: number;
  seed?: number;
  /** Share of residents the agency holds (default 0.9). */
  coverage?: number;
  /** Extra agency records for people the registry lacks, as a share of residents (default 0.05). */
  unregistered?: number;
}

export interface SyntheticFiles {
  registry: string;
  agency: string;
  registryRecords: number;
  agencyRecords: number;
  /** Field maps for the two files, in `canonical=column` form. */
  registryMap: string;
  agencyMap: string;
  registryId: string;
  agencyId: string;
}

export const REGISTRY_MAP = 'nik=NIK,full_name=NAMA_LENGKAP,sex=JENIS_KELAMIN,birth_place=TEMPAT_LAHIR,birth_date=TANGGAL_LAHIR,address=ALAMAT,locality=KELURAHAN,district=KECAMATAN,city=KABUPATEN_KOTA,province=PROVINSI,phone=NO_HP';
export const AGENCY_MAP = 'nik=nik,full_name=nama,sex=jk,birth_place=tempat_lahir,birth_date=tgl_lahir,address=alamat,locality=desa,district=kecamatan,city=kabupaten,phone=no_hp';

/**
 * Writes `dukcapil.csv` (registry) and `bps.csv` (agency) into `dir`, each renamed into place
 * only when complete.
 */
export async function writeSyntheticRegisters(dir: string, options: SyntheticOptions): Promise<SyntheticFiles> {
  const seed = options.seed ?? 1;
  const coverage = options.coverage ?? 0.9;
  const unregistered = options.unregistered ?? 0.05;
  await mkdir(dir, { recursive: true });
  const registryPath = join(dir, 'dukcapil.csv');
  const agencyPath = join(dir, 'bps.csv');
  const registry = new LineWriter(`${registryPath}.partial`);
  const agency = new LineWriter(`${agencyPath}.partial`);
  const random = new Random(seed * 7919 + 17);
  await registry.line('NIK;NAMA_LENGKAP;JENIS_KELAMIN;TEMPAT_LAHIR;TANGGAL_LAHIR;ALAMAT;KELURAHAN;KECAMATAN;KABUPATEN_KOTA;PROVINSI;NO_HP;person_id');
  await agency.line('id_art,nik,nama,jk,tempat_lahir,tgl_lahir,alamat,desa,kecamatan,kabupaten,no_hp,person_id');
  const extra = Math.round(options.persons * unregistered);
  let registryRecords = 0;
  let agencyRecords = 0;
  try {
    for (const p of population(options.persons + extra, seed)) {
      const isResident = p.personId < options.persons;
      if (isResident) {
        await registry.line(
          [p.nik, p.name.toUpperCase(), p.sex === 'L' ? 'LAKI-LAKI' : 'PEREMPUAN', p.birthPlace.toUpperCase(), `${p.birthYear}-${pad(p.birthMonth, 2)}-${pad(p.birthDay, 2)}`, registryAddress(p).toUpperCase(), p.village.toUpperCase(), p.district.toUpperCase(), p.regency.toUpperCase(), p.province.toUpperCase(), p.phone ?? '', String(p.personId)]
            .map(csvField)
            .join(';'),
        );
        registryRecords++;
      }
      if (isResident && !random.chance(coverage)) continue;
      const sex = random.chance(0.005) ? (p.sex === 'L' ? 'P' : 'L') : p.sex;
      // Multiplying by an odd constant modulo 2^32 is a bijection: unique ids that hide the order.
      const id = `ART-${(Math.imul(p.personId, 0x9e3779b1) >>> 0).toString(16).padStart(8, '0')}`;
      await agency.line(
        [
          id,
          agencyNik(random, p.nik),
          agencyName(random, p),
          sex === 'L' ? '1' : '2',
          random.chance(0.1) ? '' : random.chance(0.03) ? typo(random, p.birthPlace) : p.birthPlace,
          agencyDate(random, p),
          agencyAddress(random, p),
          p.village,
          `Kec. ${p.district}`,
          random.chance(0.5) ? `Kab. ${p.regency}` : p.regency,
          p.phone && random.chance(0.6) ? p.phone.replace(/^0/, random.chance(0.5) ? '+62 ' : '0') : '',
          String(p.personId),
        ]
          .map(csvField)
          .join(','),
      );
      agencyRecords++;
    }
    await registry.close();
    await agency.close();
    await rename(`${registryPath}.partial`, registryPath);
    await rename(`${agencyPath}.partial`, agencyPath);
  } catch (error) {
    await rm(`${registryPath}.partial`, { force: true });
    await rm(`${agencyPath}.partial`, { force: true });
    throw error;
  }
  return { registry: registryPath, agency: agencyPath, registryRecords, agencyRecords, registryMap: REGISTRY_MAP, agencyMap: AGENCY_MAP, registryId: 'NIK', agencyId: 'id_art' };
}
