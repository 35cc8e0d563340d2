/**
 * The Fellegi–Sunter model: for each comparison level, m = P(level | same person) and
 * u = P(level | different people); a pair's match weight is log2 of the prior odds plus the
 * sum over comparisons of log2(m/u), and its match probability follows from the weight.
 *
 * u comes from random pairs (most random pairs are different people). m and the prior λ are
 * estimated by expectation–maximisation over the candidate pairs that blocking produced,
 * treating every pair blocking left out as a non-match: EM runs on the distinct comparison
 * vectors and their counts, so its cost does not grow with the number of pairs.
 */

export interface LevelParameters {
  label: string;
  m: number;
  u: number;
}

export interface ComparisonParameters {
  name: string;
  /** Indexed by γ: 0 = no level holds, 1..K = weakest..strongest level. */
  levels: LevelParameters[];
  /** u of the exact level; term-frequency adjustment replaces it by the agreed value's frequency. */
  termFrequency: boolean;
}

export interface Model {
  /** Prior probability that two records drawn at random are the same person. */
  lambda: number;
  comparisons: ComparisonParameters[];
  /** How the model was estimated, for the record. */
  training: { emIterations: number; converged: boolean; candidatePairs: number; totalPairs: number; uSamplePairs: number };
}

/** Distinct comparison vectors of the candidate pairs and how many pairs have each. */
export interface Patterns {
  /** gammas[c][p] is γ of comparison c in pattern p. */
  gammas: Int8Array[];
  counts: Float64Array;
}

export interface EmOptions {
  maxIterations?: number;
  tolerance?: number;
  /**
   * How many matches the prior m is worth (a Dirichlet prior, so EM finds the maximum a
   * posteriori m). It anchors the match class to "the same person": with thousands of true
   * matches the data decide; with none — a clean register deduplicated — EM cannot turn
   * households or school cohorts into the match class. Default 200.
   */
  priorStrength?: number;
  /** Per comparison: its strongest `levels` levels hold at least `atLeast` of m (see Comparison.identity). */
  identity?: ReadonlyArray<{ levels: number; atLeast: number; differentAtMost?: number } | undefined>;
}

/** log2 Bayes factor of a level: the evidence it adds to the match weight. */
export function levelWeight(level: LevelParameters): number {
  return Math.log2(level.m / level.u);
}

export function priorWeight(lambda: number): number {
  return Math.log2(lambda / (1 - lambda));
}

export function probabilityFromWeight(weight: number): number {
  return 1 / (1 + 2 ** -weight);
}

export function weightFromProbability(probability: number): number {
  return Math.log2(probability / (1 - probability));
}


/**
 * Estimates m and λ with u held fixed. `totalPairs` is the number of pairs in the whole
 * comparison space (n_left × n_right, or n(n−1)/2 for deduplication).
 */
export function expectationMaximisation(
  patterns: Patterns,
  u: number[][],
  mStart: number[][],
  lambdaStart: number,
  totalPairs: number,
  options: EmOptions = {},
  mPrior: number[][] = mStart,
): { m: number[][]; lambda: number; iterations: number; converged: boolean } {
  const maxIterations = options.maxIterations ?? 200;
  const tolerance = options.tolerance ?? 1e-6;
  const strength = options.priorStrength ?? 200;
  const comparisons = patterns.gammas.length;
  const patternCount = patterns.counts.length;
  let m = mStart.map((levels) => [...levels]);
  let lambda = lambdaStart;
  const logU = new Float64Array(patternCount);
  for (let p = 0; p < patternCount; p++) {
    let s = 0;
    for (let c = 0; c < comparisons; c++) {
      const g = (patterns.gammas[c] as Int8Array)[p] as number;
      if (g >= 0) s += Math.log((u[c] as number[])[g] as number);
    }
    logU[p] = s;
  }
  const posterior = new Float64Array(patternCount);
  let converged = false;
  let iteration = 0;
  for (; iteration < maxIterations; iteration++) {
    const logPrior = Math.log(lambda) - Math.log1p(-lambda);
    const logM = m.map((levels) => levels.map((x) => Math.log(x)));
    let matches = 0;
    for (let p = 0; p < patternCount; p++) {
      let s = logPrior;
      for (let c = 0; c < comparisons; c++) {
        const g = (patterns.gammas[c] as Int8Array)[p] as number;
        if (g >= 0) s += (logM[c] as number[])[g] as number;
      }
      const odds = s - (logU[p] as number);
      const post = odds > 30 ? 1 : odds < -30 ? 0 : 1 / (1 + Math.exp(-odds));
      posterior[p] = post;
      matches += post * (patterns.counts[p] as number);
    }
    const next = mPrior.map((levels) => levels.map((x) => strength * x));
    for (let c = 0; c < comparisons; c++) {
      const gammas = patterns.gammas[c] as Int8Array;
      const row = next[c] as number[];
      for (let p = 0; p < patternCount; p++) {
        const g = gammas[p] as number;
        if (g >= 0) row[g] = (row[g] as number) + (posterior[p] as number) * (patterns.counts[p] as number);
      }
    }
    for (const [c, row] of next.entries()) {
      const total = row.reduce((a, b) => a + b, 0);
      for (let g = 0; g < row.length; g++) row[g] = (row[g] as number) / total;
      const rule = options.identity?.[c];
      if (rule) constrainAgreement(row, rule.levels, rule.atLeast, rule.differentAtMost);
    }
    const nextLambda = Math.min(Math.max(matches / totalPairs, 1e-12), 0.5);
    let change = Math.abs(Math.log(nextLambda) - Math.log(lambda));
    for (let c = 0; c < comparisons; c++) {
      for (let g = 0; g < (next[c] as number[]).length; g++) {
        change = Math.max(change, Math.abs(((next[c] as number[])[g] as number) - ((m[c] as number[])[g] as number)));
      }
    }
    m = next;
    lambda = nextLambda;
    if (change < tolerance) {
      converged = true;
      iteration++;
      break;
    }
  }
  return { m, lambda, iterations: iteration, converged };
}

/**
 * Random pairs include a few true matches, so the sampled level frequencies are the mixture
 * λ·m + (1−λ)·u rather than u. Given m and λ, this recovers u; it matters only for small inputs,
 * where matches are a visible share of all pairs.
 */
export function uncontaminatedU(sampled: number[][], m: number[][], lambda: number): number[][] {
  return sampled.map((levels, c) => {
    const corrected = levels.map((p, g) => Math.max((p - lambda * ((m[c] as number[])[g] as number)) / (1 - lambda), p * 0.01));
    const total = corrected.reduce((a, b) => a + b, 0);
    return corrected.map((x) => x / total);
  });
}

/**
 * Projects m onto {strongest `levels` levels hold at least `atLeast`, and "different" (γ = 0)
 * at most `differentAtMost`}: mass moves between the constrained part and the rest, keeping
 * proportions within each.
 */
export function constrainAgreement(m: number[], levels: number, atLeast: number, differentAtMost = 1): void {
  const top = m.length - Math.min(levels, m.length - 1);
  const scale = (from: number, to: number, target: number): void => {
    // Scale levels [from, to) to sum to `target`, the others to 1 − target.
    const inside = m.slice(from, to).reduce((a, b) => a + b, 0);
    const outside = 1 - inside;
    if (inside <= 0 || outside <= 0) return;
    for (let g = 0; g < m.length; g++) m[g] = g >= from && g < to ? ((m[g] as number) * target) / inside : ((m[g] as number) * (1 - target)) / outside;
  };
  const agree = m.slice(top).reduce((a, b) => a + b, 0);
  if (agree < atLeast) scale(top, m.length, atLeast);
  if ((m[0] as number) > differentAtMost) scale(0, 1, differentAtMost);
}
