/**
 * The two tasks, linking two sources and deduplicating one, from loaded sources to scored
 * pairs, links and clusters. Everything heavy runs as SQL on the engine; this module decides
 * the order and keeps what a caller needs to explain the result.
 */
import { SimpulError } from '../core/errors.js';
import { availableKeys, chooseBlockingRules, type BlockingRule, type CostedRule, type PairSpace } from './blocking.js';
import { comparisonsFor, nameModeOf, type Comparison, type NameMode } from './comparisons.js';
import type { Engine } from './engine.js';
import type { CanonicalField } from './field-map.js';
import { weightFromProbability, type Model } from './fellegi-sunter.js';
import type { LoadedSource } from './prepare.js';
import { buildCandidatePairs, scorePairs, trainModel } from './scoring.js';

/** The default match-probability threshold; docs/reconcile.md explains the choice. */
export const DEFAULT_THRESHOLD = 0.9;

export interface MatchOptions {
  /** Blocking rules; chosen automatically when absent. */
  blocking?: readonly BlockingRule[];
  /** Candidate-pair budget for automatic blocking. */
  maxPairs?: number;
  /** Random pairs used to estimate u. */
  uSamplePairs?: number;
}

export interface MatchRun {
  space: PairSpace;
  comparisons: Comparison[];
  rules: Array<BlockingRule & { pairs?: number }>;
  model: Model;
  candidatePairs: number;
  /** Pairs kept in table `scored`: those with a match probability of at least 0.01. */
  scoredPairs: number;
  nameMode: NameMode;
}

function sharedFields(sources: readonly LoadedSource[]): Set<CanonicalField> {
  const [first, ...rest] = sources;
  return new Set([...(first?.fields ?? [])].filter((f) => rest.every((s) => s.fields.has(f))));
}

/** Pairs with a probability below this are never kept, whatever threshold is asked later. */
const MIN_KEPT_PROBABILITY = 0.01;

async function run(engine: Engine, space: PairSpace, sources: readonly LoadedSource[], options: MatchOptions): Promise<MatchRun> {
  const nameMode = nameModeOf(sources.map((s) => s.spec.map));
  const fields = sharedFields(sources);
  const comparisons = comparisonsFor(fields, nameMode);
  if (comparisons.length < 2) {
    throw new SimpulError('reconcile.invalid_mapping', `Too few fields to compare: the sources share only ${[...fields].join(', ') || 'nothing'}. Map at least a name and one more field (birth date, NIK, address…) on both sides.`);
  }
  let rules: Array<BlockingRule & { pairs?: number }>;
  if (options.blocking) {
    const keys = new Set(availableKeys(fields, nameMode));
    for (const rule of options.blocking) {
      const missing = rule.keys.filter((k) => !keys.has(k));
      if (missing.length) throw new SimpulError('reconcile.invalid_option', `Blocking key(s) ${missing.join(', ')} need fields not mapped on every source.`);
    }
    rules = [...options.blocking];
  } else {
    const choice = await chooseBlockingRules(engine, space, availableKeys(fields, nameMode), options.maxPairs ? { maxPairs: options.maxPairs } : {});
    rules = choice.rules as CostedRule[];
  }
  const candidatePairs = await buildCandidatePairs(engine, space, rules, comparisons);
  if (candidatePairs === 0) {
    throw new SimpulError('reconcile.invalid_option', 'Blocking produced no candidate pairs: no two records agree on any blocking key. Check the field maps.');
  }
  const model = await trainModel(engine, space, comparisons, candidatePairs, options.uSamplePairs ? { uSamplePairs: options.uSamplePairs } : {});
  const scoredPairs = await scorePairs(engine, model, weightFromProbability(MIN_KEPT_PROBABILITY));
  return { space, comparisons, rules, model, candidatePairs, scoredPairs, nameMode };
}

/** Scores the pairs between two loaded sources (tables `l` and `r`). */
export async function matchLink(engine: Engine, left: LoadedSource, right: LoadedSource, options: MatchOptions = {}): Promise<MatchRun> {
  const space: PairSpace = { kind: 'link', left: left.table, right: right.table, leftRows: left.rows, rightRows: right.rows };
  return run(engine, space, [left, right], options);
}

/** Scores the pairs within one loaded source. */
export async function matchDedupe(engine: Engine, source: LoadedSource, options: MatchOptions = {}): Promise<MatchRun> {
  if (source.rows < 2) throw new SimpulError('reconcile.invalid_input', `${source.spec.file} has fewer than two records; there is nothing to deduplicate.`);
  const space: PairSpace = { kind: 'dedupe', left: source.table, right: source.table, leftRows: source.rows, rightRows: source.rows };
  return run(engine, space, [source], options);
}

export function checkThreshold(threshold: number): number {
  if (!(threshold > 0 && threshold < 1)) {
    throw new SimpulError('reconcile.invalid_option', `The threshold is a match probability strictly between 0 and 1; got ${threshold}.`);
  }
  if (threshold < MIN_KEPT_PROBABILITY) {
    throw new SimpulError('reconcile.invalid_option', `Thresholds below ${MIN_KEPT_PROBABILITY} are not supported.`);
  }
  return threshold;
}

/**
 * Creates table `links` (rid_l, rid_r, weight) from `scored`. One-to-one keeps, repeatedly,
 * each pair that is the best for both its records among the records still free — the same
 * result as taking pairs greedily from the highest weight down, computed in a few SQL rounds.
 */
export async function selectLinks(engine: Engine, threshold: number, oneToOne: boolean): Promise<number> {
  const minWeight = weightFromProbability(checkThreshold(threshold));
  if (!oneToOne) {
    await engine.run(`CREATE OR REPLACE TABLE links AS SELECT rid_l, rid_r, weight FROM scored WHERE weight >= ${minWeight}`);
    return engine.number('SELECT count(*) FROM links');
  }
  await engine.run(`CREATE OR REPLACE TABLE links (rid_l INTEGER, rid_r INTEGER, weight DOUBLE)`);
  await engine.run(`CREATE OR REPLACE TABLE open_edges AS SELECT rid_l, rid_r, weight FROM scored WHERE weight >= ${minWeight}`);
  for (let round = 0; round < 50; round++) {
    await engine.run(`CREATE OR REPLACE TABLE best AS
      SELECT rid_l, rid_r, weight FROM (
        SELECT *, row_number() OVER (PARTITION BY rid_l ORDER BY weight DESC, rid_r) AS bl,
                  row_number() OVER (PARTITION BY rid_r ORDER BY weight DESC, rid_l) AS br
        FROM open_edges) WHERE bl = 1 AND br = 1`);
    const added = await engine.number('SELECT count(*) FROM best');
    if (added === 0) break;
    await engine.run('INSERT INTO links SELECT * FROM best');
    await engine.run(`CREATE OR REPLACE TABLE open_edges AS SELECT e.* FROM open_edges e
      WHERE NOT EXISTS (SELECT 1 FROM best b WHERE b.rid_l = e.rid_l) AND NOT EXISTS (SELECT 1 FROM best b WHERE b.rid_r = e.rid_r)`);
  }
  return engine.number('SELECT count(*) FROM links');
}

/**
 * Creates table `clusters` (rid, cluster) for a deduplicated source: records joined by a pair at
 * or above the threshold share a cluster (connected components, by label propagation in SQL).
 * The cluster is named by the smallest record id in it.
 */
export async function clusterRecords(engine: Engine, source: LoadedSource, threshold: number): Promise<number> {
  const minWeight = weightFromProbability(checkThreshold(threshold));
  await engine.run(`CREATE OR REPLACE TABLE edges AS SELECT rid_l AS a, rid_r AS b FROM scored WHERE weight >= ${minWeight}
    UNION ALL SELECT rid_r AS a, rid_l AS b FROM scored WHERE weight >= ${minWeight}`);
  await engine.run(`CREATE OR REPLACE TABLE labels AS SELECT rid, rid AS label FROM ${source.table}`);
  for (let round = 0; round < 200; round++) {
    await engine.run(`CREATE OR REPLACE TABLE next_labels AS
      SELECT l.rid, least(l.label, coalesce(min(n.label), l.label)) AS label
      FROM labels l LEFT JOIN edges e ON e.a = l.rid LEFT JOIN labels n ON n.rid = e.b GROUP BY l.rid, l.label`);
    const changed = await engine.number('SELECT count(*) FROM next_labels n JOIN labels l USING (rid) WHERE n.label <> l.label');
    await engine.run('DROP TABLE labels');
    await engine.run('ALTER TABLE next_labels RENAME TO labels');
    if (changed === 0) break;
  }
  await engine.run(`CREATE OR REPLACE TABLE clusters AS
    SELECT t.rid, min(t.id) OVER (PARTITION BY lab.label) AS cluster FROM ${source.table} t JOIN labels lab USING (rid)`);
  return engine.number('SELECT count(DISTINCT cluster) FROM clusters');
}

