/**
 * Graded comparisons: for each canonical field both sides hold, an ordered list of agreement
 * levels written as SQL conditions over a pair of normalised records `l` and `r`. A pair's
 * comparison vector (γ) gives, per comparison, the best level it reaches: K for the first
 * (strongest) level down to 1 for the last, 0 when none holds, and -1 when a value is
 * missing — a missing value is no evidence either way.
 */
import type { CanonicalField, FieldMap } from './field-map.js';

export interface Level {
  label: string;
  /** SQL condition over the records `l` and `r` and the pair's measures `p.<measure>`. */
  when: string;
}

export interface Comparison {
  /** Stable name, used for columns (`g_<name>`) and in explanations. */
  name: string;
  /** The canonical fields this comparison reads, for blocking coverage and reports. */
  fields: readonly CanonicalField[];
  /** SQL condition under which the comparison is missing (-1). */
  missing: string;
  /**
   * Similarities computed once per pair before the levels are tested (`p.<name>`): a CASE
   * that tests jaro_winkler twice would compute it twice.
   */
  measures: Readonly<Record<string, string>>;
  /** Levels, strongest first. */
  levels: readonly Level[];
  /**
   * The normalised column whose exact agreement is the first level, when it is one: used to
   * compute that level's u-probability exactly from value frequencies, and for term-frequency
   * adjustment.
   */
  exactColumn?: string;
  /** The column shown when a pair is explained. */
  displayColumn: string;
  /** Adjust the exact level's weight by how common the agreed value is (names, places). */
  termFrequency: boolean;
  /**
   * Domain knowledge that keeps EM's match class the class of "the same person": for the same
   * person, the strongest `levels` levels together have m of at least `atLeast` (a NIK, a sex
   * or a birth date is right far more often than not). Without it, EM run on a register with few
   * true duplicates happily takes "same household" for "same person". The bounds are loose
   * enough for the error rates of real registers and of the benchmark data sets.
   */
  identity?: { levels: number; atLeast: number; differentAtMost?: number };
  /**
   * What m is believed to be before seeing the data, strongest level first and "different"
   * last: how often the same person's two records reach each level, from the kinds of errors
   * registers have. EM starts from it and weighs it as a few hundred matches' worth of evidence.
   */
  prior?: readonly number[];
}

/** Which name comparisons apply: separate given/family names, or one full name. */
export type NameMode = 'split' | 'full' | 'none';

/** `split` when every source maps given and family names, `full` when each maps some name. */
export function nameModeOf(maps: readonly FieldMap[]): NameMode {
  if (maps.every((m) => m.given_name && m.family_name)) return 'split';
  if (maps.every((m) => m.full_name || m.given_name || m.family_name)) return 'full';
  return 'none';
}

const jw = (column: string, threshold: number): string => `p.jw_${column} >= ${threshold}`;
// Exact agreement is tested first anyway; skipping jaro-winkler for it saves most of the work on true matches.
const jwMeasure = (column: string): Record<string, string> => ({
  [`jw_${column}`]: `CASE WHEN l.${column} = r.${column} THEN 1.0 ELSE jaro_winkler_similarity(l.${column}, r.${column}) END`,
});
const missing = (column: string): string => `l.${column} IS NULL OR r.${column} IS NULL`;
const exact = (column: string): Level => ({ label: 'exact', when: `l.${column} = r.${column}` });

function simple(name: string, field: CanonicalField, column: string, levels: Level[], termFrequency = false, measures: Record<string, string> = {}): Comparison {
  return { name, fields: [field], missing: missing(column), measures, levels: [exact(column), ...levels], exactColumn: column, displayColumn: column, termFrequency };
}

function place(field: CanonicalField): Comparison {
  return { ...simple(field, field, field, [{ label: 'jaro-winkler ≥ 0.90', when: jw(field, 0.9) }], true, jwMeasure(field)), prior: [0.85, 0.08, 0.07] };
}

/**
 * The comparisons for two sources that both hold `fields`. `nameMode` is `split` when both
 * map given and family names separately (Western-style data), `full` otherwise.
 */
export function comparisonsFor(fields: ReadonlySet<CanonicalField>, nameMode: NameMode): Comparison[] {
  const out: Comparison[] = [];
  if (fields.has('nik')) {
    // A NIK one digit away from another is often someone else's: a twin (serial digits),
    // someone born days apart (birth-date digits), someone in the next district. Near-agreement
    // counts only when the serial is the same and the records' birth dates agree, so that only a
    // typing error explains the difference. A source that holds no birth date at all (a business
    // register naming its owner by NIK and name) cannot be checked so: there the level rests on
    // the serial, and the other comparisons (the name) must tell a typo from a neighbour.
    const near = fields.has('birth_date')
      ? { label: 'one digit mistyped or two swapped, same serial and birth date', when: 'simpul_near_code(l.nik, r.nik) AND right(l.nik, 4) = right(r.nik, 4) AND l.dob_txt = r.dob_txt' }
      : { label: 'one digit mistyped or two swapped, same serial (no birth date to check)', when: 'simpul_near_code(l.nik, r.nik) AND right(l.nik, 4) = right(r.nik, 4)' };
    out.push({ ...simple('nik', 'nik', 'nik', [near]), identity: { levels: 2, atLeast: 0.96, differentAtMost: 0.04 }, prior: [0.92, 0.04, 0.04] });
  }
  if (nameMode === 'full') {
    out.push({
      name: 'full_name',
      fields: ['full_name', 'given_name', 'family_name'],
      missing: missing('name'),
      measures: jwMeasure('name'),
      exactColumn: 'name',
      displayColumn: 'name',
      termFrequency: true,
      // A completely different name is the strongest sign of two people: twins share everything
      // else (birth date, address, birth place), which, counted as independent evidence, would
      // outweigh a different NIK. The same person's two records rarely have unrelated names.
      identity: { levels: 6, atLeast: 0.92, differentAtMost: 0.02 },
      prior: [0.56, 0.05, 0.12, 0.1, 0.05, 0.07, 0.03, 0.02],
      levels: [
        exact('name'),
        { label: 'same words in another order', when: 'l.name_sorted = r.name_sorted' },
        { label: 'jaro-winkler ≥ 0.94', when: jw('name', 0.94) },
        {
          // Word-bounded containment: cheaper than comparing word lists, and dropped middle
          // names are caught by the first-and-last level below.
          label: 'one name inside the other (single names, dropped first or last names)',
          when: "contains(' ' || l.name || ' ', ' ' || r.name || ' ') OR contains(' ' || r.name || ' ', ' ' || l.name || ' ')",
        },
        { label: 'first and last words sound alike', when: 'l.first_ph = r.first_ph AND l.last_ph = r.last_ph' },
        { label: 'jaro-winkler ≥ 0.85', when: jw('name', 0.85) },
        { label: 'first or last word agrees', when: 'l.first_tok = r.first_tok OR l.last_tok = r.last_tok' },
      ],
    });
  } else if (nameMode === 'split') {
    out.push({
      name: 'given_name',
      fields: ['given_name'],
      missing: missing('given'),
      measures: jwMeasure('given'),
      exactColumn: 'given',
      displayColumn: 'given',
      termFrequency: true,
      identity: { levels: 4, atLeast: 0.8 },
      prior: [0.7, 0.12, 0.03, 0.08, 0.07],
      levels: [
        exact('given'),
        { label: 'jaro-winkler ≥ 0.92', when: jw('given', 0.92) },
        { label: 'swapped with family name', when: 'l.given = r.family' },
        { label: 'same phonetic key or jaro-winkler ≥ 0.80', when: `l.given_ph = r.given_ph OR ${jw('given', 0.8)}` },
      ],
    });
    out.push({
      name: 'family_name',
      fields: ['family_name'],
      missing: missing('family'),
      measures: jwMeasure('family'),
      exactColumn: 'family',
      displayColumn: 'family',
      termFrequency: true,
      identity: { levels: 4, atLeast: 0.8 },
      prior: [0.7, 0.12, 0.03, 0.08, 0.07],
      levels: [
        exact('family'),
        { label: 'jaro-winkler ≥ 0.92', when: jw('family', 0.92) },
        { label: 'swapped with given name', when: 'l.family = r.given' },
        { label: 'same phonetic key or jaro-winkler ≥ 0.80', when: `l.family_ph = r.family_ph OR ${jw('family', 0.8)}` },
      ],
    });
  }
  if (fields.has('birth_date')) {
    out.push({
      name: 'birth_date',
      fields: ['birth_date'],
      missing: missing('dob_txt'),
      measures: { days_dob: "abs(date_diff('day', l.dob, r.dob))" },
      exactColumn: 'dob_txt',
      displayColumn: 'dob_txt',
      termFrequency: false,
      identity: { levels: 2, atLeast: 0.8 },
      prior: [0.85, 0.07, 0.02, 0.02, 0.02, 0.02],
      levels: [
        exact('dob_txt'),
        {
          label: 'one digit mistyped, two swapped, or day and month swapped',
          when: 'simpul_near_code(l.dob_txt, r.dob_txt) OR (day(l.dob) = month(r.dob) AND month(l.dob) = day(r.dob) AND year(l.dob) = year(r.dob))',
        },
        { label: 'within a month', when: 'p.days_dob <= 31' },
        { label: 'within a year', when: 'p.days_dob <= 366' },
        { label: 'within ten years', when: 'p.days_dob <= 3653' },
      ],
    });
  }
  if (fields.has('sex')) out.push({ ...simple('sex', 'sex', 'sex', []), identity: { levels: 1, atLeast: 0.95 }, prior: [0.97, 0.03] });
  if (fields.has('birth_place')) out.push(place('birth_place'));
  const location = locationComparison(fields);
  if (location) out.push(location);
  if (fields.has('street_number')) out.push({ ...simple('street_number', 'street_number', 'street_number', []), prior: [0.85, 0.15] });
  if (fields.has('phone')) {
    out.push({
      ...simple('phone', 'phone', 'phone', [
        { label: 'one digit mistyped or two swapped', when: 'simpul_near_code(l.phone, r.phone)' },
        { label: 'same last eight digits', when: 'right(l.phone, 8) = right(r.phone, 8)' },
      ]),
      // People change numbers: a different phone is weak evidence against.
      prior: [0.6, 0.05, 0.05, 0.3],
    });
  }
  if (fields.has('other_id')) {
    out.push({
      ...simple('other_id', 'other_id', 'other_id', [
        { label: 'one character mistyped or two swapped', when: 'simpul_near_code(l.other_id, r.other_id)' },
        { label: 'jaro-winkler ≥ 0.90', when: jw('other_id', 0.9) },
      ], false, jwMeasure('other_id')),
      prior: [0.85, 0.08, 0.03, 0.04],
    });
  }
  return out;
}

const LOCATION_FIELDS: readonly CanonicalField[] = ['address', 'locality', 'postcode', 'district', 'city', 'province'];

/**
 * Where a person lives, as one comparison from the same address down to the same province.
 * Address, village, postcode, district, regency and province move together; as separate
 * comparisons they would count one fact six times, and make every member of a household look
 * like the same person.
 */
function locationComparison(fields: ReadonlySet<CanonicalField>): Comparison | undefined {
  const present = LOCATION_FIELDS.filter((f) => fields.has(f));
  if (present.length === 0) return undefined;
  const levels: Level[] = [];
  if (fields.has('address')) {
    levels.push({ label: 'same address', when: 'l.address = r.address' });
    levels.push({ label: 'address nearly the same (jaro-winkler ≥ 0.90)', when: jw('address', 0.9) });
  }
  const village = [fields.has('locality') ? 'l.locality = r.locality' : '', fields.has('postcode') ? 'l.postcode = r.postcode' : ''].filter(Boolean);
  if (village.length) levels.push({ label: 'same village or postcode', when: village.join(' OR ') });
  if (fields.has('district')) levels.push({ label: 'same district', when: 'l.district = r.district' });
  if (fields.has('city')) levels.push({ label: 'same regency or city', when: 'l.city = r.city' });
  if (fields.has('province')) levels.push({ label: 'same province', when: 'l.province = r.province' });
  const side = (alias: string): string => `(${present.map((c) => `${alias}.${c} IS NULL`).join(' AND ')})`;
  // People move: the same person is at another address now and then, mostly nearby.
  const believed: Record<string, number> = { 'same address': 0.55, 'address nearly the same (jaro-winkler ≥ 0.90)': 0.1, 'same village or postcode': 0.1, 'same district': 0.08, 'same regency or city': 0.07, 'same province': 0.04 };
  return {
    name: 'location',
    prior: [...levels.map((l) => believed[l.label] ?? 0.05), 0.06],
    fields: present,
    missing: `${side('l')} OR ${side('r')}`,
    measures: fields.has('address') ? jwMeasure('address') : {},
    levels,
    // Only "same address" is one column's exact agreement; otherwise u comes from the sample.
    ...(fields.has('address') ? { exactColumn: 'address' } : {}),
    displayColumn: present[0] as string,
    termFrequency: fields.has('address'),
  };
}

/** The γ value of a comparison for the pair `l`, `r`, as a SQL expression. */
export function gammaSql(comparison: Comparison): string {
  const k = comparison.levels.length;
  const branches = comparison.levels.map((level, i) => `WHEN ${level.when} THEN ${k - i}`).join(' ');
  return `CAST(CASE WHEN ${comparison.missing} THEN -1 ${branches} ELSE 0 END AS TINYINT)`;
}

/** Level labels indexed by γ (0 = no level holds). */
export function levelLabels(comparison: Comparison): string[] {
  return ['different', ...[...comparison.levels].reverse().map((l) => l.label)];
}

const COLUMN_REFERENCE = /\b([lr])\.([a-z_][a-z0-9_]*)\b/g;

/** `l.given` → `l_given`: the flattened pair row names each side's columns this way. */
function flatten(sql: string): string {
  return sql.replace(COLUMN_REFERENCE, '$1_$2').replace(/\bp\.([a-z_][a-z0-9_]*)/g, '$1');
}

/**
 * The comparison vectors of pairs, in one pass over a join: `pairJoins` are FROM clauses that
 * bind `l` and `r` (candidate or random row ids joined to both tables).
 * The first projection takes from each side only the columns the comparisons read, and
 * computes each measure once; the second tests the levels. Adds the agreed value's term
 * frequency (`tf_<comparison>`) where a comparison uses one.
 */
export function comparisonVectorsSql(pairJoins: readonly string[], comparisons: readonly Comparison[]): string {
  const gammas = comparisons.map((c) => `${gammaSql(c)} AS g_${c.name}`);
  const tfs = comparisons
    .filter((c) => c.termFrequency && c.exactColumn)
    .map((c) => `CASE WHEN l.${c.exactColumn} = r.${c.exactColumn} THEN l.tf_${c.exactColumn} END AS tf_${c.name}`);
  const outer = [...gammas, ...tfs];
  const referenced = new Set<string>();
  for (const sql of outer) for (const m of sql.matchAll(COLUMN_REFERENCE)) referenced.add(`${m[1]}.${m[2]}`);
  const measures = comparisons.flatMap((c) => Object.entries(c.measures).map(([name, sql]) => `${sql} AS ${name}`));
  const inner = ['l.rid AS rid_l', 'r.rid AS rid_r', ...[...referenced].sort().map((ref) => `${ref} AS ${ref.replace('.', '_')}`), ...measures].join(', ');
  const source = pairJoins.map((from) => `SELECT ${inner} ${from}`).join('\nUNION ALL\n');
  return `SELECT rid_l, rid_r, ${outer.map(flatten).join(',\n  ')} FROM (${source})`;
}

/** The prior m of a comparison indexed by γ (0 = different … K = strongest), normalised. */
export function priorM(comparison: Comparison): number[] {
  const k = comparison.levels.length;
  const believed = comparison.prior && comparison.prior.length === k + 1 ? comparison.prior : undefined;
  const byGamma = believed
    ? [believed[k] as number, ...[...believed.slice(0, k)].reverse()]
    : Array.from({ length: k + 1 }, (_, g) => (g === 0 ? 0.05 : g === k ? 0.8 : 0.15 / Math.max(1, k - 1)));
  const total = byGamma.reduce((a, b) => a + b, 0);
  return byGamma.map((x) => x / total);
}
