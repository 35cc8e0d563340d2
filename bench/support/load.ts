/**
 * Load for bench:gateway: closed-loop saturation runs and open-loop paced runs, each asking for
 * the DUKCAPIL persons in turn (`<url>/<nik>`, with Simpul-Subject set when `subject`).
 *
 * Saturation runs use wrk (Debian's `wrk`, C and epoll) when it is installed: on a 2-core machine
 * the load generator shares the cores with what it measures, and autocannon spent about as much
 * CPU per request as the agency system it was loading, so it capped the direct path rather than
 * measuring it. Without wrk they fall back to autocannon and say so. Paced runs use
 * bench/support/paced-load.ts in its own process. See docs/adr/0005-benchmark-load-generators.md.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { PacedLoadOptions, PacedLoadResult } from './paced-load.js';

export interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export interface LoadTarget {
  url: string;
  niks: string[];
  headers: Record<string, string>;
  subject: boolean;
}

export const loadGenerator: 'wrk' | 'autocannon' = spawnSync('wrk', ['-v']).error ? 'autocannon' : 'wrk';

const WRK_SCRIPT = `
local niks = {}
for line in io.lines(os.getenv("WRK_NIKS")) do niks[#niks + 1] = line end
local base = os.getenv("WRK_BASE")
local subject = os.getenv("WRK_SUBJECT") == "1"
local i = math.random(#niks)
request = function()
  i = i % #niks + 1
  if subject then wrk.headers["Simpul-Subject"] = niks[i] end
  return wrk.format(nil, base .. "/" .. niks[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"errors":%d,"non2xx":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
`;

let scratch: string | undefined;
function scratchDir(): string {
  scratch ??= mkdtempSync(join(tmpdir(), 'simpul-load-'));
  return scratch;
}

/** As many requests as `connections` keep-alive connections can complete in `durationS`. */
export async function closedLoad(target: LoadTarget, connections: number, durationS: number): Promise<Load> {
  return loadGenerator === 'wrk' ? wrk(target, connections, durationS) : autocannonLoad(target, connections, durationS);
}

async function wrk(target: LoadTarget, connections: number, durationS: number): Promise<Load> {
  const dir = scratchDir();
  writeFileSync(join(dir, 'niks.txt'), target.niks.join('\n') + '\n');
  writeFileSync(join(dir, 'load.lua'), WRK_SCRIPT);
  const url = new URL(target.url);
  const argv = ['-t', String(Math.min(2, connections)), '-c', String(connections), '-d', `${durationS}s`, '-s', join(dir, 'load.lua')];
  for (const [name, value] of Object.entries(target.headers)) argv.push('-H', `${name}: ${value}`);
  argv.push(url.origin);
  const env = { ...process.env, WRK_NIKS: join(dir, 'niks.txt'), WRK_BASE: url.pathname.replace(/\/$/, ''), WRK_SUBJECT: target.subject ? '1' : '0' };
  const output = await run('wrk', argv, env);
  const line = output.trim().split('\n').pop()!;
  const r = JSON.parse(line) as { requests: number; duration_us: number; p50_us: number; p99_us: number; errors: number; non2xx: number };
  return { rps: r.requests / (r.duration_us / 1e6), p50: r.p50_us / 1000, p99: r.p99_us / 1000, errors: r.errors, non2xx: r.non2xx };
}

async function autocannonLoad(target: LoadTarget, connections: number, durationS: number): Promise<Load> {
  let n = 0;
  const base = new URL(target.url).pathname.replace(/\/$/, '');
  const result = await autocannon({
    url: target.url,
    connections,
    duration: durationS,
    requests: [
      {
        setupRequest: (req: autocannon.Request) => {
          const nik = target.niks[n++ % target.niks.length]!;
          return { ...req, path: `${base}/${nik}`, headers: target.subject ? { ...target.headers, 'simpul-subject': nik } : target.headers };
        },
      },
    ],
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.timeouts, non2xx: result.non2xx };
}

/** `rate` requests a second, evenly spaced, for `durationS` after a one-second warm-up. */
export async function pacedLoad(target: LoadTarget, rate: number, durationS: number): Promise<PacedLoadResult> {
  const options: PacedLoadOptions = { ...target, rate, durationS, warmupS: 1, connections: 64 };
  const output = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'paced-load.ts'), JSON.stringify(options)], process.env);
  return JSON.parse(output.trim().split('\n').pop()!) as PacedLoadResult;
}

function run(command: string, argv: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${command} exited with ${code}: ${stderr.slice(-1000)}`))));
  });
}
