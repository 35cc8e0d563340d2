/**
 * `simpul reconcile corrections` and `simpul reconcile decide`: an agency's officer lists the
 * correction requests addressed to it and accepts or rejects one, through the reconciliation
 * API (`--url` and `--token`, or the demo federation's demo.json with `--data-dir` and `--agency`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { PROBLEMS, SimpulError, type ProblemCode } from '../core/errors.js';
import type { CorrectionRequest } from './corrections.js';
import { correctionAgeSeconds } from './overview.js';

interface Target {
  url?: string;
  token?: string;
  dataDir?: string;
  agency?: string;
}

/** The API root and bearer token: given outright, or read from demo.json's `reconcile` block. */
function target(flags: Target): { api: string; token: string } {
  const url = flags.url ?? process.env.SIMPUL_RECONCILE_URL;
  const token = flags.token ?? process.env.SIMPUL_RECONCILE_TOKEN;
  if (url && token) return { api: `${url.replace(/\/$/, '')}/reconcile`, token };
  const manifestPath = join(resolve(flags.dataDir ?? '.simpul'), 'demo.json');
  if (!existsSync(manifestPath)) throw new SimpulError('reconcile.invalid_option', `Give --url and --token, or --data-dir of a demo federation (no ${manifestPath}).`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { reconcile?: { url: string; tokens: Record<string, string> } };
  const who = flags.agency ?? 'operator';
  const demoToken = manifest.reconcile?.tokens[who];
  if (!manifest.reconcile || !demoToken) throw new SimpulError('reconcile.invalid_option', `${manifestPath} holds no reconciliation token for ${who}; agencies: ${Object.keys(manifest.reconcile?.tokens ?? {}).join(', ')}.`);
  return { api: `${manifest.reconcile.url}/reconcile`, token: token ?? demoToken };
}

async function call<T>(api: string, token: string, path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${api}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) } });
  const body = (await response.json()) as T & { code?: string; detail?: string; title?: string };
  if (!response.ok) {
    const code = body.code !== undefined && Object.hasOwn(PROBLEMS, body.code) ? (body.code as ProblemCode) : 'internal.error';
    throw new SimpulError(code, body.detail ?? body.title ?? `HTTP ${response.status}`);
  }
  return body;
}

function line(c: CorrectionRequest): string {
  const age = correctionAgeSeconds(c);
  const days = age >= 86_400 ? `${Math.floor(age / 86_400)} hr` : `${Math.floor(age / 3600)} j`;
  const decided = c.decidedBy ? `  ${c.decidedBy} ${c.decidedAt}` : '';
  // A citizen's dispute names the application it came from, so the officer can find the subject.
  const dispute = c.reason === 'citizen_dispute' ? `  sengketa warga / citizen dispute, permohonan ${c.evidence.application ?? '?'}` : '';
  return `${c.id}  ${c.status.padEnd(8)} ${days.padStart(6)}  ${c.addressedTo.padEnd(11)} ${c.recordId.padEnd(16)} ${c.field.padEnd(11)} ${JSON.stringify(c.currentValue)} → ${JSON.stringify(c.proposedValue)}${dispute}${decided}`;
}

function withTarget(command: Command): Command {
  return command
    .option('--url <url>', 'layanan rekonsiliasi / reconciliation service URL (env SIMPUL_RECONCILE_URL)')
    .option('--token <token>', 'bearer token (env SIMPUL_RECONCILE_TOKEN)')
    .option('--data-dir <dir>', 'direktori federasi demo / demo federation directory (reads demo.json)', '.simpul')
    .option('--agency <code>', 'bertindak sebagai instansi / act as this agency, e.g. BPS (demo; default: operator)');
}

export function registerCorrectionCommands(reconcile: Command, guarded: (work: () => Promise<void>) => Promise<void>): void {
  withTarget(
    reconcile
      .command('corrections')
      .description('Daftar permintaan koreksi / list correction requests (an agency sees those addressed to it)')
      .option('--status <status>', 'open | accepted | rejected')
      .option('--limit <n>', 'paling banyak / at most', '50')
      .option('--json', 'keluaran JSON / JSON output'),
  ).action(async (flags: Target & { status?: string; limit: string; json?: boolean }) =>
    guarded(async () => {
      const { api, token } = target(flags);
      const query = new URLSearchParams({ limit: flags.limit, ...(flags.status ? { status: flags.status } : {}) });
      const list = await call<CorrectionRequest[]>(api, token, `/corrections?${query}`);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${list.length} permintaan / requests\nid                                    status     umur  ditujukan   catatan          kolom       sekarang → usulan\n`);
      for (const c of list) process.stdout.write(`${line(c)}\n`);
    }),
  );

  withTarget(
    reconcile
      .command('decide')
      .description('Terima atau tolak permintaan koreksi / accept or reject a correction request (the agency it is addressed to)')
      .argument('<id>', 'id permintaan / request id')
      .option('--accept', 'terima / accept')
      .option('--reject', 'tolak / reject')
      .option('--note <text>', 'catatan / note'),
  ).action(async (id: string, flags: Target & { accept?: boolean; reject?: boolean; note?: string }) =>
    guarded(async () => {
      if (Boolean(flags.accept) === Boolean(flags.reject)) throw new SimpulError('reconcile.invalid_option', 'Give exactly one of --accept and --reject.');
      const { api, token } = target(flags);
      const decided = await call<CorrectionRequest>(api, token, `/corrections/${encodeURIComponent(id)}/decision`, {
        method: 'POST',
        body: JSON.stringify({ status: flags.accept ? 'accepted' : 'rejected', ...(flags.note ? { note: flags.note } : {}) }),
      });
      process.stdout.write(`${line(decided)}\n`);
    }),
  );
}
