/**
 * Accuracy against ground truth, counted over pairs of records: precision = correct predicted
 * pairs / predicted pairs, recall = correct predicted pairs / true pairs, F1 their harmonic
 * mean. For deduplication the predicted pairs are those the clusters imply (every two records
 * in one cluster), which is what a user of the clusters receives.
 */
import type { Engine } from './engine.js';
import { lit } from './normalize-sql.js';
import type { LoadedSource } from './prepare.js';

export interface Accuracy {
  predicted: number;
  truePairs: number;
  correct: number;
  precision: number;
  recall: number;
  f1: number;
}

export function accuracy(predicted: number, truePairs: number, correct: number): Accuracy {
  const precision = predicted === 0 ? 1 : correct / predicted;
  const recall = truePairs === 0 ? 1 : correct / truePairs;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { predicted, truePairs, correct, precision, recall, f1 };
}

/**
 * How to read the true entity of a record: a SQL expression over the source's raw columns,
 * e.g. `cluster` or `regexp_extract(rec_id, 'rec-([0-9]+)', 1)`.
 */
export type TruthSql = string;

async function truthTable(engine: Engine, source: LoadedSource, truth: TruthSql, name: string): Promise<void> {
  await engine.run(`CREATE OR REPLACE TABLE ${name} AS SELECT rid, ${truth} AS entity FROM ${source.rawTable}`);
}

/** Accuracy of table `links` (rid_l, rid_r) between two sources. */
export async function evaluateLinks(engine: Engine, left: LoadedSource, right: LoadedSource, truthLeft: TruthSql, truthRight: TruthSql): Promise<Accuracy> {
  await truthTable(engine, left, truthLeft, 'truth_l');
  await truthTable(engine, right, truthRight, 'truth_r');
  const predicted = await engine.number('SELECT count(*) FROM links');
  const correct = await engine.number('SELECT count(*) FROM links k JOIN truth_l a ON a.rid = k.rid_l JOIN truth_r b ON b.rid = k.rid_r WHERE a.entity = b.entity');
  const truePairs = await engine.number(`SELECT coalesce(sum(a.n * b.n), 0) FROM
    (SELECT entity, count(*) AS n FROM truth_l WHERE entity IS NOT NULL GROUP BY entity) a JOIN
    (SELECT entity, count(*) AS n FROM truth_r WHERE entity IS NOT NULL GROUP BY entity) b USING (entity)`);
  return accuracy(predicted, truePairs, correct);
}

/** Accuracy of table `clusters` (rid, cluster) for one source, over the pairs clusters imply. */
export async function evaluateClusters(engine: Engine, source: LoadedSource, truth: TruthSql): Promise<Accuracy> {
  await truthTable(engine, source, truth, 'truth_d');
  const pairs = (group: string): string => `SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (SELECT count(*) AS n FROM clusters c JOIN truth_d t USING (rid) GROUP BY ${group})`;
  const predicted = await engine.number(pairs('c.cluster'));
  const correct = await engine.number(pairs('c.cluster, t.entity'));
  const truePairs = await engine.number(`SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (SELECT count(*) AS n FROM truth_d WHERE entity IS NOT NULL GROUP BY entity)`);
  return accuracy(predicted, truePairs, correct);
}

/**
 * Accuracy of the clusters against a table of labelled pairs, as Splink publishes for
 * fake_1000: columns `unique_id_l`, `unique_id_r`, `clerical_match_score` (1 = same person).
 * Every true pair is labelled there, so a predicted pair without a label of 1 is wrong.
 */
export async function evaluateClustersWithLabels(engine: Engine, source: LoadedSource, labelsFile: string): Promise<Accuracy> {
  await engine.run(`CREATE OR REPLACE TABLE labels_in AS SELECT * FROM read_csv(${lit(labelsFile)}, all_varchar = true, header = true)`);
  await engine.run(`CREATE OR REPLACE TABLE label_pairs AS
    SELECT least(trim(unique_id_l), trim(unique_id_r)) AS a, greatest(trim(unique_id_l), trim(unique_id_r)) AS b
    FROM labels_in WHERE CAST(clerical_match_score AS DOUBLE) >= 0.5`);
  await engine.run(`CREATE OR REPLACE TABLE predicted_pairs AS
    SELECT least(x.id, y.id) AS a, greatest(x.id, y.id) AS b FROM
    (SELECT c.rid, c.cluster, t.id FROM clusters c JOIN ${source.table} t USING (rid)) x JOIN
    (SELECT c.rid, c.cluster, t.id FROM clusters c JOIN ${source.table} t USING (rid)) y ON x.cluster = y.cluster AND x.rid < y.rid`);
  const predicted = await engine.number('SELECT count(*) FROM predicted_pairs');
  const truePairs = await engine.number('SELECT count(*) FROM (SELECT DISTINCT a, b FROM label_pairs)');
  const correct = await engine.number('SELECT count(*) FROM predicted_pairs p JOIN (SELECT DISTINCT a, b FROM label_pairs) l USING (a, b)');
  return accuracy(predicted, truePairs, correct);
}

/** Fraction of true pairs that blocking brought together: an upper bound on recall. */
export async function blockingRecall(engine: Engine, kind: 'link' | 'dedupe'): Promise<number> {
  if (kind === 'link') {
    const found = await engine.number('SELECT count(*) FROM pairs p JOIN truth_l a ON a.rid = p.rid_l JOIN truth_r b ON b.rid = p.rid_r WHERE a.entity = b.entity');
    const all = await engine.number(`SELECT coalesce(sum(a.n * b.n), 0) FROM (SELECT entity, count(*) AS n FROM truth_l GROUP BY entity) a JOIN (SELECT entity, count(*) AS n FROM truth_r GROUP BY entity) b USING (entity)`);
    return all === 0 ? 1 : found / all;
  }
  const found = await engine.number('SELECT count(*) FROM pairs p JOIN truth_d a ON a.rid = p.rid_l JOIN truth_d b ON b.rid = p.rid_r WHERE a.entity = b.entity');
  const all = await engine.number('SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (SELECT count(*) AS n FROM truth_d GROUP BY entity)');
  return all === 0 ? 1 : found / all;
}
