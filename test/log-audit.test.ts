/**
 * Auditing a gateway's log: `simpul log verify` over the public API and `simpul log fsck` on
 * the database must each notice a single changed byte in any stored leaf, hash, checkpoint or
 * cosignature, and `verify-receipt` must accept a genuine receipt and refuse a tampered one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { sql } from 'kysely';
import { generateSigningKey } from '../src/core/crypto.js';
import { createHttpApp, listen, type HttpApp } from '../src/core/http/app.js';
import { openDatabase, type Database } from '../src/core/storage/database.js';
import { testBackends } from '../src/core/storage/testing.js';
import { Checkpointer } from '../src/log/checkpointer.js';
import { register } from '../src/log/cli.js';
import { fsck } from '../src/log/fsck.js';
import { encodeExchangeLeaf } from '../src/log/leaf.js';
import { migrateLog } from '../src/log/migrations.js';
import { registerLogRoutes } from '../src/log/routes.js';
import { LogStore, appendLeaves, type AnyDb } from '../src/log/store.js';
import { sampleRecord } from '../src/log/testing.js';
import { VerifyError, verifyLog } from '../src/log/verify.js';
import { Witness } from '../src/log/witness.js';
import { WitnessClient, type Post } from '../src/log/witness-client.js';

const ORIGIN = 'simpul.go.id/ID/GOV/KEMENKES/gw1';

/** Runs `simpul log …` in this process and returns its exit code and output. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const program = new Command('simpul').exitOverride();
  register(program);
  const out: string[] = [];
  const err: string[] = [];
  const saved = { log: console.log, error: console.error };
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  process.exitCode = 0;
  try {
    await program.parseAsync(['node', 'simpul', 'log', ...args]);
  } finally {
    Object.assign(console, saved);
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** XORs one byte of a bytea column in place: applied twice, it restores the value. */
async function flip(db: AnyDb, table: string, column: string, where: string, offset: number): Promise<void> {
  await sql.raw(`UPDATE ${table} SET ${column} = set_byte(${column}, ${offset}, get_byte(${column}, ${offset}) # 1) WHERE ${where}`).execute(db);
}
async function flipText(db: AnyDb, table: string, column: string, where: string, from: string, to: string): Promise<void> {
  await sql.raw(`UPDATE ${table} SET ${column} = replace(${column}, '${from}', '${to}') WHERE ${where}`).execute(db);
}

for (const backend of testBackends()) {
  describe(`log audit on ${backend.kind}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'simpul-log-audit-'));
    const schema = backend.kind === 'pglite' ? 'gateway' : `log_audit_${process.pid}`;
    let database: Database<unknown>;
    let db: AnyDb;
    let app: HttpApp;
    let gateway: string;
    let checkpointer: Checkpointer;
    let store: LogStore;
    let client: WitnessClient;
    const records = Array.from({ length: 700 }, (_, i) => sampleRecord(i));
    const open = () => openDatabase<unknown>(backend.kind === 'pglite' ? { dataDir: join(dir, 'db'), schema } : { url: backend.url, schema, poolSize: 4 });

    before(async () => {
      database = await open();
      db = database.db as AnyDb;
      await migrateLog(db, schema);
      store = new LogStore(db);
      const witness = new Witness({ db, name: 'simpul.go.id/ID/GOV/BPS/gw1/witness', key: generateSigningKey(), logKeys: () => checkpointer.verifierKey });
      const direct: Post = async (_url, body) => {
        const r = await witness.addCheckpoint(body);
        return 'cosignature' in r ? { status: 200, body: r.cosignature } : { status: r.status, body: '' };
      };
      const witnesses = [{ name: 'BPS', url: 'https://bps.example/witness', key: witness.verifierKey }];
      client = new WitnessClient({ store, witnesses, quorum: 1, post: direct });
      checkpointer = new Checkpointer({ store, key: generateSigningKey(), origin: ORIGIN, onCheckpoint: (c) => client.submit(c) });
      await appendLeaves(db, records.slice(0, 500).map((r) => ({ exchangeId: r.id, leaf: encodeExchangeLeaf(r) })));
      await checkpointer.signNow();
      await client.settled();
      app = await createHttpApp({ title: 'gateway KEMENKES', logLevel: 'silent' });
      await registerLogRoutes(app, { store, verifierKey: checkpointer.verifierKey, witnesses, quorum: 1, maxPageSize: 128 });
      gateway = await listen(app, 0);
    });
    after(async () => {
      await app.close();
      await database.close();
      if (backend.kind === 'postgres') {
        const cleanup = await openDatabase<unknown>({ url: backend.url, schema });
        await sql.raw(`DROP SCHEMA ${schema} CASCADE`).execute(cleanup.db);
        await cleanup.close();
      }
      rmSync(dir, { recursive: true, force: true });
    });

    it('verify checks the whole log, then only accepts a checkpoint that extends the saved one', async () => {
      const stateFile = join(dir, 'state.json');
      const first = await cli('verify', '--gateway', gateway, '--state', stateFile);
      assert.equal(first.code, 0, first.err);
      assert.match(first.out, /OK: log simpul.go.id\/ID\/GOV\/KEMENKES\/gw1 .*500 entri/);
      await appendLeaves(db, records.slice(500).map((r) => ({ exchangeId: r.id, leaf: encodeExchangeLeaf(r) })));
      await checkpointer.signNow();
      await client.settled();
      const second = await cli('verify', '--gateway', gateway, '--state', stateFile);
      assert.equal(second.code, 0, second.err);
      assert.match(second.out, /700 entri.*\n.*\n.*consistent with the previous run at size 500/);
      const state = JSON.parse(readFileSync(stateFile, 'utf8'));
      assert.equal(state.size, 700);
      // A log that rolls back, or rewrites what was verified, is caught.
      await assert.rejects(verifyLog({ gateway, state: { ...state, size: 800 } }), /rolled back or forked/);
      await assert.rejects(verifyLog({ gateway, state: { ...state, size: 300, root: state.root } }), /history was rewritten/);
      await assert.rejects(verifyLog({ gateway, key: `${ORIGIN}+00000000+AQ==` }), VerifyError);
      // Gzipped entry bundles (for slow links) give the same audit; so does one bundle at a time.
      assert.equal((await verifyLog({ gateway, gzip: true, prefetch: 1 })).state.root, state.root);
    });

    it('verify and fsck each detect a single changed byte in a stored leaf, hash, head, checkpoint or cosignature', async () => {
      assert.equal((await fsck({ db })).problemCount, 0);
      await verifyLog({ gateway });
      const size = (await store.head()).size;
      const damages: { name: string; apply: () => Promise<void>; verify: RegExp | null }[] = [
        { name: 'a leaf byte', apply: () => flip(db, 'log_leaf', 'leaf', 'idx = 333', 100), verify: /Entry 333: the stored leaf hash differs/ },
        { name: 'the first leaf byte', apply: () => flip(db, 'log_leaf', 'leaf', 'idx = 0', 0), verify: /Entry 0: not a valid exchange leaf/ },
        { name: 'a leaf hash', apply: () => flip(db, 'log_hash', 'hashes', 'level = 0 AND block = 2', 32 * 5 + 7), verify: /Entry 517: the stored leaf hash differs/ },
        { name: 'a subtree hash', apply: () => flip(db, 'log_hash', 'hashes', 'level = 3 AND block = 0', 32 * 20 + 31), verify: /level 3, index 20/ },
        { name: 'a high subtree hash', apply: () => flip(db, 'log_hash', 'hashes', 'level = 9 AND block = 0', 0), verify: /level 9, index 0/ },
        { name: 'the frontier', apply: () => flip(db, 'log_head', 'frontier', 'id = 1', 40), verify: null },
        { name: 'a checkpoint root', apply: () => flip(db, 'log_checkpoint', 'root', `size = ${size}`, 3), verify: null },
        { name: 'a signed checkpoint', apply: () => flipText(db, 'log_checkpoint', 'note', `size = ${size}`, `\n${size}\n`, `\n${size - 1}\n`), verify: /checkpoint does not verify/ },
        { name: 'a cosignature', apply: () => flipText(db, 'log_cosignature', 'line', `size = ${size}`, 'witness ', 'witness  '), verify: null },
        { name: 'an exchange id', apply: () => sql`UPDATE log_leaf SET exchange_id = ${records[0]!.id}::uuid WHERE idx = 5`.execute(db).then(() => undefined), verify: null },
      ];
      for (const damage of damages) {
        const before = await sql<{ x: string }>`SELECT md5(string_agg(leaf::text, '' ORDER BY idx)) || md5((SELECT string_agg(hashes::text, '' ORDER BY level, block) FROM log_hash)) AS x FROM log_leaf`.execute(db);
        await damage.apply();
        const report = await fsck({ db });
        assert.ok(report.problemCount > 0, `fsck missed ${damage.name}`);
        if (damage.verify) await assert.rejects(verifyLog({ gateway, prefetch: 1 }), damage.verify, `verify missed ${damage.name}`);
        // Undo the damage for the next case.
        if (damage.name === 'an exchange id') await sql`UPDATE log_leaf SET exchange_id = ${records[5]!.id}::uuid WHERE idx = 5`.execute(db);
        else if (damage.name === 'a signed checkpoint') await flipText(db, 'log_checkpoint', 'note', `size = ${size}`, `\n${size - 1}\n`, `\n${size}\n`);
        else if (damage.name === 'a cosignature') await flipText(db, 'log_cosignature', 'line', `size = ${size}`, 'witness  ', 'witness ');
        else await damage.apply();
        const after = await sql<{ x: string }>`SELECT md5(string_agg(leaf::text, '' ORDER BY idx)) || md5((SELECT string_agg(hashes::text, '' ORDER BY level, block) FROM log_hash)) AS x FROM log_leaf`.execute(db);
        assert.equal(after.rows[0]!.x, before.rows[0]!.x);
        assert.equal((await fsck({ db })).problemCount, 0, `restored after ${damage.name}`);
      }
    });

    it('verify-receipt accepts a genuine receipt offline and refuses a tampered one', async () => {
      const response = await app.inject(`/log/receipt/${records[42]!.id}`);
      assert.equal(response.statusCode, 200);
      const file = join(dir, 'receipt.tlog-proof');
      writeFileSync(file, response.body);
      const witnessKey = ((await app.inject('/log/witnesses')).json() as { witnesses: { key: string }[] }).witnesses[0]!.key;
      const ok = await cli('verify-receipt', file, '--key', checkpointer.verifierKey, '--witness', witnessKey);
      assert.equal(ok.code, 0, ok.err);
      assert.match(ok.out, new RegExp(`entri/entry 42 .*\\n.*${records[42]!.id}`));
      writeFileSync(file, response.body.replace(/^index 42$/m, 'index 43'));
      const bad = await cli('verify-receipt', file, '--key', checkpointer.verifierKey, '--witness', witnessKey);
      assert.equal(bad.code, 1);
      assert.match(bad.err, /GAGAL \/ FAILED: .*inclusion proof/);
      const wrongKey = await cli('verify-receipt', file, '--key', `${ORIGIN}+${'0'.repeat(8)}+AQ==`);
      assert.equal(wrongKey.code, 1);
    });

    it('fsck from the command line reports an intact log and a damaged one', async () => {
      const where = backend.kind === 'pglite' ? ['--data-dir', join(dir, 'db')] : ['--database-url', backend.url!];
      // PGlite's data directory is single-user: the gateway (this test) lets go of it first.
      if (backend.kind === 'pglite') await database.close();
      const ok = await cli('fsck', ...where, '--schema', schema);
      assert.equal(ok.code, 0, `${ok.out}\n${ok.err}`);
      assert.match(ok.out, /OK: log utuh \/ log intact: 700 entri/);
      if (backend.kind === 'pglite') {
        database = await open();
        db = database.db as AnyDb;
      }
      await flip(db, 'log_leaf', 'leaf', 'idx = 600', 50);
      if (backend.kind === 'pglite') await database.close();
      const bad = await cli('fsck', ...where, '--schema', schema);
      assert.equal(bad.code, 1);
      assert.match(bad.err, /hash of leaf 600/);
      if (backend.kind === 'pglite') {
        database = await open();
        db = database.db as AnyDb;
      }
    });
  });
}
