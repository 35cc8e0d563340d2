/**
 * The data tracker's source in a federation (ADR 0068): every agency's gateway answers for
 * the exchanges it recorded about the citizen, through the exchange itself, with the citizen
 * as subject and the tracker's purpose. One exchange appears at both of its gateways; the
 * provider's record is kept (it holds the legal basis the provider applied and the receipt of
 * the provider's log). A gateway that does not answer is named, so the citizen knows the
 * list may be incomplete.
 */
import type { Nik, PurposeCode, ServiceId } from '../../core/ids.js';
import type { GatewayClient } from '../gateway-client.js';
import type { ExchangeRecordSource, TrackedExchange, TrackedExchanges } from './exchange-record-source.js';

export const TRACKER_PURPOSE = 'AKSES-SUBJEK-DATA' as PurposeCode;
export const TRACKER_LEGAL_BASIS = 'UU 27/2022 Pelindungan Data Pribadi Pasal 7 dan Pasal 32 (akses Subjek Data Pribadi ke rekam jejak pemrosesan)';

/** Each tracker read waits at most this long for one gateway. */
const PER_GATEWAY_TIMEOUT_MS = 5_000;

/** The shape of a gateway's subject-exchanges answer (src/gateway/subject-exchanges.ts). */
interface RecordsAnswer {
  gateway: string;
  exchanges: { id: string; side: string; time: number; client: string; service: string; purpose: string | null; legalBasis: string | null; outcome: string }[];
}

export interface FederationExchangeRecordsOptions {
  gateway: GatewayClient;
  /** Every member's subject-exchanges service, e.g. `ID/GOV/DUKCAPIL/SIMPUL/subject-exchanges`. */
  services: ServiceId[];
  /** Where the receipt of an exchange in a gateway's log is served, when the federation publishes it. */
  receiptUrl?: (gatewayId: string, exchangeId: string) => string | undefined;
}

export class FederationExchangeRecords implements ExchangeRecordSource {
  constructor(private readonly options: FederationExchangeRecordsOptions) {}

  async listBySubject(nik: Nik, options: { limit: number; before?: number }): Promise<TrackedExchanges> {
    const query: Record<string, string> = { limit: String(Math.min(options.limit, 200)) };
    if (options.before !== undefined) query.before = String(options.before);
    const answers = await Promise.allSettled(
      this.options.services.map((service) => this.options.gateway.call<RecordsAnswer>({ service, purpose: TRACKER_PURPOSE, subject: nik, query, timeoutMs: PER_GATEWAY_TIMEOUT_MS })),
    );
    const byId = new Map<string, { record: RecordsAnswer['exchanges'][number]; gateway: string; time: number }>();
    const unavailable: string[] = [];
    answers.forEach((answer, i) => {
      if (answer.status === 'rejected' || !Array.isArray(answer.value.body?.exchanges)) {
        unavailable.push(memberOf(this.options.services[i]!));
        return;
      }
      const { gateway, exchanges } = answer.value.body;
      for (const record of exchanges) {
        const seen = byId.get(record.id);
        // An exchange counts from its earliest record (the consumer's, when the client asked): its
        // other records are later, so a page that ends at that time never lists it again.
        const time = Math.min(record.time, seen?.time ?? Infinity);
        if (!seen || (seen.record.side !== 'provider' && record.side === 'provider')) byId.set(record.id, { record, gateway, time });
        else seen.time = time;
      }
    });
    const list: TrackedExchange[] = [...byId.values()]
      .sort((a, b) => b.time - a.time)
      .slice(0, options.limit)
      .map(({ record, gateway, time }) => {
        const receiptUrl = this.options.receiptUrl?.(gateway, record.id);
        return {
          time,
          client: record.client,
          service: record.service,
          purpose: record.purpose,
          legalBasis: record.legalBasis,
          outcome: record.outcome === 'ok' || record.outcome === 'refused' ? record.outcome : 'error',
          exchangeId: record.id,
          ...(receiptUrl ? { receiptUrl } : {}),
        };
      });
    return Object.assign(list, { unavailable });
  }
}

function memberOf(service: string): string {
  return service.split('/').slice(0, 3).join('/');
}
