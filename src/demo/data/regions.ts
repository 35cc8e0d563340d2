/**
 * Where the synthetic people live: a handful of real regencies and cities, with their real
 * Kemendagri codes and real district (kecamatan) and village (kelurahan/desa) names, read from
 * the idn-area-data package (ODbL). The population mix of each place is a rough, illustrative
 * weighting of the ethnic naming traditions found there.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Random } from './random.js';

export type NameGroup = 'javanese' | 'sundanese' | 'batak' | 'minang' | 'bugis' | 'balinese' | 'chinese' | 'arabic';

export interface Village {
  /** Kemendagri code without dots, 10 digits: the first digit after the district says kelurahan (1) or desa (2). */
  code: string;
  name: string;
  urban: boolean;
  postcode: string;
  /** Order within its district, from 1: BPS numbers villages this way. */
  index: number;
}

export interface District {
  /** 6 digits: province, regency, district. */
  code: string;
  name: string;
  villages: Village[];
}

export interface Regency {
  /** 4 digits: province, regency. */
  code: string;
  name: string;
  /** What birth certificates and KTPs write as the place of birth. */
  placeName: string;
  province: string;
  provinceCode: string;
  city: boolean;
  weight: number;
  mix: Partial<Record<NameGroup, number>>;
  districts: District[];
}

interface Profile {
  code: string;
  placeName: string;
  weight: number;
  postcode: string;
  mix: Partial<Record<NameGroup, number>>;
}

// Postcode prefixes are the real first three digits for each place.
const PROFILES: Profile[] = [
  { code: '31.74', placeName: 'JAKARTA', weight: 12, postcode: '121', mix: { javanese: 35, arabic: 18, sundanese: 15, batak: 8, minang: 9, chinese: 8, bugis: 4, balinese: 3 } },
  { code: '31.73', placeName: 'JAKARTA', weight: 8, postcode: '115', mix: { javanese: 30, chinese: 30, arabic: 15, sundanese: 12, batak: 7, minang: 6 } },
  { code: '32.73', placeName: 'BANDUNG', weight: 10, postcode: '401', mix: { sundanese: 74, javanese: 11, chinese: 7, batak: 4, minang: 4 } },
  { code: '32.04', placeName: 'BANDUNG', weight: 6, postcode: '403', mix: { sundanese: 93, javanese: 7 } },
  { code: '33.74', placeName: 'SEMARANG', weight: 7, postcode: '502', mix: { javanese: 84, chinese: 11, arabic: 5 } },
  { code: '34.04', placeName: 'SLEMAN', weight: 6, postcode: '555', mix: { javanese: 96, chinese: 2, batak: 2 } },
  { code: '35.78', placeName: 'SURABAYA', weight: 9, postcode: '601', mix: { javanese: 78, chinese: 10, arabic: 8, bugis: 2, batak: 2 } },
  { code: '35.07', placeName: 'MALANG', weight: 5, postcode: '651', mix: { javanese: 97, chinese: 3 } },
  { code: '12.71', placeName: 'MEDAN', weight: 8, postcode: '201', mix: { batak: 42, javanese: 25, chinese: 16, minang: 9, arabic: 8 } },
  { code: '12.12', placeName: 'BALIGE', weight: 3, postcode: '223', mix: { batak: 98, javanese: 2 } },
  { code: '13.71', placeName: 'PADANG', weight: 6, postcode: '251', mix: { minang: 90, javanese: 4, batak: 3, chinese: 3 } },
  { code: '73.71', placeName: 'MAKASSAR', weight: 6, postcode: '902', mix: { bugis: 76, javanese: 9, chinese: 8, arabic: 4, batak: 3 } },
  { code: '73.08', placeName: 'WATAMPONE', weight: 3, postcode: '927', mix: { bugis: 98, javanese: 2 } },
  { code: '51.71', placeName: 'DENPASAR', weight: 5, postcode: '802', mix: { balinese: 76, javanese: 18, chinese: 3, bugis: 3 } },
  { code: '51.04', placeName: 'GIANYAR', weight: 3, postcode: '805', mix: { balinese: 98, javanese: 2 } },
  { code: '61.71', placeName: 'PONTIANAK', weight: 4, postcode: '781', mix: { arabic: 38, chinese: 32, javanese: 16, bugis: 10, batak: 4 } },
  { code: '11.71', placeName: 'BANDA ACEH', weight: 3, postcode: '231', mix: { arabic: 92, javanese: 5, batak: 3 } },
];

const DISTRICTS_PER_REGENCY = 6;
const VILLAGES_PER_DISTRICT = 4;

interface AreaTables {
  provinces: Map<string, string>;
  regencies: Map<string, string>;
  districts: Map<string, Array<{ code: string; name: string }>>;
  villages: Map<string, Array<{ code: string; name: string }>>;
}

let tables: AreaTables | undefined;

/** Rows of an idn-area-data CSV (code,parent,name) whose code starts with one of `prefixes` (5 chars: "32.73"). */
function csvRows(file: string, prefixes: Set<string>): string[][] {
  const require = createRequire(import.meta.url);
  const text = readFileSync(require.resolve(`idn-area-data/data/${file}`), 'utf8');
  const rows: string[][] = [];
  let start = text.indexOf('\n') + 1;
  while (start > 0 && start < text.length) {
    const end = text.indexOf('\n', start);
    const stop = end < 0 ? text.length : end;
    if (prefixes.has(text.slice(start, start + 5))) {
      const line = text.slice(start, stop);
      const first = line.indexOf(',');
      const second = line.indexOf(',', first + 1);
      rows.push([line.slice(0, first), line.slice(first + 1, second), line.slice(second + 1).trim()]);
    }
    start = stop + 1;
  }
  return rows;
}

// Only the regencies in PROFILES are kept; the whole village table is 84,000 lines.
function loadTables(): AreaTables {
  if (tables) return tables;
  const wanted = new Set(PROFILES.map((p) => p.code));
  const require = createRequire(import.meta.url);
  const provinces = new Map<string, string>();
  for (const line of readFileSync(require.resolve('idn-area-data/data/provinces.csv'), 'utf8').split('\n').slice(1)) {
    const [code, name] = line.trim().split(',');
    if (code && name) provinces.set(code, name);
  }
  const regencies = new Map<string, string>();
  for (const [code, , name] of csvRows('regencies.csv', wanted)) if (wanted.has(code as string)) regencies.set(code as string, name as string);
  const districts = new Map<string, Array<{ code: string; name: string }>>();
  const districtCodes = new Set<string>();
  for (const [code, regency, name] of csvRows('districts.csv', wanted)) {
    if (!wanted.has(regency as string)) continue;
    const list = districts.get(regency as string) ?? [];
    list.push({ code: code as string, name: name as string });
    districts.set(regency as string, list);
    districtCodes.add(code as string);
  }
  const villages = new Map<string, Array<{ code: string; name: string }>>();
  for (const [code, district, name] of csvRows('villages.csv', wanted)) {
    if (!districtCodes.has(district as string)) continue;
    const list = villages.get(district as string) ?? [];
    list.push({ code: code as string, name: name as string });
    villages.set(district as string, list);
  }
  tables = { provinces, regencies, districts, villages };
  return tables;
}

/** The places of the federation, with a deterministic choice of districts and villages. */
export function loadRegions(random: Random): Regency[] {
  const t = loadTables();
  return PROFILES.map((profile) => {
    const provinceCode = profile.code.slice(0, 2);
    const name = t.regencies.get(profile.code);
    if (!name) throw new Error(`Regency ${profile.code} missing from idn-area-data`);
    const all = t.districts.get(profile.code) ?? [];
    const chosen = random.sample(all, DISTRICTS_PER_REGENCY).sort((a, b) => a.code.localeCompare(b.code));
    const districts = chosen.map((d, di) => {
      const villages = (t.villages.get(d.code) ?? []).map((v, index) => ({ ...v, index: index + 1 }));
      const picked = random.sample(villages, VILLAGES_PER_DISTRICT).sort((a, b) => a.code.localeCompare(b.code));
      return {
        code: d.code.replaceAll('.', ''),
        name: d.name.toUpperCase(),
        villages: picked.map((v, vi) => ({
          code: v.code.replaceAll('.', ''),
          name: v.name.toUpperCase(),
          urban: v.code.split('.')[3]?.startsWith('1') ?? false,
          postcode: profile.postcode + String((di * 13 + vi * 3 + 11) % 100).padStart(2, '0'),
          index: v.index,
        })),
      };
    });
    return {
      code: profile.code.replace('.', ''),
      name,
      placeName: profile.placeName,
      province: t.provinces.get(provinceCode) ?? provinceCode,
      provinceCode,
      city: name.startsWith('KOTA'),
      weight: profile.weight,
      mix: profile.mix,
      districts,
    };
  });
}
