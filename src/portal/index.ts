/**
 * The citizen portal's public interface, for the demo orchestrator and the CLI.
 */
export { createPortal, PORTAL_SUBSYSTEM, type Portal, type PortalOptions } from './portal.js';
export { startPortal, type RunningPortal, type StartPortalOptions } from './start.js';
export { seedDemoCitizens, seedDemoStaff, type DemoCitizen, type DemoCredentials, type DemoStaff } from './seed.js';
export { GatewayCallError, HttpGatewayClient, type GatewayClient, type GatewayRequest, type GatewayResponse, type HttpGatewayClientOptions } from './gateway-client.js';
export { noExchangeRecords, type ExchangeRecordSource, type TrackedExchange, type TrackedExchanges } from './tracker/exchange-record-source.js';
export { FederationExchangeRecords, TRACKER_LEGAL_BASIS, TRACKER_PURPOSE, type FederationExchangeRecordsOptions } from './tracker/federation-records.js';
export { generatePortalKeys, loadOrCreatePortalKeys, type PortalKeys } from './keys.js';
export { totpCode } from './auth/totp.js';
export { portalAccessRights, APPLICATION_KINDS } from './consent/catalogue.js';
export { verificationUrl, type PermitContent, type PermitVerification, type PublicPermit } from './permits/permits.js';
export type { Workflow } from './workflow/workflow.js';
export type { Maintenance, MaintenanceRound } from './maintenance.js';
export { FileOutbox, noActivationChannel, type ActivationChannel, type ActivationMessage } from './auth/activation-channel.js';
export { SIGN_UP_PURPOSE, SIGN_UP_LEGAL_BASIS, DEFAULT_SIGN_UP_POLICY, type SignUpPolicy } from './auth/sign-up.js';
export { portalFigures, type PortalFigures, type ServiceTimeGroup } from './public-figures.js';
export { HttpCorrectionChannel, type CitizenDispute, type CorrectionChannel, type DisputeDecision, type DisputeStatus, type HttpCorrectionChannelOptions } from './consent/correction-channel.js';
