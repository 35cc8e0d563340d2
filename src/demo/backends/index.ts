export {
  AGENCIES,
  agencySchema,
  buildAgencyBackend,
  openAgencyDatabase,
  startAgencyBackend,
  type AgencyBackend,
  type AgencyBackendOptions,
  type AgencyDatabaseOptions,
  type StartAgencyBackendOptions,
} from './agency-backend.js';
export { sampleIdentifiers, type AgencySamples } from './samples.js';
export { FHIR_JSON } from './kemenkes.js';
