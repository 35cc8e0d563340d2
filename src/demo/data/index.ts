export { DEFAULT_PERSONS, DEFAULT_REFERENCE_DATE, DEFAULT_SEED, generateFederationData, type FederationDataOptions } from './generate.js';
export { INCONSISTENCY_RATES } from './ledger.js';
export { IHS_SYSTEM, MOTHER_NIK_SYSTEM, NIK_SYSTEM } from './kemenkes.js';
export { KBLI, highestRisk } from './kbli.js';
export type * from './types.js';
