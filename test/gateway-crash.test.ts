/**
 * Crash safety: a consumer gateway runs as its own process while clients drive exchanges
 * through it; it is killed with SIGKILL at random moments and restarted on the same storage.
 * Every exchange a client saw acknowledged must be in the gateway's records and its log,
 * log indices must be contiguous and unique, and the log must verify.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { createHttpBackend } from '../src/adapters/http.js';
import { freePort } from '../src/core/net.js';
import { b64 } from '../src/core/crypto.js';
import type { SubsystemId } from '../src/core/ids.js';
import { openDatabase } from '../src/core/storage/database.js';
import { testBackends } from '../src/core/storage/testing.js';
import { LocalClients } from '../src/gateway/context.js';
import { Gateway } from '../src/gateway/gateway.js';
import { H } from '../src/gateway/protocol.js';
import { writeKeyFile, type GatewaySettings } from '../src/gateway/settings.js';
import { GatewayStore, type GatewayTables } from '../src/gateway/store.js';
import { TestFederation } from '../src/gateway/testing.js';
import { decodeExchangeLeaf } from '../src/log/index.js';
import { verifyLog } from '../src/log/verify.js';
import { signConfiguration } from '../src/registry/global-conf.js';

const SERVICE = 'ID/GOV/DUKCAPIL/SIAK/person';
const CLIENT = 'ID/GOV/BPS/SENSUS';
const NIK = '3201014101900001';
const KILLS = 3;

for (const storage of testBackends()) {
  describe(`gateway crash safety (${storage.kind})`, () => {
    const work = mkdtempSync(join(tmpdir(), 'simpul-crash-'));
    const cleanup: (() => Promise<void>)[] = [];
    after(async () => {
      for (const c of cleanup.reverse()) await c().catch(() => undefined);
      rmSync(work, { recursive: true, force: true });
    });

    it(`loses no acknowledged exchange across ${KILLS} SIGKILLs, and the log stays contiguous and verifiable`, async () => {
      const agency = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ nik: NIK })));
      await new Promise<void>((r) => agency.listen(0, '127.0.0.1', () => r()));
      cleanup.push(() => new Promise((r) => agency.close(() => r())));

      const fed = await TestFederation.create();
      const dukcapil = await fed.identity('ID/GOV/DUKCAPIL');
      const bps = await fed.identity('ID/GOV/BPS');
      fed.service(SERVICE, true);
      fed.grant(CLIENT, SERVICE, 'STATISTIK', 'UU 16/1997 Statistik');
      const [providerPeer, consumerPort, consumerPeer] = [await freePort(), await freePort(), await freePort()];
      fed.setAddress(dukcapil.id, `https://127.0.0.1:${providerPeer}`);
      fed.setAddress(bps.id, `https://127.0.0.1:${consumerPeer}`);

      // The provider runs here; the consumer gateway is the process that gets killed.
      const pdb = await storage.open<GatewayTables>('crash_provider');
      const provider = await Gateway.start({ identity: dukcapil, database: pdb, configuration: fed.source(), backends: new Map([[SERVICE, createHttpBackend({ type: 'http', url: `http://127.0.0.1:${(agency.address() as AddressInfo).port}` })]]), consumer: { port: 0 }, peer: { port: providerPeer }, logLevel: 'silent', log: { key: dukcapil.logKey!, checkpointIntervalMs: 200, quorum: 1 } });
      cleanup.push(() => provider.close());

      const dir = join(work, 'bps');
      mkdirSync(dir);
      writeKeyFile(join(dir, 'keys.json'), bps);
      writeFileSync(join(dir, 'conf.json'), JSON.stringify(signConfiguration(fed.configuration(), fed.registryKey)));
      const schema = `crash_bps_${randomBytes(3).toString('hex')}`;
      const database = storage.url ? { url: storage.url, schema } : { dataDir: 'db', schema };
      const settings: GatewaySettings = { id: bps.id, keyFile: 'keys.json', registry: { anchor: b64.encode(fed.registryKey.publicKey), configurationFile: 'conf.json' }, consumer: { port: consumerPort }, peer: { port: consumerPeer }, database, backends: {}, log: { enabled: true, checkpointIntervalMs: 200, quorum: 1 } };
      writeFileSync(join(dir, 'gateway.json'), JSON.stringify(settings));
      const token = LocalClients.newToken();
      {
        const db = await openDatabase<GatewayTables>(storage.url ? { url: storage.url, schema } : { dataDir: join(dir, 'db'), schema });
        const store = await GatewayStore.open(db);
        await store.setClientCredential(CLIENT as SubsystemId, LocalClients.hash(token));
        await store.close();
      }
      if (storage.url) {
        cleanup.push(async () => {
          const db = await openDatabase({ url: storage.url, schema });
          const { dropSchema } = await import('../src/core/storage/database.js');
          await dropSchema(db.db as never, schema);
          await db.close();
        });
      }

      let child: ChildProcess | undefined;
      const start = async () => {
        child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'gateway', 'serve', '--settings', join(dir, 'gateway.json'), '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        await new Promise<void>((resolve, reject) => {
          createInterface({ input: child!.stdout! }).on('line', (line) => line.startsWith('{') && resolve());
          child!.once('exit', (code) => reject(new Error(`gateway exited with ${code}: ${stderr.slice(-1500)}`)));
        });
      };
      cleanup.push(async () => {
        if (child?.exitCode === null) child.kill('SIGKILL');
      });

      const acknowledged = new Set<string>();
      let lastRefusal = '';
      const url = `http://127.0.0.1:${consumerPort}/r1/${SERVICE}/${NIK}`;
      const headers = { authorization: `Bearer ${token}`, [H.client]: CLIENT, [H.purpose]: 'STATISTIK', [H.subject]: NIK };
      for (let round = 0; round < KILLS; round++) {
        await start();
        let driving = true;
        const drivers = Array.from({ length: 6 }, async () => {
          while (driving) {
            const id = randomUUID();
            try {
              const r = await fetch(url, { headers: { ...headers, [H.id]: id } });
              if (r.status === 200) acknowledged.add(id);
              else lastRefusal = `${r.status} ${await r.text()}`;
              if (r.bodyUsed === false) await r.arrayBuffer();
            } catch {
              // The gateway died under this request: not acknowledged, nothing to check.
            }
          }
        });
        // Kill at a random moment once this round has had exchanges acknowledged.
        const before = acknowledged.size;
        for (let i = 0; i < 600 && acknowledged.size === before; i++) await new Promise((r) => setTimeout(r, 100));
        await new Promise((r) => setTimeout(r, Math.random() * 1000));
        const dead = new Promise((r) => child!.once('exit', r));
        child!.kill('SIGKILL');
        await dead;
        driving = false;
        await Promise.all(drivers);
      }
      assert.ok(acknowledged.size >= KILLS, `exchanges were acknowledged before the kills (${acknowledged.size}; last refusal: ${lastRefusal})`);

      await start();
      const base = `http://127.0.0.1:${consumerPort}`;
      // Every acknowledged exchange is a leaf; indices are 0..n-1 without gaps. The published
      // checkpoint trails the stored log by up to a checkpoint interval: wait until it covers all.
      const readLog = async () => {
        const size = Number((await (await fetch(`${base}/log/checkpoint`)).text()).split('\n')[1]);
        const leaves: { index: number; id: string }[] = [];
        for (let startAt = 0; startAt < size; ) {
          const page = (await (await fetch(`${base}/log/entries?start=${startAt}&end=${size}`)).json()) as { entries: { index: number; leaf: string }[] };
          for (const e of page.entries) leaves.push({ index: e.index, id: decodeExchangeLeaf(Buffer.from(e.leaf, 'base64')).id });
          startAt += page.entries.length;
        }
        return { size, leaves };
      };
      let { size, leaves } = await readLog();
      for (let i = 0; i < 100 && [...acknowledged].some((id) => !leaves.some((l) => l.id === id)); i++) {
        await new Promise((r) => setTimeout(r, 200));
        ({ size, leaves } = await readLog());
      }
      assert.deepEqual(leaves.map((l) => l.index), Array.from({ length: size }, (_, i) => i), 'contiguous, unique indices');
      const logged = new Set(leaves.map((l) => l.id));
      const missing = [...acknowledged].filter((id) => !logged.has(id));
      assert.deepEqual(missing, [], 'every acknowledged exchange is in the log');
      const result = await verifyLog({ gateway: base, quorum: 0 });
      assert.ok(result.checkpoint.size >= acknowledged.size);
      child!.kill('SIGTERM');
    });
  });
}
