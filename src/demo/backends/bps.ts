/**
 * BPS's sample backend: census respondents as the statistics office recorded them (its own ids,
 * codes and date format, NIK sometimes missing), population aggregates by area, and its copy of
 * the business register (direktori usaha), kept up to date by the licensing agency's
 * `business.registered` events (src/events/demo-handlers.ts).
 */
import { Type } from '@sinclair/typebox';
import { sql, type Kysely } from 'kysely';
import { SimpulError } from '../../core/errors.js';
import { parseNik } from '../../core/ids.js';
import type { HttpApp } from '../../core/http/app.js';
import type { Migrations } from '../../core/storage/migrate.js';
import type { BpsRespondent, FederationData } from '../data/types.js';
import type { AgencyModule } from './agency-module.js';
import { AddressSchema, responses } from './schemas.js';
import { ADDRESS_COLUMNS_SQL, addressColumns, addressJson, bulkInsert } from './seed.js';

const RespondentSchema = Type.Object({
  id: Type.String({ description: 'Respondent id: household id and member number' }),
  householdId: Type.String(),
  nik: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
  sex: Type.Union([Type.Literal('1'), Type.Literal('2')], { description: '1 laki-laki, 2 perempuan' }),
  birthDate: Type.String({ description: 'DD/MM/YYYY' }),
  age: Type.Integer(),
  relationshipCode: Type.Integer({ description: '1 kepala rumah tangga, 2 istri/suami, 3 anak, 4 menantu, 5 cucu, 6 orang tua/mertua, 7 famili lain, 9 lainnya' }),
  maritalCode: Type.Integer({ description: '1 belum kawin, 2 kawin, 3 cerai hidup, 4 cerai mati' }),
  religion: Type.String(),
  education: Type.String(),
  occupation: Type.String(),
  address: AddressSchema,
  regionCode: Type.String({ description: 'BPS region code: province(2) regency(2) district(3) village(3)' }),
  survey: Type.String(),
  enumeratedAt: Type.String({ format: 'date' }),
});

const RegisteredBusinessSchema = Type.Object({
  nib: Type.String({ description: 'Nomor Induk Berusaha, 13 digits' }),
  name: Type.String({ description: 'Business name, upper case as BPS records it' }),
  mainKbli: Type.String({ description: 'KBLI 2020 code of the main activity' }),
  kbli: Type.Array(Type.String()),
  ownerNik: Type.String(),
  address: AddressSchema,
  riskLevel: Type.String(),
  registeredAt: Type.String({ format: 'date' }),
  updatedAt: Type.String({ format: 'date-time', description: 'When BPS last wrote this entry' }),
});

const Count = Type.Object({ code: Type.String(), name: Type.String(), respondents: Type.Integer() });
const StatisticsSchema = Type.Object({
  survey: Type.String(),
  area: Type.Union([Type.Object({ code: Type.String(), name: Type.String() }), Type.Null()]),
  respondents: Type.Integer(),
  households: Type.Integer(),
  bySex: Type.Object({ lakiLaki: Type.Integer(), perempuan: Type.Integer() }),
  byAgeGroup: Type.Array(Type.Object({ group: Type.String(), respondents: Type.Integer() })),
  byArea: Type.Array(Count, { description: 'Regencies of the province, or provinces nationally' }),
});

const migrations: Migrations = {
  '0001_respondents': {
    async up(db: Kysely<unknown>) {
      await sql.raw(`
        create table respondent (
          id text primary key,
          household_id text not null,
          nik text,
          name text not null,
          sex text not null check (sex in ('1', '2')),
          birth_date text not null,
          age integer not null,
          relationship_code integer not null,
          marital_code integer not null,
          religion text not null,
          education text not null,
          occupation text not null,
          ${ADDRESS_COLUMNS_SQL},
          region_code text not null,
          survey text not null,
          enumerated_at date not null
        );
        create index respondent_nik on respondent (nik);
        create index respondent_household on respondent (household_id);
        create index respondent_region on respondent (region_code text_pattern_ops);
      `).execute(db);
    },
  },
  // BPS's copy of the business register: seeded from the licensing agency's businesses, then
  // kept up to date by its subscription to their `business.registered` events.
  '0002_business_register': {
    async up(db: Kysely<unknown>) {
      await sql.raw(`
        create table business_register (
          nib text primary key,
          name text not null,
          main_kbli text not null,
          kbli jsonb not null,
          owner_nik text not null,
          ${ADDRESS_COLUMNS_SQL},
          risk_level text not null,
          registered_at date not null,
          updated_at timestamptz not null default now()
        );
        create index business_register_kbli on business_register (main_kbli);
      `).execute(db);
    },
  },
};

const COLUMNS = `id, household_id, nik, name, sex, birth_date, age, relationship_code, marital_code, religion, education, occupation,
  ${addressJson('r')} as address, region_code, survey, to_char(enumerated_at, 'YYYY-MM-DD') as enumerated_at`;

interface Row {
  id: string; household_id: string; nik: string | null; name: string; sex: '1' | '2'; birth_date: string; age: number;
  relationship_code: number; marital_code: number; religion: string; education: string; occupation: string;
  address: BpsRespondent['address']; region_code: string; survey: string; enumerated_at: string;
}

function toRespondent(r: Row): BpsRespondent {
  return {
    id: r.id, householdId: r.household_id, nik: r.nik, name: r.name, sex: r.sex, birthDate: r.birth_date, age: r.age,
    relationshipCode: r.relationship_code, maritalCode: r.marital_code, religion: r.religion, education: r.education,
    occupation: r.occupation, address: r.address, regionCode: r.region_code, survey: r.survey, enumeratedAt: r.enumerated_at,
  };
}

async function fill(db: Kysely<unknown>, data: FederationData): Promise<void> {
  await bulkInsert(db, 'respondent', data.bps.respondents.map((r) => ({
    id: r.id, household_id: r.householdId, nik: r.nik, name: r.name, sex: r.sex, birth_date: r.birthDate, age: r.age,
    relationship_code: r.relationshipCode, marital_code: r.maritalCode, religion: r.religion, education: r.education,
    occupation: r.occupation, ...addressColumns(r.address), region_code: r.regionCode, survey: r.survey, enumerated_at: r.enumeratedAt,
  })));
  await bulkInsert(db, 'business_register', data.licensing.businesses.map((b) => ({
    nib: b.nib, name: b.businessName.toUpperCase(), main_kbli: b.kbli[0], kbli: [...new Set(b.kbli)], owner_nik: b.ownerNik,
    ...upperAddress(b.address), risk_level: b.riskLevel.toLowerCase(), registered_at: b.issuedAt, updated_at: new Date().toISOString(),
  })));
}

/** BPS writes addresses in upper case, as its enumerators do. */
export function upperAddress(a: BpsRespondent['address']) {
  const c = addressColumns(a);
  return { ...c, street: c.street.toUpperCase(), village: c.village.toUpperCase(), district: c.district.toUpperCase(), city: c.city.toUpperCase(), province: c.province.toUpperCase() };
}

function routes(app: HttpApp, db: Kysely<unknown>): void {
  app.get('/respondents', {
    schema: {
      summary: 'Respondents recorded with this NIK (none, one, or duplicates)',
      tags: ['respondents'],
      querystring: Type.Object({ nik: Type.String({ description: 'NIK, 16 digits' }) }),
      response: responses(Type.Object({ respondents: Type.Array(RespondentSchema) }), 200, 400),
    },
  }, async (request) => {
    const nik = parseNik(request.query.nik);
    const { rows } = await sql<Row>`select ${sql.raw(COLUMNS)} from respondent r where nik = ${nik} order by id`.execute(db);
    return { respondents: rows.map(toRespondent) };
  });

  app.get('/respondents/:id', {
    schema: {
      summary: 'A respondent by id',
      tags: ['respondents'],
      params: Type.Object({ id: Type.String({ pattern: '^\\d{14}-\\d{2}$', description: 'Household id (14 digits), dash, member number' }) }),
      response: responses(RespondentSchema),
    },
  }, async (request) => {
    const { rows } = await sql<Row>`select ${sql.raw(COLUMNS)} from respondent r where id = ${request.params.id}`.execute(db);
    if (!rows[0]) throw new SimpulError('request.not_found', `No respondent ${request.params.id}.`);
    return toRespondent(rows[0]);
  });

  app.get('/business-register/:nib', {
    schema: {
      summary: 'A business in BPS\'s copy of the business register, by NIB',
      tags: ['business-register'],
      params: Type.Object({ nib: Type.String({ pattern: '^\\d{13}$', description: 'NIB, 13 digits' }) }),
      response: responses(RegisteredBusinessSchema),
    },
  }, async (request) => {
    const { rows } = await sql<{ nib: string; name: string; main_kbli: string; kbli: string[]; owner_nik: string; address: BpsRespondent['address']; risk_level: string; registered_at: string; updated_at: string }>`
      select nib, name, main_kbli, kbli, owner_nik, ${sql.raw(addressJson('b'))} as address, risk_level, to_char(registered_at, 'YYYY-MM-DD') as registered_at,
        to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as updated_at
      from business_register b where nib = ${request.params.nib}`.execute(db);
    const r = rows[0];
    if (!r) throw new SimpulError('request.not_found', `No business with NIB ${request.params.nib} in BPS's business register.`);
    return { nib: r.nib, name: r.name, mainKbli: r.main_kbli, kbli: r.kbli, ownerNik: r.owner_nik, address: r.address, riskLevel: r.risk_level, registeredAt: r.registered_at, updatedAt: r.updated_at };
  });

  app.get('/statistics/population', {
    schema: {
      summary: 'Respondents by sex, age group and area, nationally or for one province',
      tags: ['statistics'],
      querystring: Type.Object({ province: Type.Optional(Type.String({ minLength: 2, maxLength: 60, description: 'Province code (e.g. 32) or name (e.g. JAWA BARAT)' })) }),
      response: responses(StatisticsSchema),
    },
  }, async (request) => {
    let area: { code: string; name: string } | null = null;
    if (request.query.province) {
      const wanted = request.query.province.trim().toUpperCase();
      const { rows } = await sql<{ code: string; name: string }>`
        select distinct substr(region_code, 1, 2) as code, province as name from respondent
        where ${/^\d{2}$/.test(wanted) ? sql`region_code like ${`${wanted}%`}` : sql`province = ${wanted}`} limit 1`.execute(db);
      if (!rows[0]) throw new SimpulError('request.not_found', `No respondents in province ${request.query.province}.`);
      area = rows[0];
    }
    const prefix = area ? `${area.code}%` : '%';
    const { rows: totals } = await sql<{ respondents: number; households: number; laki: number; perempuan: number; young: number; working: number; old: number; survey: string | null }>`
      select count(*)::int as respondents, count(distinct household_id)::int as households,
        count(*) filter (where sex = '1')::int as laki, count(*) filter (where sex = '2')::int as perempuan,
        count(*) filter (where age < 15)::int as young, count(*) filter (where age between 15 and 64)::int as working,
        count(*) filter (where age >= 65)::int as old, max(survey) as survey
      from respondent where region_code like ${prefix}`.execute(db);
    const areaLength = area ? 4 : 2;
    const { rows: byArea } = await sql<{ code: string; name: string; respondents: number }>`
      select substr(region_code, 1, ${areaLength}) as code, ${area ? sql`min(city)` : sql`min(province)`} as name, count(*)::int as respondents
      from respondent where region_code like ${prefix}
      group by 1 order by 1`.execute(db);
    const t = totals[0] as NonNullable<(typeof totals)[0]>;
    return {
      survey: t.survey ?? '',
      area,
      respondents: t.respondents,
      households: t.households,
      bySex: { lakiLaki: t.laki, perempuan: t.perempuan },
      byAgeGroup: [
        { group: '0-14', respondents: t.young },
        { group: '15-64', respondents: t.working },
        { group: '65+', respondents: t.old },
      ],
      byArea,
    };
  });
}

export const bps: AgencyModule = {
  agency: 'BPS',
  title: 'BPS sample backend (statistics office)',
  description: 'Synthetic census respondents (Regsosek-style) with BPS codes, population aggregates, and BPS\'s copy of the business register. Demo data only.',
  migrations,
  seedTable: 'respondent',
  fill,
  routes,
};
