import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testBackends } from '../../core/storage/testing.js';
import type { Student } from '../data/types.js';
import { backendUnderTest, testData, type BackendUnderTest } from './testing.js';

const students = testData.kemendikbud.students;
const showcase = students.find((s) => s.nik === testData.showcaseNik) as Student;
const withoutNik = students.find((s) => s.nik === null);

for (const storage of testBackends()) {
  describe(`KEMENDIKBUD backend on ${storage.kind}`, () => {
    let backend: BackendUnderTest;
    before(async () => {
      backend = await backendUnderTest('KEMENDIKBUD', storage);
    });
    after(() => backend.close());

    it('serves a pupil by NISN with school, grade and parents', async () => {
      const res = await backend.app.inject({ method: 'GET', url: `/students/${showcase.nisn}` });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), showcase);
      assert.equal(res.json().grade, 12);
      if (withoutNik) assert.equal((await backend.app.inject({ method: 'GET', url: `/students/${withoutNik.nisn}` })).json().nik, null);
      assert.equal((await backend.app.inject({ method: 'GET', url: '/students/0000000000' })).statusCode, 404);
      assert.equal((await backend.app.inject({ method: 'GET', url: '/students/123' })).json().code, 'request.invalid');
    });

    it('finds pupils by NIK', async () => {
      const res = (await backend.app.inject({ method: 'GET', url: `/students?nik=${showcase.nik}` })).json();
      assert.deepEqual(res.students, [showcase]);
      assert.deepEqual((await backend.app.inject({ method: 'GET', url: '/students?nik=3273010101900001' })).json(), { students: [] });
      assert.equal((await backend.app.inject({ method: 'GET', url: '/students?nik=x' })).json().code, 'request.malformed_subject');
    });
  });
}
