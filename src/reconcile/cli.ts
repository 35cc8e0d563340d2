/**
 * `simpul reconcile …`: link two agencies' person files, deduplicate one, build the
 * discrepancy report, and generate a synthetic Indonesian population for trials.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { SimpulError } from '../core/errors.js';
import { parseBlockingRules } from './blocking.js';
import { registerCorrectionCommands } from './cli-corrections.js';
import type { EngineOptions } from './engine.js';
import { parseFieldMap } from './field-map.js';
import { checkThreshold, DEFAULT_THRESHOLD } from './matcher.js';
import { terminalProgress } from './progress.js';
import { buildDiscrepancyReport, type AgencySource, type DiscrepancyReport } from './report.js';
import { writeReportFiles } from './report-files.js';
import { writeSyntheticRegisters } from './synthetic-population.js';
import { dedupeFile, linkFiles, type TaskOptions, type TaskSummary } from './tasks.js';

interface CommonFlags {
  out: string;
  threshold?: string;
  explain?: string | boolean;
  blocking?: string;
  maxPairs?: string;
  modelOut?: string;
  threads?: string;
  memoryLimit?: string;
}

function positiveInteger(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new SimpulError('reconcile.invalid_option', `${flag} must be a positive whole number, got ${JSON.stringify(text)}.`);
  return n;
}

function common(flags: CommonFlags): TaskOptions {
  const engine: EngineOptions = {};
  if (flags.threads) engine.threads = positiveInteger(flags.threads, '--threads');
  if (flags.memoryLimit) engine.memoryLimit = flags.memoryLimit;
  const options: TaskOptions = { out: flags.out, engine };
  if (flags.threshold !== undefined) {
    const t = Number(flags.threshold);
    if (!Number.isFinite(t)) throw new SimpulError('reconcile.invalid_option', `--threshold must be a number between 0 and 1, got ${JSON.stringify(flags.threshold)}.`);
    options.threshold = checkThreshold(t);
  }
  if (flags.explain) options.explain = typeof flags.explain === 'string' ? flags.explain : flags.out.replace(/(\.csv)?$/i, '.explain.csv');
  if (flags.blocking) options.blocking = parseBlockingRules(flags.blocking);
  if (flags.maxPairs) options.maxPairs = positiveInteger(flags.maxPairs, '--max-pairs');
  if (flags.modelOut) options.modelOut = flags.modelOut;
  return options;
}

function withCommonOptions(command: Command): Command {
  return command
    .requiredOption('--out <file>', 'berkas keluaran CSV / output CSV file')
    .option('--threshold <p>', `ambang peluang cocok / match-probability threshold (default ${DEFAULT_THRESHOLD})`)
    .option('--explain [file]', 'tulis bobot per kolom tiap pasangan / write per-field match weights of each pair (default OUT.explain.csv)')
    .option('--blocking <rules>', 'aturan blok, mis. / blocking rules, e.g. "nik; dob+family_ph" (default: chosen automatically)')
    .option('--max-pairs <n>', 'batas pasangan kandidat untuk blok otomatis / candidate-pair budget for automatic blocking')
    .option('--model-out <file>', 'tulis model (m, u, λ) sebagai JSON / write the estimated model as JSON')
    .option('--threads <n>', 'utas DuckDB / DuckDB threads (default: all cores)')
    .option('--memory-limit <size>', 'batas memori DuckDB, mis. / DuckDB memory limit, e.g. 6GB');
}

/** Runs an action, printing a SimpulError as one readable line instead of a stack trace. */
async function guarded(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (error instanceof SimpulError) {
      process.stderr.write(`galat / error [${error.code}]: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}

function report(summary: TaskSummary, what: string): void {
  const { run, seconds } = summary;
  const names = run.rules.map((r) => (r.keys.length ? r.keys.join('+') : '(semua pasangan / all pairs)'));
  const rules = names.length > 8 ? `${names.slice(0, 8).join('; ')}; … +${names.length - 8}` : names.join('; ');
  const fewest = Math.min(...summary.sources.map((s) => s.rows));
  if (fewest < 100) {
    process.stderr.write(`peringatan / warning: hanya ${fewest} catatan; taksiran tanpa label kurang andal di bawah beberapa ratus catatan / only ${fewest} records; unsupervised estimates are unreliable below a few hundred records.\n`);
  }
  process.stdout.write(
    [
      `${what}`,
      `  pasangan kandidat / candidate pairs: ${run.candidatePairs} (blok / blocking: ${rules})`,
      `  λ = ${run.model.lambda.toExponential(3)}, EM ${run.model.training.emIterations} iterasi / iterations${run.model.training.converged ? '' : ' (belum konvergen / not converged)'}`,
      `  waktu / time: ${seconds.total.toFixed(1)} s (baca / load ${seconds.load.toFixed(1)} s, cocokkan / match ${seconds.match.toFixed(1)} s, tulis / write ${seconds.write.toFixed(1)} s)`,
      '',
    ].join('\n'),
  );
}

export function register(program: Command): void {
  const reconcile = program
    .command('reconcile')
    .description('Rekonsiliasi data penduduk antarinstansi / reconcile person records across agencies');
  registerReportCommands(reconcile);
  registerCorrectionCommands(reconcile, guarded);

  withCommonOptions(
    reconcile
      .command('link')
      .description('Tautkan catatan dua berkas / link the records of two files (writes left_id,right_id,match_probability)')
      .argument('<left>', 'berkas CSV kiri / left CSV file')
      .argument('<right>', 'berkas CSV kanan / right CSV file')
      .requiredOption('--left-id <column>', 'kolom id berkas kiri / id column of the left file')
      .requiredOption('--right-id <column>', 'kolom id berkas kanan / id column of the right file')
      .requiredOption('--left-map <map>', 'pemetaan kolom kiri / left field map, canonical=column[+column],…')
      .requiredOption('--right-map <map>', 'pemetaan kolom kanan / right field map')
      .option('--one-to-one', 'satu pasangan per catatan / at most one link per record on each side'),
  ).action(async (leftFile: string, rightFile: string, flags: CommonFlags & { leftId: string; rightId: string; leftMap: string; rightMap: string; oneToOne?: boolean }) =>
    guarded(async () => {
      const options = common(flags);
      const progress = terminalProgress();
      try {
        const summary = await linkFiles({
          ...options,
          left: { file: leftFile, id: flags.leftId, map: parseFieldMap(flags.leftMap) },
          right: { file: rightFile, id: flags.rightId, map: parseFieldMap(flags.rightMap) },
          oneToOne: flags.oneToOne === true,
          progress: progress.listener,
        });
        progress.stop();
        const [l, r] = summary.sources;
        report(summary, `Tertaut / linked: ${summary.results} pasangan / pairs ≥ ${summary.threshold} dari / of ${l?.rows} × ${r?.rows} catatan / records → ${flags.out}`);
      } finally {
        progress.stop();
      }
    }),
  );

  withCommonOptions(
    reconcile
      .command('dedupe')
      .description('Cari duplikat dalam satu berkas / deduplicate one file (writes id,cluster_id for every record)')
      .argument('<input>', 'berkas CSV / CSV file')
      .requiredOption('--id <column>', 'kolom id / id column')
      .requiredOption('--map <map>', 'pemetaan kolom / field map, canonical=column[+column],…'),
  ).action(async (inputFile: string, flags: CommonFlags & { id: string; map: string }) =>
    guarded(async () => {
      const options = common(flags);
      const progress = terminalProgress();
      try {
        const summary = await dedupeFile({ ...options, input: { file: inputFile, id: flags.id, map: parseFieldMap(flags.map) }, progress: progress.listener });
        progress.stop();
        report(summary, `Klaster / clusters: ${summary.results} dari / from ${summary.sources[0]?.rows} catatan / records (ambang / threshold ${summary.threshold}) → ${flags.out}`);
      } finally {
        progress.stop();
      }
    }),
  );
}

/**
 * Reads a report configuration: `{ "base": SOURCE, "agencies": [SOURCE…], "threshold"?: p }`
 * with SOURCE = `{ "agency", "file", "id", "map" }`; files are relative to the configuration.
 */
export async function readReportConfig(path: string): Promise<{ base: AgencySource; agencies: AgencySource[]; threshold?: number }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new SimpulError('reconcile.invalid_option', `${path}: not a readable JSON report configuration (${(error as Error).message}).`);
  }
  const where = dirname(resolve(path));
  const source = (value: unknown, at: string): AgencySource => {
    const v = value as Record<string, unknown> | null;
    for (const key of ['agency', 'file', 'id', 'map']) {
      if (!v || typeof v[key] !== 'string' || (v[key] as string).trim() === '') throw new SimpulError('reconcile.invalid_option', `${path}: ${at}.${key} must be a non-empty string.`);
    }
    const s = v as Record<string, string>;
    return { agency: s.agency as string, file: resolve(where, s.file as string), id: s.id as string, map: parseFieldMap(s.map as string) };
  };
  const config = raw as { base?: unknown; agencies?: unknown; threshold?: unknown };
  if (!Array.isArray(config.agencies) || config.agencies.length === 0) throw new SimpulError('reconcile.invalid_option', `${path}: "agencies" must list at least one source.`);
  const result: { base: AgencySource; agencies: AgencySource[]; threshold?: number } = {
    base: source(config.base, 'base'),
    agencies: config.agencies.map((a, i) => source(a, `agencies[${i}]`)),
  };
  if (config.threshold !== undefined) result.threshold = checkThreshold(Number(config.threshold));
  return result;
}

function printReport(report: DiscrepancyReport, dir: string): void {
  const lines = report.agencies.map(
    (a) => `  ${a.agency.padEnd(14)} skor / score ${a.score.toFixed(1).padStart(5)}  catatan / records ${a.records}  cocok / linked ${a.linked}  duplikat / duplicate clusters ${a.duplicateClusters}`,
  );
  process.stdout.write(
    [`Laporan ketidaksesuaian / discrepancy report → ${dir}/report.html`, ...lines, `  konflik / conflicts ${report.conflicts.length}, tak cocok / unmatched ${report.unmatched.length}`, ''].join('\n'),
  );
}

export function registerReportCommands(reconcile: Command): void {
  reconcile
    .command('report')
    .description('Laporan ketidaksesuaian terhadap registri basis / discrepancy report against the base registry (JSON, CSV, HTML)')
    .argument('[config]', 'konfigurasi JSON / JSON configuration: {"base": {...}, "agencies": [{...}]}')
    .requiredOption('--out-dir <dir>', 'direktori keluaran / output directory')
    .option('--demo <persons>', 'pakai data federasi demo / use the demo federation data with this many persons')
    .option('--threshold <p>', `ambang / threshold (default ${DEFAULT_THRESHOLD})`)
    .option('--threads <n>', 'utas DuckDB / DuckDB threads')
    .action(async (config: string | undefined, flags: { outDir: string; demo?: string; threshold?: string; threads?: string }) =>
      guarded(async () => {
        const engine: EngineOptions = flags.threads ? { threads: positiveInteger(flags.threads, '--threads') } : {};
        const threshold = flags.threshold !== undefined ? checkThreshold(Number(flags.threshold)) : undefined;
        const progress = terminalProgress();
        try {
          let report: DiscrepancyReport;
          if (flags.demo) {
            const { generateFederationData } = await import('../demo/data/index.js');
            const { demoAgencyRecords, reconcileAgencies } = await import('./federation.js');
            const { base, others } = demoAgencyRecords(generateFederationData({ persons: positiveInteger(flags.demo, '--demo') }));
            report = await reconcileAgencies(base, others, { engine, progress: progress.listener, ...(threshold ? { threshold } : {}) });
          } else {
            if (!config) throw new SimpulError('reconcile.invalid_option', 'Give a JSON configuration file, or --demo PERSONS.');
            const read = await readReportConfig(config);
            report = await buildDiscrepancyReport(read.base, read.agencies, { engine, progress: progress.listener, ...((threshold ?? read.threshold) ? { threshold: threshold ?? read.threshold } : {}) });
          }
          progress.stop();
          await writeReportFiles(report, flags.outDir);
          printReport(report, flags.outDir);
        } finally {
          progress.stop();
        }
      }),
    );

  reconcile
    .command('generate')
    .description('Buat populasi sintetis untuk uji coba / generate a synthetic Indonesian population (registry and agency files)')
    .requiredOption('--persons <n>', 'jumlah penduduk / residents in the registry')
    .requiredOption('--out-dir <dir>', 'direktori keluaran / output directory')
    .option('--seed <n>', 'benih acak / random seed', '1')
    .action(async (flags: { persons: string; outDir: string; seed: string }) =>
      guarded(async () => {
        const files = await writeSyntheticRegisters(flags.outDir, { persons: positiveInteger(flags.persons, '--persons'), seed: positiveInteger(flags.seed, '--seed') });
        process.stdout.write(
          [
            `${files.registry}: ${files.registryRecords} catatan / records`,
            `${files.agency}: ${files.agencyRecords} catatan / records`,
            'Coba / try:',
            `  simpul reconcile link ${files.registry} ${files.agency} --left-id ${files.registryId} --right-id ${files.agencyId} \\`,
            `    --left-map '${files.registryMap}' \\`,
            `    --right-map '${files.agencyMap}' --one-to-one --out links.csv`,
            '',
          ].join('\n'),
        );
      }),
    );
}
