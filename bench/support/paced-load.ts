/**
 * An open-loop load generator at a steady rate, run as its own process by bench/support/load.ts.
 * Argument: one JSON object (PacedLoadOptions); prints one JSON line (PacedLoadResult).
 *
 * Why not autocannon's `overallRate`: it releases each second's quota in a burst at the start
 * of the second and then records latencies with a 1 ms "expected interval", so a p99 measured
 * that way is the queue of its own burst. Request i here is due at start + i/rate and its
 * latency counts from that due time, so a generator or a server that falls behind is charged
 * for it (no coordinated omission). See docs/adr/0005-benchmark-load-generators.md.
 */
import { performance } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import { Pool } from 'undici';

export interface PacedLoadOptions {
  url: string;
  niks: string[];
  rate: number;
  durationS: number;
  warmupS: number;
  connections: number;
  headers: Record<string, string>;
  /** Send Simpul-Subject: <the NIK asked for> with each request. */
  subject: boolean;
}

export interface PacedLoadResult {
  sent: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  errors: number;
  non2xx: number;
}

const options = JSON.parse(process.argv[2]!) as PacedLoadOptions;
const target = new URL(options.url);
const base = target.pathname.replace(/\/$/, '');
const pool = new Pool(target.origin, { connections: options.connections, pipelining: 1 });
const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });

const interval = 1000 / options.rate;
const warmup = Math.floor(options.rate * options.warmupS);
const total = warmup + Math.floor(options.rate * options.durationS);
let sent = 0;
let finished = 0;
let errors = 0;
let non2xx = 0;
let measuredStart = 0;
let measuredEnd = 0;
const start = performance.now();

function fire(index: number, due: number): void {
  const nik = options.niks[index % options.niks.length]!;
  const headers = options.subject ? { ...options.headers, 'simpul-subject': nik } : options.headers;
  pool.request({ path: `${base}/${nik}`, method: 'GET', headers }).then(
    async (response) => {
      await response.body.dump();
      settle(index, due, response.statusCode >= 200 && response.statusCode < 300 ? null : 'status');
    },
    () => settle(index, due, 'error'),
  );
}

function settle(index: number, due: number, failure: 'status' | 'error' | null): void {
  const now = performance.now();
  if (index >= warmup) {
    histogram.recordValue(Math.max(1, Math.round((now - due) * 1000)));
    if (failure === 'status') non2xx++;
    if (failure === 'error') errors++;
    measuredEnd = now;
  }
  if (++finished === total) finish();
}

function tick(): void {
  const now = performance.now();
  const due = Math.min(total, Math.floor((now - start) / interval) + 1);
  while (sent < due) {
    if (sent === warmup) measuredStart = start + sent * interval;
    fire(sent, start + sent * interval);
    sent++;
  }
  if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
}

function finish(): void {
  const measured = total - warmup;
  const result: PacedLoadResult = {
    sent: measured,
    rps: measured / ((measuredEnd - measuredStart) / 1000),
    p50: histogram.getValueAtPercentile(50) / 1000,
    p90: histogram.getValueAtPercentile(90) / 1000,
    p99: histogram.getValueAtPercentile(99) / 1000,
    errors,
    non2xx,
  };
  console.log(JSON.stringify(result));
  void pool.close().then(() => process.exit(0));
}

tick();
