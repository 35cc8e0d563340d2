import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { sql } from 'kysely';
import { sha256 } from '../core/crypto.js';
import { testBackends } from '../core/storage/testing.js';
import { breachNotice, Incidents } from './incidents.js';
import { recordLogEvent } from './log-monitor.js';
import { observe, type ObservedLeaf } from './rollups.js';
import type { SignInSource } from './rules.js';
import { oversightFixture, T0, type OversightFixture } from './testing.js';

const BPS = 'ID/GOV/BPS/SENSUS';
const KEMENKES = 'ID/GOV/KEMENKES/SATUSEHAT';
const PERSON = 'ID/GOV/DUKCAPIL/SIAK/person';
const WINDOW = 10 * 60_000;

let seq = 0;
function row(o: { time: number; client?: string; purpose?: string; outcome?: string; subject?: string; service?: string }): ObservedLeaf {
  const client = o.client ?? BPS;
  return {
    gateway: `${client.split('/').slice(0, 3).join('/')}/gw1`, idx: seq++, exchange_id: randomUUID(), side: 'consumer', time: o.time, client, client_member: client.split('/').slice(0, 3).join('/'),
    service: o.service ?? PERSON, provider_member: 'ID/GOV/DUKCAPIL', purpose: o.purpose ?? 'STATISTIK-SENSUS', legal_basis: 'UU 16/1997 Statistik',
    subject: sha256(o.subject ?? `subject ${seq % 15}`), outcome: o.outcome ?? 'ok', status: o.outcome === 'refused' ? 403 : 200, code: o.outcome === 'refused' ? 'client.access_denied' : null, duration_ms: 12,
  };
}

/** Two days of ordinary traffic: each client every 2 minutes, usual purpose, a handful of subjects. */
function normalTraffic(until: number): ObservedLeaf[] {
  const rows = [];
  for (let t = until - 2 * 86_400_000; t < until; t += 120_000) {
    rows.push(row({ time: t }));
    rows.push(row({ time: t + 1000, client: KEMENKES, purpose: 'LAYANAN-KESEHATAN' }));
    if (t % (3_600_000) === 0) rows.push(row({ time: t + 2000, outcome: 'refused' }));
  }
  return rows;
}

for (const backend of testBackends()) {
  describe(`security rules on ${backend.kind}`, () => {
    let f: OversightFixture;
    const failures: { key: string; member: string | null; count: number }[] = [];
    const signIns: SignInSource = { failures: async () => failures };
    const received: { body: string; signature: string | undefined }[] = [];
    let hook: Server;

    before(async () => {
      hook = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          received.push({ body, signature: req.headers['simpul-signature'] as string | undefined });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
      const port = (hook.address() as { port: number }).port;
      f = await oversightFixture(backend, { signIns, webhook: { url: `http://127.0.0.1:${port}/alerts`, secret: 'test-webhook-secret' } });
    });
    after(async () => {
      await f?.close();
      hook?.close();
    });
    beforeEach(async () => {
      await sql`TRUNCATE observed_exchange, exchange_rollup, alert, log_event, incident, service_level`.execute(f.oversight.db);
      failures.length = 0;
      received.length = 0;
      f.clock.now = T0;
    });

    const insert = async (rows: ObservedLeaf[]) => {
      await observe(f.oversight.db, rows);
    };
    const fired = async () => (await f.oversight.rules.evaluate()).map((a) => `${a.rule} ${a.subjectKey}`).sort();

    it('stays quiet on ordinary traffic', async () => {
      await insert(normalTraffic(T0));
      assert.deepEqual(await fired(), []);
      failures.push({ key: 'siti@portal', member: null, count: 3 });
      assert.deepEqual(await fired(), [], 'a few failed sign-ins are ordinary');
    });

    it('volume: a client far above its normal rate', async () => {
      await insert(normalTraffic(T0));
      // 300 lookups of the same few subjects in ten minutes: volume, not harvesting.
      await insert(Array.from({ length: 300 }, (_, i) => row({ time: T0 - WINDOW + i * 1000, subject: `subject ${i % 10}` })));
      assert.deepEqual(await fired(), [`volume ${BPS}`]);
      const [alert] = await f.oversight.alerts.list({ rule: 'volume' });
      assert.equal(alert!.member, 'ID/GOV/BPS');
      assert.match(alert!.detail, /305 pertukaran/);
    });

    it('purpose: a purpose the client never used for the service', async () => {
      await insert(normalTraffic(T0));
      await insert([row({ time: T0 - 60_000, purpose: 'PENEGAKAN-HUKUM' }), row({ time: T0 - 30_000, purpose: 'PENEGAKAN-HUKUM' })]);
      assert.deepEqual(await fired(), [`purpose ${BPS} ${PERSON} PENEGAKAN-HUKUM`]);
    });

    it('refusals: many refused requests by one client', async () => {
      await insert(normalTraffic(T0));
      await insert(Array.from({ length: 25 }, (_, i) => row({ time: T0 - 5 * 60_000 + i * 1000, client: KEMENKES, purpose: 'LAYANAN-KESEHATAN', outcome: 'refused' })));
      assert.deepEqual(await fired(), [`refusals ${KEMENKES}`]);
    });

    it('harvest: many distinct subjects read by one client, raised once while it lasts, posted to the webhook', async () => {
      await insert(normalTraffic(T0));
      await insert(Array.from({ length: 150 }, (_, i) => row({ time: T0 - WINDOW + i * 3000, subject: `harvested ${i}` })));
      assert.deepEqual(await fired(), [`harvest ${BPS}`]);
      f.clock.now = T0 + 60_000;
      await insert(Array.from({ length: 40 }, (_, i) => row({ time: T0 + i * 300, subject: `harvested more ${i}` })));
      assert.deepEqual(await fired(), [`harvest ${BPS}`]);
      const alerts = await f.oversight.alerts.list({ rule: 'harvest' });
      assert.equal(alerts.length, 1, 'the same burst extends one alert');
      assert.equal(alerts[0]!.severity, 'high');
      assert.equal(received.length, 1, 'the webhook hears of a new alert once');
      const payload = JSON.parse(received[0]!.body) as { alert: { id: string; rule: string } };
      assert.equal(payload.alert.rule, 'harvest');
      assert.equal(received[0]!.signature, `sha256=${createHmac('sha256', 'test-webhook-secret').update(received[0]!.body).digest('hex')}`);
      assert.equal(alerts[0]!.webhook_status, 'sent 204');
    });

    it('checkpoint: a witness refusal is alerted once, and closing it does not raise it again', async () => {
      await insert(normalTraffic(T0));
      await recordLogEvent(f.oversight.db, { gateway: 'ID/GOV/DUKCAPIL/gw1', kind: 'witness_refusal', detail: 'BPS refused size 40: same size, different root', evidence: 'note', time: T0 - 1000 });
      const [event] = await f.oversight.db.selectFrom('log_event').select('id').execute();
      assert.deepEqual(await fired(), [`checkpoint ID/GOV/DUKCAPIL/gw1 #${event!.id}`]);
      const [alert] = await f.oversight.alerts.list({ rule: 'checkpoint' });
      assert.match(alert!.detail, /^witness_refusal: /);
      await f.oversight.alerts.close(alert!.id, 'auditor-x', 'Checked with BPS: a stale witness state after restore.');
      assert.deepEqual(await fired(), []);
    });

    it('sign-in: many failed sign-ins for one account', async () => {
      failures.push({ key: 'admin@registry', member: null, count: 14 });
      assert.deepEqual(await fired(), ['sign-in admin@registry']);
    });

    it('sla: a service slower or failing more than its service level, quiet within it', async () => {
      await f.oversight.db.insertInto('service_level').values({ service: PERSON, p95_ms: 100, max_error_rate: 0.05, set_by: 'dukcapil.admin', set_at: T0 }).execute();
      await insert(normalTraffic(T0));
      assert.deepEqual(await fired(), [], 'ordinary traffic answers in 12 ms');
      await insert(Array.from({ length: 30 }, (_, i) => ({ ...row({ time: T0 - 60_000 + i * 100, subject: `s ${i % 5}` }), duration_ms: 450 })));
      assert.deepEqual(await fired(), [`sla ${PERSON}`]);
      const [alert] = await f.oversight.alerts.list({ rule: 'sla' });
      assert.equal(alert!.member, 'ID/GOV/DUKCAPIL', 'the provider is told');
    });

    it('an alert is acknowledged, then closed only with a note', async () => {
      await insert(Array.from({ length: 25 }, (_, i) => row({ time: T0 - 60_000 + i, outcome: 'refused' })));
      await f.oversight.rules.evaluate();
      const [alert] = await f.oversight.alerts.list();
      const acked = await f.oversight.alerts.acknowledge(alert!.id, 'admin');
      assert.equal(acked.status, 'acknowledged');
      await assert.rejects(f.oversight.alerts.acknowledge(alert!.id, 'admin'), { code: 'oversight.alert_state' });
      await assert.rejects(f.oversight.alerts.close(alert!.id, 'admin', ' '), { code: 'request.invalid' });
      const closed = await f.oversight.alerts.close(alert!.id, 'admin', 'Misconfigured client token; rotated.');
      assert.deepEqual([closed.status, closed.closed_by, closed.close_note], ['closed', 'admin', 'Misconfigured client token; rotated.']);
    });

    it('an incident from a harvesting alert gives the Pasal 46 breach notice, due within 3×24 hours', async () => {
      const burst = Array.from({ length: 120 }, (_, i) => row({ time: T0 - WINDOW + i * 4000, subject: `harvested ${i}` }));
      // The provider's gateway logged the same exchanges, with commitments under its own key.
      await insert([...burst, ...burst.map((r, i) => ({ ...r, gateway: 'ID/GOV/DUKCAPIL/gw1', idx: r.idx + 100_000, side: 'provider', subject: sha256(`provider key ${i}`) }))]);
      await f.oversight.rules.evaluate();
      const [alert] = await f.oversight.alerts.list({ rule: 'harvest' });
      const incidents = new Incidents({ db: f.oversight.db, directory: f.oversight.directory, now: () => f.clock.now });
      await assert.rejects(incidents.fromAlert(alert!, { measures: '', contact: 'x' }, 'admin'), { code: 'request.invalid' });
      const incident = await incidents.fromAlert(alert!, { measures: 'Token klien BPS dicabut; akses dibatasi.', contact: 'ppid@bps.go.id' }, 'admin');
      assert.equal(incident.subjects_count, 120);
      assert.equal(incident.member, 'ID/GOV/BPS');
      const notice = breachNotice(incident, f.oversight.directory);
      assert.match(notice, /Pasal 46/);
      assert.match(notice, /a\. Data Pribadi yang terungkap/);
      assert.match(notice, /b\. Kapan dan bagaimana Data Pribadi terungkap/);
      assert.match(notice, /c\. Upaya penanganan dan pemulihan/);
      assert.match(notice, /Data penduduk \(ID\/GOV\/DUKCAPIL\/SIAK\/person\)/);
      assert.match(notice, /terdampak: <strong>120<\/strong>/);
      assert.match(notice, /8 Jan 2026|8 Januari 2026/, 'detected 5 January 10:00 WIB: due three days later');
      assert.ok(notice.includes(sha256('harvested 7').toString('hex')), 'the annex lists commitments for the controller to resolve');
    });
  });
}
