/**
 * Blocking: which pairs are compared at all. A blocking rule is a set of keys that must be
 * equal (`dob+family_ph`); the candidate pairs are the union over the rules, each pair counted
 * once. Rules are chosen automatically from the keys both sources hold, by measured cost, so
 * that every field can be wrong in some record of a true pair while another rule still brings
 * the pair together (see docs/reconcile.md); a user may give the rules instead.
 */
import { SimpulError } from '../core/errors.js';
import type { Engine } from './engine.js';
import type { CanonicalField } from './field-map.js';
import type { NameMode } from './comparisons.js';

export interface BlockingKey {
  /** Normalised column in the record tables. */
  column: string;
  /** The canonical field it is derived from: a rule on this key needs that field right. */
  field: CanonicalField;
  /** Identifying on its own (a rule of this key alone is worth trying). */
  alone: boolean;
  /**
   * `unique`: an identifier; `identity`: names and birth date; `place`: where one lives;
   * `weak`: narrows other keys only. Automatic blocking pairs identity keys with each other and
   * with place and weak keys, never place with place.
   */
  kind: 'unique' | 'identity' | 'place' | 'weak';
  description: string;
}

/** Every key a rule may name. */
export const BLOCKING_KEYS: Record<string, BlockingKey> = {
  nik: { column: 'nik', field: 'nik', kind: 'unique', alone: true, description: 'NIK' },
  nik12: { column: 'nik12', field: 'nik', kind: 'unique', alone: true, description: 'NIK without its serial (region and birth date)' },
  other_id: { column: 'other_id', field: 'other_id', kind: 'unique', alone: true, description: 'other identifier' },
  phone: { column: 'phone', field: 'phone', kind: 'unique', alone: true, description: 'phone number' },
  dob: { column: 'dob_txt', field: 'birth_date', kind: 'identity', alone: true, description: 'birth date' },
  dob_year: { column: 'dob_year', field: 'birth_date', kind: 'weak', alone: false, description: 'birth year' },
  given_ph: { column: 'given_ph', field: 'given_name', kind: 'identity', alone: true, description: 'phonetic given name' },
  family_ph: { column: 'family_ph', field: 'family_name', kind: 'identity', alone: true, description: 'phonetic family name' },
  given_pre: { column: 'given_pre', field: 'given_name', kind: 'identity', alone: false, description: 'first three letters of the given name' },
  family_pre: { column: 'family_pre', field: 'family_name', kind: 'identity', alone: false, description: 'first four letters of the family name' },
  first_ph: { column: 'first_ph', field: 'full_name', kind: 'identity', alone: true, description: 'phonetic first word of the name' },
  last_ph: { column: 'last_ph', field: 'full_name', kind: 'identity', alone: true, description: 'phonetic last word of the name' },
  first_pre: { column: 'first_pre', field: 'full_name', kind: 'identity', alone: false, description: 'first three letters of the name' },
  last_pre: { column: 'last_pre', field: 'full_name', kind: 'identity', alone: false, description: 'first four letters of the last word of the name' },
  name: { column: 'name', field: 'full_name', kind: 'identity', alone: true, description: 'normalised full name' },
  postcode: { column: 'postcode', field: 'postcode', kind: 'place', alone: false, description: 'postcode' },
  address: { column: 'address', field: 'address', kind: 'place', alone: true, description: 'normalised address' },
  street_number: { column: 'street_number', field: 'street_number', kind: 'place', alone: false, description: 'street number' },
  locality: { column: 'locality', field: 'locality', kind: 'place', alone: false, description: 'locality' },
  district: { column: 'district', field: 'district', kind: 'place', alone: false, description: 'district' },
  city: { column: 'city', field: 'city', kind: 'place', alone: false, description: 'city' },
  birth_place: { column: 'birth_place', field: 'birth_place', kind: 'place', alone: false, description: 'birth place' },
  sex: { column: 'sex', field: 'sex', kind: 'weak', alone: false, description: 'sex' },
};

export interface BlockingRule {
  keys: readonly string[];
}

export interface CostedRule extends BlockingRule {
  /** Estimated number of pairs the rule alone produces. */
  pairs: number;
}

/** The comparison space: two tables to link, or one table compared with itself. */
export interface PairSpace {
  kind: 'link' | 'dedupe';
  left: string;
  right: string;
  leftRows: number;
  rightRows: number;
}

export function totalPairs(space: PairSpace): number {
  return space.kind === 'link' ? space.leftRows * space.rightRows : (space.leftRows * (space.leftRows - 1)) / 2;
}

export function formatRule(rule: BlockingRule): string {
  return rule.keys.length === 0 ? '(all pairs)' : rule.keys.join('+');
}

/** Parses `--blocking "nik; dob+family_ph; given_ph+postcode"`. */
export function parseBlockingRules(text: string): BlockingRule[] {
  const rules = text.split(';').map((r) => r.trim()).filter((r) => r !== '').map((r) => ({ keys: r.split('+').map((k) => k.trim()) }));
  if (rules.length === 0) throw new SimpulError('reconcile.invalid_option', 'No blocking rule given; write rules as key+key separated by ";", e.g. "nik; dob+family_ph".');
  for (const rule of rules) {
    for (const key of rule.keys) {
      if (!BLOCKING_KEYS[key]) {
        throw new SimpulError('reconcile.invalid_option', `Unknown blocking key ${JSON.stringify(key)}. Known keys: ${Object.keys(BLOCKING_KEYS).join(', ')}.`);
      }
    }
  }
  return rules;
}

function keyColumn(key: string, alias: string): string {
  return `${alias}.${(BLOCKING_KEYS[key] as BlockingKey).column}`;
}

/** The join condition of a rule between aliases `l` and `r`. */
export function ruleCondition(rule: BlockingRule): string {
  if (rule.keys.length === 0) return 'true';
  return rule.keys.map((k) => `${keyColumn(k, 'l')} = ${keyColumn(k, 'r')}`).join(' AND ');
}

/** The keys usable for two sources holding `fields`. */
export function availableKeys(fields: ReadonlySet<CanonicalField>, nameMode: NameMode): string[] {
  return Object.entries(BLOCKING_KEYS)
    .filter(([key, k]) => {
      if (['given_ph', 'family_ph', 'given_pre', 'family_pre'].includes(key)) return nameMode === 'split';
      if (['first_ph', 'last_ph', 'first_pre', 'last_pre', 'name'].includes(key)) return nameMode === 'full';
      return fields.has(k.field);
    })
    .map(([key]) => key);
}

/**
 * Estimates how many pairs each rule produces, from a random sample of each side: for
 * independent samples at rate f the expected sampled pair count is f² times the true count,
 * both for linking and for deduplication, so the scaled estimate is unbiased.
 */
export async function estimateRuleCosts(engine: Engine, space: PairSpace, rules: readonly BlockingRule[], sampleRows = 200_000): Promise<CostedRule[]> {
  const f = Math.min(1, sampleRows / Math.max(space.leftRows, space.rightRows));
  const sample = (table: string): string => (f >= 1 ? table : `(SELECT * FROM ${table} WHERE hash(rid + 7919) % 1000000 < ${Math.round(f * 1_000_000)})`);
  const out: CostedRule[] = [];
  const keyList = (rule: BlockingRule, alias: string): string => rule.keys.map((k, i) => `${keyColumn(k, alias)} AS k${i}`).join(', ');
  const notNull = (rule: BlockingRule): string => rule.keys.map((_, i) => `k${i} IS NOT NULL`).join(' AND ');
  const group = (rule: BlockingRule): string => rule.keys.map((_, i) => `k${i}`).join(', ');
  const queries = rules.map((rule, index) => {
    const g = group(rule);
    const left = `SELECT ${g}, count(*) AS n FROM (SELECT ${keyList(rule, 'l')} FROM ${sample(space.left)} l) WHERE ${notNull(rule)} GROUP BY ${g}`;
    if (space.kind === 'dedupe') return `SELECT ${index} AS i, coalesce(sum(n * (n - 1) / 2), 0) AS pairs FROM (${left})`;
    const right = `SELECT ${g}, count(*) AS n FROM (SELECT ${keyList(rule, 'r')} FROM ${sample(space.right)} r) WHERE ${notNull(rule)} GROUP BY ${g}`;
    return `SELECT ${index} AS i, coalesce(sum(a.n * b.n), 0) AS pairs FROM (${left}) a JOIN (${right}) b USING (${g})`;
  });
  for (let start = 0; start < queries.length; start += 8) {
    const rows = await engine.rows<{ i: number; pairs: number | bigint }>(queries.slice(start, start + 8).join(' UNION ALL '), 'memilih aturan blok');
    for (const row of rows) {
      const rule = rules[Number(row.i)] as BlockingRule;
      out[Number(row.i)] = { keys: rule.keys, pairs: Number(row.pairs) / (f * f) };
    }
  }
  return out;
}

export interface BlockingChoice {
  rules: CostedRule[];
  /** Rules considered and rejected because they alone would exceed the budget. */
  tooLarge: CostedRule[];
  budget: number;
  /** Estimated candidate pairs of the chosen rules together. */
  estimatedPairs: number;
}

export interface BlockingOptions {
  /** The most candidate pairs to compare; by default 10 per record, at least 1,000,000. */
  maxPairs?: number;
  /** How many rules must avoid each field, so that one wrong field does not lose a pair. */
  redundancy?: number;
  /** Records sampled per side to cost rules. */
  sampleRows?: number;
  /** The most rules to take (default 12, or 40 under 100,000 records): each is one more join over both sources. */
  maxRules?: number;
}

const UNIQUE_FIELDS: readonly CanonicalField[] = ['nik', 'other_id', 'phone'];

/**
 * Chooses rules automatically. Candidates are the identifying keys alone and every pair of
 * keys from different fields. Each is costed on a sample; then, cheapest first, a rule is
 * taken when it adds robustness — some field is still needed by all but fewer than
 * `redundancy` of the rules taken — and its *new* pairs (those no rule taken so far produces,
 * measured on the sample) fit the budget. Unused budget, up to half, buys extra rules for
 * recall in the same order, up to two million pairs.
 */
export async function chooseBlockingRules(engine: Engine, space: PairSpace, keys: readonly string[], options: BlockingOptions = {}): Promise<BlockingChoice> {
  const budget = options.maxPairs ?? Math.max(1_000_000, 10 * (space.leftRows + space.rightRows));
  const redundancy = options.redundancy ?? 2;
  // Small inputs need no blocking: comparing every pair is cheap and loses nothing.
  if (totalPairs(space) <= budget) return { rules: [{ keys: [], pairs: totalPairs(space) }], tooLarge: [], budget, estimatedPairs: totalPairs(space) };
  const candidates: BlockingRule[] = [];
  for (const key of keys) if ((BLOCKING_KEYS[key] as BlockingKey).alone) candidates.push({ keys: [key] });
  for (let i = 0; i < keys.length; i++) {
    for (let j = i + 1; j < keys.length; j++) {
      const a = BLOCKING_KEYS[keys[i] as string] as BlockingKey;
      const b = BLOCKING_KEYS[keys[j] as string] as BlockingKey;
      // First and last word of one full name are two keys of one field, and a good pair.
      const firstAndLast = a.field === 'full_name' && b.field === 'full_name' && /^first_/.test(a.column) !== /^first_/.test(b.column) && a.column !== 'name' && b.column !== 'name';
      if ((a.field === b.field && !firstAndLast) || a.kind === 'unique' || b.kind === 'unique') continue;
      if (a.kind !== 'identity' && b.kind !== 'identity') continue;
      if (a.kind === 'weak' || b.kind === 'weak') {
        // A birth year narrows a name; sex narrows nothing enough to be worth a rule.
        const weak = a.kind === 'weak' ? a : b;
        const other = a.kind === 'weak' ? b : a;
        if (weak.column !== 'dob_year' || other.field === 'birth_date') continue;
      }
      candidates.push({ keys: [keys[i] as string, keys[j] as string] });
    }
  }
  const sampleRows = options.sampleRows ?? 50_000;
  const costed = (await estimateRuleCosts(engine, space, candidates, sampleRows)).filter((r) => r.pairs > 0);
  const cap = budget * 0.4;
  const affordable = costed.filter((r) => r.pairs <= cap).sort((a, b) => a.pairs - b.pairs || formatRule(a).localeCompare(formatRule(b)));
  const tooLarge = costed.filter((r) => r.pairs > cap);
  const fields = [...new Set(keys.map((k) => (BLOCKING_KEYS[k] as BlockingKey).field))];
  const fieldsOf = (rule: BlockingRule): Set<CanonicalField> => new Set(rule.keys.map((k) => (BLOCKING_KEYS[k] as BlockingKey).field));
  const avoiding = new Map<CanonicalField, number>(fields.map((f) => [f, 0]));
  const chosen: CostedRule[] = [];
  const marginal = await marginalCoster(engine, space, sampleRows);
  let spent = 0;
  const maxRules = options.maxRules ?? (space.leftRows + (space.kind === 'link' ? space.rightRows : 0) < 100_000 ? 40 : 12);
  const tryTake = async (rule: CostedRule, limit: number): Promise<void> => {
    if (chosen.length >= maxRules || spent + rule.pairs * 0.05 > limit) return;
    const added = await marginal.cost(rule);
    if (spent + added > limit) return;
    await marginal.accept();
    chosen.push(rule);
    spent += added;
    const used = fieldsOf(rule);
    for (const f of fields) if (!used.has(f)) avoiding.set(f, (avoiding.get(f) ?? 0) + 1);
  };
  // Unique identifiers first: when they agree, nothing else is needed to find the pair.
  for (const rule of affordable) {
    if (rule.keys.length === 1 && UNIQUE_FIELDS.includes((BLOCKING_KEYS[rule.keys[0] as string] as BlockingKey).field)) await tryTake(rule, budget);
  }
  for (const rule of affordable) {
    if (chosen.includes(rule)) continue;
    const used = fieldsOf(rule);
    if (fields.some((f) => !used.has(f) && (avoiding.get(f) ?? 0) < redundancy)) await tryTake(rule, budget);
  }
  // On small inputs spare budget buys recall cheaply; on large ones it would only cost time,
  // so the extra is at most three pairs per record beyond the first 500,000.
  const fill = Math.min(budget * 0.5, Math.max(spent, 500_000, 3 * (space.leftRows + space.rightRows)), 2_000_000);
  for (const rule of affordable) {
    if (!chosen.includes(rule)) await tryTake(rule, fill);
  }
  if (chosen.length === 0) {
    throw new SimpulError('reconcile.invalid_option', `No blocking rule fits the budget of ${Math.round(budget)} pairs; the mapped fields are too common. Map more fields or give --blocking and --max-pairs.`);
  }
  return { rules: chosen, tooLarge, budget, estimatedPairs: spent };
}

interface MarginalCoster {
  /** Estimated pairs `rule` adds to those of the rules accepted so far. */
  cost(rule: BlockingRule): Promise<number>;
  /** The rule last costed is taken: its pairs join the accepted ones. */
  accept(): Promise<void>;
}

/**
 * Measures, on a sample of each side, how many pairs a rule adds to those of the rules already
 * taken (kept in table `sample_pairs`); scaled by 1/f² like the standalone estimate.
 */
async function marginalCoster(engine: Engine, space: PairSpace, sampleRows: number): Promise<MarginalCoster> {
  const f = Math.min(1, sampleRows / Math.max(space.leftRows, space.rightRows));
  const threshold = Math.round(f * 1_000_000);
  await engine.run(`CREATE OR REPLACE TABLE sample_l AS SELECT * FROM ${space.left} WHERE hash(rid + 7919) % 1000000 < ${threshold}`);
  const right = space.kind === 'dedupe' ? 'sample_l' : 'sample_r';
  if (space.kind === 'link') await engine.run(`CREATE OR REPLACE TABLE sample_r AS SELECT * FROM ${space.right} WHERE hash(rid + 7919) % 1000000 < ${threshold}`);
  await engine.run('CREATE OR REPLACE TABLE sample_pairs (rid_l INTEGER, rid_r INTEGER)');
  const self = space.kind === 'dedupe' ? ' WHERE l.rid < r.rid' : '';
  return {
    async cost(rule) {
      await engine.run(`CREATE OR REPLACE TABLE new_pairs AS
        SELECT l.rid AS rid_l, r.rid AS rid_r FROM sample_l l JOIN ${right} r ON ${ruleCondition(rule)}${self}
        EXCEPT SELECT rid_l, rid_r FROM sample_pairs`);
      return (await engine.number('SELECT count(*) FROM new_pairs')) / (f * f);
    },
    async accept() {
      await engine.run('INSERT INTO sample_pairs SELECT * FROM new_pairs');
    },
  };
}
