/**
 * `simpul portal accounts | unlock | activation-code | pending`: the citizen portal's operator
 * tools. They work on the portal's own database and key file: `--data-dir` of a demo (PGlite
 * under <dir>/portal/db: stop the demo first, an embedded database has one user at a time) or
 * `--database-url` of its PostgreSQL (schema `portal`) with the key file from `--keys`.
 */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseMemberId } from '../core/ids.js';
import { openDatabase, type Database } from '../core/storage/database.js';
import { migrate } from '../core/storage/migrate.js';
import { FileOutbox } from './auth/activation-channel.js';
import { DEFAULT_THROTTLE } from './auth/sign-in.js';
import { DEFAULT_SIGN_UP_POLICY } from './auth/sign-up.js';
import type { PortalContext } from './context.js';
import { loadOrCreatePortalKeys } from './keys.js';
import { listAccounts, pendingWork, reissueActivationCode, unlockAccount } from './operators.js';
import { portalMigrations, type PortalTables } from './storage/schema.js';
import type { AccountKind } from './storage/schema.js';

interface SourceOptions {
  dataDir: string;
  databaseUrl?: string;
  schema: string;
  keys?: string;
  json?: boolean;
}

function source(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'the demo\'s data directory (portal database and keys under <dir>/portal/)', '.simpul')
    .option('--database-url <url>', 'the portal\'s PostgreSQL instead of the embedded database')
    .option('--schema <schema>', 'the portal\'s schema', 'portal')
    .option('--keys <file>', 'the portal\'s key file (default <data-dir>/portal/keys.json)')
    .option('--json', 'print JSON');
}

function operator(): string {
  return process.env.SIMPUL_OPERATOR ?? userInfo().username;
}

async function withPortal<T>(options: SourceOptions, work: (ctx: PortalContext) => Promise<T>): Promise<T> {
  const dir = resolve(options.dataDir);
  const keysFile = options.keys ?? join(dir, 'portal', 'keys.json');
  // The key file is never created here: new keys would make every sealed value unreadable.
  if (!existsSync(keysFile)) {
    console.error(`Berkas kunci portal tidak ada / No portal key file at ${keysFile} (give --data-dir or --keys).`);
    process.exit(2);
  }
  const dbDir = join(dir, 'portal', 'db');
  if (!options.databaseUrl && !existsSync(dbDir)) {
    console.error(`Basis data portal tidak ada / No portal database at ${dbDir} (give --data-dir or --database-url).`);
    process.exit(2);
  }
  let database: Database<PortalTables> | undefined;
  try {
    database = (await openDatabase({ url: options.databaseUrl, dataDir: options.databaseUrl ? undefined : dbDir, schema: options.schema, poolSize: 2 })) as Database<PortalTables>;
    await migrate(database.db as never, database.schema, portalMigrations, 'portal');
    return await work({ db: database.db, keys: loadOrCreatePortalKeys(keysFile), now: () => new Date() });
  } catch (error) {
    console.error(`Gagal / Failed: ${(error as Error).message}`);
    return process.exit(1);
  } finally {
    await database?.close();
  }
}

const yes = (b: boolean) => (b ? 'ya' : 'tidak');

export function register(program: Command): void {
  const portal = program.command('portal').description('Portal warga: akun, aktivasi, pekerjaan tertunda / citizen portal operators: accounts, activation, pending work');

  source(portal.command('accounts').description('Daftar akun dan keadaannya / accounts and their state (masked NIK, factors, throttling)'))
    .option('--kind <kind>', 'citizen, officer or agency_staff')
    .option('--locked', 'only accounts throttled after failed attempts')
    .option('--inactive', 'only self-registered accounts awaiting activation')
    .action(async (options: SourceOptions & { kind?: AccountKind; locked?: boolean; inactive?: boolean }) => {
      const rows = await withPortal(options, (ctx) => listAccounts(ctx, DEFAULT_THROTTLE, {
        ...(options.kind ? { kind: options.kind } : {}), ...(options.locked ? { locked: true } : {}), ...(options.inactive ? { inactive: true } : {}),
      }));
      if (options.json) return console.log(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return console.log('Tidak ada akun / No accounts.');
      for (const a of rows) {
        const state = [!a.activated ? 'MENUNGGU AKTIVASI / awaiting activation' : '', a.lockedForSeconds > 0 ? `TERKUNCI ${Math.ceil(a.lockedForSeconds / 60)} menit / locked` : ''].filter(Boolean).join(', ');
        console.log(`${(a.nikMasked ?? a.agency ?? '-').padEnd(18)} ${a.kind.padEnd(13)} ${a.name}${state ? `  [${state}]` : ''}`);
        console.log(`  TOTP ${yes(a.totp)} · passkey ${a.passkeys} · masuk terakhir / last sign-in ${a.lastSignIn ?? '-'} · dibuat / created ${a.createdAt}`);
      }
    });

  source(portal.command('unlock').description('Buka kunci akun setelah identitas diperiksa / let a throttled account try again after an identity check').argument('<login>', 'NIK or staff user name'))
    .action(async (login: string, options: SourceOptions) => {
      const { accountId } = await withPortal(options, (ctx) => unlockAccount(ctx, login, operator()));
      if (options.json) return console.log(JSON.stringify({ accountId, unlocked: true }));
      console.log(`Akun dibuka / account unlocked: ${accountId} (dicatat atas nama / recorded as ${operator()})`);
    });

  source(portal.command('activation-code').description('Kirim ulang kode aktivasi lewat saluran aktivasi / re-issue an activation code through the activation channel').argument('<nik>', 'NIK of the self-registered account'))
    .option('--outbox <file>', 'the activation channel: the demo outbox file (default <data-dir>/portal/outbox.jsonl)')
    .action(async (nik: string, options: SourceOptions & { outbox?: string }) => {
      const channel = new FileOutbox(options.outbox ?? join(resolve(options.dataDir), 'portal', 'outbox.jsonl'));
      const { accountId, expiresAt } = await withPortal(options, (ctx) => reissueActivationCode({ ctx, channel, policy: DEFAULT_SIGN_UP_POLICY }, nik, operator()));
      if (options.json) return console.log(JSON.stringify({ accountId, expiresAt: expiresAt.toISOString(), channel: channel.description }));
      console.log(`Kode baru dikirim / new code sent through ${channel.description}; berlaku sampai / valid until ${expiresAt.toISOString()}`);
    });

  source(portal.command('pending').description('Permohonan dan pengaduan yang menunggu instansi / applications and complaints waiting on an agency, with deadlines'))
    .option('--agency <member>', 'only this agency, e.g. ID/GOV/DUKCAPIL')
    .action(async (options: SourceOptions & { agency?: string }) => {
      const agency = options.agency ? parseMemberId(options.agency) : undefined;
      const work = await withPortal(options, (ctx) => pendingWork(ctx, agency ? { agency } : {}));
      if (options.json) return console.log(JSON.stringify(work, null, 2));
      console.log(`Permohonan berjalan / applications in progress: ${work.applications.length}`);
      for (const a of work.applications) {
        const s = a.step;
        console.log(`  ${a.id}  ${a.kind}  ${s ? `${s.code} @ ${s.agency}: ${s.status}${s.errorCode ? ` (${s.errorCode})` : ''}, tenggat / due ${s.dueAt ?? '-'}${s.overdue ? '  TERLAMBAT / OVERDUE' : ''}` : a.status}`);
      }
      console.log(`Pengaduan terbuka / open complaints: ${work.complaints.length}`);
      for (const c of work.complaints) {
        console.log(`  ${c.trackingId}  ${c.agency}  ${c.category}  ${c.status}, tenggat / due ${c.dueAt ?? '-'}${c.overdue ? '  TERLAMBAT / OVERDUE' : ''}`);
      }
    });
}
