/**
 * `npm run bench:reconcile [-- --json] [-- --only NAME[,NAME…]] [-- --sizes 100000,1000000]`
 *
 * Accuracy (precision, recall, F1 over record pairs) and speed (seconds, peak RSS) of the
 * reconciliation engine on the labelled data in ../shared/datasets/er and on synthetic
 * Indonesian registers of the given sizes (persons per side). Each case runs in its own child
 * process so that its peak RSS is its own; seconds cover reading, matching and writing the
 * output, not scoring against the truth.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, freemem, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { BENCHMARK_CASES, erDatasetsDir, REPOSITORY_ROOT } from '../src/reconcile/benchmark-datasets.js';
import { evaluateClusters, evaluateClustersWithLabels, evaluateLinks, type Accuracy } from '../src/reconcile/evaluate.js';
import { parseFieldMap } from '../src/reconcile/field-map.js';
import { writeSyntheticRegisters } from '../src/reconcile/synthetic-population.js';
import { dedupeFile, linkFiles, type TaskSummary } from '../src/reconcile/tasks.js';

interface CaseResult {
  name: string;
  task: 'link' | 'dedupe';
  records: number[];
  candidate_pairs: number;
  precision: number;
  recall: number;
  f1: number;
  seconds: number;
  peak_rss_mb: number;
  /** Processor time of the whole case (all threads), seconds: less sensitive to a busy machine. */
  cpu_seconds: number;
  blocking_rules: number;
  labels_f1?: number;
}

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const SYNTHETIC_SEED = 7;
const work = join(tmpdir(), 'simpul-reconcile-bench');

function synthName(persons: number): string {
  return `synthetic_${persons >= 1_000_000 ? `${persons / 1_000_000}m` : `${persons / 1000}k`}_link`;
}

/** Generates (once, then reuses) the synthetic registers for `persons` residents. */
async function syntheticFiles(persons: number): Promise<{ registry: string; agency: string; registryMap: string; agencyMap: string }> {
  const dir = join(work, `synthetic-v2-${persons}-${SYNTHETIC_SEED}`);
  const files = { registry: join(dir, 'dukcapil.csv'), agency: join(dir, 'bps.csv') };
  const { REGISTRY_MAP, AGENCY_MAP } = await import('../src/reconcile/synthetic-population.js');
  if (!existsSync(files.registry) || !existsSync(files.agency)) {
    process.stderr.write(`membuat populasi sintetis / generating a synthetic population of ${persons} …\n`);
    // 95% of residents plus 5% people the registry lacks: about as many records on each side.
    await writeSyntheticRegisters(dir, { persons, seed: SYNTHETIC_SEED, coverage: 0.95, unregistered: 0.05 });
  }
  return { ...files, registryMap: REGISTRY_MAP, agencyMap: AGENCY_MAP };
}

/** Runs one case in this process and prints its result as one JSON line. */
async function runCase(name: string): Promise<void> {
  const out = join(work, `${name}.out.csv`);
  let summary: TaskSummary;
  let accuracy: Accuracy;
  let labels: Accuracy | undefined;
  const synthetic = /^synthetic_/.exec(name);
  if (synthetic) {
    const persons = Number(flag('--persons'));
    const files = await syntheticFiles(persons);
    const started = performance.now();
    summary = await linkFiles({
      left: { file: files.registry, id: 'NIK', map: parseFieldMap(files.registryMap) },
      right: { file: files.agency, id: 'id_art', map: parseFieldMap(files.agencyMap) },
      out,
      oneToOne: true,
      keepEngine: true,
    });
    const seconds = (performance.now() - started) / 1000;
    const [l, r] = summary.sources;
    accuracy = await evaluateLinks(summary.engine!, l!, r!, 'person_id', 'person_id');
    summary.seconds.total = seconds;
  } else {
    const c = BENCHMARK_CASES.find((x) => x.name === name);
    if (!c) throw new Error(`Unknown case ${name}. Cases: ${BENCHMARK_CASES.map((x) => x.name).join(', ')}, synthetic_<n>k_link`);
    const data = erDatasetsDir();
    const map = parseFieldMap(c.map);
    if (c.task === 'link') {
      summary = await linkFiles({ left: { file: join(data, c.left), id: c.id, map }, right: { file: join(data, c.right), id: c.id, map }, out, oneToOne: c.oneToOne, keepEngine: true });
      const [l, r] = summary.sources;
      accuracy = await evaluateLinks(summary.engine!, l!, r!, c.truth, c.truth);
    } else {
      summary = await dedupeFile({ input: { file: join(data, c.file), id: c.id, map }, out, keepEngine: true });
      accuracy = await evaluateClusters(summary.engine!, summary.sources[0]!, c.truth);
      if (c.labels) labels = await evaluateClustersWithLabels(summary.engine!, summary.sources[0]!, join(data, c.labels));
    }
  }
  summary.engine?.close();
  const result: CaseResult = {
    name,
    task: summary.sources.length === 2 ? 'link' : 'dedupe',
    records: summary.sources.map((s) => s.rows),
    candidate_pairs: summary.run.candidatePairs,
    precision: round(accuracy.precision),
    recall: round(accuracy.recall),
    f1: round(accuracy.f1),
    seconds: Math.round(summary.seconds.total * 100) / 100,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    cpu_seconds: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 10_000) / 100,
    blocking_rules: summary.run.rules.length,
    ...(labels ? { labels_f1: round(labels.f1) } : {}),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

async function main(): Promise<void> {
  const single = flag('--case');
  if (single) return runCase(single);
  const sizes = (flag('--sizes') ?? '100000,1000000').split(',').filter((s) => s !== '').map(Number);
  const only = flag('--only')?.split(',');
  const cases = [...BENCHMARK_CASES.map((c) => ({ name: c.name, persons: 0 })), ...sizes.map((n) => ({ name: synthName(n), persons: n }))].filter((c) => !only || only.includes(c.name));
  erDatasetsDir();
  const run = promisify(execFile);
  const self = fileURLToPath(import.meta.url);
  const results: CaseResult[] = [];
  for (const c of cases) {
    if (c.persons) await syntheticFiles(c.persons);
    process.stderr.write(`▶ ${c.name} …\n`);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', self, '--case', c.name, '--persons', String(c.persons)], { cwd: REPOSITORY_ROOT, maxBuffer: 1 << 24 });
    const result = JSON.parse(stdout.trim().split('\n').pop() as string) as CaseResult;
    results.push(result);
    process.stderr.write(`  F1 ${result.f1.toFixed(4)} (P ${result.precision.toFixed(4)}, R ${result.recall.toFixed(4)}), ${result.seconds} s, ${result.peak_rss_mb} MB\n`);
  }
  const machine = { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', memory_gb: Math.round(totalmem() / 2 ** 30), free_memory_gb: Math.round(freemem() / 2 ** 30), node: process.version };
  if (args.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ machine, datasets: Object.fromEntries(results.map((r) => [r.name, r])) }, null, 2)}\n`);
    return;
  }
  const header = '| dataset | task | records | candidate pairs | precision | recall | F1 | seconds | CPU s | peak RSS MB |';
  const lines = results.map((r) => `| ${r.name} | ${r.task} | ${r.records.join(' × ')} | ${r.candidate_pairs} | ${r.precision.toFixed(4)} | ${r.recall.toFixed(4)} | ${r.f1.toFixed(4)}${r.labels_f1 !== undefined ? ` (labels ${r.labels_f1.toFixed(4)})` : ''} | ${r.seconds} | ${r.cpu_seconds} | ${r.peak_rss_mb} |`);
  process.stdout.write([`machine: ${machine.cpus} × ${machine.cpu_model}, ${machine.memory_gb} GB, Node ${machine.node}`, '', header, '|---|---|---|---|---|---|---|---|---|---|', ...lines, ''].join('\n'));
}

await main();
