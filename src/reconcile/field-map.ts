/**
 * The field map tells the engine which columns of an agency's file hold which canonical
 * person field: `canonical=column[,canonical=column…]`, where a canonical field may join
 * several columns with `+` (`address=address_1+address_2`); joined values are separated by
 * a space.
 */
import { SimpulError } from '../core/errors.js';

export const CANONICAL_FIELDS = [
  'nik',
  'full_name',
  'given_name',
  'family_name',
  'birth_date',
  'sex',
  'birth_place',
  'address',
  'street_number',
  'locality',
  'district',
  'city',
  'province',
  'postcode',
  'phone',
  'other_id',
] as const;

export type CanonicalField = (typeof CANONICAL_FIELDS)[number];

/** Canonical field → the source columns joined to make it, in order. */
export type FieldMap = Partial<Record<CanonicalField, readonly string[]>>;

function isCanonical(name: string): name is CanonicalField {
  return (CANONICAL_FIELDS as readonly string[]).includes(name);
}

/**
 * Parses `nik=NIK,full_name=NAMA,address=ALAMAT+RT_RW`.
 *
 * @example parseFieldMap('given_name=first_name,family_name=surname')
 *   // { given_name: ['first_name'], family_name: ['surname'] }
 */
export function parseFieldMap(text: string): FieldMap {
  const map: Partial<Record<CanonicalField, string[]>> = {};
  const entries = text.split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length === 0) {
    throw new SimpulError('reconcile.invalid_mapping', 'The field map is empty. Write canonical=column pairs, e.g. "nik=NIK,full_name=NAMA".');
  }
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0 || eq === entry.length - 1) {
      throw new SimpulError('reconcile.invalid_mapping', `Field map entry ${JSON.stringify(entry)} is not canonical=column.`);
    }
    const field = entry.slice(0, eq).trim();
    if (!isCanonical(field)) {
      throw new SimpulError('reconcile.invalid_mapping', `Unknown canonical field ${JSON.stringify(field)}. Known fields: ${CANONICAL_FIELDS.join(', ')}.`);
    }
    if (map[field]) throw new SimpulError('reconcile.invalid_mapping', `Canonical field ${field} is mapped twice.`);
    const columns = entry.slice(eq + 1).split('+').map((c) => c.trim());
    if (columns.some((c) => c === '')) {
      throw new SimpulError('reconcile.invalid_mapping', `Field map entry ${JSON.stringify(entry)} has an empty column name.`);
    }
    map[field] = columns;
  }
  return map;
}

/** The canonical fields a map defines, in canonical order. */
export function mappedFields(map: FieldMap): CanonicalField[] {
  return CANONICAL_FIELDS.filter((f) => map[f] !== undefined);
}

/** Throws a clear error naming the file when a mapped column is not in its header. */
export function checkMapAgainstHeader(map: FieldMap, header: readonly string[], file: string, idColumn: string): void {
  const known = new Set(header);
  if (!known.has(idColumn)) {
    throw new SimpulError('reconcile.invalid_mapping', `${file}: the id column ${JSON.stringify(idColumn)} is not in the header (${header.join(', ')}).`);
  }
  for (const field of mappedFields(map)) {
    for (const column of map[field] ?? []) {
      if (!known.has(column)) {
        throw new SimpulError('reconcile.invalid_mapping', `${file}: column ${JSON.stringify(column)} mapped to ${field} is not in the header (${header.join(', ')}).`);
      }
    }
  }
}

export function formatFieldMap(map: FieldMap): string {
  return mappedFields(map).map((f) => `${f}=${(map[f] ?? []).join('+')}`).join(',');
}
