/**
 * The SQL engine blocking and comparison run on: an in-process DuckDB (ADR 0030). One engine
 * holds one run's tables; it spills to a temporary directory when a run outgrows the memory
 * limit, so the limit is a ceiling rather than a failure point.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { normalizationMacros } from './normalize-sql.js';

/** `SIMPUL_RECONCILE_TRACE=1` prints how long each stage took, for tuning. */
const TRACE = process.env.SIMPUL_RECONCILE_TRACE === '1';

export interface EngineOptions {
  /** Worker threads DuckDB may use; all cores by default. */
  threads?: number;
  /** DuckDB memory limit such as `6GB`; DuckDB's default (80% of RAM) when absent. */
  memoryLimit?: string;
}

/** Reports the progress of the query that is running, 0..1, and the stage it belongs to. */
export type ProgressListener = (stage: string, fraction: number) => void;

export class Engine {
  readonly #instance: DuckDBInstance;
  readonly #connection: DuckDBConnection;
  readonly #spillDir: string;
  #listener: ProgressListener | undefined;

  private constructor(instance: DuckDBInstance, connection: DuckDBConnection, spillDir: string) {
    this.#instance = instance;
    this.#connection = connection;
    this.#spillDir = spillDir;
  }

  static async open(options: EngineOptions = {}): Promise<Engine> {
    const spillDir = mkdtempSync(join(tmpdir(), 'simpul-reconcile-'));
    const config: Record<string, string> = { temp_directory: spillDir, preserve_insertion_order: 'false' };
    if (options.threads) config.threads = String(options.threads);
    if (options.memoryLimit) config.memory_limit = options.memoryLimit;
    const instance = await DuckDBInstance.create(':memory:', config);
    const connection = await instance.connect();
    const engine = new Engine(instance, connection, spillDir);
    for (const statement of normalizationMacros()) await engine.run(statement);
    return engine;
  }

  onProgress(listener: ProgressListener | undefined): void {
    this.#listener = listener;
  }

  /** Runs a statement; while it runs, the progress listener hears about it under `stage`. */
  async run(sql: string, stage?: string): Promise<void> {
    await this.#tracked(stage, () => this.#connection.run(sql));
  }

  /** Runs a query and returns its rows as plain objects (BIGINT as bigint). */
  async rows<T extends Record<string, unknown>>(sql: string, stage?: string): Promise<T[]> {
    const reader = await this.#tracked(stage, () => this.#connection.runAndReadAll(sql));
    return reader.getRowObjectsJS() as T[];
  }

  /** Runs a query and returns its columns; cheaper than rows for large results. */
  async columns<T extends Record<string, unknown[]>>(sql: string, stage?: string): Promise<T> {
    const reader = await this.#tracked(stage, () => this.#connection.runAndReadAll(sql));
    return reader.getColumnsObjectJS() as T;
  }

  /** The single value of a one-row, one-column query, as a number. */
  async number(sql: string): Promise<number> {
    const reader = await this.#connection.runAndReadAll(sql);
    const value = reader.getRowsJS()[0]?.[0];
    return value === null || value === undefined ? 0 : Number(value);
  }

  async #tracked<R>(stage: string | undefined, work: () => Promise<R>): Promise<R> {
    const listener = this.#listener;
    if (TRACE && stage) {
      const started = performance.now();
      const cpu = process.cpuUsage();
      try {
        return await this.#tracked(undefined, work);
      } finally {
        const used = process.cpuUsage(cpu);
        process.stderr.write(`[reconcile] ${stage}: ${((performance.now() - started) / 1000).toFixed(2)} s, CPU ${((used.user + used.system) / 1e6).toFixed(2)} s\n`);
      }
    }
    if (!listener || !stage) return work();
    listener(stage, 0);
    const timer = setInterval(() => {
      const progress = this.#connection.progress;
      if (progress.percentage >= 0) listener(stage, Math.min(progress.percentage / 100, 0.99));
    }, 200);
    try {
      return await work();
    } finally {
      clearInterval(timer);
      listener(stage, 1);
    }
  }

  close(): void {
    this.#connection.closeSync();
    this.#instance.closeSync();
    rmSync(this.#spillDir, { recursive: true, force: true });
  }
}
