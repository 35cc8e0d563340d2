/**
 * npm run bench:gateway [-- --json] [-- --duration 8 --concurrency 16,64,128] [-- --log] [-- --no-channel] [-- --database-url URL]
 *
 * The demo's DUKCAPIL person lookup (a real query on its database) called three ways in one
 * run, each in separate processes, at several concurrencies:
 *   direct   load → agency system
 *   gateway  load → consumer gateway ══ HTTP/2, mTLS, signed ══▶ provider gateway → agency system
 *   nginx    load → nginx ══ mTLS ══▶ nginx → agency system   (the transport's physical reference)
 * Then the gateway chain and the direct call again, paced at half the gateway's saturating rate,
 * to measure the latency the gateways add. Saturation load comes from wrk when installed
 * (`apt-get install wrk`), else autocannon (see bench/support/load.ts). The last line with --json
 * is one JSON object.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { b64 } from '../src/core/crypto.js';
import type { SubsystemId } from '../src/core/ids.js';
import { LocalClients } from '../src/gateway/context.js';
import { writeKeyFile, type GatewaySettings } from '../src/gateway/settings.js';
import { GatewayStore, type GatewayTables } from '../src/gateway/store.js';
import { TestFederation } from '../src/gateway/testing.js';
import { openDatabase } from '../src/core/storage/database.js';
import { signConfiguration } from '../src/registry/global-conf.js';
import { closedLoad, loadGenerator, pacedLoad, type Load, type LoadTarget } from './support/load.js';
import { adopt, cpuSeconds, freePort, startProcess, stopAll } from './support/processes.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const duration = Number(option('duration', '8'));
const concurrencies = option('concurrency', '16,64,128').split(',').map(Number);
const databaseUrl = option('database-url', process.env.BENCH_DATABASE_URL ?? '');
// --log: both gateways keep the verifiable exchange log, each witnessing the other.
const withLog = args.includes('--log');
// --no-channel: every exchange between the gateways on an HTTP/2 stream of its own (ADR 0006).
const noChannel = args.includes('--no-channel');
const SERVICE = 'ID/GOV/DUKCAPIL/SIAK/person';
const CLIENT = 'ID/GOV/BPS/SENSUS';
const say = (text: string) => {
  if (!json) console.log(text);
  else console.error(text);
};

function nginxConf(dir: string, listen: string, upstream: string, tls: { server?: { cert: string; key: string; ca: string }; client?: { cert: string; key: string; ca: string } }): string {
  const server = tls.server
    ? `listen 127.0.0.1:${listen} ssl; ssl_certificate ${tls.server.cert}; ssl_certificate_key ${tls.server.key}; ssl_client_certificate ${tls.server.ca}; ssl_verify_client on; ssl_protocols TLSv1.3;`
    : `listen 127.0.0.1:${listen};`;
  const client = tls.client
    ? `proxy_ssl_certificate ${tls.client.cert}; proxy_ssl_certificate_key ${tls.client.key}; proxy_ssl_trusted_certificate ${tls.client.ca}; proxy_ssl_verify on; proxy_ssl_name localhost; proxy_ssl_session_reuse on; proxy_ssl_protocols TLSv1.3;`
    : '';
  return `worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn; daemon off;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  upstream up { server ${upstream}; keepalive 128; }
  server { ${server}
    location / { proxy_pass ${tls.client ? 'https' : 'http'}://up; proxy_http_version 1.1; proxy_set_header Connection ""; ${client} }
  }
}`;
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'simpul-bench-'));
  const steps = 4 + concurrencies.length * 3 + 2;
  const bar = new cliProgress.SingleBar({ format: 'bench:gateway [{bar}] {value}/{total} {step}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
  bar.start(steps, 0, { step: 'federation' });
  try {
    // The instance: CA, two gateways, the person service, and BPS's right to it.
    const fed = await TestFederation.create();
    const bps = await fed.identity('ID/GOV/BPS');
    const dukcapil = await fed.identity('ID/GOV/DUKCAPIL');
    fed.service(SERVICE, true);
    fed.grant(CLIENT, SERVICE, 'STATISTIK', 'UU 16/1997 Statistik');
    const [backendPort, pConsumer, pPeer, cConsumer, cPeer, nginxA, nginxB] = await Promise.all(Array.from({ length: 7 }, freePort));
    fed.setAddress(dukcapil.id, `https://127.0.0.1:${pPeer}`);
    fed.setAddress(bps.id, `https://127.0.0.1:${cPeer}`);
    writeFileSync(join(work, 'conf.json'), JSON.stringify(signConfiguration(fed.configuration(), fed.registryKey)));

    bar.increment(1, { step: 'agency system' });
    const backendProcess = await startProcess(process.execPath, ['--import', 'tsx', 'bench/support/dukcapil-backend.ts', '--port', String(backendPort), ...(databaseUrl ? ['--database-url', databaseUrl] : ['--data-dir', join(work, 'backend')])], (l) => l.startsWith('{'));
    const backend = JSON.parse(backendProcess.line) as { url: string; niks: string[] };
    const pids: Record<string, number> = { agency_system: backendProcess.pid };

    bar.increment(1, { step: 'gateways' });
    const token = LocalClients.newToken();
    const gateways: [typeof bps, number, number, Record<string, unknown>][] = [
      [dukcapil, pConsumer!, pPeer!, { [SERVICE]: { type: 'http', url: `${backend.url}/persons` } }],
      [bps, cConsumer!, cPeer!, {}],
    ];
    for (const [identity, consumerPort, peerPort, backends] of gateways) {
      const dir = join(work, identity.id.replaceAll('/', '_'));
      mkdirSync(dir);
      writeKeyFile(join(dir, 'keys.json'), identity);
      const schema = `bench_${identity.member.split('/')[2]!.toLowerCase()}_${randomBytes(3).toString('hex')}`;
      const database = databaseUrl ? { url: databaseUrl, schema } : { dataDir: 'db', schema };
      const settings: GatewaySettings = { id: identity.id, keyFile: 'keys.json', registry: { anchor: b64.encode(fed.registryKey.publicKey), configurationFile: '../conf.json' }, consumer: { port: consumerPort }, peer: { port: peerPort }, database, backends: backends as GatewaySettings['backends'], ...(noChannel ? { peerChannel: false } : {}), ...(withLog ? { log: { enabled: true, quorum: 1 } } : {}) };
      writeFileSync(join(dir, 'gateway.json'), JSON.stringify(settings));
      if (identity === bps) {
        const db = await openDatabase<GatewayTables>(databaseUrl ? { url: databaseUrl, schema } : { dataDir: join(dir, 'db'), schema });
        const store = await GatewayStore.open(db);
        await store.setClientCredential(CLIENT as SubsystemId, LocalClients.hash(token));
        await store.close();
      }
      const gateway = await startProcess(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'gateway', 'serve', '--settings', join(dir, 'gateway.json'), '--log-level', 'warn'], (l) => l.startsWith('{'));
      pids[identity === bps ? 'consumer_gateway' : 'provider_gateway'] = gateway.pid;
    }

    bar.increment(1, { step: 'nginx' });
    let nginxUrl: string | null = null;
    let nginxNote = '';
    if (spawnSync('nginx', ['-v']).status === 0) {
      const pem = (name: string, text: string) => {
        writeFileSync(join(work, name), text);
        return join(work, name);
      };
      const ca = pem('ca.pem', fed.ca.certificatePem);
      const tlsA = { cert: pem('a.crt', bps.tls.certPem), key: pem('a.key', bps.tls.keyPem), ca };
      const tlsB = { cert: pem('b.crt', dukcapil.tls.certPem), key: pem('b.key', dukcapil.tls.keyPem), ca };
      for (const [name, conf] of [
        ['b', nginxConf(join(work, 'nginx-b'), String(nginxB), new URL(backend.url).host, { server: tlsB })],
        ['a', nginxConf(join(work, 'nginx-a'), String(nginxA), `127.0.0.1:${nginxB}`, { client: tlsA })],
      ] as const) {
        mkdirSync(join(work, `nginx-${name}`));
        writeFileSync(join(work, `nginx-${name}`, 'nginx.conf'), conf);
        const child = spawn('nginx', ['-p', join(work, `nginx-${name}`), '-c', join(work, `nginx-${name}`, 'nginx.conf')], { stdio: 'ignore' });
        adopt(child);
      }
      await new Promise((r) => setTimeout(r, 500));
      nginxUrl = `http://127.0.0.1:${nginxA}/persons`;
      const probe = await fetch(`${nginxUrl}/${backend.niks[0]}`).catch(() => undefined);
      if (probe?.status !== 200) {
        const errors = ['a', 'b'].map((n) => (existsSync(join(work, `nginx-${n}`, 'error.log')) ? readFileSync(join(work, `nginx-${n}`, 'error.log'), 'utf8').trim().split('\n').slice(-2).join(' | ') : '')).join(' || ');
        nginxNote = `nginx chain did not answer (${probe?.status ?? 'no connection'}): ${errors}`;
        nginxUrl = null;
      }
    } else {
      nginxNote = 'nginx is not installed (apt-get install nginx-light)';
    }

    const gatewayUrl = `http://127.0.0.1:${cConsumer}/r1/${SERVICE}`;
    const gatewayHeaders = { authorization: `Bearer ${token}`, 'simpul-client': CLIENT, 'simpul-purpose': 'STATISTIK' };
    const probe = await fetch(`${gatewayUrl}/${backend.niks[0]}`, { headers: { ...gatewayHeaders, 'simpul-subject': backend.niks[0]! } });
    if (probe.status !== 200) throw new Error(`Gateway chain probe answered ${probe.status}: ${await probe.text()}`);

    const direct: LoadTarget = { url: `${backend.url}/persons`, niks: backend.niks, headers: {}, subject: false };
    const chain: LoadTarget = { url: gatewayUrl, niks: backend.niks, headers: gatewayHeaders, subject: true };
    const rows: { concurrency: number; direct: Load; gateway: Load; nginx: Load | null }[] = [];
    // CPU each process spends per exchange through the chain, at the highest concurrency: a
    // figure that, unlike throughput, barely depends on what else the machine is doing.
    const cpu: Record<string, number> = {};
    for (const c of concurrencies) {
      bar.increment(1, { step: `direct c=${c}` });
      const directLoad = await closedLoad(direct, c, duration);
      bar.increment(1, { step: `gateway c=${c}` });
      const before = cpuOf(pids);
      const gatewayLoad = await closedLoad(chain, c, duration);
      const after = cpuOf(pids);
      const exchanges = gatewayLoad.rps * duration;
      if (c === Math.max(...concurrencies)) for (const name of Object.keys(pids)) if (before[name] !== undefined && after[name] !== undefined) cpu[name] = ((after[name]! - before[name]!) / exchanges) * 1e6;
      bar.increment(1, { step: `nginx c=${c}` });
      const nginxLoad = nginxUrl ? await closedLoad({ ...direct, url: nginxUrl }, c, duration) : null;
      rows.push({ concurrency: c, direct: directLoad, gateway: gatewayLoad, nginx: nginxLoad });
    }
    const best = (pick: (r: (typeof rows)[number]) => Load | null) => Math.max(...rows.map((r) => pick(r)?.rps ?? 0));
    const directRps = best((r) => r.direct);
    const gatewayRps = best((r) => r.gateway);
    const nginxRps = nginxUrl ? best((r) => r.nginx) : null;

    // Latency added at half the gateway's saturating load: the same steady rate on both paths.
    const rate = Math.max(1, Math.floor(gatewayRps / 2));
    bar.increment(1, { step: `direct @${rate}/s` });
    const directHalf = await pacedLoad(direct, rate, duration);
    bar.increment(1, { step: `gateway @${rate}/s` });
    const gatewayHalf = await pacedLoad(chain, rate, duration);
    bar.stop();

    const summary = {
      direct_rps: Math.round(directRps),
      gateway_rps: Math.round(gatewayRps),
      nginx_rps: nginxRps === null ? null : Math.round(nginxRps),
      ratio: Number((gatewayRps / directRps).toFixed(3)),
      p99_added_ms: Number((gatewayHalf.p99 - directHalf.p99).toFixed(2)),
      half_load_rps: rate,
      gateway_p99_ms_at_half_load: gatewayHalf.p99,
      direct_p99_ms_at_half_load: directHalf.p99,
      gateway_p50_ms_at_half_load: gatewayHalf.p50,
      direct_p50_ms_at_half_load: directHalf.p50,
      errors: rows.reduce((n, r) => n + r.gateway.errors + r.gateway.non2xx, 0) + gatewayHalf.errors + gatewayHalf.non2xx,
      load_generator: loadGenerator,
      cpu_us_per_exchange: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, Math.round(v)])),
      storage: databaseUrl ? 'postgres' : 'pglite',
      exchange_log: withLog,
      duration_s: duration,
      cpus: cpus().length,
      node: process.version,
      ...(nginxNote ? { nginx_note: nginxNote } : {}),
    };
    say('\nconcurrency | direct rps (p99 ms) | gateway rps (p99 ms) | nginx rps (p99 ms)');
    for (const r of rows) {
      say(`${String(r.concurrency).padStart(11)} | ${r.direct.rps.toFixed(0).padStart(8)} (${r.direct.p99.toFixed(1)}) | ${r.gateway.rps.toFixed(0).padStart(8)} (${r.gateway.p99.toFixed(1)}) | ${r.nginx ? `${r.nginx.rps.toFixed(0).padStart(8)} (${r.nginx.p99.toFixed(1)})` : 'n/a'}`);
    }
    say(`CPU per exchange at concurrency ${Math.max(...concurrencies)}: ${Object.entries(cpu).map(([k, v]) => `${k.replaceAll('_', ' ')} ${Math.round(v)} µs`).join(', ')}`);
    say(`half load ${rate}/s (paced): direct p50 ${directHalf.p50} p99 ${directHalf.p99} ms, gateway p50 ${gatewayHalf.p50} p99 ${gatewayHalf.p99} ms`);
    console.log(json ? JSON.stringify(summary) : JSON.stringify(summary, null, 2));
  } finally {
    bar.stop();
    stopAll();
    await new Promise((r) => setTimeout(r, 300));
    rmSync(work, { recursive: true, force: true });
  }
}

function cpuOf(pids: Record<string, number>): Record<string, number | undefined> {
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    stopAll();
    process.exit(1);
  },
);
