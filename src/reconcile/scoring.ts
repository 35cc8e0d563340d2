/**
 * The steps between normalised records and scored pairs, all expressed as SQL on the engine:
 * term frequencies, candidate pairs with their comparison vectors, u by random sampling,
 * EM for m and λ (in JS, over distinct vectors), and the match weight of every pair.
 */
import type { Engine } from './engine.js';
import { ruleCondition, totalPairs, type BlockingRule, type PairSpace } from './blocking.js';
import { comparisonVectorsSql, levelLabels, priorM, type Comparison } from './comparisons.js';
import { expectationMaximisation, priorWeight, uncontaminatedU, type Model, type Patterns } from './fellegi-sunter.js';

/** Term frequencies are never taken below this, so one odd value cannot dominate a weight. */
const MIN_TERM_FREQUENCY = 1e-7;

/**
 * Creates table `candidates` (rid_l, rid_r): each pair some blocking rule brings together, once
 * — a DISTINCT over the rules' joins, which costs less than making each rule skip the pairs of
 * the rules before it — and then table `pairs` (rid_l, rid_r, g_*, tf_*) with their comparison
 * vectors. Two steps are faster than comparing inside each rule's join: the joins stay narrow.
 */
export async function buildCandidatePairs(engine: Engine, space: PairSpace, rules: readonly BlockingRule[], comparisons: readonly Comparison[]): Promise<number> {
  const self = space.kind === 'dedupe' ? ' WHERE l.rid < r.rid' : '';
  const selects = rules.map((rule) => `SELECT l.rid AS rid_l, r.rid AS rid_r FROM ${space.left} l JOIN ${space.right} r ON ${ruleCondition(rule)}${self}`);
  const union = selects.length === 1 ? (selects[0] as string) : `SELECT DISTINCT rid_l, rid_r FROM (${selects.join('\nUNION ALL\n')})`;
  await engine.run(`CREATE OR REPLACE TABLE candidates AS ${union}`, 'membuat pasangan kandidat');
  const join = `FROM candidates q JOIN ${space.left} l ON l.rid = q.rid_l JOIN ${space.right} r ON r.rid = q.rid_r`;
  await engine.run(`CREATE OR REPLACE TABLE pairs AS ${comparisonVectorsSql([join], comparisons)}`, 'membandingkan pasangan kandidat');
  await engine.run('DROP TABLE candidates');
  return engine.number('SELECT count(*) FROM pairs');
}

/**
 * u for every level. The exact level's u is computed exactly from value counts (Σ over values
 * of the chance both records hold it); the other levels share the rest in the proportions seen
 * among `samplePairs` random pairs. A level never seen in the sample gets half a pair's worth.
 */
export async function estimateU(engine: Engine, space: PairSpace, comparisons: readonly Comparison[], samplePairs: number): Promise<{ u: number[][]; sampled: number }> {
  const all = totalPairs(space);
  let pairSource: string;
  if (all <= samplePairs) {
    pairSource = `SELECT l.rid AS rid_l, r.rid AS rid_r FROM ${space.left} l, ${space.right} r${space.kind === 'dedupe' ? ' WHERE l.rid < r.rid' : ''}`;
  } else {
    // Deterministic pseudo-random pairs, so that a run can be repeated exactly.
    pairSource = `SELECT CAST(hash(i, 1) % ${space.leftRows} AS INTEGER) AS rid_l, CAST(hash(i, 2) % ${space.rightRows} AS INTEGER) AS rid_r FROM range(${samplePairs}) t(i)`;
    if (space.kind === 'dedupe') pairSource = `SELECT * FROM (${pairSource}) WHERE rid_l <> rid_r`;
  }
  const join = `FROM (${pairSource}) q JOIN ${space.left} l ON l.rid = q.rid_l JOIN ${space.right} r ON r.rid = q.rid_r`;
  await engine.run(`CREATE OR REPLACE TABLE u_sample AS ${comparisonVectorsSql([join], comparisons)}`, 'mengambil sampel pasangan acak');
  const sampled = await engine.number('SELECT count(*) FROM u_sample');
  // With n records, agreement between different people cannot be measured below about one in
  // 2n: rarer agreement would have been seen by chance about as often as not. Below that floor
  // a lucky coincidence in a small file (twins sharing a birth date) would count as proof.
  const floor = 1 / (2 * Math.max(space.leftRows, space.rightRows));
  const counts = await engine.rows<{ c: number; g: number; n: bigint }>(
    comparisons.map((c, i) => `SELECT ${i} AS c, g_${c.name} AS g, count(*) AS n FROM u_sample WHERE g_${c.name} >= 0 GROUP BY ALL`).join(' UNION ALL '),
  );
  const u: number[][] = [];
  for (let i = 0; i < comparisons.length; i++) {
    const comparison = comparisons[i] as Comparison;
    const k = comparison.levels.length;
    const seen = Array.from({ length: k + 1 }, () => 0);
    for (const row of counts) if (Number(row.c) === i) seen[Number(row.g)] = Number(row.n);
    if (!comparison.exactColumn) {
      const floored = seen.map((n) => Math.max(n, 0.5));
      const total = floored.reduce((a, b) => a + b, 0);
      u.push(floored.map((n) => Math.max(n / total, floor)));
      continue;
    }
    const exactU = Math.max(await exactAgreement(engine, space, comparison.exactColumn), floor);
    const rest = seen.slice(0, k).map((n) => Math.max(n, 0.5));
    const restTotal = rest.reduce((a, b) => a + b, 0);
    const levels = rest.map((n) => Math.max(((1 - exactU) * n) / restTotal, floor));
    levels.push(exactU);
    u.push(levels);
  }
  return { u, sampled };
}

async function exactAgreement(engine: Engine, space: PairSpace, column: string): Promise<number> {
  const counts = (t: string): string => `SELECT ${column} AS v, count(*) AS n FROM ${t} WHERE ${column} IS NOT NULL GROUP BY v`;
  let value: number;
  if (space.kind === 'link') {
    const [row] = await engine.rows<{ agree: number | null; nl: bigint; nr: bigint }>(
      `SELECT (SELECT sum(a.n * b.n) FROM (${counts(space.left)}) a JOIN (${counts(space.right)}) b USING (v)) AS agree,
              (SELECT count(${column}) FROM ${space.left}) AS nl, (SELECT count(${column}) FROM ${space.right}) AS nr`,
    );
    value = Number(row?.agree ?? 0) / Math.max(1, Number(row?.nl ?? 0) * Number(row?.nr ?? 0));
  } else {
    const [row] = await engine.rows<{ agree: number | null; n: bigint }>(
      `SELECT (SELECT sum(n * (n - 1)) FROM (${counts(space.left)})) AS agree, (SELECT count(${column}) FROM ${space.left}) AS n`,
    );
    const n = Number(row?.n ?? 0);
    value = Number(row?.agree ?? 0) / Math.max(1, n * (n - 1));
  }
  return Math.min(Math.max(value, MIN_TERM_FREQUENCY), 0.999);
}

/** Reads the distinct comparison vectors of the candidate pairs. */
export async function candidatePatterns(engine: Engine, comparisons: readonly Comparison[]): Promise<Patterns> {
  const g = comparisons.map((c) => `g_${c.name}`);
  const cols = await engine.columns<Record<string, Array<number | bigint>>>(`SELECT ${g.join(', ')}, count(*) AS n FROM pairs GROUP BY ALL`, 'pola perbandingan');
  const n = (cols.n ?? []).length;
  return {
    gammas: g.map((name) => Int8Array.from((cols[name] ?? []).map((x) => Number(x)))),
    counts: Float64Array.from({ length: n }, (_, i) => Number((cols.n as Array<number | bigint>)[i])),
  };
}

export interface TrainingOptions {
  /** Random pairs for u; by default 20 per record, between 30,000 and 150,000. */
  uSamplePairs?: number;
}

/** Estimates the model from the data: u by random sampling, then m and λ by EM. */
export async function trainModel(engine: Engine, space: PairSpace, comparisons: readonly Comparison[], candidatePairs: number, options: TrainingOptions = {}): Promise<Model> {
  // 150,000 random pairs pin u down to a few in ten thousand; small inputs need fewer, since u
  // is floored at 1/(2n) anyway.
  const samplePairs = options.uSamplePairs ?? Math.min(150_000, Math.max(30_000, 20 * (space.leftRows + space.rightRows)));
  const { u: sampledU, sampled } = await estimateU(engine, space, comparisons, samplePairs);
  let u = sampledU;
  const patterns = await candidatePatterns(engine, comparisons);
  const all = totalPairs(space);
  const expectedMatches = space.kind === 'link' ? Math.min(space.leftRows, space.rightRows) * 0.5 : space.leftRows * 0.25;
  const identity = comparisons.map((c) => c.identity);
  const prior = comparisons.map(priorM);
  let em = expectationMaximisation(patterns, u, prior, Math.min(0.1, expectedMatches / all), all, { identity });
  if (em.lambda > 1e-4) {
    // Matches are a visible share of random pairs: take them out of u and estimate again.
    u = uncontaminatedU(sampledU, em.m, em.lambda);
    em = expectationMaximisation(patterns, u, em.m, em.lambda, all, { identity }, prior);
  }
  return {
    lambda: em.lambda,
    comparisons: comparisons.map((c, i) => {
      const labels = levelLabels(c);
      return {
        name: c.name,
        termFrequency: c.termFrequency && c.exactColumn !== undefined,
        levels: labels.map((label, g) => ({ label, m: (em.m[i] as number[])[g] as number, u: (u[i] as number[])[g] as number })),
      };
    }),
    training: { emIterations: em.iterations, converged: em.converged, candidatePairs, totalPairs: all, uSamplePairs: sampled },
  };
}

function num(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(12) : '0';
}

/**
 * SQL for one comparison's contribution to the weight of a row of `pairs`; `alias` qualifies
 * the pair's columns when other tables are joined.
 */
export function comparisonWeightSql(model: Model, index: number, alias?: string): string {
  const c = model.comparisons[index];
  if (!c) throw new Error(`No comparison ${index}`);
  const q = alias ? `${alias}.` : '';
  const top = c.levels.length - 1;
  const branches = c.levels.map((level, g) => `WHEN ${g} THEN ${num(Math.log2(level.m / level.u))}`).join(' ');
  let sql = `(CASE ${q}g_${c.name} ${branches} ELSE 0 END)`;
  if (c.termFrequency) {
    const exact = c.levels[top] as { m: number; u: number };
    // Splink's adjustment: the exact level's u replaced by the agreed value's frequency.
    sql = `(${sql} + CASE WHEN ${q}g_${c.name} = ${top} AND ${q}tf_${c.name} IS NOT NULL THEN log2(${num(exact.u)} / greatest(${q}tf_${c.name}, ${MIN_TERM_FREQUENCY})) ELSE 0 END)`;
  }
  return sql;
}

/** The match weight of a row of `pairs`, as SQL. */
export function matchWeightSql(model: Model): string {
  return [num(priorWeight(model.lambda)), ...model.comparisons.map((_, i) => comparisonWeightSql(model, i))].join(' + ');
}

/** Creates table `scored` (rid_l, rid_r, weight) holding the pairs at or above `minWeight`. */
export async function scorePairs(engine: Engine, model: Model, minWeight: number): Promise<number> {
  await engine.run(
    `CREATE OR REPLACE TABLE scored AS SELECT rid_l, rid_r, weight FROM (SELECT rid_l, rid_r, ${matchWeightSql(model)} AS weight FROM pairs) WHERE weight >= ${num(minWeight)}`,
    'menghitung bobot kecocokan',
  );
  return engine.number('SELECT count(*) FROM scored');
}
