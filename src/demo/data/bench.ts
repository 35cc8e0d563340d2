/**
 * `npm run bench:demo-data [-- --persons N] [-- --json]`: how long the synthetic federation takes
 * to generate, and each agency backend to migrate and seed from it on embedded PGlite. Prints
 * wall-clock and CPU time (the CPU figure is steadier on a shared machine); with --json, the
 * last line is one JSON object.
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { AGENCIES, buildAgencyBackend, openAgencyDatabase } from '../backends/agency-backend.js';
import { generateFederationData } from './generate.js';

const { values } = parseArgs({ options: { persons: { type: 'string', default: '10000' }, runs: { type: 'string', default: '5' }, json: { type: 'boolean', default: false } } });
const persons = Number(values.persons);
const runs = Number(values.runs);

function measure<T>(work: () => T): { result: T; wallMs: number; cpuMs: number } {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = work();
  const used = process.cpuUsage(cpu);
  return { result, wallMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
}
async function measureAsync<T>(work: () => Promise<T>): Promise<{ result: T; wallMs: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = await work();
  const used = process.cpuUsage(cpu);
  return { result, wallMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const round = (x: number) => Math.round(x);

const generations = [];
for (let i = 0; i < runs; i++) {
  generations.push(measure(() => generateFederationData({ persons })));
  process.stderr.write(`generate ${i + 1}/${runs}: ${round(generations[i]!.wallMs)} ms wall, ${round(generations[i]!.cpuMs)} ms CPU\n`);
}
const data = generations[0]!.result;

const seeding: Record<string, { rows: number; wallMs: number; cpuMs: number }> = {};
for (const agency of AGENCIES) {
  const database = await openAgencyDatabase(agency, {});
  const built = await measureAsync(() => buildAgencyBackend(agency, { database, data, logLevel: 'silent' }));
  const rows = { DUKCAPIL: data.persons.length, BPS: data.bps.respondents.length, KEMENKES: data.kemenkes.patients.length, KEMENDIKBUD: data.kemendikbud.students.length, LICENSING: data.licensing.businesses.length }[agency];
  seeding[agency] = { rows, wallMs: round(built.wallMs), cpuMs: round(built.cpuMs) };
  process.stderr.write(`migrate + seed ${agency} (${rows} rows): ${round(built.wallMs)} ms wall, ${round(built.cpuMs)} ms CPU\n`);
  await built.result.app.close();
  await database.close();
}

const result = {
  persons,
  generate_wall_ms: round(median(generations.slice(1).map((g) => g.wallMs))),
  generate_cpu_ms: round(median(generations.slice(1).map((g) => g.cpuMs))),
  generate_first_wall_ms: round(generations[0]!.wallMs),
  seed: seeding,
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '', loadavg1: Number(loadavg()[0]?.toFixed(2)) },
};
if (values.json) console.log(JSON.stringify(result));
else console.log(result);
