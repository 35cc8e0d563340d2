/**
 * The two tasks end to end — files in, files out — as the CLI and the benchmarks run them.
 *
 * @example
 *   const summary = await linkFiles({
 *     left: { file: 'dukcapil.csv', id: 'NIK_ID', map: parseFieldMap('nik=NIK,full_name=NAMA,birth_date=TGL_LAHIR') },
 *     right: { file: 'bps.csv', id: 'ID', map: parseFieldMap('nik=nik,full_name=nama,birth_date=tanggal_lahir') },
 *     out: 'links.csv',
 *     oneToOne: true,
 *   });
 */
import { Engine, type EngineOptions, type ProgressListener } from './engine.js';
import { explainQuery } from './explain.js';
import { clusterRecords, DEFAULT_THRESHOLD, matchDedupe, matchLink, selectLinks, type MatchOptions, type MatchRun } from './matcher.js';
import { writeQueryCsv, writeTextFile } from './output.js';
import { loadSources, type LoadedSource, type SourceSpec } from './prepare.js';

export interface TaskOptions extends MatchOptions {
  out: string;
  /** Match-probability threshold; DEFAULT_THRESHOLD when absent. */
  threshold?: number;
  /** Write the per-field weights of each output pair to this CSV file. */
  explain?: string;
  /** Write the estimated model (m, u, λ, blocking rules) to this JSON file. */
  modelOut?: string;
  engine?: EngineOptions;
  progress?: ProgressListener;
  /** Leave the engine open in the summary (for evaluation); the caller closes it. */
  keepEngine?: boolean;
}

export interface LinkOptions extends TaskOptions {
  left: SourceSpec;
  right: SourceSpec;
  /** Each record links to at most one record of the other side. */
  oneToOne?: boolean;
}

export interface DedupeOptions extends TaskOptions {
  input: SourceSpec;
}

export interface TaskSummary {
  run: MatchRun;
  sources: LoadedSource[];
  threshold: number;
  /** Links written (link) or clusters found (dedupe). */
  results: number;
  seconds: { load: number; match: number; write: number; total: number };
  engine?: Engine;
}

async function withEngine(options: TaskOptions, work: (engine: Engine) => Promise<TaskSummary>): Promise<TaskSummary> {
  const engine = await Engine.open(options.engine);
  engine.onProgress(options.progress);
  let keep = false;
  try {
    const result = await work(engine);
    keep = options.keepEngine === true;
    return keep ? { ...result, engine } : result;
  } finally {
    if (!keep) engine.close();
  }
}

function modelDocument(run: MatchRun, threshold: number): string {
  return `${JSON.stringify({ threshold, nameMode: run.nameMode, blocking: run.rules.map((r) => r.keys.join('+')), ...run.model }, null, 2)}\n`;
}

/** Links the records of two files and writes `left_id,right_id,match_probability`. */
export async function linkFiles(options: LinkOptions): Promise<TaskSummary> {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  return withEngine(options, async (engine) => {
    const t0 = performance.now();
    const sources = await loadSources(engine, [
      { spec: options.left, table: 'l' },
      { spec: options.right, table: 'r' },
    ]);
    const [left, right] = sources as [LoadedSource, LoadedSource];
    const t1 = performance.now();
    const run = await matchLink(engine, left, right, options);
    const results = await selectLinks(engine, threshold, options.oneToOne === true);
    const t2 = performance.now();
    await writeQueryCsv(
      engine,
      `SELECT l.id AS left_id, r.id AS right_id, round(1 / (1 + pow(2, -k.weight)), 6) AS match_probability
       FROM links k JOIN l ON l.rid = k.rid_l JOIN r ON r.rid = k.rid_r ORDER BY left_id, right_id`,
      options.out,
    );
    if (options.explain) {
      await writeQueryCsv(engine, explainQuery(run.model, run.comparisons, 'links', 'l', 'r', { ids: ['left_id', 'right_id'], sides: ['left', 'right'] }), options.explain);
    }
    if (options.modelOut) await writeTextFile(options.modelOut, modelDocument(run, threshold));
    const t3 = performance.now();
    return { run, sources, threshold, results, seconds: { load: (t1 - t0) / 1000, match: (t2 - t1) / 1000, write: (t3 - t2) / 1000, total: (t3 - t0) / 1000 } };
  });
}

/** Deduplicates one file and writes `id,cluster_id` for every record. */
export async function dedupeFile(options: DedupeOptions): Promise<TaskSummary> {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  return withEngine(options, async (engine) => {
    const t0 = performance.now();
    const sources = await loadSources(engine, [{ spec: options.input, table: 'l' }]);
    const source = sources[0] as LoadedSource;
    const t1 = performance.now();
    const run = await matchDedupe(engine, source, options);
    const results = await clusterRecords(engine, source, threshold);
    const t2 = performance.now();
    await writeQueryCsv(engine, `SELECT t.id AS id, c.cluster AS cluster_id FROM clusters c JOIN l t USING (rid) ORDER BY cluster_id, id`, options.out);
    if (options.explain) {
      await engine.run(`CREATE OR REPLACE TABLE cluster_edges AS SELECT s.rid_l, s.rid_r, s.weight FROM scored s
        JOIN clusters a ON a.rid = s.rid_l JOIN clusters b ON b.rid = s.rid_r WHERE a.cluster = b.cluster`);
      await writeQueryCsv(engine, explainQuery(run.model, run.comparisons, 'cluster_edges', 'l', 'l', { ids: ['id_a', 'id_b'], sides: ['a', 'b'] }), options.explain);
    }
    if (options.modelOut) await writeTextFile(options.modelOut, modelDocument(run, threshold));
    const t3 = performance.now();
    return { run, sources, threshold, results, seconds: { load: (t1 - t0) / 1000, match: (t2 - t1) / 1000, write: (t3 - t2) / 1000, total: (t3 - t0) / 1000 } };
  });
}
