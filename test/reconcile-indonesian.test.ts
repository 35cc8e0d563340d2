/**
 * Indonesian domain knowledge on crafted records: honorifics and degrees, spelling variants of
 * names, addresses, sex codes, date formats, phone numbers, and the NIK — its near-agreement
 * and the birth date and sex it encodes, checked against the record's own.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeNik } from '../src/core/ids.js';
import { Engine } from '../src/reconcile/engine.js';
import { parseFieldMap } from '../src/reconcile/field-map.js';
import { loadSources, normaliseValues } from '../src/reconcile/prepare.js';
import { linkFiles } from '../src/reconcile/tasks.js';

let engine: Engine;
before(async () => {
  engine = await Engine.open({ threads: 1 });
});
after(() => engine.close());

describe('normalisation of Indonesian person data', () => {
  it('drops titles, honorifics and degrees and collapses name variants', async () => {
    const cases: Array<[string, string]> = [
      ['H. Muhammad Yusuf, S.H., M.H.', 'muhammad yusuf'],
      ['M. Yusuf', 'muhammad yusuf'],
      ['Moh. Yusuf', 'muhammad yusuf'],
      ['MOCHAMMAD YUSUF', 'muhammad yusuf'],
      ['Mohamad Yusuf S.Pd.', 'muhammad yusuf'],
      ['Hj. Siti Aminah', 'siti aminah'],
      ['St. Aminah', 'siti aminah'],
      ['Prof. Dr. Ir. Bambang Soeharto, M.Sc.', 'bambang suharto'],
      ['Drs. Achmad Djuanda', 'ahmad juanda'],
      ['dr. Tjahjo Kumolo, Sp.PD', 'cahjo kumolo'],
      ['Abd. Rahman', 'abdul rahman'],
      ['Sukarno', 'sukarno'],
      ['  Dewi   Lestari  ', 'dewi lestari'],
    ];
    const got = await normaliseValues(engine, 'name', cases.map(([raw]) => raw));
    assert.deepEqual(got, cases.map(([, want]) => want));
  });

  it('keeps a name that only looks like a title where it is not one', async () => {
    // "Andi" is a common given name (and a Bugis title); "Haji" inside a name is kept.
    assert.deepEqual(await normaliseValues(engine, 'name', ['Andi Mallarangeng', 'Rahmat Haji Ali', 'Dr.']), ['andi mallarangeng', 'rahmat haji ali', null]);
  });

  it('gives spelling variants one phonetic key', async () => {
    const keys = await normaliseValues(engine, 'phonetic', ['rahmat', 'rachmat', 'zulkifli', 'julkipli', 'fitri', 'pitri', 'syaiful', 'saiful', 'budi', 'bayu']);
    assert.equal(keys[0], keys[1]);
    assert.equal(keys[2], keys[3]);
    assert.equal(keys[4], keys[5]);
    assert.equal(keys[6], keys[7]);
    assert.notEqual(keys[8], keys[9]);
  });

  it('writes street words and RT/RW one way', async () => {
    const got = await normaliseValues(engine, 'address', [
      'Jl. Merdeka No. 5 RT 01/RW 02',
      'JALAN MERDEKA NO 5, RT.001 RW.002',
      'Jln Merdeka no.5 Rt1/Rw2',
      'Jl Merdeka Nomor 5 RT/RW 001/002',
      'Gg. Mawar 3, Kel. Sukajadi, Kec. Sukasari',
    ]);
    assert.equal(got[0], 'jalan merdeka no 5 rt 1 rw 2');
    assert.equal(got[1], got[0]);
    assert.equal(got[2], got[0]);
    assert.equal(got[3], got[0]);
    assert.equal(got[4], 'gang mawar 3 kelurahan sukajadi kecamatan sukasari');
  });

  it('reads sex as L/P whatever the agency wrote', async () => {
    const got = await normaliseValues(engine, 'sex', ['L', 'laki-laki', 'LAKI LAKI', 'Pria', 'M', 'male', '1', 'P', 'PEREMPUAN', 'Wanita', 'F', 'female', '2', 'x', '']);
    assert.deepEqual(got, ['L', 'L', 'L', 'L', 'L', 'L', 'L', 'P', 'P', 'P', 'P', 'P', 'P', null, null]);
  });

  it('recognises the usual date formats without being told, and refuses impossible dates', async () => {
    const got = await normaliseValues(engine, 'date', ['1990-01-20', '19900120', '20/01/1990', '20-01-1990', '1990-02-31', '31/12/1999', '0990-01-20']);
    assert.deepEqual(got, ['1990-01-20', '1990-01-20', '1990-01-20', '1990-01-20', null, '1999-12-31', null]);
  });

  it('strips administrative prefixes from places', async () => {
    assert.deepEqual(await normaliseValues(engine, 'place', ['Kota Bandung', 'KAB. BOGOR', 'DKI Jakarta', 'D.I. Yogyakarta', 'Kabupaten  Sleman']), ['bandung', 'bogor', 'jakarta', 'yogyakarta', 'sleman']);
  });
});

describe('NIK and record checks', () => {
  it('checks the birth date and sex a NIK encodes against the record, as decodeNik reads them', async () => {
    const people = [
      { id: 'a', nik: '3273014501900001', tgl: '05/01/1990', jk: 'P' }, // day 45 = 5 + 40: a woman born 5 Jan 1990
      { id: 'b', nik: '3273010501900002', tgl: '1990-01-05', jk: 'PEREMPUAN' }, // encodes a man
      { id: 'c', nik: '3273012012850003', tgl: '19851220', jk: 'L' },
      { id: 'd', nik: '3273012012850004', tgl: '1985-12-21', jk: 'LAKI-LAKI' }, // day differs
      { id: 'e', nik: '3273 0120 1285 0005', tgl: '1985-12-20', jk: 'L' }, // separators are fine
      { id: 'f', nik: '0000000000000000', tgl: '1985-12-20', jk: 'L' }, // placeholder
      { id: 'g', nik: '3273019913850006', tgl: '1985-12-20', jk: 'L' }, // day 99: not a NIK date
    ];
    const [source] = await loadSources(engine, [{ spec: { file: 'crafted', id: 'id', map: parseFieldMap('nik=nik,birth_date=tgl,sex=jk') }, table: 'niks', records: people }]);
    assert.ok(source);
    const rows = await engine.rows<{ id: string; nik: string | null; nik_dob_ok: boolean | null; nik_sex_ok: boolean | null; nik_structure_ok: boolean | null }>(
      'SELECT id, nik, nik_dob_ok, nik_sex_ok, nik_structure_ok FROM niks ORDER BY id',
    );
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    assert.deepEqual([byId.a?.nik_dob_ok, byId.a?.nik_sex_ok], [true, true]);
    assert.deepEqual([byId.b?.nik_dob_ok, byId.b?.nik_sex_ok], [true, false]);
    assert.deepEqual([byId.c?.nik_dob_ok, byId.c?.nik_sex_ok], [true, true]);
    assert.deepEqual([byId.d?.nik_dob_ok, byId.d?.nik_sex_ok], [false, true]);
    assert.equal(byId.e?.nik, '3273012012850005');
    assert.equal(byId.f?.nik, null);
    assert.equal(byId.g?.nik_structure_ok, false);
    for (const row of rows) {
      if (row.nik) assert.equal(row.nik_structure_ok, decodeNik(row.nik) !== undefined, `structure of ${row.nik}`);
    }
  });

  it('treats one mistyped NIK digit or two swapped digits as near-agreement, and no more', async () => {
    const [row] = await engine.rows<Record<string, boolean>>(`SELECT
      simpul_near_code('3273014501900001', '3273014501900007') AS one_digit,
      simpul_near_code('3273014501900001', '3273014501900010') AS swapped,
      simpul_near_code('3273014501900001', '3273014501900022') AS two_digits,
      simpul_near_code('3273014501900001', '327301450190001') AS shorter`);
    assert.deepEqual(row, { one_digit: true, swapped: true, two_digits: false, shorter: false });
  });

  it('compares phone numbers by their national number', async () => {
    const [row] = await engine.rows<Record<string, string>>(`SELECT simpul_phone_digits('+62 812-3456-789') AS a, simpul_phone_digits('0812 3456 789') AS b, simpul_phone_digits('6281234567 89') AS c`);
    assert.deepEqual(row, { a: '8123456789', b: '8123456789', c: '8123456789' });
  });
});

describe('linking crafted registers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'simpul-reconcile-crafted-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('links agency records written differently to the population registry, and nothing else', async () => {
    const given = ['Agus', 'Budi', 'Cahya', 'Dewi', 'Eko', 'Fajar', 'Gita', 'Hendra', 'Indah', 'Joko', 'Kartika', 'Lestari', 'Made', 'Nanda', 'Oki', 'Putri', 'Rina', 'Sri', 'Taufik', 'Utami', 'Wahyu', 'Yanti', 'Zainal', 'Bayu', 'Citra', 'Dian', 'Endah', 'Fitri'];
    const family = ['Santoso', 'Wijaya', 'Saputra', 'Lestari', 'Hidayat', 'Nugroho', 'Kurniawan', 'Pratama', 'Sari', 'Siregar', 'Nasution', 'Simanjuntak', 'Harahap', 'Lubis'];
    const base: string[] = ['NIK;NAMA_LENGKAP;TGL_LAHIR;JENIS_KELAMIN;ALAMAT'];
    const agency: string[] = ['id,nama,tanggal_lahir,jk,alamat,nik'];
    const truth = new Map<string, string>();
    const people: Array<{ nik: string; name: string; dob: Date; sex: 'L' | 'P'; street: string }> = [];
    for (let i = 0; i < 60; i++) {
      const sex = i % 2 === 0 ? 'L' : 'P';
      const dob = new Date(Date.UTC(1950 + ((i * 7) % 50), (i * 5) % 12, 1 + ((i * 11) % 28)));
      const day = dob.getUTCDate() + (sex === 'P' ? 40 : 0);
      const nik = `3273${String(10 + (i % 80)).padStart(2, '0')}${String(day).padStart(2, '0')}${String(dob.getUTCMonth() + 1).padStart(2, '0')}${String(dob.getUTCFullYear() % 100).padStart(2, '0')}${String(1000 + i).slice(-4)}`;
      const name = `${given[i % given.length]} ${family[(i * 3) % family.length]}`;
      people.push({ nik, name, dob, sex, street: `Merdeka ${(i % 9) + 1}` });
    }
    // The hand-written variants: honorifics, Muhammad/M., Siti/St., missing or mistyped NIK, other date formats.
    const specials: Array<[string, string]> = [
      ['H. Muhammad Rizki', 'M. Rizki'],
      ['Siti Nurhaliza', 'St. Nurhaliza'],
      ['Ir. Bambang Soeharto', 'Bambang Suharto, S.T.'],
      ['Achmad Djunaedi', 'Ahmad Junaedi'],
    ];
    specials.forEach(([b], k) => (people[k]!.name = b));
    people.forEach((p, i) => {
      const iso = p.dob.toISOString().slice(0, 10);
      const [y, m, d] = iso.split('-');
      base.push([p.nik, p.name, iso, p.sex === 'L' ? 'LAKI-LAKI' : 'PEREMPUAN', `Jl. ${p.street} RT 00${(i % 5) + 1}/RW 00${(i % 3) + 1}`].join(';'));
      if (i % 6 === 5) return; // not every resident is in the agency's data
      const name = specials[i]?.[1] ?? p.name;
      const nik = i % 7 === 3 ? '' : i % 7 === 4 ? p.nik.slice(0, 15) + String((Number(p.nik[15]) + 1) % 10) : p.nik;
      const id = `BPS-${1000 + i}`;
      agency.push([id, `"${name}"`, `${d}/${m}/${y}`, p.sex, `"Jalan ${p.street}, Rt.${(i % 5) + 1} Rw.${(i % 3) + 1}"`, nik].join(','));
      truth.set(id, p.nik);
    });
    writeFileSync(join(dir, 'dukcapil.csv'), base.join('\n') + '\n');
    writeFileSync(join(dir, 'bps.csv'), agency.join('\r\n') + '\r\n');
    const out = join(dir, 'links.csv');
    await linkFiles({
      left: { file: join(dir, 'dukcapil.csv'), id: 'NIK', map: parseFieldMap('nik=NIK,full_name=NAMA_LENGKAP,birth_date=TGL_LAHIR,sex=JENIS_KELAMIN,address=ALAMAT') },
      right: { file: join(dir, 'bps.csv'), id: 'id', map: parseFieldMap('nik=nik,full_name=nama,birth_date=tanggal_lahir,sex=jk,address=alamat') },
      out,
      oneToOne: true,
      engine: { threads: 1 },
    });
    const links = readFileSync(out, 'utf8').trimEnd().split('\n').slice(1).map((l) => l.split(','));
    const found = new Map(links.map(([left, right]) => [right as string, left as string]));
    for (const [id, nik] of truth) assert.equal(found.get(id), nik, `${id} should link to ${nik}`);
    assert.equal(links.length, truth.size, 'no extra links');
  });
});
