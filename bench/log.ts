/**
 * `npm run bench:log [-- --json] [--leaves N] [--batch B] [--url postgres://…]`
 *
 * 1. Sustained appends: N leaves (default 1,000,000) appended in transactions of B leaves
 *    (default 500), as a gateway's group commit would, on a durable database (PGlite in a data
 *    directory, or PostgreSQL with --url / DATABASE_URL), while the checkpointer signs a
 *    checkpoint every second.
 * 2. Inclusion proof latency at that size: from storage (cold) and from the strip cache (warm),
 *    and through the HTTP API.
 * 3. Full verification: from the database (`simpul log fsck`'s code), and through the public
 *    HTTP API on 127.0.0.1 served by a separate gateway process (`simpul log verify`'s code):
 *    every entry fetched, every hash recomputed and compared.
 * With --json the last line is a JSON object with appends_per_s, inclusion_proof_ms, verify_1m_s.
 *
 * Every phase also reports CPU seconds (process.cpuUsage of this process, /proc of the serving
 * process and, on PostgreSQL, of the server backends of this benchmark's connections): on a
 * shared machine wall-clock time mostly measures the neighbours, CPU time much less so.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { generateSigningKey } from '../src/core/crypto.js';
import { createHttpApp, listen } from '../src/core/http/app.js';
import { openDatabase } from '../src/core/storage/database.js';
import { Checkpointer } from '../src/log/checkpointer.js';
import { fsck } from '../src/log/fsck.js';
import { encodeExchangeLeaf } from '../src/log/leaf.js';
import { migrateLog } from '../src/log/migrations.js';
import { registerLogRoutes } from '../src/log/routes.js';
import { LogStore, appendLeaves, type AnyDb } from '../src/log/store.js';
import { sampleRecord } from '../src/log/testing.js';
import { verifyLog } from '../src/log/verify.js';
import { cpuSeconds } from './support/processes.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const json = args.includes('--json');
const serve = flag('serve');
const leaves = Number(flag('leaves') ?? 1_000_000);
const batch = Number(flag('batch') ?? 500);
const givenUrl = flag('url') ?? process.env.DATABASE_URL;
// Named connections, so that the PostgreSQL backends doing this benchmark's work can be found.
const APPLICATION = `simpul-bench-log-${process.pid}`;
const url = givenUrl ? `${givenUrl}${givenUrl.includes('?') ? '&' : '?'}application_name=${APPLICATION}` : undefined;
const say = (line: string): void => {
  if (json) console.error(line);
  else console.log(line);
};

// Serve mode: the gateway side of the verification, in its own process as in real life.
if (serve) {
  const { dataDir, url: serverUrl, schema: serverSchema, key } = JSON.parse(serve) as { dataDir?: string; url?: string; schema: string; key: string };
  const served = await openDatabase<unknown>(serverUrl ? { url: serverUrl, schema: serverSchema, poolSize: 4 } : { dataDir, schema: serverSchema });
  const app = await createHttpApp({ title: 'bench gateway', logLevel: 'silent' });
  const servedStore = new LogStore(served.db as AnyDb, { cacheBytes: 256 * 1024 * 1024 });
  await servedStore.warm(); // as a gateway does at start-up
  await registerLogRoutes(app, { store: servedStore, verifierKey: key });
  console.log(await listen(app, 0));
  process.on('SIGTERM', () => void app.close().then(() => served.close()).then(() => process.exit(0)));
  await new Promise(() => undefined);
}

const ownCpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
// CPU of this benchmark's PostgreSQL backends, from a monitoring connection of its own. A
// backend whose connection closed during a phase is missed (pools keep theirs open meanwhile).
const monitor = givenUrl ? await openDatabase<unknown>({ url: givenUrl, schema: 'public', poolSize: 1 }) : undefined;
const backendCpu = async (): Promise<Map<number, number>> => {
  const cpu = new Map<number, number>();
  if (!monitor) return cpu;
  const rows = await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity WHERE application_name = ${APPLICATION}`.execute(monitor.db);
  for (const { pid } of rows.rows) cpu.set(pid, cpuSeconds(pid) ?? 0);
  return cpu;
};
/** Starts a CPU meter; its result is [this process, other processes (server, database)] seconds. */
const meter = async (otherPid?: number) => {
  const own = ownCpu();
  const other = otherPid === undefined ? 0 : cpuSeconds(otherPid) ?? 0;
  const backends = await backendCpu();
  return async (): Promise<[number, number]> => {
    let others = otherPid === undefined ? 0 : (cpuSeconds(otherPid) ?? other) - other;
    for (const [pid, seconds] of await backendCpu()) others += seconds - (backends.get(pid) ?? 0);
    return [ownCpu() - own, others];
  };
};
const cpuText = ([own, other]: [number, number], whatOwn: string, whatOther: string): string =>
  `CPU ${whatOwn} ${own.toFixed(1)} s${other > 0 ? `, ${whatOther} ${other.toFixed(1)} s` : ''}`;

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const round = (n: number, digits = 3): number => Number(n.toFixed(digits));

const dir = mkdtempSync(join(tmpdir(), 'simpul-bench-log-'));
const schema = url ? `bench_log_${process.pid}` : 'gateway';
const database = await openDatabase<unknown>(url ? { url, schema, poolSize: 4 } : { dataDir: join(dir, 'db'), schema });
const db = database.db as AnyDb;
await migrateLog(db, schema);
const store = new LogStore(db, { cacheBytes: 256 * 1024 * 1024 });
const checkpointer = new Checkpointer({ store, key: generateSigningKey(), origin: 'simpul.go.id/ID/GOV/BENCH/gw1', onError: (e) => say(`checkpoint failed: ${String(e)}`) });

say(`machine: ${cpus()[0]?.model ?? '?'} × ${cpus().length}, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
say(`storage: ${url ? 'PostgreSQL' : 'PGlite (data directory)'}; ${leaves.toLocaleString('en')} leaves in transactions of ${batch}`);

// Leaves as a gateway writes them: a pool of encoded records, each use given a fresh exchange id.
const pool = Array.from({ length: 1000 }, (_, i) => encodeExchangeLeaf(sampleRecord(i)));
const entry = (n: number): { exchangeId: string; leaf: Buffer } => {
  const id = randomUUID();
  const leaf = Buffer.from(pool[n % pool.length]!);
  Buffer.from(id.replaceAll('-', ''), 'hex').copy(leaf, 1);
  return { exchangeId: id, leaf };
};

// 1. Sustained appends with checkpointing on.
checkpointer.start();
const appendCpu = await meter();
const t0 = performance.now();
let lastReport = t0;
for (let done = 0; done < leaves; done += batch) {
  const n = Math.min(batch, leaves - done);
  const entries = Array.from({ length: n }, (_, i) => entry(done + i));
  await db.transaction().execute((trx) => appendLeaves(trx, entries));
  // A gateway's commit loop waits for requests between batches; PGlite answers without
  // returning to the event loop, so a loop that only awaited it would starve the checkpointer.
  await new Promise((resolve) => setImmediate(resolve));
  if (performance.now() - lastReport > 10_000) {
    lastReport = performance.now();
    say(`  ${(done + n).toLocaleString('en')} leaves, ${Math.round((done + n) / ((lastReport - t0) / 1000)).toLocaleString('en')}/s`);
  }
}
const appendSeconds = (performance.now() - t0) / 1000;
const appendCpuSeconds = await appendCpu();
await checkpointer.stop();
const final = await checkpointer.signNow();
const checkpoints = Number((await db.selectFrom('log_checkpoint').select(db.fn.countAll().as('n')).executeTakeFirst())?.n ?? 0);
const appendsPerSecond = leaves / appendSeconds;
say(`appends: ${Math.round(appendsPerSecond).toLocaleString('en')}/s sustained (${appendSeconds.toFixed(1)} s, ${checkpoints} checkpoints signed meanwhile); ${cpuText(appendCpuSeconds, 'bench process (PGlite included)', 'PostgreSQL backends')}: ${((appendCpuSeconds[0] + appendCpuSeconds[1]) * 1e6 / leaves).toFixed(1)} µs per leaf`);

// 2. Inclusion proofs at the final size.
const size = (await store.head()).size;
const cold: number[] = [];
const coldStore = new LogStore(db, { cacheBytes: 0 });
for (let i = 0; i < 300; i++) {
  const index = Math.floor(Math.random() * size);
  const s = performance.now();
  await coldStore.inclusionProof(index, size);
  cold.push(performance.now() - s);
}
// Warm: the strips loaded into the cache (as a gateway does at start-up with LogStore.warm).
const warmedBytes = await store.warm();
say(`cache warmed with ${(warmedBytes / 1024 / 1024).toFixed(1)} MiB of hash strips`);
const warm: number[] = [];
for (let i = 0; i < 5000; i++) {
  const index = Math.floor(Math.random() * size);
  const s = performance.now();
  await store.inclusionProof(index, size);
  warm.push(performance.now() - s);
}
cold.sort((a, b) => a - b);
warm.sort((a, b) => a - b);
say(`inclusion proof at ${size.toLocaleString('en')} leaves: warm p50 ${warm[warm.length >> 1]!.toFixed(3)} ms, p99 ${percentile(warm, 0.99).toFixed(3)} ms; from storage p50 ${cold[cold.length >> 1]!.toFixed(3)} ms, p99 ${percentile(cold, 0.99).toFixed(3)} ms`);

// The gateway serves its log from its own process (PGlite's data directory is single-user).
const fsckCpu = await meter();
const fsckStart = performance.now();
const fsckReport = await fsck({ db });
const fsckSeconds = (performance.now() - fsckStart) / 1000;
const fsckCpuSeconds = await fsckCpu();
if (fsckReport.problemCount > 0) throw new Error(`fsck found problems: ${fsckReport.problems.join('; ')}`);
say(`fsck of ${size.toLocaleString('en')} leaves from the database: ${fsckSeconds.toFixed(1)} s; ${cpuText(fsckCpuSeconds, 'fsck', 'PostgreSQL backends')}`);
await database.close();
const server = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', JSON.stringify({ dataDir: join(dir, 'db'), url, schema, key: checkpointer.verifierKey })], { stdio: ['ignore', 'pipe', 'inherit'] });
const base = await new Promise<string>((resolve, reject) => {
  server.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
  server.once('exit', (code) => reject(new Error(`the log server exited with ${code}`)));
});
const http: number[] = [];
for (let i = 0; i < 1000; i++) {
  const index = Math.floor(Math.random() * size);
  const s = performance.now();
  const r = await fetch(`${base}/log/proof/inclusion?index=${index}&size=${size}`);
  await r.arrayBuffer();
  http.push(performance.now() - s);
}
http.sort((a, b) => a - b);
say(`inclusion proof over HTTP (127.0.0.1, keep-alive): p50 ${http[http.length >> 1]!.toFixed(3)} ms, p99 ${percentile(http, 0.99).toFixed(3)} ms`);

// 3. Full verification through the public API.
const verifyCpu = await meter(server.pid);
const v0 = performance.now();
const verified = await verifyLog({ gateway: base, key: checkpointer.verifierKey, witnesses: [], quorum: 0 });
const verifySeconds = (performance.now() - v0) / 1000;
const verifyCpuSeconds = await verifyCpu();
if (verified.checkpoint.size !== size || !verified.checkpoint.root.equals(final?.checkpoint.root ?? verified.checkpoint.root)) throw new Error('verification checked another tree');
say(`full verification of ${size.toLocaleString('en')} leaves over HTTP: ${verifySeconds.toFixed(1)} s; ${cpuText(verifyCpuSeconds, 'verifier', 'gateway process (and its PostgreSQL backends)')}`);

server.kill('SIGTERM');
await new Promise((resolve) => server.once('exit', resolve));
await monitor?.close();
if (url) {
  const cleanup = await openDatabase<unknown>({ url, schema });
  await cleanup.db.schema.dropSchema(schema).cascade().execute();
  await cleanup.close();
}
rmSync(dir, { recursive: true, force: true });

if (json) {
  console.log(JSON.stringify({
    storage: url ? 'postgres' : 'pglite',
    leaves: size,
    batch,
    appends_per_s: Math.round(appendsPerSecond),
    checkpoints_signed: checkpoints,
    inclusion_proof_ms: round(warm[warm.length >> 1]!),
    inclusion_proof_p99_ms: round(percentile(warm, 0.99)),
    inclusion_proof_storage_ms: round(cold[cold.length >> 1]!),
    inclusion_proof_http_ms: round(http[http.length >> 1]!),
    verify_1m_s: round(verifySeconds * (1_000_000 / size), 2),
    verify_s: round(verifySeconds, 2),
    fsck_1m_s: round(fsckSeconds * (1_000_000 / size), 2),
    append_cpu_us_per_leaf: round((appendCpuSeconds[0] + appendCpuSeconds[1]) * 1e6 / leaves, 1),
    append_db_cpu_s: round(appendCpuSeconds[1], 2),
    verify_cpu_s: round(verifyCpuSeconds[0], 2),
    verify_server_cpu_s: round(verifyCpuSeconds[1], 2),
    verify_1m_cpu_s: round((verifyCpuSeconds[0] + verifyCpuSeconds[1]) * (1_000_000 / size), 2),
    fsck_cpu_s: round(fsckCpuSeconds[0] + fsckCpuSeconds[1], 2),
    load_average: loadavg()[0],
  }));
}
