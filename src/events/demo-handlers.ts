/**
 * How the demo's subscribing agencies apply DUKCAPIL's person events to their own copies, in
 * their own tables and their own shapes: BPS respondents (flat address columns, upper case),
 * KEMENKES patients (FHIR R4 Patient in jsonb), KEMENDIKBUD students (flat columns). And how
 * BPS applies the licensing agency's `business.registered` to its copy of the business register.
 *
 * Each handler also has a batch form for `person.address_changed`, the common case: one
 * statement for a whole page, keeping only each subject's last address (the events carry the
 * whole new address, so the last one is the state the single-event path would reach too).
 */
import { CompiledQuery } from 'kysely';
import type { Address } from '../core/model/schemas/common.js';
import { NIK_SYSTEM } from '../core/model/schemas/patient.js';
import { titleCase } from '../demo/data/variants.js';
import type { ChangeEvent, EventData, EventType } from './event.js';
import type { EventHandler } from './subscription.js';
import type { AnyDb } from './subscription-store.js';

export type DemoSubscriber = 'BPS' | 'KEMENKES' | 'KEMENDIKBUD';

/** The last address per subject among address changes, in position order of their last change. */
function lastAddresses(events: readonly ChangeEvent[]): { nik: string; address: Address }[] {
  const last = new Map<string, Address>();
  for (const e of events) {
    const data = e.data as EventData['person.address_changed'];
    last.delete(data.nik);
    last.set(data.nik, data.address);
  }
  return [...last].map(([nik, address]) => ({ nik, address }));
}

const ADDRESS_RECORD = 'x(nik text, street text, rt text, rw text, village text, district text, city text, province text, postcode text)';

function flatAddressRows(events: readonly ChangeEvent[]): string {
  return JSON.stringify(lastAddresses(events).map(({ nik, address }) => ({ nik, ...address })));
}

/** A handler that applies single events with `apply` and whole pages of address changes with `addressBatch`. */
function handler(types: readonly EventType[], apply: EventHandler['apply'], addressBatch: (events: readonly ChangeEvent[], trx: AnyDb) => Promise<void>): EventHandler {
  return {
    types,
    apply,
    async applyBatch(events, trx) {
      if (events.every((e) => e.type === 'person.address_changed')) return addressBatch(events, trx);
      for (const e of events) await apply(e, trx);
    },
  };
}

/** BPS keeps respondents' addresses in upper case, as enumerators wrote them; a NIK may appear on several respondents. */
export const bpsRespondentHandler: EventHandler = handler(
  ['person.address_changed', 'person.name_changed'],
  async (event, trx) => {
    if (event.type === 'person.address_changed') {
      const { nik, address: a } = event.data as EventData['person.address_changed'];
      await trx.executeQuery(
        CompiledQuery.raw('update respondent set street = $2, rt = $3, rw = $4, village = $5, district = $6, city = $7, province = $8, postcode = $9 where nik = $1', [
          nik, a.street.toUpperCase(), a.rt, a.rw, a.village.toUpperCase(), a.district.toUpperCase(), a.city.toUpperCase(), a.province.toUpperCase(), a.postcode,
        ]),
      );
    } else if (event.type === 'person.name_changed') {
      const { nik, fullName } = event.data as EventData['person.name_changed'];
      await trx.executeQuery(CompiledQuery.raw('update respondent set name = $2 where nik = $1', [nik, fullName.toUpperCase()]));
    }
  },
  async (events, trx) => {
    await trx.executeQuery(
      CompiledQuery.raw(
        `update respondent r set street = upper(x.street), rt = x.rt, rw = x.rw, village = upper(x.village), district = upper(x.district),
           city = upper(x.city), province = upper(x.province), postcode = x.postcode
         from jsonb_to_recordset($1::jsonb) as ${ADDRESS_RECORD} where r.nik = x.nik`,
        [flatAddressRows(events)],
      ),
    );
  },
);

/**
 * BPS's copy of the business register (direktori usaha) takes each business the licensing
 * agency registers, in BPS's shape (upper case, main activity apart). An upsert by NIB: the
 * inbox already keeps an event to one effect, and a replay with `reapply` rewrites the same row.
 */
export const bpsBusinessHandler: EventHandler = {
  types: ['business.registered'],
  async apply(event, trx) {
    if (event.type !== 'business.registered') return;
    const { business: b } = event.data as EventData['business.registered'];
    const a = b.address;
    await trx.executeQuery(
      CompiledQuery.raw(
        `insert into business_register (nib, name, main_kbli, kbli, owner_nik, street, rt, rw, village, district, city, province, postcode, risk_level, registered_at, updated_at)
         values ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, now())
         on conflict (nib) do update set name = excluded.name, main_kbli = excluded.main_kbli, kbli = excluded.kbli, owner_nik = excluded.owner_nik,
           street = excluded.street, rt = excluded.rt, rw = excluded.rw, village = excluded.village, district = excluded.district, city = excluded.city,
           province = excluded.province, postcode = excluded.postcode, risk_level = excluded.risk_level, registered_at = excluded.registered_at, updated_at = now()`,
        [
          b.nib, b.name.toUpperCase(), b.kbli[0], JSON.stringify(b.kbli), b.ownerNik, a.street.toUpperCase(), a.rt, a.rw, a.village.toUpperCase(),
          a.district.toUpperCase(), a.city.toUpperCase(), a.province.toUpperCase(), a.postcode, b.riskLevel, b.registeredAt,
        ],
      ),
    );
  },
};

/** The FHIR address KEMENKES records; the administrative codes are unknown from a name-only address, so only RT/RW are kept. */
export function fhirAddress(a: Address) {
  return {
    use: 'home',
    line: [titleCase(a.street)],
    city: titleCase(a.city),
    district: titleCase(a.district),
    state: titleCase(a.province),
    postalCode: a.postcode,
    country: 'ID',
    extension: [{
      url: 'https://fhir.kemkes.go.id/r4/StructureDefinition/administrativeCode',
      extension: [{ url: 'rt', valueCode: a.rt }, { url: 'rw', valueCode: a.rw }],
    }],
  };
}

const PATIENT_BY_NIK = `resource -> 'identifier' @> jsonb_build_array(jsonb_build_object('system', '${NIK_SYSTEM}', 'value', $1::text))`;

/** KEMENKES holds FHIR R4 Patients: the change becomes a new version of the resource (meta.lastUpdated). */
export const kemenkesPatientHandler: EventHandler = handler(
  ['person.address_changed', 'person.name_changed', 'person.died'],
  async (event, trx) => {
    const now = new Date().toISOString();
    let patch: Record<string, unknown>;
    let remove = '{}';
    if (event.type === 'person.address_changed') {
      patch = { address: [fhirAddress((event.data as EventData['person.address_changed']).address)] };
    } else if (event.type === 'person.name_changed') {
      patch = { name: [{ use: 'official', text: titleCase((event.data as EventData['person.name_changed']).fullName) }] };
    } else if (event.type === 'person.died') {
      // The registry records the date only; KEMENKES writes dateTimes at local midnight (WIB), as its own records do.
      patch = { deceasedDateTime: `${(event.data as EventData['person.died']).deathDate}T00:00:00+07:00` };
      remove = 'deceasedBoolean';
    } else {
      return;
    }
    const nik = (event.data as { nik: string }).nik;
    await trx.executeQuery(
      CompiledQuery.raw(
        `update patient set resource = (resource - $4::text) || $2::jsonb || jsonb_build_object('meta', coalesce(resource -> 'meta', '{}'::jsonb) || jsonb_build_object('lastUpdated', $3::text)),
           last_updated = $3::timestamptz
         where ${PATIENT_BY_NIK}`,
        [nik, JSON.stringify(patch), now, remove],
      ),
    );
  },
  async (events, trx) => {
    const now = new Date().toISOString();
    const rows = lastAddresses(events).map(({ nik, address }) => ({ identifier: [{ system: NIK_SYSTEM, value: nik }], address: [fhirAddress(address)] }));
    await trx.executeQuery(
      CompiledQuery.raw(
        `update patient p set resource = p.resource || jsonb_build_object('address', x.address)
             || jsonb_build_object('meta', coalesce(p.resource -> 'meta', '{}'::jsonb) || jsonb_build_object('lastUpdated', $2::text)),
           last_updated = $2::timestamptz
         from jsonb_to_recordset($1::jsonb) as x(identifier jsonb, address jsonb)
         where p.resource -> 'identifier' @> x.identifier`,
        [JSON.stringify(rows), now],
      ),
    );
  },
);

/** KEMENDIKBUD's students: flat address columns as Dapodik keeps them. */
export const kemendikbudStudentHandler: EventHandler = handler(
  ['person.address_changed', 'person.name_changed'],
  async (event, trx) => {
    if (event.type === 'person.address_changed') {
      const { nik, address: a } = event.data as EventData['person.address_changed'];
      await trx.executeQuery(
        CompiledQuery.raw('update student set street = $2, rt = $3, rw = $4, village = $5, district = $6, city = $7, province = $8, postcode = $9, updated_at = now() where nik = $1', [
          nik, a.street, a.rt, a.rw, a.village, a.district, a.city, a.province, a.postcode,
        ]),
      );
    } else if (event.type === 'person.name_changed') {
      const { nik, fullName } = event.data as EventData['person.name_changed'];
      await trx.executeQuery(CompiledQuery.raw('update student set full_name = $2, updated_at = now() where nik = $1', [nik, fullName]));
    }
  },
  async (events, trx) => {
    await trx.executeQuery(
      CompiledQuery.raw(
        `update student s set street = x.street, rt = x.rt, rw = x.rw, village = x.village, district = x.district, city = x.city,
           province = x.province, postcode = x.postcode, updated_at = now()
         from jsonb_to_recordset($1::jsonb) as ${ADDRESS_RECORD} where s.nik = x.nik`,
        [flatAddressRows(events)],
      ),
    );
  },
);
