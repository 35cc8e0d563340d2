/**
 * The provider side: another agency's gateway delivers a signed request over mutual TLS.
 * This gateway checks who sent it (certificate and signature), that it is fresh and new,
 * that an access right grants the client this service for this purpose, forwards it to the
 * agency system, signs the response bound to the request, records, and answers.
 * Every response, refusals included, is signed, so the consumer can prove what it was told.
 */
import { randomUUID } from 'node:crypto';
import { b64 } from '../core/crypto.js';
import { SimpulError, type ProblemCode } from '../core/errors.js';
import { memberOf, parseExchangeId, parsePurposeCode } from '../core/ids.js';
import { decideAccess } from './access.js';
import { outcomeOf, refusal, subjectCommitment, type GatewayContext, type HttpResult } from './context.js';
import type { ExchangeRecord } from './exchange-record.js';
import { MODEL_WARNING_HEADER, checkAgainstModel, modelWarningHeader } from './model-check.js';
import { PASSED_HEADERS, claimedService, headerValue, parseClientHeader, parseExchangePath, parseSubject } from './exchange-path.js';
import { H, bodyDigest, formatSignature, parseSignature, requestDigest, responseDigest } from './protocol.js';

export interface PeerRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer | undefined;
  /** SHA-256 fingerprint of the peer's TLS client certificate (colon hex), if it presented one. */
  peerFingerprint: string | undefined;
}

export async function provide(ctx: GatewayContext, req: PeerRequest): Promise<HttpResult> {
  const started = performance.now();
  const now = Date.now();
  const h = (name: string) => headerValue(req.headers, name);
  const rawId = h(H.id) ?? '';
  const claimedTime = Number(h(H.time));
  // The digest is computed from the headers as received, before any of them is trusted, so
  // that even a refusal is bound to the exact request it refuses.
  let digest: Buffer;
  try {
    digest = requestDigest({
      method: req.method,
      path: req.path,
      query: req.query,
      client: h(H.client) ?? '',
      purpose: h(H.purpose) ?? '',
      subject: h(H.subject) ?? '',
      id: rawId,
      time: Number.isFinite(claimedTime) ? claimedTime : 0,
      sender: h(H.sender) ?? '',
      bodyDigest: b64.decode(h(H.bodyDigest) ?? ''),
    });
  } catch {
    digest = Buffer.alloc(32);
  }
  const record: ExchangeRecord = {
    id: (rawId || randomUUID()) as ExchangeRecord['id'],
    side: 'provider',
    time: now,
    client: h(H.client) ?? '',
    service: claimedService(req.path),
    purpose: h(H.purpose) ?? null,
    legalBasis: null,
    subjectCommitment: null,
    outcome: 'refused',
    status: 0,
    code: null,
    requestHash: digest,
    responseHash: null,
    peer: null,
    durationMs: 0,
  };

  let result: HttpResult;
  try {
    const view = ctx.config.current(now);
    const sender = req.peerFingerprint ? view.gatewaysByFingerprint.get(req.peerFingerprint) : undefined;
    if (!sender) throw new SimpulError('message.unknown_sender', 'The TLS client certificate does not belong to an active gateway of this instance.');
    record.peer = sender.id;
    if (h(H.sender) !== sender.id) throw new SimpulError('message.unknown_sender', `The message claims to come from ${h(H.sender) ?? 'nobody'} over the connection of ${sender.id}.`);
    const id = parseExchangeId(rawId);
    const client = parseClientHeader(h(H.client));
    const { service, rest } = parseExchangePath(req.path);
    const purposeHeader = h(H.purpose);
    if (!purposeHeader) throw new SimpulError('request.malformed_header', 'Simpul-Purpose is required.');
    const purpose = parsePurposeCode(purposeHeader);
    const subject = parseSubject(h(H.subject));
    record.subjectCommitment = subjectCommitment(ctx.identity, subject);
    if (!Number.isSafeInteger(claimedTime)) throw new SimpulError('request.malformed_header', 'Simpul-Time must be milliseconds since the epoch.');
    if (Math.abs(now - claimedTime) > ctx.clockSkewMs) throw new SimpulError('message.stale', `The message time is ${Math.round((now - claimedTime) / 1000)} s from this gateway's clock; at most ${ctx.clockSkewMs / 1000} s is accepted.`);

    const signature = parseSignature(h(H.signature));
    if (signature.key !== sender.id || !ctx.verifier.verify(digest, signature, sender.verifyKey)) {
      throw new SimpulError('message.signature_invalid', `The request signature does not verify under the key of ${sender.id}.`);
    }
    if (!bodyDigest(req.body).equals(b64.decode(h(H.bodyDigest) ?? ''))) throw new SimpulError('message.body_digest_mismatch', 'The body was changed after it was signed.');
    if (memberOf(client) !== sender.member) throw new SimpulError('client.not_owner', `${sender.id} may not send on behalf of ${client}.`);
    if (!ctx.replay.admit(id, now)) throw new SimpulError('message.replayed', `Message ${id} was already received.`);

    if (memberOf(service) !== ctx.identity.member) throw new SimpulError('service.unknown', `${service} is not provided by ${ctx.identity.member}.`);
    const entry = view.service(service);
    if (entry.personalData && !subject) throw new SimpulError('request.subject_required', `${service} handles personal data: name the data subject in Simpul-Subject.`);
    const right = decideAccess(view, client, service, purpose, now);
    record.legalBasis = right.legalBasis;
    const backend = ctx.backends(service);
    if (!backend) throw new SimpulError('service.disabled', `No agency system is configured for ${service} on this gateway.`);

    const headers: Record<string, string> = { 'simpul-purpose': purpose, 'simpul-client': client, 'simpul-id': id };
    for (const name of PASSED_HEADERS) {
      const v = h(name);
      if (v) headers[name] = v;
    }
    const response = await backend.call({ method: req.method, path: rest, query: req.query, headers, body: req.body, service, client, purpose, subject, exchangeId: id });
    const checked = checkAgainstModel(entry.dataModel, ctx.modelCheck(service), response.status, response.headers['content-type'], response.body);
    result = {
      status: response.status,
      headers: { 'content-type': response.headers['content-type'] ?? 'application/octet-stream', [H.legalBasis]: encodeURIComponent(right.legalBasis) },
      body: response.body,
    };
    record.status = response.status;
    record.outcome = outcomeOf(null, response.status);
    if (checked.warning) {
      // Warn mode: the record passes, and both the answer and the exchange record say it broke the model.
      result.headers[MODEL_WARNING_HEADER] = modelWarningHeader(checked.warning);
      record.code = 'model.violation';
      ctx.onModelViolation?.(service, checked.warning);
    }
  } catch (error) {
    result = refusal(ctx, error, record.id, req.path);
    record.code = result.headers['x-problem-code'] as ProblemCode;
    delete result.headers['x-problem-code'];
    record.status = result.status;
    record.outcome = outcomeOf(record.code, result.status);
  }

  const time = Date.now();
  const contentType = result.headers['content-type'] ?? '';
  const rDigest = responseDigest({ status: result.status, contentType, id: rawId, requestHash: digest, time, sender: ctx.identity.id, bodyDigest: bodyDigest(result.body) });
  record.responseHash = rDigest;
  const signature = await ctx.signer.sign(rDigest);
  result.headers[H.id] = rawId;
  result.headers[H.time] = String(time);
  result.headers[H.sender] = ctx.identity.id;
  result.headers[H.requestHash] = b64.encode(digest);
  result.headers[H.signature] = formatSignature(signature);
  record.durationMs = performance.now() - started;
  await ctx.store.record(record);
  return result;
}
