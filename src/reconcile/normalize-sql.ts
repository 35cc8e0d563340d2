/**
 * Normalisation of canonical person fields, written as SQL so that it runs inside the engine,
 * in parallel, next to the data — and so that the same text moves to another SQL engine when a
 * run is scaled out (ADR 0031).
 *
 * Each kind of value (name, place, address, date, …) has a pipeline of steps. A step rewrites
 * the value only when a cheap test says it applies, because most values need few of the
 * rewrites and DuckDB's regex replacement costs about a microsecond a call. Pipelines run over
 * the *distinct* raw values of all sources at once (names, places and dates repeat a lot),
 * and records then look their values up (see prepare.ts).
 *
 * Regexes are RE2 (no back-references in patterns); SQL string literals keep backslashes.
 */
import {
  ADDRESS_ABBREVIATIONS,
  DATE_FORMATS,
  DEGREE_SUFFIXES,
  DEGREE_WORDS,
  LEADING_NAME_ABBREVIATIONS,
  NAME_PREFIX_TITLES,
  NAME_VARIANTS,
  OLD_SPELLING,
  PLACE_PREFIXES,
  SEX_CODES,
} from './indonesian.js';

/** A SQL string literal. */
export function lit(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A quoted SQL identifier. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** One rewrite of the value `v`; applied when `when` holds (always when absent). */
export interface Step {
  when?: string;
  set: string;
}

export type ValueKind = 'name' | 'phonetic' | 'place' | 'address' | 'date' | 'sex' | 'code';

/** Words separated by spaces in a list entry may be written with a dot, a space or nothing. */
function words(list: readonly string[]): string {
  return list.map((w) => w.split(' ').join('[.\\s]?')).join('|');
}

const DEGREE = `(?:[sdmab]\\.?\\s?(?:${words(DEGREE_SUFFIXES)})\\.?|(?:${words(DEGREE_WORDS)})\\.?)`;
const DOTTED_DEGREE = `[sdmab]\\.\\s?(?:${words(DEGREE_SUFFIXES)})\\.?`;
const TITLES = `^(?:(?:${words(NAME_PREFIX_TITLES)})(?:\\.\\s*|\\s+))+`;
const CLEAN = "lower(strip_accents(trim(v)))";

const re = (pattern: string): string => lit(pattern);

function nameSteps(): Step[] {
  const steps: Step[] = [
    { set: CLEAN },
    // "Budi Santoso, S.H., M.Hum." — degrees after a comma; then dotted degrees at the very end.
    { when: "contains(v, ',')", set: `regexp_replace(v, ${re(`,[\\s,.]*(?:${DEGREE}[\\s,.]*)+$`)}, '')` },
    { when: "contains(v, '.')", set: `regexp_replace(v, ${re(`(?:\\s+${DOTTED_DEGREE})+[\\s,.]*$`)}, '')` },
    // Titles only where they open a name, as many as are stacked ("Prof. Dr. Ir. H. …").
    { when: `regexp_matches(v, ${re(TITLES)})`, set: `regexp_replace(v, ${re(TITLES)}, '')` },
  ];
  for (const [abbreviations, canonical] of LEADING_NAME_ABBREVIATIONS) {
    const pattern = re(`^(?:${abbreviations.join('|')})(?:\\.\\s*|\\s+)`);
    steps.push({ when: `regexp_matches(v, ${pattern})`, set: `regexp_replace(v, ${pattern}, ${lit(canonical + ' ')})` });
  }
  steps.push({ when: "NOT regexp_full_match(v, '[a-z]+(?: [a-z]+)*')", set: "trim(regexp_replace(v, '[^a-z]+', ' ', 'g'))" });
  let variants = 'v';
  for (const [pattern, canonical] of NAME_VARIANTS) variants = `regexp_replace(${variants}, ${re(`\\b(?:${pattern})\\b`)}, ${lit(canonical)}, 'g')`;
  steps.push({ when: `regexp_matches(v, ${re(`\\b(?:${NAME_VARIANTS.map(([p]) => p).join('|')})\\b`)})`, set: variants });
  let spelling = 'v';
  for (const [old, current] of OLD_SPELLING) spelling = `replace(${spelling}, ${lit(old)}, ${lit(current)})`;
  steps.push({ when: `regexp_matches(v, ${re(OLD_SPELLING.map(([o]) => o).join('|'))})`, set: spelling });
  steps.push({ set: "nullif(v, '')" });
  return steps;
}

/**
 * A phonetic key for Indonesian names: spellings of one sound collapse (kh/ch→h, old hj→hy,
 * sy→s, ph/f/v→p as Sundanese speakers write them, z→j), y→i, an h inside a word is dropped,
 * and doubled letters are written once. Coarser than the name itself, it catches
 * "Rahmat"/"Rachmat"/"Ramat" and "Zulkifli"/"Julkipli". Runs on normalised names.
 */
function phoneticSteps(): Step[] {
  const pairs: Array<[string, string]> = [['hj', 'hi'], ['kh', 'h'], ['ch', 'h'], ['ck', 'k'], ['sh', 's'], ['sy', 's'], ['ph', 'p'], ['th', 't'], ['dh', 'd'], ['q', 'k'], ['x', 'ks'], ['f', 'p'], ['v', 'p'], ['z', 'j'], ['y', 'i']];
  let x = 'v';
  for (const [from, to] of pairs) x = `replace(${x}, ${lit(from)}, ${lit(to)})`;
  const steps: Step[] = [{ set: x }, { when: "contains(v, 'h')", set: "regexp_replace(v, '\\Bh', '', 'g')" }];
  const letters = 'abcdegijklmnoprstu'.split('');
  const doubled = letters.map((c) => c + c).join('|');
  let collapse = 'v';
  for (let i = 0; i < letters.length; i += 9) {
    const group = letters.slice(i, i + 9);
    const pattern = group.map((c) => `(${c})${c}+`).join('|');
    const replacement = group.map((_, j) => `\\${j + 1}`).join('');
    collapse = `regexp_replace(${collapse}, ${lit(pattern)}, ${lit(replacement)}, 'g')`;
  }
  steps.push({ when: `regexp_matches(v, ${lit(doubled)})`, set: collapse });
  steps.push({ set: "nullif(v, '')" });
  return steps;
}

/**
 * Addresses become lower-case words: punctuation goes, letters and digits are split ("no5",
 * "rt001"), numbers lose leading zeros, abbreviations are written out, and the RT/RW forms
 * ("RT 01/RW 02", "RT.001 RW.002", "Rt1/Rw2", "RT/RW 001/002") all read "rt 1 rw 2".
 */
function addressSteps(): Step[] {
  const cases = ADDRESS_ABBREVIATIONS.map(([abbreviations, word]) => {
    const others = abbreviations.filter((a) => a !== word);
    return others.length ? `WHEN w IN (${others.map(lit).join(', ')}) THEN ${lit(word)}` : '';
  }).join(' ');
  return [
    { set: CLEAN },
    { when: "NOT regexp_full_match(v, '[a-z0-9]+(?: [a-z0-9]+)*')", set: "trim(regexp_replace(v, '[^a-z0-9]+', ' ', 'g'))" },
    { when: "regexp_matches(v, '[a-z][0-9]|[0-9][a-z]')", set: "regexp_replace(regexp_replace(v, '([a-z])([0-9])', '\\1 \\2', 'g'), '([0-9])([a-z])', '\\1 \\2', 'g')" },
    { when: "contains(v, 'rt rw ')", set: `regexp_replace(v, ${re('\\brt rw ([0-9]+) ([0-9]+)\\b')}, 'rt \\1 rw \\2', 'g')` },
    // Word by word in one pass: cheaper than a regex replacement per abbreviation.
    { set: `array_to_string(list_transform(string_split(v, ' '), w -> CASE WHEN starts_with(w, '0') AND ltrim(w, '0') <> '' THEN ltrim(w, '0') ${cases} ELSE w END), ' ')` },
    { set: "nullif(v, '')" },
  ];
}

function placeSteps(): Step[] {
  const prefix = re(`^(?:(?:${PLACE_PREFIXES.map((p) => p.split(' ').join('\\s+')).join('|')})\\s+)+`);
  return [
    { set: CLEAN },
    { when: "NOT regexp_full_match(v, '[a-z0-9]+(?: [a-z0-9]+)*')", set: "trim(regexp_replace(v, '[^a-z0-9]+', ' ', 'g'))" },
    { when: `regexp_matches(v, ${prefix})`, set: `regexp_replace(v, ${prefix}, '')` },
    { set: "nullif(v, '')" },
  ];
}

function codeSteps(): Step[] {
  return [{ set: CLEAN }, { when: "NOT regexp_full_match(v, '[a-z0-9]*')", set: "regexp_replace(v, '[^a-z0-9]+', '', 'g')" }, { set: "nullif(v, '')" }];
}

function sexSteps(): Step[] {
  return [
    { set: "upper(regexp_replace(trim(v), '[\\s._-]+', '', 'g'))" },
    { set: `CASE WHEN v IN (${SEX_CODES.L.map(lit).join(', ')}) THEN 'L' WHEN v IN (${SEX_CODES.P.map(lit).join(', ')}) THEN 'P' END` },
  ];
}

/** Dates in the usual formats; a year outside 1800–2200 is a typing error and becomes null. */
function dateSteps(): Step[] {
  const formats = `[${DATE_FORMATS.map(lit).join(', ')}]`;
  return [
    { set: `CAST(try_strptime(trim(v), ${formats}) AS DATE)` },
    { set: 'CASE WHEN year(v) BETWEEN 1800 AND 2200 THEN v END' },
  ];
}

export const PIPELINES: Record<ValueKind, Step[]> = {
  name: nameSteps(),
  phonetic: phoneticSteps(),
  place: placeSteps(),
  address: addressSteps(),
  date: dateSteps(),
  sex: sexSteps(),
  code: codeSteps(),
};

/**
 * A query mapping each row of `source` (column `raw`) to its normalised value `norm`: the
 * steps of the pipeline as nested projections, so each value is computed once per step.
 */
export function pipelineSql(kind: ValueKind, source: string): string {
  let query = `SELECT raw, raw AS v FROM ${source}`;
  for (const step of PIPELINES[kind]) {
    const expr = step.when ? `CASE WHEN ${step.when} THEN ${step.set} ELSE v END` : step.set;
    query = `SELECT raw, ${expr} AS v FROM (${query})`;
  }
  return `SELECT raw, v AS norm FROM (${query})`;
}

/** Macros for the cheap per-record checks; run once per engine session. */
export function normalizationMacros(): string[] {
  return [
    // A NIK is 16 digits once separators are gone; a run of one digit is a placeholder.
    `CREATE OR REPLACE MACRO simpul_nik_digits(s) AS regexp_replace(trim(s), '[\\s.-]+', '', 'g')`,
    `CREATE OR REPLACE MACRO simpul_nik_form_ok(d) AS regexp_full_match(d, '[0-9]{16}') AND replace(d, left(d, 1), '') <> ''`,
    // Indonesian numbers are written 08…, 628… or +62 8…; compare the national significant number.
    `CREATE OR REPLACE MACRO simpul_phone_digits(s) AS regexp_replace(regexp_replace(trim(s), '[^0-9]+', '', 'g'), '^(?:62|0)', '')`,
    // The facts a NIK encodes (see decodeNik in src/core/ids.ts): day + 40 for women, DDMMYY.
    `CREATE OR REPLACE MACRO simpul_nik_sex(n) AS CASE WHEN n IS NULL THEN NULL WHEN CAST(substr(n, 7, 2) AS INTEGER) > 40 THEN 'P' ELSE 'L' END`,
    `CREATE OR REPLACE MACRO simpul_nik_day(n) AS CASE WHEN CAST(substr(n, 7, 2) AS INTEGER) > 40 THEN CAST(substr(n, 7, 2) AS INTEGER) - 40 ELSE CAST(substr(n, 7, 2) AS INTEGER) END`,
    `CREATE OR REPLACE MACRO simpul_nik_month(n) AS CAST(substr(n, 9, 2) AS INTEGER)`,
    `CREATE OR REPLACE MACRO simpul_nik_year2(n) AS CAST(substr(n, 11, 2) AS INTEGER)`,
    `CREATE OR REPLACE MACRO simpul_nik_structure_ok(n) AS
      CAST(substr(n, 1, 2) AS INTEGER) >= 11 AND simpul_nik_day(n) BETWEEN 1 AND 31 AND simpul_nik_month(n) BETWEEN 1 AND 12`,
    // One mistyped digit, or two digits swapped, is near-agreement. CASE, not
    // AND: DuckDB evaluates both sides of AND, and hamming() rejects unequal lengths.
    `CREATE OR REPLACE MACRO simpul_near_code(a, b) AS CASE WHEN length(a) <> length(b) THEN false
      WHEN hamming(a, b) <= 1 THEN true
      WHEN hamming(a, b) = 2 THEN list_sort(string_split(a, '')) = list_sort(string_split(b, ''))
      ELSE false END`,
  ];
}
