/**
 * The synthetic federation: one population (DUKCAPIL's registry, the truth) and the copies the
 * statistics office, health, education and licensing agencies hold, each with the
 * inconsistencies real registers have, counted, and the answer key reconciliation is measured
 * against. Everything follows from the seed: the same seed and size give the same data.
 *
 * @example
 * const data = generateFederationData({ seed: 7, persons: 10_000 });
 * data.persons[0].nik;             // '3273014509870003'…
 * data.inconsistencies.counts.BPS; // { missing_nik: 560, name_variant: 840, … }
 */
import { copyToBps } from './bps.js';
import { ageOn } from './dates.js';
import { copyToKemendikbud } from './kemendikbud.js';
import { copyToKemenkes } from './kemenkes.js';
import { Ledger, type CopyContext } from './ledger.js';
import { copyToLicensing } from './licensing.js';
import { generatePopulation, type Resident } from './population.js';
import { Random } from './random.js';
import { loadRegions } from './regions.js';
import type { FederationData } from './types.js';

export interface FederationDataOptions {
  seed?: number;
  persons?: number;
  /** The day the data describes; ages, moves and deaths are relative to it. */
  referenceDate?: string;
}

export const DEFAULT_SEED = 20250701;
export const DEFAULT_PERSONS = 10_000;
export const DEFAULT_REFERENCE_DATE = '2025-07-01';

export function generateFederationData(options: FederationDataOptions = {}): FederationData {
  const seed = options.seed ?? DEFAULT_SEED;
  const size = options.persons ?? DEFAULT_PERSONS;
  const referenceDate = options.referenceDate ?? DEFAULT_REFERENCE_DATE;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`persons must be a positive integer, got ${size}`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(referenceDate)) throw new RangeError(`referenceDate must be YYYY-MM-DD, got ${referenceDate}`);

  const regions = loadRegions(new Random(seed, 'regions'));
  const population = generatePopulation(new Random(seed, 'population'), regions, { persons: size, referenceDate });
  const showcase = chooseShowcase(new Random(seed, 'showcase'), population.residents, referenceDate);
  const ledger = new Ledger();
  const context = (stream: string): CopyContext => ({ random: new Random(seed, stream), population, ledger, showcase, referenceDate });

  const respondents = copyToBps(context('bps'));
  const patients = copyToKemenkes(context('kemenkes'));
  const kemendikbud = copyToKemendikbud(context('kemendikbud'), regions);
  const licensing = copyToLicensing(context('licensing'));

  return {
    seed,
    referenceDate,
    persons: population.persons,
    households: population.households,
    bps: { respondents },
    kemenkes: { patients },
    kemendikbud,
    licensing,
    truth: ledger.truth,
    inconsistencies: { records: ledger.records, counts: ledger.counts() },
    showcaseNik: showcase.person.nik,
  };
}

/**
 * A living pupil in the last year of secondary school, 18 by the reference day, so that one
 * person can be found in every agency: registry, census, health, school and (a small online
 * shop) licensing.
 */
function chooseShowcase(random: Random, residents: Resident[], referenceDate: string): Resident {
  const alive = residents.filter((r) => r.person.deathDate === null);
  const pupils = alive.filter((r) => ageOn(r.person.birthDate, '2024-07-15') === 17 && ageOn(r.person.birthDate, referenceDate) === 18 && r.relationship === 'ANAK');
  if (pupils.length > 0) return random.pick(pupils);
  const adults = alive.filter((r) => ageOn(r.person.birthDate, referenceDate) >= 18);
  return random.pick(adults.length > 0 ? adults : residents);
}
