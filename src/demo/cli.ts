/**
 * `simpul demo`: the whole federation on one laptop, on embedded storage, with one command.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { startDemo, type DemoManifest } from './federation.js';
import type { DemoExample } from './plan.js';
import type { ReconcileRunStatus } from '../reconcile/index.js';
import { DEMO_SUBSCRIPTIONS } from '../events/index.js';

export const DEFAULT_PORT_BASE = 7400;

export function register(program: Command): void {
  program
    .command('demo')
    .description('Run the demo federation: a registry, and gateways and agency systems for DUKCAPIL, BPS, KEMENKES, KEMENDIKBUD and the licensing agency')
    .option('--data-dir <dir>', 'where everything is kept (default .simpul, or .simpul/port-N with another port base)')
    .option('--port-base <n>', 'first port; every component is placed from it (env SIMPUL_PORT_BASE)', process.env.SIMPUL_PORT_BASE ?? String(DEFAULT_PORT_BASE))
    .option('--database-url <url>', 'use this PostgreSQL for every component instead of embedded storage')
    .option('--nats-url [url]', 'carry DUKCAPIL\'s and LICENSING\'s change events through NATS JetStream at this URL instead of their outboxes alone (without a URL: env NATS_URL)')
    .option('--persons <n>', 'persons in the population registry on first start', '10000')
    .option('--log-level <level>', 'log level', process.env.SIMPUL_LOG_LEVEL ?? 'warn')
    .action(async (opts: { dataDir?: string; portBase: string; databaseUrl?: string; natsUrl?: string | true; persons: string; logLevel: string }) => {
      const portBase = Number(opts.portBase);
      if (!Number.isInteger(portBase) || portBase < 1024 || portBase > 65000) throw new Error(`--port-base must be a port number between 1024 and 65000, got ${opts.portBase}`);
      const dataDir = resolve(opts.dataDir ?? (portBase === DEFAULT_PORT_BASE ? '.simpul' : join('.simpul', `port-${portBase}`)));
      checkPortBase(dataDir, portBase);
      const natsUrl = demoNatsUrl(opts.natsUrl);
      const started = Date.now();
      console.log(`Simpul: menyiapkan federasi demo di ${dataDir} … / preparing the demo federation …`);
      const demo = await startDemo({ dataDir, portBase, databaseUrl: opts.databaseUrl, natsUrl, logLevel: opts.logLevel, persons: Number(opts.persons) });
      console.log(guide(demo.manifest, demo.manifestPath, demo.firstStart, Date.now() - started));
      void demo.reconcile.ready.then((run) => console.log(reconcileDone(demo.manifest, run)));
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        console.log('\nMenghentikan federasi … / stopping …');
        await demo.close();
        console.log('Selesai. Data tetap tersimpan / Stopped; data kept in ' + dataDir);
        process.exit(0);
      };
      process.on('SIGINT', () => void stop());
      process.on('SIGTERM', () => void stop());
    });
}

/**
 * Like --database-url, JetStream is chosen on the command line, never by the environment alone:
 * CI exports NATS_URL for the tests, and `npm start` must run on embedded storage with no broker
 * (ADR 0048). A bare --nats-url takes the broker from NATS_URL.
 */
export function demoNatsUrl(option: string | true | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (option === undefined) return undefined;
  if (option !== true) return option;
  if (!env.NATS_URL) throw new Error('--nats-url without a URL takes the broker from NATS_URL, which is not set (e.g. NATS_URL=nats://127.0.0.1:4222).');
  return env.NATS_URL;
}

function checkPortBase(dataDir: string, portBase: number): void {
  const manifestPath = join(dataDir, 'demo.json');
  if (!existsSync(manifestPath)) return;
  const previous = JSON.parse(readFileSync(manifestPath, 'utf8')) as DemoManifest;
  const port = Number(new URL(previous.registry.url).port);
  if (port !== portBase) {
    throw new Error(`${dataDir} holds a federation created with port base ${port}; its gateways are registered at those ports. Start it with --port-base ${port}, or give another --data-dir for a second federation.`);
  }
}

export function curl(example: DemoExample): string {
  const headers = Object.entries(example.headers).map(([k, v]) => `-H '${k}: ${v}'`).join(' ');
  return `curl -s ${headers} '${example.gateway}${example.path}'`;
}

function guide(m: DemoManifest, manifestPath: string, firstStart: boolean, ms: number): string {
  const lines = [
    '',
    `Federasi demo Simpul berjalan (${firstStart ? 'dibuat' : 'dilanjutkan'} dalam ${(ms / 1000).toFixed(1)} s) / The Simpul demo federation is running.`,
    '',
    `  Registry (API + OpenAPI):  ${m.registry.url}/openapi.json`,
    `  Admin registry:            ${m.admin.username} / ${m.admin.password}   (POST ${m.registry.url}/auth/token)`,
    `  Konsol operator / console: ${m.console.url}   (akun registry / registry account)`,
    `  Transparansi / public:     ${m.transparency.url}`,
    '',
    '  Gateway per instansi / gateway per agency (consumer endpoint /r1/…, OpenAPI at /openapi.json):',
    ...Object.entries(m.gateways).map(([member, g]) => `    ${member.padEnd(22)} ${g.consumer}   (peer mTLS ${g.peer})`),
    '',
    '  Sistem instansi / agency systems (synthetic data):',
    ...Object.entries(m.agencies).map(([agency, a]) => `    ${agency.padEnd(22)} ${a.backend}`),
    '',
    ...(m.legacy ? [
      '  Sistem lama lewat adaptor / legacy systems behind adapters (common data model at the gateways):',
      `    KEMENDIKBUD student    SOAP ${m.legacy.soap}?wsdl`,
      `    BPS respondent         CSV  ${m.legacy.csvFolder}`,
      `    LICENSING business     SQL  schema ${m.legacy.sqlSchema}, view v_pelaku_usaha`,
      '',
    ] : []),
    ...(m.events ? [
      `  Peristiwa perubahan / change events (${m.events.transport}):`,
      ...(m.events.services ?? [m.events.service]).map((service) => `    ${service}  →  langganan / subscribed by ${DEMO_SUBSCRIPTIONS.filter((s) => s.service === service).map((s) => s.agency).join(', ')}`),
      `    posisi dan jeda / position and lag: simpul events status --data-dir ${m.dataDir}`,
      `    coba / try: curl -X PATCH -H 'content-type: application/json' -d '{"street":"JL. MERDEKA NO. 1"}' ${m.agencies.DUKCAPIL?.backend}/persons/<NIK>/address`,
      `    usaha baru / a new business: POST ${m.agencies.LICENSING?.backend}/applications  →  GET ${m.agencies.BPS?.backend}/business-register/<NIB>`,
      '',
    ] : []),
    ...portalGuide(m),
    `  Rekonsiliasi / reconciliation (API ${m.reconcile.url}/reconcile/…, OpenAPI at /openapi.json; laporan dibangun / report being built …):`,
    `    Laporan untuk peramban / report for a browser: file://${m.reconcile.files.html}`,
    `    Token operator (Authorization: Bearer): ${m.reconcile.tokens.operator}   (per instansi / per agency: demo.json reconcile.tokens)`,
    '',
    `  Semua URL, token klien dan contoh / every URL, client token and example: ${manifestPath}`,
    '',
    'Coba / try (BPS membaca data penduduk DUKCAPIL melalui dua gateway / BPS reads a person from DUKCAPIL through two gateways):',
    '',
    `  ${curl(m.examples[0]!)}`,
    '',
    'Ctrl-C menghentikan; data tetap tersimpan / Ctrl-C stops; the data is kept.',
  ];
  return lines.join('\n');
}

/** The portal's URL and demo sign-ins: demo fixtures, printed so a newcomer can sign in at once. */
function portalGuide(m: DemoManifest): string[] {
  if (!m.portal) return [];
  const account = (a: { login: string; name: string; password: string; totpSecret: string | null }, extra = '') =>
    `    ${a.login.padEnd(18)} ${a.password.padEnd(18)} TOTP ${a.totpSecret ?? '(daftar saat masuk / enrol at sign-in)'}   ${a.name}${extra}`;
  return [
    `  Portal warga / citizen portal:  ${m.portal.url}`,
    '    Akun demo (bukan rahasia produksi) / demo accounts (fixtures, not production secrets):',
    '    NIK / pengguna      kata sandi         rahasia TOTP (masukkan ke aplikasi autentikator / add to an authenticator app)',
    ...m.portal.citizens.map((c) => account(c)),
    `    Petugas / staff (${m.portal.url}/petugas/masuk):`,
    ...m.portal.staff.map((s) => account(s, ` (${s.role}${s.agency ? `, ${s.agency}` : ''})`)),
    ...(m.portal.outbox ? [
      `    Daftar akun baru / sign up: ${m.portal.url}/daftar — kode aktivasi di kotak keluar demo (pengganti SMS) / activation codes in the demo outbox (SMS stand-in):`,
      `    ${m.portal.outbox}`,
    ] : []),
    '',
  ];
}

function reconcileDone(m: DemoManifest, run: ReconcileRunStatus): string {
  if (run.state !== 'ready') return `\nRekonsiliasi gagal / reconciliation failed: ${run.error}`;
  return [
    '',
    `Laporan rekonsiliasi siap / discrepancy report ready: ${run.records} catatan / records in ${run.seconds?.toFixed(1)} s, ${run.corrections?.created} permintaan koreksi baru / new correction requests.`,
    `  file://${m.reconcile.files.html}`,
    `  curl -s -H 'Authorization: Bearer ${m.reconcile.tokens.operator}' ${m.reconcile.overview}`,
    `  npx tsx src/cli/main.ts reconcile corrections --data-dir ${m.dataDir} --agency BPS --status open`,
  ].join('\n');
}
