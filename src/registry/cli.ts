/**
 * `simpul registry …`: create and run a registry, and manage it through its HTTP API
 * (`--registry URL --token T`, or SIMPUL_REGISTRY_URL and SIMPUL_TOKEN).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { SimpulError } from '../core/errors.js';
import { RegistryApiError, RegistryClient } from './client.js';
import { verifyConfiguration, type SignedGlobalConfiguration } from './global-conf.js';
import type { AccessRight, AuditEvent, Gateway, Member, Service, Subsystem } from './registry.js';
import { DEFAULT_REGISTRY_PORT, initRegistry, startRegistry } from './server.js';
import { b64 } from '../core/crypto.js';

interface ApiOptions {
  registry?: string;
  token?: string;
  json?: boolean;
}

function api(command: Command): Command {
  return command
    .option('--registry <url>', 'registry base URL (env SIMPUL_REGISTRY_URL)')
    .option('--token <token>', 'bearer token from `simpul registry login` (env SIMPUL_TOKEN)')
    .option('--json', 'print the API answer as JSON');
}

function client(opts: ApiOptions, needsToken = true): RegistryClient {
  const url = opts.registry ?? process.env.SIMPUL_REGISTRY_URL;
  if (!url) throw new SimpulError('request.invalid', 'Alamat registri tidak diberikan / No registry URL: use --registry URL or SIMPUL_REGISTRY_URL.');
  const token = opts.token ?? process.env.SIMPUL_TOKEN;
  if (needsToken && !token) throw new SimpulError('auth.unauthenticated', 'Belum masuk / Not signed in: run `simpul registry login`, then pass --token or set SIMPUL_TOKEN.');
  return new RegistryClient(url, token);
}

/** Runs an action; failures print one bilingual line with the stable code, not a stack trace. */
function run<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (error) {
      if (error instanceof RegistryApiError || error instanceof SimpulError) {
        console.error(`Galat / Error [${error.code}]: ${error.message}`);
      } else {
        console.error(`Galat / Error: ${(error as Error).message}`);
      }
      process.exitCode = 1;
    }
  };
}

function show(opts: ApiOptions, value: unknown, line: string | string[]): void {
  if (opts.json) console.log(JSON.stringify(value, null, 2));
  else console.log(Array.isArray(line) ? line.join('\n') : line);
}

function rightLine(r: AccessRight): string {
  return `${r.id}  ${r.client} -> ${r.service}  ${r.purpose}  [${r.legalBasis}]  ${r.status}${r.expiresAt ? ` s.d./until ${r.expiresAt}` : ''}`;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export function register(program: Command): void {
  const registry = program.command('registry').description('Registri instans / The instance registry: members, services, gateways, access rights, CA, global configuration');

  registry
    .command('init')
    .description('Buat registri baru / Create a registry: keys, CA and the first administrator')
    .requiredOption('--data-dir <dir>', 'where the settings, key file and embedded database live')
    .option('--instance <id>', 'instance identifier', 'ID')
    .option('--database-url <url>', 'PostgreSQL URL (default: embedded PGlite in the data directory)')
    .option('--port <n>', 'HTTP port for `serve`', String(DEFAULT_REGISTRY_PORT))
    .option('--admin <username>', 'first administrator', 'admin')
    .action(run(async (opts: { dataDir: string; instance: string; databaseUrl?: string; port: string; admin: string }) => {
      const result = await initRegistry({
        dataDir: opts.dataDir, instance: opts.instance, port: Number(opts.port), adminUsername: opts.admin,
        ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}),
      });
      console.log([
        `Registri dibuat / Registry created in ${opts.dataDir}`,
        `  Instans / Instance: ${result.settings.instance}`,
        `  Jangkar kepercayaan / Trust anchor (Ed25519, base64): ${result.anchor}`,
        `  Admin: ${result.admin.username}`,
        `  Kata sandi (hanya ditampilkan sekali) / Password (shown only once): ${result.admin.password}`,
        `Jalankan / Run: simpul registry serve --data-dir ${opts.dataDir}`,
      ].join('\n'));
    }));

  registry
    .command('serve')
    .description('Jalankan API registri / Serve the registry API until SIGINT/SIGTERM')
    .requiredOption('--data-dir <dir>', 'the directory given to `registry init`')
    .option('--port <n>', 'override the port from the settings')
    .option('--host <host>', 'override the listening address')
    .option('--log-level <level>', 'log level', process.env.SIMPUL_LOG_LEVEL ?? 'info')
    .action(run(async (opts: { dataDir: string; port?: string; host?: string; logLevel: string }) => {
      const running = await startRegistry({ dataDir: opts.dataDir, logLevel: opts.logLevel, ...(opts.port ? { port: Number(opts.port) } : {}), ...(opts.host ? { host: opts.host } : {}) });
      console.log(JSON.stringify({ registry: running.url, instance: running.registry.instance, anchor: b64.encode(running.registry.publicKey) }));
      const stop = async () => {
        await running.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    }));

  api(registry.command('login'))
    .description('Masuk / Sign in and print a bearer token')
    .requiredOption('--username <name>', 'management user')
    .option('--password <password>', 'password (env SIMPUL_PASSWORD; or --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .action(run(async (opts: ApiOptions & { username: string; password?: string; passwordStdin?: boolean }) => {
      const password = opts.password ?? process.env.SIMPUL_PASSWORD ?? (opts.passwordStdin ? await readStdin() : undefined);
      if (!password) throw new SimpulError('request.invalid', 'Kata sandi diperlukan / A password is required: --password, SIMPUL_PASSWORD or --password-stdin.');
      const issued = await client(opts, false).signIn(opts.username, password);
      show(opts, issued, [`export SIMPUL_TOKEN=${issued.token}`, `# ${issued.role}${issued.member ? ` ${issued.member}` : ''}, berlaku s.d. / valid until ${issued.expiresAt}`]);
    }));

  const member = registry.command('member').description('Anggota (instansi) / Members (agencies)');
  api(member.command('add'))
    .requiredOption('--id <id>', 'INSTANCE/CLASS/MEMBER, e.g. ID/GOV/DUKCAPIL')
    .requiredOption('--name <name>', 'the agency name')
    .action(run(async (opts: ApiOptions & { id: string; name: string }) => {
      const added = await client(opts).request<Member>('POST', '/members', { id: opts.id, name: opts.name });
      show(opts, added, `Anggota ditambahkan / Member added: ${added.id} (${added.name})`);
    }));
  api(member.command('list')).action(run(async (opts: ApiOptions) => {
    const list = await client(opts).request<Member[]>('GET', '/members');
    show(opts, list, list.map((m) => `${m.id}  ${m.name}`));
  }));

  const subsystem = registry.command('subsystem').description('Subsistem (sistem informasi) / Subsystems (information systems)');
  api(subsystem.command('add'))
    .requiredOption('--id <id>', 'INSTANCE/CLASS/MEMBER/SUBSYSTEM, e.g. ID/GOV/DUKCAPIL/SIAK')
    .action(run(async (opts: ApiOptions & { id: string }) => {
      const added = await client(opts).request<Subsystem>('POST', '/subsystems', { id: opts.id });
      show(opts, added, `Subsistem ditambahkan / Subsystem added: ${added.id}`);
    }));
  api(subsystem.command('list')).option('--member <id>', 'only this member').action(run(async (opts: ApiOptions & { member?: string }) => {
    const list = await client(opts).request<Subsystem[]>('GET', `/subsystems${opts.member ? `?member=${encodeURIComponent(opts.member)}` : ''}`);
    show(opts, list, list.map((s) => s.id));
  }));

  const service = registry.command('service').description('Layanan / Services');
  api(service.command('add'))
    .requiredOption('--id <id>', 'INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE, e.g. ID/GOV/DUKCAPIL/SIAK/person')
    .requiredOption('--title <title>', 'what the service provides')
    .option('--openapi <file>', 'OpenAPI description (JSON) of the service API')
    .option('--personal-data', 'the service handles personal data: requests must name the data subject', false)
    .option('--data-model <id>', 'the common data model its responses follow')
    .option('--disabled', 'register it disabled', false)
    .action(run(async (opts: ApiOptions & { id: string; title: string; openapi?: string; personalData: boolean; dataModel?: string; disabled: boolean }) => {
      const openapi = opts.openapi ? (JSON.parse(readFileSync(opts.openapi, 'utf8')) as Record<string, unknown>) : undefined;
      const added = await client(opts).request<Service>('POST', '/services', {
        id: opts.id, title: opts.title, personalData: opts.personalData, enabled: !opts.disabled,
        ...(openapi ? { openapi } : {}), ...(opts.dataModel ? { dataModel: opts.dataModel } : {}),
      });
      show(opts, added, `Layanan ditambahkan / Service added: ${added.id}${added.personalData ? ' (data pribadi / personal data)' : ''}`);
    }));
  for (const [name, enabled] of [['enable', true], ['disable', false]] as const) {
    api(service.command(`${name} <id>`)).action(run(async (id: string, opts: ApiOptions) => {
      const updated = await client(opts).request<Service>('PATCH', `/services/${encodeURIComponent(id)}`, { enabled });
      show(opts, updated, `${updated.id}: ${updated.enabled ? 'aktif / enabled' : 'nonaktif / disabled'}`);
    }));
  }
  api(service.command('list')).option('--member <id>', 'only this member').action(run(async (opts: ApiOptions & { member?: string }) => {
    const list = await client(opts).request<Service[]>('GET', `/services${opts.member ? `?member=${encodeURIComponent(opts.member)}` : ''}`);
    show(opts, list, list.map((s) => `${s.id}  ${s.title}${s.personalData ? '  [data pribadi / personal data]' : ''}${s.enabled ? '' : '  [nonaktif / disabled]'}`));
  }));

  const gateway = registry.command('gateway').description('Gateway anggota / Member gateways');
  api(gateway.command('add'))
    .requiredOption('--id <id>', 'MEMBER/CODE, e.g. ID/GOV/DUKCAPIL/gw1')
    .requiredOption('--address <url>', 'https base URL other gateways reach it at')
    .requiredOption('--signing-key <base64>', 'the gateway\'s Ed25519 public key (from `simpul gateway init`)')
    .requiredOption('--csr <file>', 'the gateway\'s TLS certificate signing request (PEM)')
    .option('--log-key <base64>', 'the gateway\'s exchange-log public key')
    .option('--out <file>', 'write the issued certificate here (default: print it)')
    .option('--ca-out <file>', 'write the instance CA certificate here')
    .action(run(async (opts: ApiOptions & { id: string; address: string; signingKey: string; csr: string; logKey?: string; out?: string; caOut?: string }) => {
      const registered = await client(opts).request<{ gateway: Gateway; tlsCertificate: string; caCertificate: string }>('POST', '/gateways', {
        id: opts.id, address: opts.address, signingKey: opts.signingKey, csr: readFileSync(opts.csr, 'utf8'), ...(opts.logKey ? { logKey: opts.logKey } : {}),
      });
      if (opts.out) writeFileSync(opts.out, registered.tlsCertificate);
      if (opts.caOut) writeFileSync(opts.caOut, registered.caCertificate);
      show(opts, registered, [
        `Gateway didaftarkan / Gateway registered: ${registered.gateway.id} at ${registered.gateway.address}`,
        opts.out ? `Sertifikat / Certificate: ${opts.out}` : registered.tlsCertificate.trimEnd(),
      ]);
    }));
  api(gateway.command('revoke <id>')).action(run(async (id: string, opts: ApiOptions) => {
    const revoked = await client(opts).request<Gateway>('POST', `/gateways/${encodeURIComponent(id)}/revoke`);
    show(opts, revoked, `Gateway dicabut / Gateway revoked: ${revoked.id}`);
  }));
  api(gateway.command('list')).option('--member <id>', 'only this member').action(run(async (opts: ApiOptions & { member?: string }) => {
    const list = await client(opts).request<Gateway[]>('GET', `/gateways${opts.member ? `?member=${encodeURIComponent(opts.member)}` : ''}`);
    show(opts, list, list.map((g) => `${g.id}  ${g.address}  ${g.status}`));
  }));

  const right = registry.command('right').description('Hak akses / Access rights: client × service × purpose × legal basis');
  api(right.command('grant'))
    .requiredOption('--client <id>', 'client subsystem INSTANCE/CLASS/MEMBER/SUBSYSTEM')
    .requiredOption('--service <id>', 'service INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE')
    .requiredOption('--purpose <code>', 'purpose code, e.g. STATISTIK-SENSUS')
    .requiredOption('--legal-basis <text>', 'the regulation that allows it, e.g. "UU 24/2013 Adminduk"')
    .option('--expires <time>', 'ISO time after which the right no longer holds')
    .action(run(async (opts: ApiOptions & { client: string; service: string; purpose: string; legalBasis: string; expires?: string }) => {
      const granted = await client(opts).request<AccessRight>('POST', '/access-rights', {
        client: opts.client, service: opts.service, purpose: opts.purpose, legalBasis: opts.legalBasis, ...(opts.expires ? { expiresAt: opts.expires } : {}),
      });
      show(opts, granted, `Hak akses diberikan / Access right granted: ${rightLine(granted)}`);
    }));
  api(right.command('revoke <id>')).action(run(async (id: string, opts: ApiOptions) => {
    const revoked = await client(opts).request<AccessRight>('POST', `/access-rights/${encodeURIComponent(id)}/revoke`);
    show(opts, revoked, `Hak akses dicabut / Access right revoked: ${rightLine(revoked)}`);
  }));
  api(right.command('list'))
    .option('--client <id>', 'only rights of this client subsystem')
    .option('--service <id>', 'only rights on this service')
    .option('--provider <id>', 'only rights on this member\'s services')
    .option('--all', 'include revoked and expired rights')
    .action(run(async (opts: ApiOptions & { client?: string; service?: string; provider?: string; all?: boolean }) => {
      const query = new URLSearchParams();
      for (const key of ['client', 'service', 'provider'] as const) if (opts[key]) query.set(key, opts[key]);
      if (opts.all) query.set('all', 'true');
      const list = await client(opts).request<AccessRight[]>('GET', `/access-rights${query.size ? `?${query}` : ''}`);
      show(opts, list, list.length ? list.map(rightLine) : 'Tidak ada hak akses / No access rights');
    }));

  const user = registry.command('user').description('Pengguna pengelola / Management users');
  api(user.command('add'))
    .requiredOption('--username <name>', 'user name')
    .requiredOption('--role <role>', 'registry-admin, agency-admin or auditor')
    .option('--member <id>', 'the member an agency-admin manages')
    .action(run(async (opts: ApiOptions & { username: string; role: string; member?: string }) => {
      const created = await client(opts).request<{ username: string; role: string; password: string }>('POST', '/users', { username: opts.username, role: opts.role, ...(opts.member ? { member: opts.member } : {}) });
      show(opts, created, [`Pengguna ditambahkan / User added: ${created.username} (${created.role})`, `Kata sandi (hanya ditampilkan sekali) / Password (shown only once): ${created.password}`]);
    }));

  api(registry.command('audit'))
    .description('Jejak audit / The audit trail, newest first')
    .option('--target <id>', 'only changes to this target')
    .option('--limit <n>', 'how many events', '50')
    .action(run(async (opts: ApiOptions & { target?: string; limit: string }) => {
      const query = new URLSearchParams({ limit: opts.limit, ...(opts.target ? { target: opts.target } : {}) });
      const events = await client(opts).request<AuditEvent[]>('GET', `/audit?${query}`);
      show(opts, events, events.map((e) => `${e.at}  ${e.actor}  ${e.action}  ${e.target}`));
    }));

  api(registry.command('conf'))
    .description('Ambil dan verifikasi konfigurasi global / Fetch and verify the global configuration')
    .option('--anchor <base64>', 'the trusted registry key (default: fetched from the registry, which proves nothing)')
    .action(run(async (opts: ApiOptions & { anchor?: string }) => {
      const api = client(opts, false);
      const signed: SignedGlobalConfiguration = await api.globalConfiguration();
      const anchor = opts.anchor ?? (await api.anchor()).publicKey;
      const conf = verifyConfiguration(signed, b64.decode(anchor));
      show(opts, conf, [
        `Konfigurasi global terverifikasi / Global configuration verified: ${conf.instance} versi/version ${conf.version}, berlaku s.d./expires ${conf.expiresAt}`,
        `  ${conf.members.length} anggota/members, ${conf.services.length} layanan/services, ${conf.gateways.length} gateway, ${conf.accessRights.length} hak akses/access rights`,
      ]);
    }));
}
