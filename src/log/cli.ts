/**
 * `simpul log …`: audit a gateway's exchange log from outside (verify), check a receipt
 * offline (verify-receipt), and check a gateway's own database (fsck). Messages are in
 * Bahasa Indonesia first, English second; any failure exits non-zero with one clear line.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { openDatabase } from '../core/storage/database.js';
import { fsck } from './fsck.js';
import { verifyReceipt } from './receipt.js';
import { verifyLog, type VerifyState } from './verify.js';

function progressBar(label: string): { update(done: number, total: number): void; stop(): void } {
  if (process.stderr.isTTY !== true) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format: ` ${label} {bar} {percentage}% | {value}/{total} | ETA {eta_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: true, barsize: 30 },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function run<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (error) {
      console.error(`GAGAL / FAILED: ${(error as Error).message}`);
      process.exitCode = 1;
    }
  };
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function readState(file: string | undefined): VerifyState | undefined {
  if (!file || !existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as VerifyState;
  } catch (error) {
    throw new Error(`Berkas status tidak terbaca / Cannot read the state file ${file}: ${(error as Error).message}`);
  }
}

function writeState(file: string, state: VerifyState): void {
  // Write then rename, so an interrupted run never leaves a half-written state.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

interface VerifyFlags {
  gateway: string;
  state?: string;
  key?: string;
  witness?: string[];
  quorum?: string;
  gzip?: boolean;
}

interface ReceiptFlags {
  key: string;
  witness?: string[];
  quorum?: string;
}

interface FsckFlags {
  databaseUrl?: string;
  dataDir?: string;
  schema: string;
  key?: string;
}

function quorumOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--quorum harus bilangan bulat ≥ 0 / --quorum must be a whole number ≥ 0, got ${text}`);
  return n;
}

export function register(program: Command): void {
  const log = program.command('log').description('Log pertukaran yang dapat diverifikasi / The verifiable exchange log');

  log
    .command('verify')
    .description('Audit the whole log of a gateway: every entry, every stored hash, the checkpoint signature and cosignatures, and consistency with the last run')
    .requiredOption('--gateway <url>', 'base URL of the gateway whose /log API to audit')
    .option('--state <file>', 'JSON file holding the checkpoint verified at the last run; updated after success')
    .option('--key <vkey>', "the log's verifier key (name+hash+base64); default: the state file's, else the gateway's /log/key")
    .option('--witness <vkey>', 'a trusted witness verifier key (repeatable); default: the state file\'s, else /log/witnesses', collect)
    .option('--quorum <n>', 'witness cosignatures required')
    .option('--gzip', 'ask for gzip-compressed entry bundles (for slow links)')
    .action(run(async (flags: VerifyFlags) => {
      const state = readState(flags.state);
      const bar = progressBar('verifikasi/verify');
      const started = performance.now();
      let result;
      try {
        result = await verifyLog({
          gateway: flags.gateway,
          ...(flags.key ? { key: flags.key } : {}),
          ...(flags.witness ? { witnesses: flags.witness } : {}),
          ...(quorumOf(flags.quorum) !== undefined ? { quorum: quorumOf(flags.quorum)! } : {}),
          ...(state ? { state } : {}),
          ...(flags.gzip ? { gzip: true } : {}),
          onProgress: (done, total) => bar.update(done, total),
        });
      } finally {
        bar.stop();
      }
      if (!flags.key && !state) console.error('Peringatan / Warning: the log key came from the gateway itself (trust on first use); pass --key from the global configuration to anchor it.');
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const { checkpoint, cosignatures } = result;
      console.log(`OK: log ${checkpoint.origin} terverifikasi / verified: ${checkpoint.size} entri/entries, akar/root ${checkpoint.root.toString('base64')} (${seconds} s)`);
      console.log(`   kosignatur saksi / witness cosignatures: ${cosignatures.map((c) => c.name).join(', ') || '-'}`);
      if (state) console.log(`   konsisten dengan verifikasi sebelumnya / consistent with the previous run at size ${state.size}`);
      if (flags.state) writeState(flags.state, result.state);
    }));

  log
    .command('verify-receipt')
    .description('Verify a receipt (C2SP tlog-proof) offline against the log key and witness keys')
    .argument('<file>', 'the receipt file')
    .requiredOption('--key <vkey>', "the log's verifier key (name+hash+base64)")
    .option('--witness <vkey>', 'a trusted witness verifier key (repeatable)', collect)
    .option('--quorum <n>', 'witness cosignatures required (default: all --witness keys given)')
    .action(run(async (file: string, flags: ReceiptFlags) => {
      const witnesses = flags.witness ?? [];
      const verified = verifyReceipt(readFileSync(file, 'utf8'), { log: flags.key, witnesses, quorum: quorumOf(flags.quorum) ?? witnesses.length });
      const r = verified.record;
      console.log(`OK: bukti terverifikasi / receipt verified: entri/entry ${verified.index} of ${verified.checkpoint.checkpoint.origin} (size ${verified.checkpoint.checkpoint.size})`);
      console.log(`   pertukaran/exchange ${r.id}  ${new Date(r.time).toISOString()}  ${r.side}`);
      console.log(`   ${r.client} -> ${r.service}  tujuan/purpose ${r.purpose ?? '-'}  dasar hukum/legal basis ${r.legalBasis ?? '-'}`);
      console.log(`   hasil/outcome ${r.outcome} (${r.status}${r.code ? ` ${r.code}` : ''})`);
      console.log(`   kosignatur saksi / witness cosignatures: ${verified.checkpoint.cosignatures.map((c) => c.name).join(', ') || '-'}`);
    }));

  log
    .command('fsck')
    .description("Recompute a gateway's log from its stored leaves and check every stored hash, checkpoint and cosignature")
    .option('--database-url <url>', 'PostgreSQL connection URL of the gateway')
    .option('--data-dir <dir>', 'PGlite data directory of the gateway')
    .requiredOption('--schema <name>', "the gateway's schema")
    .option('--key <vkey>', "the log's verifier key (default: the one recorded with its checkpoints)")
    .action(run(async (flags: FsckFlags) => {
      if (!flags.databaseUrl === !flags.dataDir) throw new Error('Berikan tepat satu dari --database-url atau --data-dir / Give exactly one of --database-url or --data-dir');
      const database = await openDatabase<unknown>({ url: flags.databaseUrl, dataDir: flags.dataDir, schema: flags.schema, poolSize: 2 });
      const bar = progressBar('fsck');
      try {
        const report = await fsck({ db: database.db as never, ...(flags.key ? { key: flags.key } : {}), onProgress: (done, total) => bar.update(done, total) });
        bar.stop();
        if (report.problemCount > 0) {
          for (const p of report.problems) console.error(`  - ${p}`);
          throw new Error(`${report.problemCount} masalah ditemukan / problem(s) found in the log of schema ${flags.schema} (${report.size} entries)`);
        }
        console.log(`OK: log utuh / log intact: ${report.size} entri/entries, ${report.checkpoints} checkpoint, ${report.cosignatures} kosignatur/cosignatures`);
      } finally {
        bar.stop();
        await database.close();
      }
    }));
}
