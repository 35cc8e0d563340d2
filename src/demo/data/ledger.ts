/** Records every inconsistency a copy carries and the true person behind every copied record. */
import type { Population, Resident } from './population.js';
import type { Random } from './random.js';
import type { CopyAgency, FederationData, Inconsistency, InconsistencyKind } from './types.js';

export class Ledger {
  readonly records: Inconsistency[] = [];
  readonly truth: FederationData['truth'] = { BPS: {}, KEMENKES: {}, KEMENDIKBUD: {}, LICENSING: {} };

  link(agency: CopyAgency, recordId: string, nik: string): void {
    this.truth[agency][recordId] = nik;
  }

  note(agency: CopyAgency, recordId: string, kind: InconsistencyKind, nik: string, field?: string, expected?: string | null, actual?: string | null): void {
    const entry: Inconsistency = { agency, recordId, kind, nik };
    if (field !== undefined) entry.field = field;
    if (expected !== undefined) entry.expected = expected;
    if (actual !== undefined) entry.actual = actual;
    this.records.push(entry);
  }

  counts(): FederationData['inconsistencies']['counts'] {
    const counts: FederationData['inconsistencies']['counts'] = { BPS: {}, KEMENKES: {}, KEMENDIKBUD: {}, LICENSING: {} };
    for (const r of this.records) counts[r.agency][r.kind] = (counts[r.agency][r.kind] ?? 0) + 1;
    return counts;
  }
}

/** What every agency's copy is made from. */
export interface CopyContext {
  random: Random;
  population: Population;
  ledger: Ledger;
  /** Copied into every agency, correctly identified: the demo's subject. */
  showcase: Resident;
  referenceDate: string;
}

/** The rates at which each copy is made to differ from the registry (per copied record). */
export const INCONSISTENCY_RATES = {
  BPS: { coverage: 0.7, missing_nik: 0.08, name_variant: 0.12, birth_date_error: 0.03, duplicate: 0.02 },
  KEMENKES: { coverage: 0.55, missing_nik: 0.05, nik_mistyped: 0.03, name_variant: 0.1, duplicate: 0.02, death_unreported_over_60: 0.03 },
  KEMENDIKBUD: { coverage: 0.92, missing_nik: 0.06, nik_mistyped: 0.01, name_variant: 0.08, parent_name_variant: 0.1, birth_place_variant: 0.05 },
  LICENSING: { nik_mistyped: 0.02, name_variant: 0.06, duplicate: 0.015 },
} as const;
