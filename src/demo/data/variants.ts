/**
 * How the same fact gets written differently by another office: the spelling reforms of 1947
 * and 1972 (Soeharto/Suharto, Djoko/Joko, Tjahjo/Cahyo, Jani/Yani), abbreviated Muhammad,
 * dropped Siti or I/Ni, marga with or without "BR", typing slips; NIKs with one digit wrong or
 * two swapped; places of birth written another way.
 */
import type { Random } from './random.js';
import type { Address } from './types.js';

// Modern (EYD) spelling → the older one that people and clerks still use.
const OLD_SPELLINGS: Array<[RegExp, string]> = [
  [/U/, 'OE'],
  [/J/, 'DJ'],
  [/C/, 'TJ'],
  [/Y/, 'J'],
  [/KH/, 'CH'],
  [/SY/, 'SJ'],
];
const MUHAMMAD = ['M.', 'MOH.', 'MUH.', 'MOCH.', 'MUHAMAD', 'MOHAMMAD', 'MOHAMAD', 'MUHAMMED'];

/** Title Case, as most systems outside DUKCAPIL store names. */
export function titleCase(text: string): string {
  // Memoised: names and places repeat, and every copy converts them.
  let result = titled.get(text);
  if (result === undefined) {
    result = text.toLowerCase().replace(/(^|[\s.'-])(\p{L})/gu, upperAfter);
    titled.set(text, result);
  }
  return result;
}
const titled = new Map<string, string>();
function upperAfter(_match: string, separator: string, letter: string): string {
  return separator + letter.toUpperCase();
}

/** Returns a different spelling of `name` (upper case), never `name` itself. */
export function nameVariant(random: Random, name: string): string {
  const words = name.split(' ');
  // Every way this name could be written otherwise, with how often clerks do it.
  const options: Array<[number, string]> = [];
  for (const [pattern, old] of OLD_SPELLINGS) {
    const i = words.findIndex((w) => pattern.test(w));
    if (i < 0) continue;
    const copy = words.slice();
    copy[i] = (copy[i] as string).replace(pattern, old);
    options.push([30 / OLD_SPELLINGS.length, copy.join(' ')]);
  }
  if (words[0] === 'MUHAMMAD' && words.length > 1) options.push([40, [random.pick(MUHAMMAD), ...words.slice(1)].join(' ')]);
  if (['SITI', 'SITTI', 'I', 'NI', 'ANDI', 'NUR'].includes(words[0] as string) && words.length > 1) options.push([20, words.slice(1).join(' ')]);
  if (words.includes('BR')) options.push([30, words.filter((w) => w !== 'BR').join(' ')]);
  else if (words.length === 2 && MARGA.test(words[1] as string)) options.push([10, `${words[0]} BR ${words[1]}`]);
  if (words.length >= 2) options.push([12, [...words.slice(0, -1), `${(words[words.length - 1] as string)[0]}.`].join(' ')]);
  if (words.length >= 3) options.push([8, [words[0], ...words.slice(2)].join(' ')]);
  options.push([25, typo(random, name)]);
  let total = 0;
  for (const [w] of options) total += w;
  let draw = random.float() * total;
  for (const [w, variant] of options) {
    draw -= w;
    if (draw < 0 && variant !== name) return variant;
  }
  return typo(random, name);
}

const MARGA = /^(SI|HUTA|NA|PAN|TAM|LUBIS|HARAHAP|NASUTION|SIREGAR|GINTING|TARIGAN|SEMBIRING|PURBA|MANURUNG|MARPAUNG|PARDEDE|HASIBUAN|PASARIBU)/;

/** A typing slip: two letters swapped, one dropped or one doubled. */
export function typo(random: Random, text: string): string {
  const letters = [...text];
  const positions = letters.map((c, i) => (/\p{L}/u.test(c) ? i : -1)).filter((i) => i > 1);
  if (positions.length < 2) return `${text}${text.slice(-1)}`;
  for (let attempt = 0; attempt < 10; attempt++) {
    const i = random.pick(positions);
    const copy = letters.slice();
    const kind = random.int(0, 2);
    if (kind === 0 && /\p{L}/u.test(copy[i - 1] as string)) [copy[i - 1], copy[i]] = [copy[i] as string, copy[i - 1] as string];
    else if (kind === 1 && positions.length > 3) copy.splice(i, 1);
    else copy.splice(i, 0, copy[i] as string);
    const result = copy.join('');
    if (result !== text) return result;
  }
  return `${text}${text.slice(-1)}`;
}

/** A NIK with one digit changed or two neighbouring, different digits swapped. */
export function mistypeNik(random: Random, nik: string): string {
  const digits = nik.split('');
  if (random.chance(0.5)) {
    for (let attempt = 0; attempt < 20; attempt++) {
      const i = random.int(0, 14);
      if (digits[i] !== digits[i + 1]) {
        [digits[i], digits[i + 1]] = [digits[i + 1] as string, digits[i] as string];
        return digits.join('');
      }
    }
  }
  const i = random.int(0, 15);
  digits[i] = String((Number(digits[i]) + random.int(1, 9)) % 10);
  return digits.join('');
}

const PLACE_SYNONYMS: Record<string, string[]> = {
  YOGYAKARTA: ['JOGJAKARTA', 'YOGYA', 'JOGJA', 'DI YOGYAKARTA'],
  SURAKARTA: ['SOLO'],
  JAKARTA: ['DKI JAKARTA', 'JAKARTA SELATAN', 'BATAVIA'],
  WATAMPONE: ['BONE', 'KAB. BONE'],
  SENGKANG: ['WAJO'],
  BALIGE: ['TOBA', 'TOBASA'],
  SINGARAJA: ['BULELENG'],
  SIGLI: ['PIDIE'],
  'BANDA ACEH': ['B. ACEH', 'KUTARAJA'],
  PEMATANGSIANTAR: ['P. SIANTAR', 'SIANTAR'],
  PADANGSIDIMPUAN: ['P. SIDEMPUAN', 'PADANG SIDEMPUAN'],
  MAKASSAR: ['UJUNG PANDANG', 'UJUNGPANDANG'],
};

/** The place of birth written another way: an older name, a synonym, a prefix or a slip. */
export function placeVariant(random: Random, place: string): string {
  const synonyms = PLACE_SYNONYMS[place];
  if (synonyms && random.chance(0.7)) return random.pick(synonyms);
  return random.chance(0.5) ? `${random.pick(['KOTA ', 'KAB. ', 'KAB '])}${place}` : typo(random, place);
}

/** One line for an address, to show what differs in an inconsistency report. */
export function addressLine(a: Address): string {
  return `${a.street} RT ${a.rt}/RW ${a.rw}, ${a.village}, ${a.district}, ${a.city}`;
}
