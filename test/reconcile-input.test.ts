/**
 * Bad input gives a clear error naming the file and line, and never leaves an output file that
 * looks complete; good input in the dialects agencies export (`;`, tab, BOM, CRLF, quoted
 * fields) is read without being told. One test runs the real `simpul reconcile` command.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { SimpulError } from '../src/core/errors.js';
import { REPOSITORY_ROOT } from '../src/reconcile/benchmark-datasets.js';
import { readReportConfig } from '../src/reconcile/cli.js';
import { detectDelimiter, inspectCsv } from '../src/reconcile/csv-source.js';
import { Engine } from '../src/reconcile/engine.js';
import { parseFieldMap } from '../src/reconcile/field-map.js';
import { loadSources } from '../src/reconcile/prepare.js';
import { writeSyntheticRegisters } from '../src/reconcile/synthetic-population.js';
import { dedupeFile, linkFiles } from '../src/reconcile/tasks.js';

const dir = mkdtempSync(join(tmpdir(), 'simpul-reconcile-input-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function file(content: string | Buffer): string {
  const path = join(dir, `in-${counter++}.csv`);
  writeFileSync(path, content);
  return path;
}

const GOOD = 'id,nama,tgl_lahir\n1,Budi Santoso,1990-01-20\n2,Siti Aminah,1985-03-04\n3,Agus Salim,1970-12-31\n';
const MAP = parseFieldMap('full_name=nama,birth_date=tgl_lahir');

async function dedupeError(path: string, map = MAP, id = 'id'): Promise<SimpulError> {
  const out = join(dir, `out-${counter++}.csv`);
  try {
    await dedupeFile({ input: { file: path, id, map }, out, engine: { threads: 1 } });
  } catch (error) {
    assert.ok(error instanceof SimpulError, `expected a SimpulError, got ${String(error)}`);
    assert.equal(existsSync(out), false, 'no output file after a failure');
    return error;
  }
  assert.fail('expected the run to fail');
}

describe('reading agency files', () => {
  it('detects the delimiter, including FEBRL\'s ", "', () => {
    assert.equal(detectDelimiter('a;b;c\n1;2;3\n'), ';');
    assert.equal(detectDelimiter('a\tb\tc\n1\t2\t3\n'), '\t');
    assert.equal(detectDelimiter('a|b\n1|2\n'), '|');
    assert.equal(detectDelimiter('a,b,c\n"x;y",2,3\n'), ',');
    assert.equal(detectDelimiter('rec_id, given_name, surname\nrec-1, , smith\n'), ', ');
  });

  it('reads a semicolon file with a byte-order mark, CRLF lines and quoted fields', async () => {
    const path = file(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('ID;NAMA;TGL\r\n1;"Santoso; Budi";20/01/1990\r\n2;"Siti ""Ani"" Aminah";04-03-1985')]));
    const layout = await inspectCsv(path);
    assert.deepEqual(layout, { path, delimiter: ';', header: ['ID', 'NAMA', 'TGL'] });
    const engine = await Engine.open({ threads: 1 });
    try {
      await loadSources(engine, [{ spec: { file: path, id: 'ID', map: parseFieldMap('full_name=NAMA,birth_date=TGL') }, table: 't' }]);
      const rows = await engine.rows<{ id: string; name: string; dob_txt: string }>('SELECT id, name, dob_txt FROM t ORDER BY id');
      assert.deepEqual(rows, [
        { id: '1', name: 'santoso budi', dob_txt: '19900120' },
        { id: '2', name: 'siti ani aminah', dob_txt: '19850304' },
      ]);
    } finally {
      engine.close();
    }
  });

  it('names the file and line of a row with the wrong number of fields', async () => {
    const error = await dedupeError(file('id,nama,tgl_lahir\n1,Budi,1990-01-20\n2,Siti\n3,Agus,1970-12-31\n'));
    assert.equal(error.code, 'reconcile.invalid_input');
    assert.match(error.message, /in-\d+\.csv, line 3: expected 3 fields, found 2/);
  });

  it('names the line where a quoted field is never closed', async () => {
    const error = await dedupeError(file('id,nama,tgl_lahir\n1,Budi,1990-01-20\n2,"Siti,1985-03-04\n3,Agus,1970-12-31\n'));
    assert.match(error.message, /line 3: a quoted field is never closed/);
  });

  it('refuses a file that is not UTF-8, with line and column', async () => {
    const latin1 = Buffer.concat([Buffer.from('id,nama,tgl_lahir\n1,Budi,1990-01-20\n2,Ren'), Buffer.from([0xe9]), Buffer.from(',1985-03-04\n')]);
    const error = await dedupeError(file(latin1));
    assert.match(error.message, /line 3, column 6: byte 0xE9 is not UTF-8/);
    const utf16 = await dedupeError(file(Buffer.from('\ufeffid,nama\n', 'utf16le')));
    assert.match(utf16.message, /UTF-16/);
  });

  it('refuses empty files and files without records', async () => {
    assert.match((await dedupeError(file(''))).message, /is empty/);
    assert.match((await dedupeError(file('id,nama,tgl_lahir\n'))).message, /no records/);
  });

  it('names a mapped column the file does not have', async () => {
    const error = await dedupeError(file(GOOD), parseFieldMap('full_name=nama,birth_date=tanggal'));
    assert.equal(error.code, 'reconcile.invalid_mapping');
    assert.match(error.message, /column "tanggal" mapped to birth_date is not in the header \(id, nama, tgl_lahir\)/);
  });

  it('refuses blank and repeated ids', async () => {
    const blank = await dedupeError(file('id,nama,tgl_lahir\n1,Budi,1990-01-20\n,Siti,1985-03-04\n'));
    assert.match(blank.message, /line 3: 1 record\(s\) have a blank id/);
    const repeated = await dedupeError(file('id,nama,tgl_lahir\n1,Budi,1990-01-20\n1,Siti,1985-03-04\n'));
    assert.match(repeated.message, /repeated: "1" \(2 times\)/);
  });

  it('rejects malformed field maps', () => {
    assert.throws(() => parseFieldMap('nama=NAMA'), /Unknown canonical field "nama"/);
    assert.throws(() => parseFieldMap('full_name'), /not canonical=column/);
    assert.throws(() => parseFieldMap('address=a+'), /empty column name/);
    assert.deepEqual(parseFieldMap(' address = jalan + rt_rw , nik=NIK'), { address: ['jalan', 'rt_rw'], nik: ['NIK'] });
  });

  it('reads a report configuration with paths relative to it, and names what is wrong in a bad one', async () => {
    const config = join(dir, 'report.json');
    writeFileSync(config, JSON.stringify({ base: { agency: 'DUKCAPIL', file: 'base.csv', id: 'NIK', map: 'nik=NIK,full_name=NAMA' }, agencies: [{ agency: 'BPS', file: 'sub/bps.csv', id: 'id', map: 'full_name=nama' }], threshold: 0.8 }));
    const read = await readReportConfig(config);
    assert.equal(read.base.file, join(dir, 'base.csv'));
    assert.equal(read.agencies[0]?.file, join(dir, 'sub', 'bps.csv'));
    assert.deepEqual(read.agencies[0]?.map, { full_name: ['nama'] });
    assert.equal(read.threshold, 0.8);
    writeFileSync(config, JSON.stringify({ base: { agency: 'DUKCAPIL', file: 'base.csv', id: 'NIK' }, agencies: [] }));
    await assert.rejects(readReportConfig(config), /"agencies" must list at least one source/);
    writeFileSync(config, JSON.stringify({ base: { agency: 'DUKCAPIL', file: 'base.csv', id: 'NIK' }, agencies: [{ agency: 'BPS', file: 'b.csv', id: 'id', map: 'nama=x' }] }));
    await assert.rejects(readReportConfig(config), /base\.map must be a non-empty string/);
    writeFileSync(config, '{ not json');
    await assert.rejects(readReportConfig(config), /not a readable JSON report configuration/);
  });

  it('leaves an earlier output untouched when a later run fails', async () => {
    const out = join(dir, 'kept.csv');
    writeFileSync(out, 'left_id,right_id,match_probability\na,b,0.99\n');
    await assert.rejects(
      linkFiles({
        left: { file: file(GOOD), id: 'id', map: MAP },
        right: { file: file('id,nama,tgl_lahir\n1,Budi,1990-01-20\n2,"Siti\n'), id: 'id', map: MAP },
        out,
        engine: { threads: 1 },
      }),
      SimpulError,
    );
    assert.equal(readFileSync(out, 'utf8'), 'left_id,right_id,match_probability\na,b,0.99\n');
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.partial')), []);
  });
});

describe('simpul reconcile (the command)', () => {
  const run = promisify(execFile);
  const cli = (args: string[]) => run(process.execPath, ['--import', 'tsx', join(REPOSITORY_ROOT, 'src/cli/main.ts'), 'reconcile', ...args], { cwd: REPOSITORY_ROOT });

  it('links two synthetic registers and reports a bad option as a one-line error with a non-zero exit', async () => {
    const files = await writeSyntheticRegisters(join(dir, 'synthetic'), { persons: 200, seed: 3 });
    const out = join(dir, 'cli-links.csv');
    const args = ['link', files.registry, files.agency, '--left-id', files.registryId, '--right-id', files.agencyId, '--left-map', files.registryMap, '--right-map', files.agencyMap, '--out', out];
    const ok = await cli([...args, '--one-to-one', '--threads', '1']);
    assert.match(ok.stdout, /Tertaut \/ linked: \d+ pasangan/);
    // Score the links against the person_id column both files carry (and the matcher never saw).
    const person = (path: string, idColumn: number, separator: string): Map<string, string> =>
      new Map(readFileSync(path, 'utf8').trimEnd().split('\n').slice(1).map((line) => {
        const cells = line.split(separator);
        return [cells[idColumn] as string, cells[cells.length - 1] as string];
      }));
    const left = person(files.registry, 0, ';');
    const right = person(files.agency, 0, ',');
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    assert.equal(lines[0], 'left_id,right_id,match_probability');
    const links = lines.slice(1).map((l) => l.split(','));
    const correct = links.filter(([l, r]) => left.get(l as string) === right.get(r as string)).length;
    const truePairs = [...right.values()].filter((p) => [...left.values()].includes(p)).length;
    assert.ok(correct / links.length >= 0.98, `precision ${correct}/${links.length}`);
    assert.ok(correct / truePairs >= 0.95, `recall ${correct}/${truePairs}`);
    await assert.rejects(cli([...args, '--threshold', '1.5']), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr, /^galat \/ error \[reconcile\.invalid_option\]: The threshold is a match probability strictly between 0 and 1; got 1\.5\.\n$/);
      return true;
    });
  });
});
