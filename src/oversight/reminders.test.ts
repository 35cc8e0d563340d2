/**
 * Access-right expiry reminders: sent once per right and threshold to a real webhook receiver,
 * signed; not sent again after a restart; listed for the agencies concerned only; a renewed
 * right reminded again.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { HttpApp } from '../core/http/app.js';
import type { Database } from '../core/storage/database.js';
import { testBackends } from '../core/storage/testing.js';
import { GLOBAL_CONF_FORMAT, type AccessRightEntry, type GlobalConfiguration } from '../registry/global-conf.js';
import type { RegistryTables } from '../registry/schema.js';
import { registryAuth } from './console-auth.js';
import { createOversight, type Oversight } from './oversight.js';
import { REMINDER_EVENT, reminderDays } from './reminders.js';
import { registryWithRoles } from './testing.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 2, 2, 0, 0);
const SECRET = 'reminder-webhook-secret';

function right(id: string, client: string, service: string, expiresAt: number): AccessRightEntry {
  return { id, client: client as never, service: service as never, purpose: 'PELAYANAN' as never, legalBasis: 'UU 24/2013 Adminduk', grantedAt: new Date(T0 - 300 * DAY).toISOString(), grantedBy: 'root', expiresAt: new Date(expiresAt).toISOString() };
}

function configuration(rights: AccessRightEntry[]): GlobalConfiguration {
  return {
    format: GLOBAL_CONF_FORMAT, instance: 'ID' as never, version: 1, generatedAt: new Date(T0).toISOString(), expiresAt: new Date(T0 + DAY).toISOString(), caCertificate: '',
    members: [{ id: 'ID/GOV/DUKCAPIL', name: 'Dukcapil', subsystems: [] }, { id: 'ID/GOV/BPS', name: 'BPS', subsystems: [] }, { id: 'ID/GOV/KEMENKES', name: 'Kemenkes', subsystems: [] }] as never,
    gateways: [], services: [], accessRights: rights,
  };
}

interface Received { signature: string | undefined; body: string; event: { type: string; reminder: { right: string; withinDays: number; agencies: string[]; expiresAt: string } } }

describe('expiry reminder thresholds', () => {
  it('are distinct whole days; sorted ascending', () => {
    assert.deepEqual(reminderDays(undefined), [1, 7, 30]);
    assert.deepEqual(reminderDays([14, 3]), [3, 14]);
    for (const bad of [[], [0], [7, 7], [1.5], [400]]) assert.throws(() => reminderDays(bad), /whole days/);
  });
});

for (const backend of testBackends()) {
  describe(`access-right expiry reminders on ${backend.kind}`, () => {
    let hook: Server;
    let hookUrl: string;
    const received: Received[] = [];
    let database: Database<unknown>;
    let registryDb: Database<RegistryTables>;
    let registryApp: HttpApp;
    let registryUrl: string;
    let tokens: Record<string, string>;
    const clock = { now: T0 };
    const conf = configuration([]);
    let oversight: Oversight | undefined;

    const start = async () => {
      oversight = await createOversight({
        database, configuration: () => conf, logUrls: () => ({}), intervalMs: 0, now: () => clock.now, logLevel: 'silent',
        webhook: { url: `${hookUrl}/simpul`, secret: SECRET }, auth: registryAuth(registryUrl),
      });
      return oversight;
    };
    const sent = () => received.map((r) => `${r.event.reminder.right} ${r.event.reminder.withinDays}`);

    before(async () => {
      hook = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          received.push({ signature: req.headers['simpul-signature'] as string | undefined, body, event: JSON.parse(body) as Received['event'] });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
      hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}`;
      registryDb = await backend.open<RegistryTables>('ovn_registry');
      const r = await registryWithRoles(registryDb);
      registryApp = r.app;
      registryUrl = r.url;
      tokens = r.tokens;
    });
    beforeEach(async () => {
      await oversight?.close();
      oversight = undefined;
      await database?.close();
      database = await backend.open<unknown>('ovn');
      received.length = 0;
      clock.now = T0;
    });
    after(async () => {
      await oversight?.close();
      await database?.close();
      await registryApp?.close();
      await registryDb?.close();
      hook?.close();
    });

    it('sends one signed reminder per threshold to the webhook, naming both agencies', async () => {
      const expiry = T0 + 40 * DAY;
      conf.accessRights = [right('r-census', 'ID/GOV/BPS/SENSUS', 'ID/GOV/DUKCAPIL/SIAK/person', expiry), right('r-open', 'ID/GOV/BPS/SENSUS', 'ID/GOV/DUKCAPIL/SIAK/family', expiry + 400 * DAY)];
      conf.accessRights.push({ ...right('r-forever', 'ID/GOV/KEMENKES/SATUSEHAT', 'ID/GOV/DUKCAPIL/SIAK/person', 0), expiresAt: null });
      const o = await start();
      await o.tick();
      assert.deepEqual(sent(), [], 'nothing is due 40 days ahead');
      for (const [at, expected] of [[expiry - 30 * DAY, ['r-census 30']], [expiry - 29 * DAY, []], [expiry - 7 * DAY + 1, ['r-census 7']], [expiry - 3 * DAY, []], [expiry - DAY, ['r-census 1']], [expiry - 1000, []], [expiry + 1000, []]] as const) {
        received.length = 0;
        clock.now = at;
        await o.tick();
        await o.tick();
        assert.deepEqual(sent(), expected, `at expiry − ${(expiry - at) / DAY} days`);
      }
      clock.now = expiry - DAY;
      const [last] = (await o.reminders.list()).filter((r) => Number(r.threshold_days) === 1);
      assert.equal(last!.webhook_status, 'sent 204');
      assert.equal((await o.reminders.list()).length, 3);

      // What the receiver got: the distinct event type, both agencies, the HMAC of the exact body.
      received.length = 0;
      conf.accessRights = [right('r-kemenkes', 'ID/GOV/KEMENKES/SATUSEHAT', 'ID/GOV/DUKCAPIL/SIAK/person', clock.now + 5 * DAY)];
      await o.tick();
      assert.equal(received.length, 1, 'a right first seen 5 days ahead gets the 7-day reminder only');
      const [r] = received;
      assert.equal(r!.event.type, REMINDER_EVENT);
      assert.deepEqual([r!.event.reminder.right, r!.event.reminder.withinDays, r!.event.reminder.agencies], ['r-kemenkes', 7, ['ID/GOV/KEMENKES', 'ID/GOV/DUKCAPIL']]);
      assert.equal(r!.signature, `sha256=${createHmac('sha256', SECRET).update(r!.body).digest('hex')}`);
    });

    it('is not sent again after a restart; a failed delivery is retried until it gets through', async () => {
      const expiry = T0 + 20 * DAY;
      conf.accessRights = [right('r-census', 'ID/GOV/BPS/SENSUS', 'ID/GOV/DUKCAPIL/SIAK/person', expiry)];
      let o = await start();
      await o.tick();
      assert.deepEqual(sent(), ['r-census 30']);
      await o.close();
      o = await start();
      await o.tick();
      assert.deepEqual(sent(), ['r-census 30'], 'the restarted service remembers what it sent');

      // The receiver is down when the 7-day reminder is due, then back.
      await o.close();
      oversight = await createOversight({ database, configuration: () => conf, logUrls: () => ({}), intervalMs: 0, now: () => clock.now, logLevel: 'silent', webhook: { url: 'http://127.0.0.1:9/unreachable', secret: SECRET } });
      clock.now = expiry - 6 * DAY;
      await oversight.tick();
      assert.match((await oversight.reminders.list())[0]!.webhook_status!, /^failed/);
      await oversight.close();
      o = await start();
      await o.tick();
      await o.tick();
      assert.deepEqual(sent(), ['r-census 30', 'r-census 7'], 'delivered once, on the first round the receiver answers');
    });

    it('a renewed right (a new expiry) is reminded again', async () => {
      const expiry = T0 + 10 * DAY;
      conf.accessRights = [right('r-census', 'ID/GOV/BPS/SENSUS', 'ID/GOV/DUKCAPIL/SIAK/person', expiry)];
      const o = await start();
      await o.tick();
      assert.deepEqual(sent(), ['r-census 30']);
      // Renewed for a year: the same right with another expiry (and, as the registry does it, a new grant).
      const renewed = expiry + 365 * DAY;
      conf.accessRights = [right('r-census', 'ID/GOV/BPS/SENSUS', 'ID/GOV/DUKCAPIL/SIAK/person', renewed), right('r-census-2027', 'ID/GOV/BPS/SENSUS', 'ID/GOV/DUKCAPIL/SIAK/family', renewed)];
      clock.now = expiry - DAY;
      await o.tick();
      assert.deepEqual(sent(), ['r-census 30'], 'the renewed right is far from its new expiry');
      clock.now = renewed - 30 * DAY;
      await o.tick();
      assert.deepEqual(sent().sort(), ['r-census 30', 'r-census 30', 'r-census-2027 30']);
      assert.equal(received[1]!.event.reminder.expiresAt, new Date(renewed).toISOString());
    });

    it('lists reminders for the agencies concerned only; registry administrator and auditor see all', async () => {
      conf.accessRights = [
        right('r-census', 'ID/GOV/BPS/SENSUS', 'ID/GOV/DUKCAPIL/SIAK/person', T0 + 3 * DAY),
        right('r-health', 'ID/GOV/KEMENKES/SATUSEHAT', 'ID/GOV/DUKCAPIL/SIAK/person', T0 + 3 * DAY),
      ];
      const o = await start();
      await o.tick();
      const listed = async (who?: string) => {
        const res = await o.app.inject({ url: '/api/v1/notifications', ...(who ? { headers: { authorization: `Bearer ${tokens[who]}` } } : {}) });
        return res.statusCode === 200 ? (res.json() as { right: string }[]).map((r) => r.right).sort() : res.json().code;
      };
      assert.equal(await listed(), 'auth.unauthenticated');
      assert.deepEqual(await listed('root'), ['r-census', 'r-health']);
      assert.deepEqual(await listed('auditor'), ['r-census', 'r-health']);
      assert.deepEqual(await listed('dukcapil.admin'), ['r-census', 'r-health'], 'the provider sees the rights it granted');
      assert.deepEqual(await listed('bps.admin'), ['r-census'], 'the client sees its own right, not another agency\'s');

      const page = async (who: string) => (await o.app.inject({ url: '/konsol/pemberitahuan', cookies: { oversight_session: tokens[who]! } })).body;
      const bps = await page('bps.admin');
      assert.match(bps, /ID\/GOV\/BPS\/SENSUS/);
      assert.doesNotMatch(bps, /KEMENKES/);
      assert.match(bps, /7 hari sebelumnya/);
      assert.match(await page('auditor'), /KEMENKES\/SATUSEHAT/);
    });
  });
}
