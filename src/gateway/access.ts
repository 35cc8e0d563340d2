/**
 * The provider gateway's access decision: a right must name this client subsystem and this
 * service, grant the purpose the request states, and be in force now. The most specific
 * refusal is returned, so an integration engineer knows what to ask the registry for.
 */
import { SimpulError } from '../core/errors.js';
import type { AccessRightEntry } from '../registry/global-conf.js';
import type { ConfigurationView } from './configuration.js';

export function decideAccess(view: ConfigurationView, client: string, service: string, purpose: string, now = Date.now()): AccessRightEntry {
  const rights = view.rights.get(`${client}|${service}`);
  if (!rights?.length) throw new SimpulError('client.access_denied', `${client} has no access right to ${service}.`);
  const forPurpose = rights.filter((r) => r.purpose === purpose);
  if (!forPurpose.length) {
    throw new SimpulError('client.purpose_not_allowed', `${client} may call ${service} only for: ${rights.map((r) => r.purpose).join(', ')}.`, { allowedPurposes: rights.map((r) => r.purpose) });
  }
  const inForce = forPurpose.find((r) => r.expiresAt === null || Date.parse(r.expiresAt) > now);
  if (!inForce) throw new SimpulError('client.right_expired', `The right of ${client} to ${service} for ${purpose} expired at ${forPurpose[0]!.expiresAt}.`);
  return inForce;
}
