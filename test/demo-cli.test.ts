/**
 * `simpul demo` as a newcomer runs it: with `--nats-url`, DUKCAPIL's change events travel
 * through NATS JetStream (a private broker here, never the shared one) and an address change
 * still reaches every subscriber; Ctrl-C then stops the whole federation cleanly, without a
 * gateway refusing another's checkpoint because its database already closed (ADR 0048).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { demoNatsUrl } from '../src/demo/cli.js';
import type { DemoManifest } from '../src/demo/federation.js';
import { startPrivateNatsServer, type PrivateNatsServer } from '../src/events/private-nats-server.js';

describe('simpul demo --nats-url', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'simpul-demo-cli-'));
  const portBase = 12000 + 100 * Math.floor(Math.random() * 190);
  let broker: PrivateNatsServer;
  let demo: ChildProcess;
  let output = '';

  before(async () => {
    broker = await startPrivateNatsServer();
    demo = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--data-dir', dataDir, '--port-base', String(portBase), '--persons', '200', '--log-level', 'warn', '--nats-url', broker.url], {
      env: { ...process.env, NODE_NO_WARNINGS: '1', NATS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    demo.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    await until(() => output.includes('Ctrl-C'), 240_000, 'the demo did not start');
  });
  after(async () => {
    if (demo.exitCode === null) demo.kill('SIGKILL');
    await broker?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function until(ready: () => boolean | Promise<boolean>, timeoutMs: number, message: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await ready())) {
      if (demo.exitCode !== null) assert.fail(`${message}: the demo exited with ${demo.exitCode}\n${output}`);
      if (Date.now() > deadline) assert.fail(`${message}\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('carries an address change through JetStream to every subscriber, then stops on Ctrl-C without errors', async () => {
    const manifest = JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8')) as DemoManifest;
    assert.equal(manifest.events?.transport, 'jetstream');
    assert.match(output, /\(jetstream\)/, 'the guide names the transport');

    const nik = manifest.examples[0]!.headers['Simpul-Subject']!;
    const moved = await fetch(`${manifest.agencies.DUKCAPIL!.backend}/persons/${nik}/address`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ street: 'JL. MERDEKA NO. 1' }) });
    assert.equal(moved.status, 200, await moved.clone().text());
    await until(async () => {
      const all = (await (await fetch(`${manifest.events!.url}/subscriptions`)).json()) as { subscriptions: { service: string; head: number; position: number }[] };
      const subscriptions = all.subscriptions.filter((s) => s.service === manifest.events!.service);
      return subscriptions.length === 3 && subscriptions.every((s) => s.head >= 1 && s.position === s.head);
    }, 60_000, 'the subscribers did not apply the address change');

    const stopping = Date.now();
    const before = output.length;
    const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
    demo.kill('SIGINT');
    assert.equal(await exited, 0, output);
    const shutdown = output.slice(before);
    assert.match(shutdown, /Stopped; data kept/);
    assert.doesNotMatch(shutdown, /already been destroyed|WitnessRefusal|"level":(50|60)/, 'no gateway fails while the federation stops');
    assert.ok(Date.now() - stopping < 20_000, `stopping took ${Date.now() - stopping} ms`);
  });
});

describe('demo broker choice', () => {
  it('uses JetStream only when asked on the command line; a bare --nats-url takes NATS_URL', () => {
    assert.equal(demoNatsUrl(undefined, { NATS_URL: 'nats://127.0.0.1:4222' }), undefined, 'NATS_URL alone does not take the demo off its embedded outbox');
    assert.equal(demoNatsUrl('nats://10.0.0.5:4222', { NATS_URL: 'nats://127.0.0.1:4222' }), 'nats://10.0.0.5:4222');
    assert.equal(demoNatsUrl(true, { NATS_URL: 'nats://127.0.0.1:4222' }), 'nats://127.0.0.1:4222');
    assert.throws(() => demoNatsUrl(true, {}), /NATS_URL, which is not set/);
  });
});
