/**
 * `simpul events status | dead-letters | replay`: a subscription's position and lag, its dead
 * letters, and replay from a position. Talks to a running subscriber's admin API (`--url`, or
 * the `events.url` of a demo's demo.json under `--data-dir`), or directly to a subscriber's
 * PostgreSQL database (`--database-url` and `--schema`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { openDatabase } from '../core/storage/database.js';
import { listDeadLetters, replaySubscription, subscriptionStatus, type DeadLetter, type ReplayResult, type SubscriptionStatus } from './subscription-store.js';

interface SourceOptions {
  url?: string;
  dataDir?: string;
  databaseUrl?: string;
  schema?: string;
  owner?: string;
  name?: string;
  json?: boolean;
}

type Status = SubscriptionStatus & { owner?: string; running?: boolean };

interface Control {
  status(): Promise<Status[]>;
  deadLetters(all: boolean): Promise<(DeadLetter & { owner?: string })[]>;
  replay(from: number, reapply: boolean): Promise<ReplayResult>;
  close(): Promise<void>;
}

function adminUrl(options: SourceOptions): string | undefined {
  if (options.url) return options.url.replace(/\/$/, '');
  const dir = resolve(options.dataDir ?? '.simpul');
  const manifest = join(dir, 'demo.json');
  if (!existsSync(manifest)) return undefined;
  const url = (JSON.parse(readFileSync(manifest, 'utf8')) as { events?: { url?: string } }).events?.url;
  return url?.replace(/\/$/, '');
}

async function http<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  const body = (await response.json()) as T & { code?: string; detail?: string };
  if (!response.ok) throw new Error(`${response.status} ${body.code ?? ''}: ${body.detail ?? ''}`);
  return body;
}

async function control(options: SourceOptions): Promise<Control> {
  if (options.databaseUrl) {
    if (!options.schema) throw new Error('--schema names the subscriber database schema that holds event_subscription (e.g. backend_bps).');
    const database = await openDatabase({ url: options.databaseUrl, schema: options.schema, poolSize: 2 });
    const name = async () => {
      if (options.name) return options.name;
      const all = await subscriptionStatus(database.db);
      if (all.length !== 1) throw new Error(`This database holds ${all.length} subscriptions; name one with --name (${all.map((s) => s.name).join(', ')}).`);
      return all[0]!.name;
    };
    return {
      status: async () => subscriptionStatus(database.db, options.name),
      deadLetters: async (all) => listDeadLetters(database.db, { subscription: options.name, includeReplayed: all }),
      replay: async (from, reapply) => replaySubscription(database.db, await name(), from, { reapply }),
      close: () => database.close(),
    };
  }
  const base = adminUrl(options);
  if (!base) throw new Error('Tidak tahu di mana pelanggan berjalan / No subscriber to ask: give --url of its admin API, --data-dir of a running demo, or --database-url and --schema.');
  const owner = () => {
    if (!options.owner) throw new Error('--owner names the subscribing agency (e.g. BPS).');
    return encodeURIComponent(options.owner);
  };
  const named = options.name ? `?name=${encodeURIComponent(options.name)}` : '';
  return {
    status: async () => (await http<{ subscriptions: Status[] }>(`${base}/subscriptions`)).subscriptions.filter((s) => !options.owner || s.owner === options.owner),
    deadLetters: async (all) => {
      const statuses = (await http<{ subscriptions: Status[] }>(`${base}/subscriptions`)).subscriptions.filter((s) => !options.owner || s.owner === options.owner);
      const owners = [...new Set(statuses.map((s) => s.owner!))];
      const lists = await Promise.all(owners.map(async (o) => (await http<{ deadLetters: DeadLetter[] }>(`${base}/subscriptions/${encodeURIComponent(o)}/dead-letters?all=${all}`)).deadLetters.map((d) => ({ ...d, owner: o }))));
      return lists.flat();
    },
    replay: async (from, reapply) => http<ReplayResult>(`${base}/subscriptions/${owner()}/replay${named}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from, reapply }) }),
    close: async () => undefined,
  };
}

function sourceOptions(command: Command): Command {
  return command
    .option('--url <url>', 'admin API of the running subscriber (e.g. http://127.0.0.1:4005)')
    .option('--data-dir <dir>', 'a running demo\'s data directory: its demo.json names the admin API', '.simpul')
    .option('--database-url <url>', 'the subscriber\'s PostgreSQL, read directly')
    .option('--schema <schema>', 'with --database-url: the schema of the subscriber\'s tables (e.g. backend_bps)')
    .option('--owner <agency>', 'only this subscribing agency (e.g. BPS)')
    .option('--name <subscription>', 'the subscription, when an agency has several')
    .option('--json', 'print JSON');
}

async function run<T>(options: SourceOptions, work: (c: Control) => Promise<T>): Promise<T> {
  let c: Control;
  try {
    c = await control(options);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  try {
    return await work(c);
  } catch (error) {
    console.error(`Gagal / Failed: ${(error as Error).message}`);
    process.exit(1);
  } finally {
    await c.close();
  }
}

function printStatus(rows: Status[]): void {
  if (rows.length === 0) {
    console.log('Belum ada langganan / No subscriptions.');
    return;
  }
  for (const s of rows) {
    const lag = s.lastLagMs === null ? '–' : `${Math.round(s.lastLagMs)} ms`;
    console.log(`${s.owner ? `${s.owner}  ` : ''}${s.name}${s.running === false ? '  (berhenti / stopped)' : ''}`);
    console.log(`  posisi / position           ${s.position}`);
    console.log(`  kepala penerbit / head      ${s.head}`);
    console.log(`  tertinggal / behind         ${s.behind} peristiwa / events`);
    console.log(`  jeda terakhir / last lag    ${lag}${s.lastAppliedAt ? ` (diterapkan / applied ${s.lastAppliedAt})` : ''}`);
    console.log(`  surat mati / dead letters   ${s.openDeadLetters}`);
    if (s.lastError) console.log(`  galat terakhir / last error ${s.lastError}`);
  }
}

export function register(program: Command): void {
  const events = program.command('events').description('Peristiwa perubahan data antar-instansi / change events between agencies: subscriptions, lag, dead letters, replay');

  sourceOptions(events.command('status').description('Posisi dan jeda langganan / a subscription\'s position and lag')).action(async (options: SourceOptions) => {
    const rows = await run(options, (c) => c.status());
    if (options.json) console.log(JSON.stringify(rows, null, 2));
    else printStatus(rows);
  });

  sourceOptions(events.command('dead-letters').description('Peristiwa yang gagal diterapkan / events that kept failing, and those held behind them'))
    .option('--all', 'include dead letters already replayed')
    .action(async (options: SourceOptions & { all?: boolean }) => {
      const rows = await run(options, (c) => c.deadLetters(options.all ?? false));
      if (options.json) {
        console.log(JSON.stringify(rows, null, 2));
        return;
      }
      if (rows.length === 0) console.log('Tidak ada surat mati / No dead letters.');
      for (const d of rows) {
        console.log(`${d.owner ? `${d.owner}  ` : ''}#${d.position}  ${d.type}  subjek/subject ${d.subject}  ${d.state}  percobaan/attempts ${d.attempts}  ${d.createdAt}`);
        console.log(`  ${d.reason}`);
      }
    });

  sourceOptions(events.command('replay').description('Baca ulang dari posisi / read again from a position'))
    .requiredOption('--from <position>', 'first position to read again (1 = from the start)')
    .option('--reapply', 'apply events again even if already applied (forget their ids from this position on)')
    .action(async (options: SourceOptions & { from: string; reapply?: boolean }) => {
      const from = Number(options.from);
      if (!Number.isSafeInteger(from) || from < 1) throw new Error('--from is a position of 1 or more.');
      const result = await run(options, (c) => c.replay(from, options.reapply ?? false));
      if (options.json) console.log(JSON.stringify(result, null, 2));
      else console.log(`${result.subscription}: dibaca ulang setelah posisi / reading again after position ${result.position}; surat mati dibuka ulang / dead letters reopened: ${result.reopened}; dilupakan / forgotten: ${result.forgotten}`);
    });
}
