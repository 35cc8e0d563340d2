/**
 * The registry as an operator runs it: `simpul registry init`, `serve` as a real process, and
 * the management subcommands talking to it over HTTP.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { b64, generateSigningKey } from '../src/core/crypto.js';
import { createTlsKeyAndCsr } from '../src/core/pki.js';
import { register } from '../src/registry/cli.js';
import { verifyConfiguration, type SignedGlobalConfiguration } from '../src/registry/global-conf.js';

/** Runs `simpul registry …` in this process and returns what it printed and its exit code. */
async function simpul(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  const program = new Command('simpul').exitOverride();
  register(program);
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...parts: unknown[]) => void out.push(parts.join(' '));
  console.error = (...parts: unknown[]) => void err.push(parts.join(' '));
  process.exitCode = 0;
  try {
    await program.parseAsync(['registry', ...args], { from: 'user' });
  } finally {
    console.log = log;
    console.error = error;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { out: out.join('\n'), err: err.join('\n'), code };
}

describe('simpul registry (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'simpul-registry-cli-'));
  const dataDir = join(dir, 'registry');
  let server: ChildProcess | undefined;
  let url = '';
  let anchor = '';
  let password = '';

  before(async () => {
    const init = await simpul('init', '--data-dir', dataDir, '--instance', 'ID', '--port', '0');
    assert.equal(init.code, 0, init.err);
    password = /Password \(shown only once\): (\S+)/.exec(init.out)?.[1] ?? '';
    anchor = /Trust anchor \(Ed25519, base64\): (\S+)/.exec(init.out)?.[1] ?? '';
    assert.ok(password && anchor, init.out);

    server = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'registry', 'serve', '--data-dir', dataDir, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [first] = (await once(createInterface({ input: server.stdout! }), 'line')) as [string];
    url = (JSON.parse(first) as { registry: string }).registry;
  });

  after(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('initialises once: keys private to the owner, and a second init is refused', async () => {
    assert.equal(statSync(join(dataDir, 'registry-keyring.json')).mode & 0o777, 0o600);
    assert.doesNotMatch(readFileSync(join(dataDir, 'registry.json'), 'utf8'), /password/i);
    const again = await simpul('init', '--data-dir', dataDir);
    assert.equal(again.code, 1);
    assert.match(again.err, /already holds a registry/);
  });

  it('manages the instance through the API and publishes what it manages', async () => {
    const login = await simpul('login', '--registry', url, '--username', 'admin', '--password', password);
    assert.equal(login.code, 0, login.err);
    const token = /SIMPUL_TOKEN=(\S+)/.exec(login.out)?.[1] ?? '';
    const auth = ['--registry', url, '--token', token];

    const openapi = join(dir, 'person.openapi.json');
    writeFileSync(openapi, JSON.stringify({ openapi: '3.1.0', info: { title: 'person', version: '1' }, paths: { '/{nik}': {} } }));
    const signingKey = b64.encode(generateSigningKey().publicKey);
    const { csrPem } = await createTlsKeyAndCsr('ID/GOV/DUKCAPIL/gw1', ['127.0.0.1']);
    writeFileSync(join(dir, 'gw1.csr'), csrPem);

    const steps = [
      ['member', 'add', '--id', 'ID/GOV/DUKCAPIL', '--name', 'Ditjen Dukcapil'],
      ['member', 'add', '--id', 'ID/GOV/BPS', '--name', 'Badan Pusat Statistik'],
      ['subsystem', 'add', '--id', 'ID/GOV/DUKCAPIL/SIAK'],
      ['subsystem', 'add', '--id', 'ID/GOV/BPS/SENSUS'],
      ['service', 'add', '--id', 'ID/GOV/DUKCAPIL/SIAK/person', '--title', 'Data penduduk', '--openapi', openapi, '--personal-data'],
      ['gateway', 'add', '--id', 'ID/GOV/DUKCAPIL/gw1', '--address', 'https://127.0.0.1:8443', '--signing-key', signingKey, '--csr', join(dir, 'gw1.csr'), '--out', join(dir, 'gw1.crt'), '--ca-out', join(dir, 'ca.crt')],
      ['right', 'grant', '--client', 'ID/GOV/BPS/SENSUS', '--service', 'ID/GOV/DUKCAPIL/SIAK/person', '--purpose', 'STATISTIK-SENSUS', '--legal-basis', 'UU 16/1997 Statistik'],
    ];
    for (const step of steps) {
      const result = await simpul(...step, ...auth);
      assert.equal(result.code, 0, `${step.join(' ')}: ${result.err}`);
    }
    assert.equal(new X509Certificate(readFileSync(join(dir, 'gw1.crt'))).verify(new X509Certificate(readFileSync(join(dir, 'ca.crt'))).publicKey), true);

    const list = await simpul('right', 'list', ...auth);
    assert.match(list.out, /ID\/GOV\/BPS\/SENSUS -> ID\/GOV\/DUKCAPIL\/SIAK\/person {2}STATISTIK-SENSUS {2}\[UU 16\/1997 Statistik\] {2}active/);
    const rightId = list.out.split(/\s+/)[0]!;

    const signed = (await (await fetch(`${url}/global-conf`)).json()) as SignedGlobalConfiguration;
    const conf = verifyConfiguration(signed, b64.decode(anchor));
    assert.deepEqual(conf.accessRights.map((r) => r.id), [rightId]);
    assert.equal(conf.services[0]?.personalData, true);
    const verified = await simpul('conf', '--registry', url, '--anchor', anchor);
    assert.match(verified.out, /Global configuration verified: ID versi\/version \d+/);

    const revoke = await simpul('right', 'revoke', rightId, ...auth);
    assert.equal(revoke.code, 0, revoke.err);
    assert.match((await simpul('right', 'list', ...auth)).out, /No access rights/);
    assert.match((await simpul('right', 'list', '--all', ...auth)).out, /revoked/);
    const audit = await simpul('audit', '--limit', '2', ...auth);
    assert.match(audit.out, /admin {2}right\.revoke/);
  });

  it('reports refusals with their stable code and a non-zero exit', async () => {
    const noToken = await simpul('member', 'list', '--registry', url);
    assert.equal(noToken.code, 1);
    assert.match(noToken.err, /\[auth\.unauthenticated\]/);
    const badToken = await simpul('member', 'list', '--registry', url, '--token', 'spl_wrong');
    assert.match(badToken.err, /\[auth\.unauthenticated\]/);
    const wrong = await simpul('login', '--registry', url, '--username', 'admin', '--password', 'wrong-password-1');
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /\[auth\.unauthenticated\]/);
  });

  it('stops cleanly on SIGTERM', async () => {
    server!.kill('SIGTERM');
    const [code] = (await once(server!, 'exit')) as [number];
    assert.equal(code, 0);
  });
});
