/**
 * The OSS-like risk check: each KBLI activity code is looked up at the licensing agency's
 * `kbli` service through the portal's gateway (no personal data, so no data subject), and the
 * highest risk level decides what the business needs.
 */
import type { ServiceId } from '../../core/ids.js';
import { GatewayCallError, type GatewayRequest, type GatewayResponse } from '../gateway-client.js';
import { highestRisk, isRiskLevel } from './risk.js';
import type { KbliActivity } from './nib-form.js';
import { StepFailure } from './step-failure.js';

export const KBLI_SERVICE = 'ID/GOV/LICENSING/OSS/kbli' as ServiceId;

export interface KbliCheck {
  activities: KbliActivity[];
  riskLevel: KbliActivity['riskLevel'];
}

/** One exchange through the gateway; the caller adds purpose, exchange id and time limit. */
export type ExchangeCall = <T>(request: Pick<GatewayRequest, 'service' | 'method' | 'path'>) => Promise<GatewayResponse<T>>;

/** Throws StepFailure `risk.unknown_kbli` (detail: the code) for a code OSS does not know. */
export async function checkKbli(call: ExchangeCall, codes: readonly string[]): Promise<KbliCheck> {
  const activities: KbliActivity[] = [];
  for (const code of codes) {
    let body: Record<string, unknown>;
    try {
      body = (await call<Record<string, unknown>>({ service: KBLI_SERVICE, method: 'GET', path: `/${code}` })).body;
    } catch (error) {
      if (error instanceof GatewayCallError && error.status === 404 && error.code === 'request.not_found') throw new StepFailure('risk.unknown_kbli', code);
      throw error;
    }
    if (!isRiskLevel(body.riskLevel) || typeof body.title !== 'string') throw new StepFailure('provider.malformed_answer', `The kbli service answered ${code} without a title and a known risk level.`);
    activities.push({ code, title: body.title, sector: typeof body.sector === 'string' ? body.sector : '', riskLevel: body.riskLevel });
  }
  return { activities, riskLevel: highestRisk(activities.map((a) => a.riskLevel)) };
}
