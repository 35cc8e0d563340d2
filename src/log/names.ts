/**
 * How gateways name their logs and witness keys (docs/protocols/log.md §3), so that the log
 * side and every witness derive the same origin and verifier keys from the global
 * configuration's gateway id and raw public keys.
 */
import { SIG_COSIGNATURE_V1, SIG_ED25519, formatVerifierKey } from './note.js';

/** `simpul.go.id/log/ID/GOV/DUKCAPIL/gw1` for gateway `ID/GOV/DUKCAPIL/gw1`. */
export function logOrigin(gatewayId: string): string {
  return `simpul.go.id/log/${gatewayId}`;
}

/** The log's verifier key (type 0x01) from the gateway id and its raw Ed25519 log key. */
export function logVerifierKey(gatewayId: string, publicKey: Uint8Array): string {
  return formatVerifierKey(logOrigin(gatewayId), SIG_ED25519, publicKey);
}

/** `simpul.go.id/witness/ID/GOV/BPS/gw1`: the key name a gateway cosigns with. */
export function witnessKeyName(gatewayId: string): string {
  return `simpul.go.id/witness/${gatewayId}`;
}

/** A witness's verifier key (cosignature/v1, type 0x04) from its gateway id and raw key. */
export function witnessVerifierKey(gatewayId: string, publicKey: Uint8Array): string {
  return formatVerifierKey(witnessKeyName(gatewayId), SIG_COSIGNATURE_V1, publicKey);
}
