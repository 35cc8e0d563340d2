/**
 * DUKCAPIL's sample backend: the population registry (a stand-in for SIAK), the base registry
 * for persons keyed by NIK. `GET /persons/{nik}` is the demo's hot path and the gateway
 * benchmark's target, so it is one primary-key lookup whose SQL is built once.
 */
import { Type } from '@sinclair/typebox';
import { CompiledQuery, sql, type Kysely } from 'kysely';
import { parseNik } from '../../core/ids.js';
import { SimpulError } from '../../core/errors.js';
import type { HttpApp } from '../../core/http/app.js';
import type { Migrations } from '../../core/storage/migrate.js';
import { addressChanged } from '../../events/event.js';
import { appendToOutbox, outboxMigration } from '../../events/outbox.js';
import { RELATIONSHIPS } from '../../core/model/schemas/household.js';
import type { FederationData, Person } from '../data/types.js';
import type { AgencyModule } from './agency-module.js';
import { civilRegistrationRoutes } from './dukcapil-civil-registration.js';
import { AddressSchema, responses } from './schemas.js';
import { ADDRESS_COLUMNS_SQL, addressColumns, bulkInsert } from './seed.js';

export const PersonSchema = Type.Object({
  nik: Type.String({ pattern: '^\\d{16}$', description: 'Nomor Induk Kependudukan' }),
  kk: Type.String({ pattern: '^\\d{16}$', description: 'Family card (Kartu Keluarga) number' }),
  fullName: Type.String(),
  sex: Type.Union([Type.Literal('L'), Type.Literal('P')]),
  birthPlace: Type.String(),
  birthDate: Type.String({ format: 'date' }),
  religion: Type.String(),
  maritalStatus: Type.String(),
  occupation: Type.String(),
  bloodType: Type.Union([Type.String(), Type.Null()]),
  nationality: Type.Literal('WNI'),
  address: AddressSchema,
  deathDate: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
  updatedAt: Type.String({ format: 'date-time' }),
});

const HouseholdSchema = Type.Object({
  kk: Type.String(),
  headNik: Type.String(),
  address: AddressSchema,
  members: Type.Array(Type.Object({ nik: Type.String(), fullName: Type.String(), relationship: Type.String() })),
});

const AddressPatchSchema = Type.Partial(AddressSchema, { minProperties: 1, additionalProperties: false });

const migrations: Migrations = {
  '0001_registry': {
    async up(db: Kysely<unknown>) {
      await sql.raw(`
        create table person (
          nik text primary key,
          kk text not null,
          full_name text not null,
          sex text not null check (sex in ('L', 'P')),
          birth_place text not null,
          birth_date date not null,
          religion text not null,
          marital_status text not null,
          occupation text not null,
          blood_type text,
          nationality text not null,
          ${ADDRESS_COLUMNS_SQL},
          death_date date,
          updated_at timestamptz not null
        );
        create index person_kk on person (kk);
        create index person_birth_date on person (birth_date);
        create index person_name on person (full_name text_pattern_ops);
        create table household (
          kk text primary key,
          head_nik text not null,
          ${ADDRESS_COLUMNS_SQL}
        );
        create table household_member (
          kk text not null references household (kk),
          nik text not null references person (nik),
          relationship text not null,
          position integer not null,
          primary key (kk, nik)
        );
        create table address_change (
          id bigserial primary key,
          nik text not null references person (nik),
          previous jsonb not null,
          current jsonb not null,
          changed_at timestamptz not null default now()
        );
        create index address_change_nik on address_change (nik);
      `).execute(db);
    },
  },
  // Change events for subscribing agencies (src/events): written in the change's own transaction.
  '0002_event_outbox': outboxMigration,
};

/** The family card's wording (KEPALA KELUARGA, FAMILI LAIN) as the household model's codes (kepala_keluarga, famili_lain). */
const RELATIONSHIP_CODE = `case when lower(replace(m.relationship, ' ', '_')) in (${RELATIONSHIPS.map((r) => `'${r}'`).join(', ')}) then lower(replace(m.relationship, ' ', '_')) else 'lainnya' end`;

const PERSON_COLUMNS = `nik, kk, full_name, sex, birth_place, to_char(birth_date, 'YYYY-MM-DD') as birth_date,
  religion, marital_status, occupation, blood_type, nationality,
  street, rt, rw, village, district, city, province, postcode,
  to_char(death_date, 'YYYY-MM-DD') as death_date,
  to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as updated_at`;
const PERSON_BY_NIK = `select ${PERSON_COLUMNS} from person where nik = $1`;

interface PersonRow {
  nik: string; kk: string; full_name: string; sex: 'L' | 'P'; birth_place: string; birth_date: string;
  religion: string; marital_status: string; occupation: string; blood_type: string | null; nationality: 'WNI';
  street: string; rt: string; rw: string; village: string; district: string; city: string; province: string; postcode: string;
  death_date: string | null; updated_at: string;
}

function toPerson(r: PersonRow): Person {
  return {
    nik: r.nik,
    kk: r.kk,
    fullName: r.full_name,
    sex: r.sex,
    birthPlace: r.birth_place,
    birthDate: r.birth_date,
    religion: r.religion,
    maritalStatus: r.marital_status,
    occupation: r.occupation,
    bloodType: r.blood_type,
    nationality: r.nationality,
    address: { street: r.street, rt: r.rt, rw: r.rw, village: r.village, district: r.district, city: r.city, province: r.province, postcode: r.postcode },
    deathDate: r.death_date,
    updatedAt: r.updated_at,
  };
}

async function fill(db: Kysely<unknown>, data: FederationData): Promise<void> {
  await bulkInsert(db, 'person', data.persons.map((p) => ({
    nik: p.nik,
    kk: p.kk,
    full_name: p.fullName,
    sex: p.sex,
    birth_place: p.birthPlace,
    birth_date: p.birthDate,
    religion: p.religion,
    marital_status: p.maritalStatus,
    occupation: p.occupation,
    blood_type: p.bloodType,
    nationality: p.nationality,
    ...addressColumns(p.address),
    death_date: p.deathDate,
    updated_at: p.updatedAt,
  })));
  await bulkInsert(db, 'household', data.households.map((h) => ({ kk: h.kk, head_nik: h.headNik, ...addressColumns(h.address) })));
  await bulkInsert(db, 'household_member', data.households.flatMap((h) => h.members.map((m, position) => ({ kk: h.kk, nik: m.nik, relationship: m.relationship, position }))));
}

function routes(app: HttpApp, db: Kysely<unknown>): void {
  const NikParams = Type.Object({ nik: Type.String({ description: 'NIK, 16 digits' }) });

  app.get('/persons/:nik', {
    schema: { summary: 'A person by NIK', tags: ['persons'], params: NikParams, response: responses(PersonSchema) },
  }, async (request) => {
    const nik = parseNik(request.params.nik);
    const { rows } = await db.executeQuery<PersonRow>(CompiledQuery.raw(PERSON_BY_NIK, [nik]));
    const row = rows[0];
    if (!row) throw new SimpulError('request.not_found', `No person with NIK ${nik}.`);
    return toPerson(row);
  });

  app.get('/households/:kk', {
    schema: {
      summary: 'A family card (Kartu Keluarga) with its members',
      tags: ['households'],
      params: Type.Object({ kk: Type.String({ pattern: '^\\d{16}$', description: 'KK number, 16 digits' }) }),
      response: responses(HouseholdSchema),
    },
  }, async (request) => {
    const { kk } = request.params;
    const { rows } = await sql<{ kk: string; head_nik: string; address: Person['address']; members: Array<{ nik: string; fullName: string; relationship: string }> | null }>`
      select h.kk, h.head_nik,
        json_build_object('street', h.street, 'rt', h.rt, 'rw', h.rw, 'village', h.village, 'district', h.district, 'city', h.city, 'province', h.province, 'postcode', h.postcode) as address,
        (select json_agg(json_build_object('nik', m.nik, 'fullName', p.full_name, 'relationship', ${sql.raw(RELATIONSHIP_CODE)}) order by m.position)
           from household_member m join person p on p.nik = m.nik where m.kk = h.kk) as members
      from household h where h.kk = ${kk}`.execute(db);
    const row = rows[0];
    if (!row) throw new SimpulError('request.not_found', `No family card with number ${kk}.`);
    return { kk: row.kk, headNik: row.head_nik, address: row.address, members: row.members ?? [] };
  });

  app.get('/persons', {
    schema: {
      summary: 'Search persons by name and/or birth date (at most 50 results)',
      tags: ['persons'],
      querystring: Type.Object({
        name: Type.Optional(Type.String({ minLength: 3, maxLength: 100, description: 'Part of the full name, any case' })),
        birthDate: Type.Optional(Type.String({ format: 'date' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 20 })),
      }),
      response: responses(Type.Object({ persons: Type.Array(PersonSchema), truncated: Type.Boolean() }), 200, 400),
    },
  }, async (request) => {
    const { name, birthDate } = request.query;
    const limit = request.query.limit ?? 20;
    if (!name && !birthDate) throw new SimpulError('request.invalid', 'Give a name (3 letters or more), a birthDate, or both.');
    const pattern = name ? `%${name.toUpperCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const { rows } = await sql<PersonRow>`
      select ${sql.raw(PERSON_COLUMNS)} from person
      where (${pattern}::text is null or full_name like ${pattern})
        and (${birthDate ?? null}::date is null or birth_date = ${birthDate ?? null}::date)
      order by full_name, nik
      limit ${limit + 1}`.execute(db);
    return { persons: rows.slice(0, limit).map(toPerson), truncated: rows.length > limit };
  });

  app.patch('/persons/:nik/address', {
    schema: {
      summary: 'Change a person\'s address (pindah domisili); records the change and its person.address_changed event for subscribers',
      tags: ['persons'],
      params: NikParams,
      body: AddressPatchSchema,
      response: responses(PersonSchema, 200, 400, 404),
    },
  }, async (request) => {
    const nik = parseNik(request.params.nik);
    const patch = request.body;
    const person = await db.transaction().execute(async (trx) => {
      const { rows } = await trx.executeQuery<PersonRow>(CompiledQuery.raw(`${PERSON_BY_NIK} for update`, [nik]));
      const row = rows[0];
      if (!row) throw new SimpulError('request.not_found', `No person with NIK ${nik}.`);
      if (row.death_date !== null) throw new SimpulError('request.conflict', `The person with NIK ${nik} is recorded as deceased.`);
      const previous = toPerson(row).address;
      const next = { ...previous, ...patch };
      const { rows: updated } = await sql<PersonRow>`
        update person set street = ${next.street}, rt = ${next.rt}, rw = ${next.rw}, village = ${next.village},
          district = ${next.district}, city = ${next.city}, province = ${next.province}, postcode = ${next.postcode},
          updated_at = now()
        where nik = ${nik}
        returning ${sql.raw(PERSON_COLUMNS)}`.execute(trx);
      await sql`insert into address_change (nik, previous, current) values (${nik}, ${JSON.stringify(previous)}::jsonb, ${JSON.stringify(next)}::jsonb)`.execute(trx);
      await appendToOutbox(trx, [addressChanged(nik, previous, next)]);
      return toPerson(updated[0] as PersonRow);
    });
    return person;
  });

  civilRegistrationRoutes(app, db, async (trx, nik) => {
    const { rows } = await trx.executeQuery<PersonRow>(CompiledQuery.raw(`${PERSON_BY_NIK} for update`, [nik]));
    return rows[0] ? toPerson(rows[0]) : undefined;
  }, PersonSchema);
}

export const dukcapil: AgencyModule = {
  agency: 'DUKCAPIL',
  title: 'DUKCAPIL sample backend (population registry)',
  description: 'Synthetic population registry: persons by NIK, family cards, address changes. Demo data only.',
  migrations,
  seedTable: 'person',
  fill,
  routes,
};
