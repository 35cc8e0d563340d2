/**
 * KEMENKES's sample backend: a FHIR R4 style Patient endpoint (SATUSEHAT-like). Resources are
 * stored whole as jsonb, as FHIR servers do; identifier search (`system|value`, `|value` or
 * `value`) is a containment query served by a GIN index on the identifiers.
 */
import { Type } from '@sinclair/typebox';
import { sql, type Kysely } from 'kysely';
import { SimpulError } from '../../core/errors.js';
import type { HttpApp } from '../../core/http/app.js';
import type { Migrations } from '../../core/storage/migrate.js';
import type { FederationData, FhirPatient } from '../data/types.js';
import type { AgencyModule } from './agency-module.js';
import { ProblemSchema } from './schemas.js';
import { bulkInsert } from './seed.js';

export const FHIR_JSON = 'application/fhir+json';

const PatientSchema = Type.Object({
  resourceType: Type.Literal('Patient'),
  id: Type.String(),
}, { additionalProperties: true, description: 'FHIR R4 Patient' });

const BundleSchema = Type.Object({
  resourceType: Type.Literal('Bundle'),
  type: Type.Literal('searchset'),
  total: Type.Integer(),
  link: Type.Array(Type.Object({ relation: Type.String(), url: Type.String() })),
  entry: Type.Array(Type.Object({
    fullUrl: Type.String(),
    resource: PatientSchema,
    search: Type.Object({ mode: Type.Literal('match') }),
  })),
}, { description: 'FHIR R4 Bundle (searchset)' });

function fhir<T extends ReturnType<typeof Type.Object>>(schema: T) {
  return {
    200: { description: 'FHIR resource', content: { [FHIR_JSON]: { schema } } },
    400: { description: 'Bad request', content: { 'application/problem+json': { schema: ProblemSchema } } },
    404: { description: 'Not found', content: { 'application/problem+json': { schema: ProblemSchema } } },
  };
}

const migrations: Migrations = {
  '0001_patients': {
    async up(db: Kysely<unknown>) {
      await sql.raw(`
        create table patient (
          id text primary key,
          resource jsonb not null,
          last_updated timestamptz not null
        );
        create index patient_identifier on patient using gin ((resource -> 'identifier') jsonb_path_ops);
      `).execute(db);
    },
  },
};

async function fill(db: Kysely<unknown>, data: FederationData): Promise<void> {
  await bulkInsert(db, 'patient', data.kemenkes.patients.map((p) => ({ id: p.id, resource: p, last_updated: p.meta.lastUpdated })));
}

/** FHIR token search: `system|value`, `|value` (no system) or `value` (any system). */
function identifierFilter(token: string): object {
  const bar = token.indexOf('|');
  if (bar < 0) return { value: token };
  const system = token.slice(0, bar);
  const value = token.slice(bar + 1);
  if (!value) throw new SimpulError('request.invalid', 'The identifier token needs a value after "|".');
  return system ? { system, value } : { value };
}

function routes(app: HttpApp, db: Kysely<unknown>): void {
  app.get('/Patient/:id', {
    schema: {
      summary: 'Read a Patient by logical id (IHS number)',
      tags: ['Patient'],
      params: Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9\\-.]{1,64}$' }) }),
      response: fhir(PatientSchema),
    },
  }, async (request, reply) => {
    const { rows } = await sql<{ resource: FhirPatient }>`select resource from patient where id = ${request.params.id}`.execute(db);
    if (!rows[0]) throw new SimpulError('request.not_found', `No Patient/${request.params.id}.`);
    return reply.type(FHIR_JSON).send(rows[0].resource);
  });

  app.get('/Patient', {
    schema: {
      summary: 'Search Patients by identifier, e.g. https://fhir.kemkes.go.id/id/nik|3273…',
      tags: ['Patient'],
      querystring: Type.Object({
        identifier: Type.String({ minLength: 1, maxLength: 300, description: 'FHIR token: system|value, |value or value' }),
        _count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
      }),
      response: fhir(BundleSchema),
    },
  }, async (request, reply) => {
    const { identifier } = request.query;
    const count = request.query._count ?? 20;
    const filter = JSON.stringify([identifierFilter(identifier)]);
    const { rows } = await sql<{ resource: FhirPatient; total: number }>`
      select resource, count(*) over ()::int as total from patient
      where resource -> 'identifier' @> ${filter}::jsonb
      order by id limit ${count}`.execute(db);
    const base = `${request.protocol}://${request.host}`;
    const bundle = {
      resourceType: 'Bundle' as const,
      type: 'searchset' as const,
      total: rows[0]?.total ?? 0,
      link: [{ relation: 'self', url: `${base}${request.url}` }],
      entry: rows.map((r) => ({ fullUrl: `${base}/Patient/${r.resource.id}`, resource: r.resource, search: { mode: 'match' as const } })),
    };
    return reply.type(FHIR_JSON).send(bundle);
  });
}

export const kemenkes: AgencyModule = {
  agency: 'KEMENKES',
  title: 'KEMENKES sample backend (health, FHIR R4)',
  description: 'Synthetic FHIR R4 Patient resources, SATUSEHAT style, with the NIK as identifier. Demo data only.',
  migrations,
  seedTable: 'patient',
  fill,
  routes,
};
