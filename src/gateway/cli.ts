/**
 * `simpul gateway …`: run a gateway from its settings file, create its keys, install the
 * certificate the registry issued, and issue tokens to the agency's own systems.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { b64, generateSigningKey } from '../core/crypto.js';
import { parseMemberId, parseSubsystemId } from '../core/ids.js';
import { createTlsKeyAndCsr } from '../core/pki.js';
import { LocalClients } from './context.js';
import { openGatewayDatabase, readGatewaySettings, readIdentity, startGatewayFromSettings, writeKeyFile, type GatewayKeyFile } from './settings.js';
import { GatewayStore } from './store.js';

export function register(program: Command): void {
  const gateway = program.command('gateway').description('Run and administer an agency gateway');

  gateway
    .command('serve')
    .description('Run a gateway from its settings file until SIGINT/SIGTERM')
    .requiredOption('--settings <file>', 'gateway settings (JSON)')
    .option('--log-level <level>', 'log level', process.env.SIMPUL_LOG_LEVEL ?? 'info')
    .action(async (opts: { settings: string; logLevel: string }) => {
      const gw = await startGatewayFromSettings(opts.settings, { logLevel: opts.logLevel });
      console.log(JSON.stringify({ gateway: gw.identity.id, consumer: gw.consumerUrl, peer: gw.peerUrl }));
      const stop = async () => {
        await gw.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });

  gateway
    .command('init')
    .description('Create a gateway\'s keys and its certificate signing request')
    .requiredOption('--id <id>', 'gateway id, MEMBER/CODE, e.g. ID/GOV/DUKCAPIL/gw1')
    .requiredOption('--dir <dir>', 'where to write keys.json and gateway.csr')
    .option('--host <host...>', 'host names or IP addresses in the TLS certificate', ['127.0.0.1', 'localhost'])
    .action(async (opts: { id: string; dir: string; host: string[] }) => {
      const member = parseMemberId(opts.id.split('/').slice(0, 3).join('/'));
      const signingKey = generateSigningKey();
      const logKey = generateSigningKey();
      const { privateKeyPem, csrPem } = await createTlsKeyAndCsr(opts.id, opts.host);
      const { randomBytes } = await import('node:crypto');
      writeKeyFile(join(opts.dir, 'keys.json'), { id: opts.id, member, signingKey, logKey, tls: { keyPem: privateKeyPem, certPem: '' }, subjectSalt: randomBytes(32) });
      writeFileSync(join(opts.dir, 'gateway.csr'), csrPem);
      console.log(`Keys written to ${join(opts.dir, 'keys.json')} (mode 0600).`);
      console.log(`Register the gateway with the registry: simpul registry gateway add --id ${opts.id} --csr ${join(opts.dir, 'gateway.csr')} --signing-key ${b64.encode(signingKey.publicKey)} --log-key ${b64.encode(logKey.publicKey)} --address https://HOST:PORT`);
      console.log(`Then install the issued certificate: simpul gateway install-cert --keys ${join(opts.dir, 'keys.json')} --cert FILE`);
    });

  gateway
    .command('install-cert')
    .description('Install the TLS certificate the registry issued for this gateway')
    .requiredOption('--keys <file>', 'keys.json')
    .requiredOption('--cert <file>', 'PEM certificate')
    .action((opts: { keys: string; cert: string }) => {
      const keys = JSON.parse(readFileSync(opts.keys, 'utf8')) as GatewayKeyFile;
      keys.tlsCertPem = readFileSync(opts.cert, 'utf8');
      writeFileSync(opts.keys, JSON.stringify(keys, null, 2), { mode: 0o600 });
      console.log('Certificate installed.');
    });

  gateway
    .command('client-token')
    .description('Issue a bearer token for one of the agency\'s subsystems (replaces its previous token)')
    .requiredOption('--settings <file>', 'gateway settings (JSON)')
    .requiredOption('--subsystem <id>', 'INSTANCE/CLASS/MEMBER/SUBSYSTEM')
    .action(async (opts: { settings: string; subsystem: string }) => {
      const subsystem = parseSubsystemId(opts.subsystem);
      const { settings, base } = readGatewaySettings(opts.settings);
      // Fails early, before touching the database, if the keys do not belong to this gateway.
      readIdentity(settings.id, resolve(base, settings.keyFile));
      const store = await GatewayStore.open(await openGatewayDatabase(settings, base));
      const token = LocalClients.newToken();
      await store.setClientCredential(subsystem, LocalClients.hash(token));
      await store.close();
      console.log(token);
      console.error('A running gateway accepts the new token, and no longer the previous one, within 5 seconds.');
    });
}
