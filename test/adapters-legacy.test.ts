/**
 * The demo's three legacy systems together, each behind its adapter, all answering in the
 * common data model: what the demo federation serves through its gateways.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createBackendApp } from '../src/adapters/backend-app.js';
import type { Backend } from '../src/adapters/backend.js';
import { createBackend } from '../src/adapters/create-backend.js';
import { modelId } from '../src/core/model/model-id.js';
import type { Business } from '../src/core/model/schemas/business.js';
import type { Respondent } from '../src/core/model/schemas/respondent.js';
import type { Student } from '../src/core/model/schemas/student.js';
import { validateAgainstModel, validateRecordsAgainstModel } from '../src/core/model/validate-model.js';
import type { Database } from '../src/core/storage/database.js';
import { testBackends } from '../src/core/storage/testing.js';
import { startLegacySystems, type LegacySystems } from '../src/demo/legacy/legacy-systems.js';

const NIK = '3171055708900001';
const students: Student[] = [{ nisn: '0012345678', nik: NIK, fullName: 'Siti Rahayu', sex: 'P', birthDate: '1990-08-17', school: { npsn: '20100001', name: 'SMA Negeri 1' }, grade: 12, status: 'lulus' }];
const respondents: Respondent[] = [{ respondentId: 'SUS-0001', survey: 'SUSENAS-2025', nik: NIK, fullName: 'SITI RAHAYU', sex: 'P', birthDate: '1990-08-17', address: { street: 'Jl. Merdeka 10', village: 'Menteng', district: 'Menteng', city: 'Jakarta Pusat', province: 'DKI Jakarta', regionCode: '3171050001' }, occupation: 'Guru', maritalStatus: 'KAWIN', surveyedAt: '2025-03-01' }];
const businesses: Business[] = [{ nib: '9120001234567', name: 'Warung Siti', kbli: ['56101'], ownerNik: NIK, address: { street: 'Jl. Merdeka 10', rt: '001', rw: '002', village: 'Menteng', district: 'Menteng', city: 'Jakarta Pusat', province: 'DKI Jakarta', postcode: '10310' }, riskLevel: 'rendah', registeredAt: '2021-06-01' }];

for (const storage of testBackends()) {
  describe(`demo legacy systems (licensing on ${storage.kind})`, () => {
    let folder: string;
    let database: Database<unknown>;
    let legacy: LegacySystems;
    const backends: Backend[] = [];

    before(async () => {
      folder = await mkdtemp(join(tmpdir(), 'simpul-legacy-'));
      database = await storage.open<unknown>('legacy_oss');
      legacy = await startLegacySystems({ students, respondents, businesses, exportFolder: join(folder, 'bps'), licensingDatabase: database, licensingDatabaseUrl: storage.url, csvPollIntervalMs: 60_000 });
    });
    after(async () => {
      for (const backend of backends) await backend.close();
      await legacy.close();
      await database.close();
      await rm(folder, { recursive: true, force: true });
    });

    it('serves one person across SOAP, CSV and SQL systems, each in its common model', async () => {
      const ask = async (declaration: Parameters<typeof createBackend>[0], path: string) => {
        const backend = await createBackend(declaration, legacy.backendOptions);
        backends.push(backend);
        const app = await createBackendApp(backend);
        const answer = await app.inject({ method: 'GET', url: `/service${path}` });
        await app.close();
        assert.equal(answer.statusCode, 200, `${declaration.type} ${path}: ${answer.body}`);
        return answer.json();
      };
      const student = await ask(legacy.declarations.student, '/0012345678');
      assert.deepEqual(validateAgainstModel(modelId('student', 1), student), { ok: true });
      assert.equal(student.nik, NIK);

      const surveyed = await ask(legacy.declarations.respondent, `/by-nik/${NIK}`);
      assert.deepEqual(validateRecordsAgainstModel(modelId('respondent', 1), surveyed), { ok: true });
      assert.deepEqual(surveyed.items, respondents);

      const owned = await ask(legacy.declarations.business, `/by-owner/${NIK}`);
      assert.deepEqual(validateRecordsAgainstModel(modelId('business', 1), owned), { ok: true });
      assert.deepEqual(owned.items, businesses);
    });
  });
}
