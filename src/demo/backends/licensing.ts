/**
 * The licensing agency's sample backend (OSS style): businesses by NIB or owner, the KBLI table
 * with risk levels, and NIB applications for micro businesses. Under risk-based licensing an
 * application always gets its NIB; activities of medium-high or high risk also need a
 * certificate or permit that waits for verification.
 */
import { randomUUID } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { sql, type Kysely } from 'kysely';
import { SimpulError } from '../../core/errors.js';
import { businessRegistered } from '../../events/event.js';
import { appendToOutbox, outboxMigration } from '../../events/outbox.js';
import { parseNik } from '../../core/ids.js';
import type { HttpApp } from '../../core/http/app.js';
import type { Migrations } from '../../core/storage/migrate.js';
import { highestRisk } from '../data/kbli.js';
import { businessFromDemo } from '../legacy/demo-records.js';
import type { Business, FederationData, KbliEntry, RiskLevel } from '../data/types.js';
import type { AgencyModule } from './agency-module.js';
import { AddressSchema, responses } from './schemas.js';
import { ADDRESS_COLUMNS_SQL, addressColumns, addressJson, bulkInsert } from './seed.js';

/** Micro business ceiling (PP 7/2021): business capital up to Rp1 billion, land and buildings excluded. */
export const MICRO_CAPITAL_LIMIT = 1_000_000_000;

const Risk = Type.Union([Type.Literal('RENDAH'), Type.Literal('MENENGAH_RENDAH'), Type.Literal('MENENGAH_TINGGI'), Type.Literal('TINGGI')]);
const KbliSchema = Type.Object({ code: Type.String(), title: Type.String(), sector: Type.String(), riskLevel: Risk });
const PermitSchema = Type.Object({ type: Type.String(), number: Type.String(), issuedAt: Type.String({ format: 'date' }), status: Type.String() });
const BusinessSchema = Type.Object({
  nib: Type.String({ pattern: '^\\d{13}$', description: 'Nomor Induk Berusaha' }),
  businessName: Type.String(),
  legalForm: Type.String(),
  ownerNik: Type.String(),
  ownerName: Type.String(),
  scale: Type.String(),
  kbli: Type.Array(Type.String()),
  riskLevel: Risk,
  investment: Type.Integer({ description: 'Business capital in rupiah' }),
  employees: Type.Integer(),
  address: AddressSchema,
  issuedAt: Type.String({ format: 'date' }),
  status: Type.String(),
  permits: Type.Array(PermitSchema),
});

const ApplicationBody = Type.Object({
  ownerNik: Type.String({ description: 'NIK of the applicant, 16 digits' }),
  ownerName: Type.String({ minLength: 2, maxLength: 120 }),
  businessName: Type.String({ minLength: 3, maxLength: 120 }),
  kbli: Type.Array(Type.String({ pattern: '^\\d{5}$' }), { minItems: 1, maxItems: 5, uniqueItems: true }),
  address: AddressSchema,
  investment: Type.Integer({ minimum: 0, description: 'Business capital in rupiah, land and buildings excluded' }),
  employees: Type.Integer({ minimum: 0, maximum: 1000 }),
  reference: Type.Optional(Type.String({
    minLength: 8, maxLength: 100, pattern: '^[A-Za-z0-9:._-]+$',
    description: 'The applying system\'s own id for this application. Sent again with a retry after a lost answer, it returns the application made the first time instead of a conflict.',
  })),
}, { additionalProperties: false });

const ApplicationSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  status: Type.Union([Type.Literal('NIB_TERBIT'), Type.Literal('MENUNGGU_VERIFIKASI')]),
  nib: Type.String(),
  riskLevel: Risk,
  requiredPermits: Type.Array(Type.String()),
  ownerNik: Type.String(),
  ownerName: Type.String(),
  businessName: Type.String(),
  kbli: Type.Array(Type.String()),
  investment: Type.Integer(),
  employees: Type.Integer(),
  address: AddressSchema,
  submittedAt: Type.String({ format: 'date-time' }),
});
type Application = Static<typeof ApplicationSchema>;

const migrations: Migrations = {
  '0001_licensing': {
    async up(db: Kysely<unknown>) {
      await sql.raw(`
        create table kbli (
          code text primary key,
          title text not null,
          sector text not null,
          risk_level text not null
        );
        create table business (
          nib text primary key,
          business_name text not null,
          legal_form text not null,
          owner_nik text not null,
          owner_name text not null,
          scale text not null,
          risk_level text not null,
          investment bigint not null,
          employees integer not null,
          ${ADDRESS_COLUMNS_SQL},
          issued_at date not null,
          status text not null
        );
        create index business_owner on business (owner_nik);
        create index business_name on business (upper(business_name));
        create table business_kbli (
          nib text not null references business (nib),
          code text not null references kbli (code),
          position integer not null,
          primary key (nib, code)
        );
        create table permit (
          nib text not null references business (nib),
          type text not null,
          number text not null,
          issued_at date not null,
          status text not null,
          primary key (nib, type, number)
        );
        create sequence nib_serial;
        create table application (
          id uuid primary key,
          owner_nik text not null,
          owner_name text not null,
          business_name text not null,
          kbli jsonb not null,
          address jsonb not null,
          investment bigint not null,
          employees integer not null,
          status text not null,
          risk_level text not null,
          required_permits jsonb not null,
          nib text not null references business (nib),
          submitted_at timestamptz not null default now()
        );
      `).execute(db);
    },
  },
  // `business.registered` for subscribing agencies (src/events): written in the registration's own transaction.
  '0002_event_outbox': outboxMigration,
  '0003_application_reference': {
    async up(db: Kysely<unknown>) {
      await sql.raw(`
        alter table application add column client_reference text;
        create unique index application_client_reference on application (client_reference) where client_reference is not null;
      `).execute(db);
    },
  },
};

/** The application an earlier request with this reference made (idempotent retry), if any. */
async function applicationByReference(db: Kysely<unknown>, reference: string): Promise<Application | undefined> {
  const { rows } = await sql<{ id: string; owner_nik: string; owner_name: string; business_name: string; kbli: string[]; address: Application['address']; investment: number; employees: number; status: Application['status']; risk_level: RiskLevel; required_permits: string[]; nib: string; submitted_at: string }>`
    select id, owner_nik, owner_name, business_name, kbli, address, investment, employees, status, risk_level, required_permits, nib,
      to_char(submitted_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as submitted_at
    from application where client_reference = ${reference}`.execute(db);
  const r = rows[0];
  if (!r) return undefined;
  return {
    id: r.id, status: r.status, nib: r.nib, riskLevel: r.risk_level, requiredPermits: r.required_permits, ownerNik: r.owner_nik,
    ownerName: r.owner_name, businessName: r.business_name, kbli: r.kbli, investment: Number(r.investment), employees: r.employees,
    address: r.address, submittedAt: r.submitted_at,
  };
}

const BUSINESS_COLUMNS = `b.nib, b.business_name, b.legal_form, b.owner_nik, b.owner_name, b.scale, b.risk_level, b.investment, b.employees,
  ${addressJson('b')} as address, to_char(b.issued_at, 'YYYY-MM-DD') as issued_at, b.status,
  coalesce((select json_agg(k.code order by k.position) from business_kbli k where k.nib = b.nib), '[]') as kbli,
  coalesce((select json_agg(json_build_object('type', p.type, 'number', p.number, 'issuedAt', to_char(p.issued_at, 'YYYY-MM-DD'), 'status', p.status) order by p.issued_at, p.type)
    from permit p where p.nib = b.nib), '[]') as permits`;

interface BusinessRow {
  nib: string; business_name: string; legal_form: Business['legalForm']; owner_nik: string; owner_name: string; scale: Business['scale'];
  risk_level: RiskLevel; investment: number; employees: number; address: Business['address']; issued_at: string; status: Business['status'];
  kbli: string[]; permits: Business['permits'];
}

function toBusiness(r: BusinessRow): Business {
  return {
    nib: r.nib, businessName: r.business_name, legalForm: r.legal_form, ownerNik: r.owner_nik, ownerName: r.owner_name, scale: r.scale,
    kbli: r.kbli, riskLevel: r.risk_level, investment: Number(r.investment), employees: r.employees, address: r.address,
    issuedAt: r.issued_at, status: r.status, permits: r.permits,
  };
}

async function fill(db: Kysely<unknown>, data: FederationData): Promise<void> {
  const businesses = data.licensing.businesses;
  await bulkInsert(db, 'kbli', data.licensing.kbli.map((k) => ({ code: k.code, title: k.title, sector: k.sector, risk_level: k.riskLevel })));
  await bulkInsert(db, 'business', businesses.map((b) => ({
    nib: b.nib, business_name: b.businessName, legal_form: b.legalForm, owner_nik: b.ownerNik, owner_name: b.ownerName, scale: b.scale,
    risk_level: b.riskLevel, investment: b.investment, employees: b.employees, ...addressColumns(b.address), issued_at: b.issuedAt, status: b.status,
  })));
  await bulkInsert(db, 'business_kbli', businesses.flatMap((b) => b.kbli.map((code, position) => ({ nib: b.nib, code, position }))));
  await bulkInsert(db, 'permit', businesses.flatMap((b) => b.permits.map((p) => ({ nib: b.nib, type: p.type, number: p.number, issued_at: p.issuedAt, status: p.status }))));
}

/** What a business of this risk level needs beyond the NIB. */
function requiredPermits(risk: RiskLevel): string[] {
  if (risk === 'MENENGAH_RENDAH') return ['SERTIFIKAT_STANDAR'];
  if (risk === 'MENENGAH_TINGGI') return ['SERTIFIKAT_STANDAR'];
  if (risk === 'TINGGI') return ['IZIN'];
  return [];
}

function routes(app: HttpApp, db: Kysely<unknown>): void {
  app.get('/businesses/:nib', {
    schema: {
      summary: 'A business by NIB',
      tags: ['businesses'],
      params: Type.Object({ nib: Type.String({ pattern: '^\\d{13}$', description: 'NIB, 13 digits' }) }),
      response: responses(BusinessSchema),
    },
  }, async (request) => {
    const { rows } = await sql<BusinessRow>`select ${sql.raw(BUSINESS_COLUMNS)} from business b where b.nib = ${request.params.nib}`.execute(db);
    if (!rows[0]) throw new SimpulError('request.not_found', `No business with NIB ${request.params.nib}.`);
    return toBusiness(rows[0]);
  });

  app.get('/businesses', {
    schema: {
      summary: 'Businesses owned by this NIK',
      tags: ['businesses'],
      querystring: Type.Object({ ownerNik: Type.String({ description: 'NIK of the owner, 16 digits' }) }),
      response: responses(Type.Object({ businesses: Type.Array(BusinessSchema) }), 200, 400),
    },
  }, async (request) => {
    const nik = parseNik(request.query.ownerNik);
    const { rows } = await sql<BusinessRow>`select ${sql.raw(BUSINESS_COLUMNS)} from business b where b.owner_nik = ${nik} order by b.issued_at, b.nib`.execute(db);
    return { businesses: rows.map(toBusiness) };
  });

  app.get('/kbli/:code', {
    schema: {
      summary: 'A KBLI activity code and its risk level',
      tags: ['kbli'],
      params: Type.Object({ code: Type.String({ pattern: '^\\d{5}$', description: 'KBLI 2020 code, 5 digits' }) }),
      response: responses(KbliSchema),
    },
  }, async (request) => {
    const { rows } = await sql<{ code: string; title: string; sector: string; risk_level: RiskLevel }>`select * from kbli where code = ${request.params.code}`.execute(db);
    if (!rows[0]) throw new SimpulError('request.not_found', `No KBLI code ${request.params.code} in this table.`);
    const k = rows[0];
    return { code: k.code, title: k.title, sector: k.sector, riskLevel: k.risk_level };
  });

  app.post('/applications', {
    schema: {
      summary: 'Apply for an NIB for a micro business',
      tags: ['applications'],
      body: ApplicationBody,
      response: responses(ApplicationSchema, 201, 400, 409),
    },
  }, async (request, reply) => {
    const body = request.body;
    const nik = parseNik(body.ownerNik);
    if (body.investment > MICRO_CAPITAL_LIMIT) {
      throw new SimpulError('request.invalid', `This service registers micro businesses only: capital up to Rp${MICRO_CAPITAL_LIMIT.toLocaleString('id-ID')} (land and buildings excluded).`);
    }
    if (body.reference) {
      const earlier = await applicationByReference(db, body.reference);
      // Same reference, same applicant: the first answer again, whatever the retry's body says.
      if (earlier && earlier.ownerNik === nik) return reply.code(201).header('location', `/applications/${earlier.id}`).send(earlier);
      if (earlier) throw new SimpulError('request.conflict', 'This reference belongs to another application.');
    }
    const application = await db.transaction().execute(async (trx) => {
      const { rows: known } = await sql<{ code: string; risk_level: RiskLevel }>`select code, risk_level from kbli where code in (${sql.join(body.kbli)})`.execute(trx);
      const unknown = body.kbli.filter((c) => !known.some((k) => k.code === c));
      if (unknown.length) throw new SimpulError('request.invalid', `Unknown KBLI code(s): ${unknown.join(', ')}.`);
      const name = body.businessName.trim().toUpperCase();
      const { rows: same } = await sql<{ nib: string }>`select nib from business where owner_nik = ${nik} and upper(business_name) = ${name} and status = 'AKTIF' limit 1`.execute(trx);
      if (same[0]) throw new SimpulError('request.conflict', `This owner already has an active business named ${name}: NIB ${same[0].nib}.`, { nib: same[0].nib });
      const risk = highestRisk(body.kbli.map((c) => (known.find((k) => k.code === c) as { risk_level: KbliEntry['riskLevel'] }).risk_level));
      const permits = requiredPermits(risk);
      const status: Application['status'] = risk === 'MENENGAH_TINGGI' || risk === 'TINGGI' ? 'MENUNGGU_VERIFIKASI' : 'NIB_TERBIT';
      // NIBs issued here start with 92: the seeded registry's start with 91, so they never collide.
      const { rows: serial } = await sql<{ nib: string; today: string }>`
        select '92' || to_char(now(), 'YY') || lpad(nextval('nib_serial')::text, 9, '0') as nib, to_char(now(), 'YYYY-MM-DD') as today`.execute(trx);
      const { nib, today } = serial[0] as { nib: string; today: string };
      await sql`insert into business (nib, business_name, legal_form, owner_nik, owner_name, scale, risk_level, investment, employees,
          street, rt, rw, village, district, city, province, postcode, issued_at, status)
        values (${nib}, ${name}, 'PERORANGAN', ${nik}, ${body.ownerName.toUpperCase()}, 'MIKRO', ${risk}, ${body.investment}, ${body.employees},
          ${body.address.street}, ${body.address.rt}, ${body.address.rw}, ${body.address.village}, ${body.address.district},
          ${body.address.city}, ${body.address.province}, ${body.address.postcode}, ${today}, 'AKTIF')`.execute(trx);
      await bulkInsert(trx, 'business_kbli', body.kbli.map((code, position) => ({ nib, code, position })));
      await bulkInsert(trx, 'permit', [
        { nib, type: 'NIB', number: nib, issued_at: today, status: 'BERLAKU' },
        ...permits.map((type, i) => ({ nib, type, number: `${type === 'IZIN' ? 'IZ' : 'SS'}/${nib}/${i + 1}`, issued_at: today, status: 'MENUNGGU_VERIFIKASI' })),
      ]);
      const { rows: registered } = await sql<BusinessRow>`select ${sql.raw(BUSINESS_COLUMNS)} from business b where b.nib = ${nib}`.execute(trx);
      // Subscribers receive the common model (as the SQL source serves it), not this system's own shape.
      await appendToOutbox(trx, [businessRegistered(businessFromDemo(toBusiness(registered[0] as BusinessRow)))]);
      const id = randomUUID();
      const { rows } = await sql<{ submitted_at: string }>`
        insert into application (id, owner_nik, owner_name, business_name, kbli, address, investment, employees, status, risk_level, required_permits, nib, client_reference)
        values (${id}, ${nik}, ${body.ownerName}, ${body.businessName}, ${JSON.stringify(body.kbli)}::jsonb, ${JSON.stringify(body.address)}::jsonb,
          ${body.investment}, ${body.employees}, ${status}, ${risk}, ${JSON.stringify(permits)}::jsonb, ${nib}, ${body.reference ?? null})
        returning to_char(submitted_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as submitted_at`.execute(trx);
      return {
        id, status, nib, riskLevel: risk, requiredPermits: permits, ownerNik: nik, ownerName: body.ownerName, businessName: body.businessName,
        kbli: body.kbli, investment: body.investment, employees: body.employees, address: body.address, submittedAt: (rows[0] as { submitted_at: string }).submitted_at,
      } satisfies Application;
    });
    return reply.code(201).header('location', `/applications/${application.id}`).send(application);
  });

  app.get('/applications/:id', {
    schema: {
      summary: 'An NIB application and its status',
      tags: ['applications'],
      params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
      response: responses(ApplicationSchema),
    },
  }, async (request) => {
    const { rows } = await sql<{ id: string; owner_nik: string; owner_name: string; business_name: string; kbli: string[]; address: Application['address']; investment: number; employees: number; status: Application['status']; risk_level: RiskLevel; required_permits: string[]; nib: string; submitted_at: string }>`
      select id, owner_nik, owner_name, business_name, kbli, address, investment, employees, status, risk_level, required_permits, nib,
        to_char(submitted_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as submitted_at
      from application where id = ${request.params.id}`.execute(db);
    const r = rows[0];
    if (!r) throw new SimpulError('request.not_found', `No application ${request.params.id}.`);
    return {
      id: r.id, status: r.status, nib: r.nib, riskLevel: r.risk_level, requiredPermits: r.required_permits, ownerNik: r.owner_nik,
      ownerName: r.owner_name, businessName: r.business_name, kbli: r.kbli, investment: Number(r.investment), employees: r.employees,
      address: r.address, submittedAt: r.submitted_at,
    } satisfies Application;
  });
}

export const licensing: AgencyModule = {
  agency: 'LICENSING',
  title: 'Licensing sample backend (OSS-style business registration)',
  description: 'Synthetic businesses with NIB, KBLI activities, risk levels and permits; NIB applications for micro businesses. Demo data only.',
  migrations,
  seedTable: 'business',
  fill,
  routes,
};
