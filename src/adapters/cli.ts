/**
 * `simpul adapter`: for an agency's integration engineer writing a backend declaration.
 * `check` validates a declaration file; `serve` runs it against the legacy system on a local
 * port, without a gateway, so each operation can be tried with curl before it goes live.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { listen } from '../core/http/app.js';
import { SimpulError } from '../core/errors.js';
import { createBackendApp } from './backend-app.js';
import { reportsStatus } from './backend.js';
import { parseBackendConfig } from './config.js';
import { createBackend } from './create-backend.js';

async function readDeclaration(file: string) {
  const text = await readFile(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseBackendConfig(json);
}

function explain(error: unknown): string {
  if (error instanceof SimpulError) {
    const errors = (error.extensions.errors as { path: string; message: string }[] | undefined) ?? [];
    return [`${error.code}: ${error.message}`, ...errors.map((e) => `  ${e.path || '/'}  ${e.message}`)].join('\n');
  }
  return (error as Error).message;
}

export function register(program: Command): void {
  const adapter = program.command('adapter').description('Check or try a backend declaration (REST, SOAP, CSV, SQL) / Periksa atau coba deklarasi backend');

  adapter
    .command('check <file>')
    .description('Validate a declaration and connect to the legacy system once / Validasi deklarasi dan uji sambungan')
    .option('--offline', 'only check the declaration, do not connect')
    .action(async (file: string, opts: { offline?: boolean }) => {
      try {
        const config = await readDeclaration(file);
        if (opts.offline) {
          console.log(`OK: deklarasi ${config.type} valid / the ${config.type} declaration is valid.`);
          return;
        }
        const backend = await createBackend(config);
        const status = reportsStatus(backend) ? backend.status() : { state: 'ok', message: 'no status reported' };
        await backend.close();
        console.log(`${status.state === 'ok' ? 'OK' : status.state.toUpperCase()}: ${status.message}`);
        if (status.state === 'unavailable') process.exitCode = 1;
      } catch (error) {
        console.error(explain(error));
        process.exitCode = 1;
      }
    });

  adapter
    .command('serve <file>')
    .description('Serve a declaration on a local port: GET http://127.0.0.1:PORT/service/<path> / Jalankan deklarasi secara lokal')
    .option('--port <n>', 'port (0 picks a free one)', '7399')
    .action(async (file: string, opts: { port: string }) => {
      let backend;
      try {
        backend = await createBackend(await readDeclaration(file));
      } catch (error) {
        console.error(explain(error));
        process.exitCode = 1;
        return;
      }
      const app = await createBackendApp(backend, { logLevel: process.env.SIMPUL_LOG_LEVEL ?? 'info' });
      const url = await listen(app, Number(opts.port));
      console.log(`Mencoba ${file} di / trying ${file} at ${url}/service/…  (status: ${url}/_status)`);
      const stop = async () => {
        await app.close();
        await backend.close();
        process.exit(0);
      };
      process.on('SIGINT', () => void stop());
      process.on('SIGTERM', () => void stop());
    });
}
