/**
 * The demo's DUKCAPIL agency system as its own process, for bench:gateway. Prints one JSON
 * line `{ url, niks }` when it answers: the NIKs are the persons the load will ask for.
 */
import { generateFederationData } from '../../src/demo/data/index.js';
import { openAgencyDatabase, startAgencyBackend } from '../../src/demo/backends/agency-backend.js';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const data = generateFederationData();
const database = await openAgencyDatabase('DUKCAPIL', { dataDir: arg('data-dir'), url: arg('database-url') });
const backend = await startAgencyBackend('DUKCAPIL', { database, data, port: Number(arg('port') ?? 0), logLevel: 'warn' });
const niks = data.persons.filter((_, i) => i % 7 === 0).slice(0, 1000).map((p) => p.nik);
console.log(JSON.stringify({ url: backend.url, niks }));
const stop = async () => {
  await backend.close();
  await database.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
