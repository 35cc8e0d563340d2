import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { testBackends } from '../core/storage/testing.js';
import type { ExchangeId } from '../core/ids.js';
import type { ExchangeRecord } from './exchange-record.js';
import { GatewayStore, type GatewayTables } from './store.js';

const record = (id: string, outcome: ExchangeRecord['outcome'] = 'ok'): ExchangeRecord => ({
  id: id as ExchangeId,
  side: 'provider',
  time: Date.now(),
  client: 'ID/GOV/BPS/SENSUS',
  service: 'ID/GOV/DUKCAPIL/SIAK/person',
  purpose: 'STATISTIK',
  legalBasis: 'UU 16/1997 Statistik',
  subjectCommitment: null,
  outcome,
  status: outcome === 'ok' ? 200 : 409,
  code: outcome === 'ok' ? null : 'message.replayed',
  requestHash: Buffer.alloc(32, 1),
  responseHash: null,
  peer: 'ID/GOV/BPS/gw1',
  durationMs: 1,
});

for (const storage of testBackends()) {
  describe(`gateway records on ${storage.kind}`, () => {
    const stores: GatewayStore[] = [];
    after(async () => {
      for (const s of stores) await s.close();
    });

    it('keeps the rest of a group commit when one record is an exchange accepted a second time', async () => {
      const store = await GatewayStore.open(await storage.open<GatewayTables>('gw_store'));
      stores.push(store);
      const twice = randomUUID();
      const other = randomUUID();
      // The same turn of the event loop: one batch, one INSERT.
      const outcomes = await Promise.allSettled([store.record(record(twice)), store.record(record(twice)), store.record(record(other)), store.record(record(twice, 'refused'))]);
      assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      const rows = await store.db.selectFrom('exchange_record').select(['id', 'outcome']).orderBy('seq').execute();
      assert.deepEqual(rows.map((r) => [r.id === twice ? 'twice' : 'other', r.outcome]), [['twice', 'ok'], ['other', 'ok'], ['twice', 'refused']]);
    });
  });
}
