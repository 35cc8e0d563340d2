/**
 * Issue 8's "Done when", end to end over the demo federation started in process: an operator
 * grants a right in the console and sees the traffic on the map, a burst of lookups by one
 * client raises the harvesting alert that becomes a breach-notice draft, and the public page
 * shows the statistics and checkpoints whose `simpul log verify` commands verify. Every step
 * goes through the running services over HTTP (the console's own forms, the gateways, the
 * oversight API, the CLI as printed); waits poll for the monitor's round, never sleep blindly.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { serverUrl } from '../src/core/storage/testing.js';
import { startDemo, type DemoManifest, type RunningDemo } from '../src/demo/federation.js';
import { registryAuth } from '../src/oversight/console-auth.js';
import { freshDatabase } from './demo-fresh-database.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

const CLIENT = 'ID/GOV/BPS/SENSUS';
const SERVICE = 'ID/GOV/KEMENKES/SATUSEHAT/patient';
const PURPOSE = 'STATISTIK-KESEHATAN';
const LEGAL_BASIS = 'UU 16/1997 Statistik; UU 17/2023 Kesehatan Pasal 350';
const NIK_SYSTEM = 'https://fhir.kemkes.go.id/id/nik';
const edgeOf = (from: string, to: string) => new RegExp(`data-from="${from}" data-to="${to}" data-total="(\\d+)"`);

/** Polls until `probe` gives a value (the monitor's rounds are asynchronous), or fails saying what never happened. */
async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const unescapeHtml = (text: string) => text.replace(/&(lt|gt|quot|#39|amp);/g, (_m, e: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[e]!);

/** A browser's part in the console: cookies, CSRF tokens from the forms, redirects not followed. */
class ConsoleVisitor {
  readonly #cookies = new Map<string, string>();
  constructor(readonly base: string) {}

  async #fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(new URL(path, this.base), { ...init, redirect: 'manual', headers: { ...init.headers as Record<string, string>, cookie: [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const set of response.headers.getSetCookie()) {
      const [pair] = set.split(';');
      const at = pair!.indexOf('=');
      this.#cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    return response;
  }

  async page(path: string): Promise<string> {
    const response = await this.#fetch(path);
    assert.equal(response.status, 200, `GET ${path}`);
    return response.text();
  }

  /** Fills and submits a form of the page at `from`, as a browser would (its hidden CSRF field included). */
  async submit(from: string, action: string, fields: Record<string, string>): Promise<string> {
    const page = await this.page(from);
    assert.ok(page.includes(`action="${action}"`), `${from} has a form posting to ${action}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const response = await this.#fetch(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: unescapeHtml(csrf), ...fields }).toString() });
    assert.equal(response.status, 303, `POST ${action}: ${await response.clone().text()}`);
    return response.headers.get('location')!;
  }
}

for (const kind of serverUrl() ? ['pglite', 'postgres'] : ['pglite']) describe(`oversight "done when" over the demo federation on ${kind}`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'simpul-oversight-flow-'));
  // Below the ephemeral port range (32768+), where outgoing connections would collide.
  const portBase = 12000 + 100 * Math.floor(Math.random() * 190);
  let drop: (() => Promise<void>) | undefined;
  let demo: RunningDemo;
  let manifest: DemoManifest;
  let oversight: string;
  let token: string;
  const visitor = () => new ConsoleVisitor(oversight);
  /** Every data subject BPS's client read with an answer: what the harvesting rule counts at BPS's gateway. */
  const bpsSubjects = new Set<string>();
  const counted = { ok: 0, refused: 0 };

  before(async () => {
    let databaseUrl: string | undefined;
    if (kind === 'postgres') ({ url: databaseUrl, drop } = await freshDatabase(serverUrl()!));
    // A one-second oversight round instead of five: the test waits for rounds, it does not sleep.
    demo = await startDemo({ dataDir, portBase, persons: 300, logLevel: 'silent', databaseUrl, oversightIntervalMs: 1000 });
    manifest = JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8')) as DemoManifest;
    oversight = new URL(manifest.transparency.url).origin;
    token = (await registryAuth(manifest.registry.url).signIn(manifest.admin.username, manifest.admin.password))!.token;
  });
  after(async () => {
    await demo?.close();
    rmSync(dataDir, { recursive: true, force: true });
    await drop?.();
  });

  /** BPS's census system asks KEMENKES for a patient by NIK, through BPS's gateway. */
  const lookup = async (nik: string): Promise<Response> => {
    const client = manifest.clients[CLIENT]!;
    const response = await fetch(`${client.gateway}/r1/${SERVICE}?identifier=${encodeURIComponent(`${NIK_SYSTEM}|${nik}`)}`, {
      headers: { authorization: `Bearer ${client.token}`, 'simpul-client': CLIENT, 'simpul-purpose': PURPOSE, 'simpul-subject': nik },
    });
    if (response.status === 200) {
      counted.ok++;
      bpsSubjects.add(nik);
    } else if (response.status === 403) counted.refused++;
    return response;
  };
  const api = async <T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${oversight}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) } });
    const type = response.headers.get('content-type') ?? '';
    return { status: response.status, body: (type.includes('json') ? await response.json() : await response.text()) as T };
  };
  const pairFigures = async () => {
    const { body } = await api<{ rows: { consumer: string; provider: string; service: string; total: number; ok: number; refused: number }[] }>(`/api/v1/statistics?from=${Date.now() - 3_600_000}&to=${Date.now() + 60_000}`);
    return body.rows.find((r) => r.consumer === 'ID/GOV/BPS' && r.provider === 'ID/GOV/KEMENKES' && r.service === SERVICE);
  };

  it('(a) the registry administrator grants a right in the console: refused before, answered after', async () => {
    const persons = demo.data.persons;
    const refused = await lookup(persons[0]!.nik);
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { code: string }).code, 'client.access_denied');

    const operator = visitor();
    const signIn = await operator.submit('/konsol/masuk', '/konsol/masuk', { username: manifest.admin.username, password: manifest.admin.password, next: '/konsol/hak-akses' });
    assert.equal(signIn, '/konsol/hak-akses');
    const traffic = await operator.page('/konsol/lalu-lintas');
    assert.doesNotMatch(traffic, edgeOf('ID/GOV/BPS', 'ID/GOV/KEMENKES'), 'no BPS → KEMENKES edge on the map yet');
    const rights = await operator.page('/konsol/hak-akses');
    assert.ok(rights.includes(`<option value="${CLIENT}">`) && rights.includes(`<option value="${SERVICE}">`), 'the form offers the client subsystem and the service');
    const saved = await operator.submit('/konsol/hak-akses', '/konsol/hak-akses', { client: CLIENT, service: SERVICE, purpose: PURPOSE, legalBasis: LEGAL_BASIS, expiresAt: '' });
    assert.equal(saved, '/konsol/hak-akses?ok=1');
    const listed = await operator.page('/konsol/hak-akses');
    assert.match(listed, new RegExp(`<code>${CLIENT}</code></th><td><code>${SERVICE}</code></td><td>${PURPOSE}</td><td>${LEGAL_BASIS}</td><td>${manifest.admin.username}, `), 'listed with purpose, legal basis and grantor');

    // The gateways take the right from the registry's next signed configuration.
    const answered = await until('the right to reach the gateways', async () => {
      const response = await lookup(persons[0]!.nik);
      if (response.status === 200) return response;
      assert.equal(response.status, 403, await response.text());
      await new Promise((r) => setTimeout(r, 500));
      return undefined;
    });
    assert.equal(((await answered.json()) as { resourceType: string }).resourceType, 'Bundle');
  });

  it('(b) the exchanges appear in the statistics and as a new edge on the traffic map', async () => {
    for (const p of demo.data.persons.slice(1, 13)) assert.equal((await lookup(p.nik)).status, 200);
    const row = await until('the monitor to count the new exchanges', async () => {
      const r = await pairFigures();
      return r && r.ok === counted.ok && r.refused === counted.refused ? r : undefined;
    });
    assert.equal(row.total, counted.ok + counted.refused);
    assert.ok(row.ok >= 13 && row.refused >= 1);
    const operator = visitor();
    await operator.submit('/konsol/masuk', '/konsol/masuk', { username: manifest.admin.username, password: manifest.admin.password, next: '/konsol/lalu-lintas' });
    const traffic = await operator.page('/konsol/lalu-lintas');
    assert.equal(edgeOf('ID/GOV/BPS', 'ID/GOV/KEMENKES').exec(traffic)?.[1], String(row.total), 'the map\'s BPS → KEMENKES edge carries the volume');
    assert.match(traffic, /<svg role="img" aria-labelledby="peta-lalu-lintas-title"/);
  });

  it('(c) ordinary traffic raises no harvesting alert; a burst of lookups does, and becomes a breach-notice draft', async () => {
    // Ordinary demo traffic: every ready-made example once, waited for per client agency and service.
    const okBy = async () => new Map((await api<{ rows: { consumer: string; service: string; ok: number }[] }>('/api/v1/statistics')).body.rows.map((r) => [`${r.consumer} ${r.service}`, r.ok]));
    const expected = await okBy();
    for (const example of manifest.examples) {
      const response = await fetch(example.gateway + example.path, { method: example.method, headers: example.headers });
      assert.equal(response.status, example.expect_status, example.description);
      const client = example.headers['Simpul-Client']!;
      if (client === CLIENT && example.headers['Simpul-Subject']) bpsSubjects.add(example.headers['Simpul-Subject']);
      const key = `${client.split('/').slice(0, 3).join('/')} ${example.path.split('?')[0]!.split('/').slice(2, 7).join('/')}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    await until('the monitor to observe the examples', async () => {
      const observed = await okBy();
      return [...expected].every(([key, ok]) => (observed.get(key) ?? 0) >= ok) || undefined;
    });
    const harvest = async () => (await api<{ id: string; rule: string; subject: string; evidence: { distinctSubjects: number; gateway: string } }[]>('/api/v1/alerts')).body.filter((a) => a.rule === 'harvest');
    assert.deepEqual(await harvest(), [], 'ordinary traffic raised no harvesting alert');

    // The burst: 120 different people in a minute, by one client.
    const burst = demo.data.persons.slice(20, 140);
    for (const p of burst) assert.equal((await lookup(p.nik)).status, 200);
    assert.ok(bpsSubjects.size >= 120);
    const alert = await until('the harvesting alert over the whole burst', async () => (await harvest()).find((a) => a.subject === CLIENT && a.evidence.distinctSubjects === bpsSubjects.size));
    assert.equal(alert.evidence.gateway, manifest.gateways['ID/GOV/BPS']!.id, 'subjects are counted at the client\'s own gateway');

    const measures = 'Token klien SENSUS dicabut; akses SATUSEHAT ditinjau ulang.';
    const alertNow = async () => (await api<{ id: string; windowStart: string; windowEnd: string }[]>('/api/v1/alerts')).body.find((a) => a.id === alert.id)!;
    const before = await alertNow();
    const incident = await api<{ id: string; subjects: number; notice: string; member: string }>(`/api/v1/alerts/${alert.id}/incident`, { method: 'POST', body: JSON.stringify({ measures, contact: 'ppid@bps.go.id' }) });
    assert.equal(incident.status, 201, JSON.stringify(incident.body));
    assert.equal(incident.body.subjects, bpsSubjects.size);
    assert.equal(incident.body.member, 'ID/GOV/BPS');
    const notice = await api<string>(incident.body.notice);
    assert.equal(notice.status, 200);
    // The alert's window grows while the pattern goes on; the notice has the window as the incident was opened.
    const afterwards = await alertNow();
    const wib = (ms: number) => `${new Intl.DateTimeFormat('id-ID', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Asia/Jakarta' }).format(ms)} WIB`;
    const ends = new Set<string>();
    for (let t = Date.parse(before.windowEnd); t <= Date.parse(afterwards.windowEnd) + 60_000; t += 30_000) ends.add(wib(Math.min(t, Date.parse(afterwards.windowEnd))));
    assert.equal(before.windowStart, afterwards.windowStart);
    assert.ok([...ends].some((end) => notice.body.includes(`Antara ${wib(Date.parse(before.windowStart))} dan ${end}.`)), 'the notice names the alert\'s time window');
    for (const [what, text] of [
      ['the data', `Pasien (FHIR R4 Patient) (${SERVICE})`],
      ['the client', CLIENT],
      ['the controller', 'Badan Pusat Statistik (ID/GOV/BPS)'],
      ['the number of subjects', `terdampak: <strong>${bpsSubjects.size}</strong>`],
      ['the measures', measures],
    ] as const) assert.ok(notice.body.includes(text), `the notice names ${what}: ${text}`);
    for (const nik of bpsSubjects) assert.ok(!notice.body.includes(nik), 'commitments, not NIKs');
  });

  it('(d) the public page shows the statistics and every gateway\'s checkpoint, and its verify commands verify', async () => {
    const page = await (await fetch(manifest.transparency.url)).text();
    assert.match(page, /Pasien \(FHIR R4 Patient\)/);
    assert.match(page, /Badan Pusat Statistik → Kementerian Kesehatan/);
    assert.match(page, edgeOf('ID/GOV/BPS', 'ID/GOV/KEMENKES'), 'the new edge is on the public map too');
    for (const nik of bpsSubjects) assert.ok(!page.includes(nik));

    const checkpoints = (await (await fetch(`${manifest.transparency.url}data/checkpoint.json`)).json()) as { gateway: string; size: number; note: string }[];
    const gateways = Object.values(manifest.gateways);
    assert.deepEqual(checkpoints.map((c) => c.gateway).sort(), gateways.map((g) => g.id).sort(), 'a verified checkpoint of every gateway');
    for (const g of gateways) {
      const published = checkpoints.find((c) => c.gateway === g.id)!;
      assert.ok(page.includes(`<code>${g.id}</code>`), `${g.id} has a section`);
      assert.ok(unescapeHtml(page).includes(published.note.split('\n').slice(0, 3).join('\n')), `${g.id}'s signed checkpoint is shown`);
      const shown = new RegExp(`<pre tabindex="0">(npx simpul log verify --gateway ${g.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} [^<]*)</pre>`).exec(page);
      assert.ok(shown, `${g.id} shows how to verify it`);
      // Run as printed, from a checkout of the project.
      const command = unescapeHtml(shown[1]!);
      const { stdout } = await run('/bin/sh', ['-c', command], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 });
      const verified = /OK: log (\S+) terverifikasi \/ verified: (\d+) entri/.exec(stdout);
      assert.ok(verified, `${command}\n${stdout}`);
      assert.equal(verified[1], `simpul.go.id/log/${g.id}`);
      assert.ok(Number(verified[2]) >= published.size, 'the log verified at least as far as the page shows');
      assert.match(stdout, /witness cosignatures: \S+, \S+/, 'with two witnesses\' cosignatures');
    }
  });
});
