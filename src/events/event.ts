/**
 * Change events of a base registry (docs/protocols/events.md): what happened to which data
 * subject, at which position of the publisher's stream, with an id that makes applying it
 * twice have one effect. Payloads follow the common data model (src/core/model).
 */
import { randomUUID } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { SimpulError } from '../core/errors.js';
import { validateAgainstModel } from '../core/model/validate-model.js';
import { BUSINESS_ID, type Business } from '../core/model/schemas/business.js';
import type { Address } from '../core/model/schemas/common.js';
import { PERSON_ID, type Person } from '../core/model/schemas/person.js';

export const EVENT_TYPES = ['person.born', 'person.died', 'person.address_changed', 'person.name_changed', 'business.registered'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The payload of each event type. */
export interface EventData {
  'person.born': { person: Person };
  'person.died': { nik: string; deathDate: string };
  'person.address_changed': { nik: string; previous: Address; address: Address };
  'person.name_changed': { nik: string; previous: string; fullName: string };
  'business.registered': { business: Business };
}

/** An event as the publisher records it, before the outbox gives it a position. */
export interface NewEvent<T extends EventType = EventType> {
  /** UUID: the idempotency key. Generated when absent. */
  id?: string;
  type: T;
  /** The data subject: a NIK for person events, the NIB for business events. */
  subject: string;
  /** When the change happened (ISO 8601); the outbox's clock when absent. */
  time?: string;
  data: EventData[T];
}

/** An event in the stream: gap-free position from 1, id, type, subject, time, payload. */
export interface ChangeEvent<T extends EventType = EventType> {
  position: number;
  id: string;
  type: T;
  subject: string;
  time: string;
  data: EventData[T];
}

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

/** Parses a comma-separated list of event types (`person.died,person.born`); empty means all. */
export function parseEventTypes(text: string | undefined): EventType[] | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const types = [...new Set(text.split(',').map((t) => t.trim()).filter(Boolean))];
  for (const t of types) {
    if (!isEventType(t)) throw new SimpulError('request.invalid', `Unknown event type ${JSON.stringify(t)}; known types: ${EVENT_TYPES.join(', ')}.`);
  }
  return types as EventType[];
}

const AddressShape = Type.Object({
  street: Type.String({ maxLength: 200 }),
  rt: Type.String({ pattern: '^[0-9]{1,3}$' }),
  rw: Type.String({ pattern: '^[0-9]{1,3}$' }),
  village: Type.String({ minLength: 1, maxLength: 100 }),
  district: Type.String({ minLength: 1, maxLength: 100 }),
  city: Type.String({ minLength: 1, maxLength: 100 }),
  province: Type.String({ minLength: 1, maxLength: 100 }),
  postcode: Type.String({ pattern: '^[0-9]{5}$' }),
}, { additionalProperties: false });

const Nik = Type.String({ pattern: '^[0-9]{16}$' });
const DateText = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' });

const Envelope = Type.Object({
  position: Type.Integer({ minimum: 1 }),
  id: Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' }),
  type: Type.Union(EVENT_TYPES.map((t) => Type.Literal(t))),
  subject: Type.String({ minLength: 1, maxLength: 128 }),
  time: Type.String({ minLength: 10, maxLength: 40 }),
  data: Type.Object({}),
});

const PAYLOADS = {
  'person.born': TypeCompiler.Compile(Type.Object({ person: Type.Object({ nik: Nik }) })),
  'person.died': TypeCompiler.Compile(Type.Object({ nik: Nik, deathDate: DateText })),
  'person.address_changed': TypeCompiler.Compile(Type.Object({ nik: Nik, previous: AddressShape, address: AddressShape })),
  'person.name_changed': TypeCompiler.Compile(Type.Object({ nik: Nik, previous: Type.String(), fullName: Type.String({ minLength: 1, maxLength: 200 }) })),
  'business.registered': TypeCompiler.Compile(Type.Object({ business: Type.Object({ nib: Type.String() }) })),
} satisfies Record<EventType, unknown>;
const envelope = TypeCompiler.Compile(Envelope);

export type EventEnvelope = Static<typeof Envelope>;

/**
 * Checks an event received from a feed: the envelope, the payload of its type, and for events
 * that carry a whole record, that record against the common data model. Returns why not, or
 * undefined when the event is well formed.
 */
export function eventProblem(value: unknown): string | undefined {
  if (!envelope.Check(value)) {
    const first = envelope.Errors(value).First();
    return `malformed event envelope at ${first?.path || '/'}: ${first?.message ?? 'invalid'}`;
  }
  const payload = PAYLOADS[value.type];
  if (!payload.Check(value.data)) {
    const first = payload.Errors(value.data).First();
    return `malformed ${value.type} payload at /data${first?.path ?? ''}: ${first?.message ?? 'invalid'}`;
  }
  const record = value.type === 'person.born' ? { model: PERSON_ID, body: (value.data as EventData['person.born']).person } : value.type === 'business.registered' ? { model: BUSINESS_ID, body: (value.data as EventData['business.registered']).business } : undefined;
  if (record) {
    const result = validateAgainstModel(record.model, record.body);
    if (!result.ok) return `the ${value.type} record does not follow ${record.model}: ${result.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`;
  }
  const subjectOf = 'nik' in value.data ? (value.data as { nik: string }).nik : value.type === 'person.born' ? (value.data as EventData['person.born']).person.nik : (value.data as EventData['business.registered']).business.nib;
  if (subjectOf !== value.subject) return `the event's subject ${value.subject} is not the subject of its payload`;
  return undefined;
}

/** `person.address_changed` for a NIK: the whole new address and the one it replaces. */
export function addressChanged(nik: string, previous: Address, address: Address): NewEvent<'person.address_changed'> {
  return { id: randomUUID(), type: 'person.address_changed', subject: nik, data: { nik, previous, address } };
}

export function personBorn(person: Person): NewEvent<'person.born'> {
  return { id: randomUUID(), type: 'person.born', subject: person.nik, data: { person } };
}

export function personDied(nik: string, deathDate: string): NewEvent<'person.died'> {
  return { id: randomUUID(), type: 'person.died', subject: nik, data: { nik, deathDate } };
}

export function nameChanged(nik: string, previous: string, fullName: string): NewEvent<'person.name_changed'> {
  return { id: randomUUID(), type: 'person.name_changed', subject: nik, data: { nik, previous, fullName } };
}

export function businessRegistered(business: Business): NewEvent<'business.registered'> {
  return { id: randomUUID(), type: 'business.registered', subject: business.nib, data: { business } };
}
