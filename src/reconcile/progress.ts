/**
 * A progress bar on standard error for long runs: one bar, relabelled with each stage, filled
 * from DuckDB's own query progress. Silent when standard error is not a terminal, so logs and
 * pipes stay clean.
 */
import cliProgress from 'cli-progress';
import type { ProgressListener } from './engine.js';

export interface ProgressBar {
  listener: ProgressListener;
  stop(): void;
}

export function terminalProgress(enabled = process.stderr.isTTY === true): ProgressBar {
  if (!enabled) return { listener: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {percentage}% | {stage}', stream: process.stderr, hideCursor: true, clearOnComplete: true, barsize: 30 },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let current = '';
  return {
    listener(stage, fraction) {
      if (!started) {
        bar.start(100, 0, { stage });
        started = true;
      }
      if (stage !== current) current = stage;
      bar.update(Math.round(fraction * 100), { stage: current });
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
