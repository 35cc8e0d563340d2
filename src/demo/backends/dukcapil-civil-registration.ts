/**
 * Civil registration at DUKCAPIL's sample backend: births, deaths and name changes. Each change
 * commits with its event in the outbox (person.born, person.died, person.name_changed), so
 * subscribing agencies learn of it exactly when it happened (docs/protocols/events.md).
 */
import { Type } from '@sinclair/typebox';
import { sql, type Kysely, type Transaction } from 'kysely';
import { SimpulError } from '../../core/errors.js';
import type { HttpApp } from '../../core/http/app.js';
import { parseNik } from '../../core/ids.js';
import { nameChanged, personBorn, personDied } from '../../events/event.js';
import { appendToOutbox } from '../../events/outbox.js';
import type { Person } from '../data/types.js';
import { responses } from './schemas.js';

/** Reads a person in a transaction, locked for update; undefined when there is none. */
export type PersonReader = (trx: Transaction<unknown>, nik: string) => Promise<Person | undefined>;

const BirthSchema = Type.Object({
  kk: Type.String({ pattern: '^\\d{16}$', description: 'The family card the child is entered on' }),
  fullName: Type.String({ minLength: 1, maxLength: 200 }),
  sex: Type.Union([Type.Literal('L'), Type.Literal('P')]),
  birthPlace: Type.String({ minLength: 1, maxLength: 100 }),
  birthDate: Type.String({ format: 'date' }),
  religion: Type.String({ minLength: 1, maxLength: 50 }),
  bloodType: Type.Optional(Type.Union([Type.String({ maxLength: 3 }), Type.Null()])),
}, { additionalProperties: false });

const DeathSchema = Type.Object({ deathDate: Type.String({ format: 'date' }) }, { additionalProperties: false });
const NameSchema = Type.Object({ fullName: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

/**
 * A new NIK: the family card's region (6 digits), the birth date as DDMMYY with 40 added to the
 * day for women, and the next free 4-digit sequence for that prefix.
 */
async function newNik(trx: Transaction<unknown>, kk: string, sex: 'L' | 'P', birthDate: string): Promise<string> {
  const [year, month, day] = birthDate.split('-') as [string, string, string];
  const prefix = `${kk.slice(0, 6)}${String(Number(day) + (sex === 'P' ? 40 : 0)).padStart(2, '0')}${month}${year.slice(2)}`;
  const { rows } = await sql<{ last: string | null }>`select max(nik) as last from person where nik like ${`${prefix}%`}`.execute(trx);
  const next = rows[0]?.last ? Number(rows[0].last.slice(12)) + 1 : 1;
  if (next > 9999) throw new SimpulError('request.conflict', `No NIK is left for prefix ${prefix}.`);
  return `${prefix}${String(next).padStart(4, '0')}`;
}

export function civilRegistrationRoutes(app: HttpApp, db: Kysely<unknown>, readPerson: PersonReader, PersonSchema: ReturnType<typeof Type.Object>): void {
  const NikParams = Type.Object({ nik: Type.String({ description: 'NIK, 16 digits' }) });
  const living = async (trx: Transaction<unknown>, nik: string) => {
    const person = await readPerson(trx, nik);
    if (!person) throw new SimpulError('request.not_found', `No person with NIK ${nik}.`);
    if (person.deathDate !== null) throw new SimpulError('request.conflict', `The person with NIK ${nik} is recorded as deceased.`);
    return person;
  };

  app.post('/births', {
    schema: { summary: 'Register a birth on a family card; gives the child a NIK and publishes person.born', tags: ['civil registration'], body: BirthSchema, response: responses(PersonSchema, 201, 400, 404) },
  }, async (request, reply) => {
    const birth = request.body;
    if (birth.birthDate > new Date().toISOString().slice(0, 10)) throw new SimpulError('request.invalid', 'The birth date is in the future.');
    const person = await db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ address: Person['address'] }>`
        select json_build_object('street', street, 'rt', rt, 'rw', rw, 'village', village, 'district', district, 'city', city, 'province', province, 'postcode', postcode) as address
        from household where kk = ${birth.kk} for update`.execute(trx);
      const household = rows[0];
      if (!household) throw new SimpulError('request.not_found', `No family card with number ${birth.kk}.`);
      const nik = await newNik(trx, birth.kk, birth.sex, birth.birthDate);
      const a = household.address;
      await sql`
        insert into person (nik, kk, full_name, sex, birth_place, birth_date, religion, marital_status, occupation, blood_type, nationality,
          street, rt, rw, village, district, city, province, postcode, death_date, updated_at)
        values (${nik}, ${birth.kk}, ${birth.fullName.trim().toUpperCase()}, ${birth.sex}, ${birth.birthPlace.trim().toUpperCase()}, ${birth.birthDate},
          ${birth.religion}, 'BELUM KAWIN', 'BELUM/TIDAK BEKERJA', ${birth.bloodType ?? null}, 'WNI',
          ${a.street}, ${a.rt}, ${a.rw}, ${a.village}, ${a.district}, ${a.city}, ${a.province}, ${a.postcode}, null, now())`.execute(trx);
      await sql`insert into household_member (kk, nik, relationship, position)
        values (${birth.kk}, ${nik}, 'ANAK', (select coalesce(max(position), -1) + 1 from household_member where kk = ${birth.kk}))`.execute(trx);
      const born = (await readPerson(trx, nik))!;
      await appendToOutbox(trx, [personBorn(born)]);
      return born;
    });
    return reply.code(201).send(person);
  });

  app.post('/persons/:nik/death', {
    schema: { summary: 'Register a death; publishes person.died', tags: ['civil registration'], params: NikParams, body: DeathSchema, response: responses(PersonSchema, 200, 400, 404, 409) },
  }, async (request) => {
    const nik = parseNik(request.params.nik);
    return db.transaction().execute(async (trx) => {
      const person = await living(trx, nik);
      if (request.body.deathDate < person.birthDate) throw new SimpulError('request.invalid', 'The date of death is before the date of birth.');
      await sql`update person set death_date = ${request.body.deathDate}, updated_at = now() where nik = ${nik}`.execute(trx);
      await appendToOutbox(trx, [personDied(nik, request.body.deathDate)]);
      return (await readPerson(trx, nik))!;
    });
  });

  app.patch('/persons/:nik/name', {
    schema: { summary: 'Record a change of name (by court order); publishes person.name_changed', tags: ['civil registration'], params: NikParams, body: NameSchema, response: responses(PersonSchema, 200, 400, 404, 409) },
  }, async (request) => {
    const nik = parseNik(request.params.nik);
    return db.transaction().execute(async (trx) => {
      const person = await living(trx, nik);
      const fullName = request.body.fullName.trim().toUpperCase();
      if (fullName === person.fullName) throw new SimpulError('request.conflict', `The person with NIK ${nik} already has this name.`);
      await sql`update person set full_name = ${fullName}, updated_at = now() where nik = ${nik}`.execute(trx);
      await appendToOutbox(trx, [nameChanged(nik, person.fullName, fullName)]);
      return (await readPerson(trx, nik))!;
    });
  });
}
