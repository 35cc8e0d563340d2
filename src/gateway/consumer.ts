/**
 * The consumer side: a local system asks its own gateway for another agency's service.
 * The gateway authenticates the system, signs the request, sends it to the provider's
 * gateway over mutual TLS, verifies the signed response, records the exchange and only
 * then answers.
 */
import { randomUUID } from 'node:crypto';
import { b64 } from '../core/crypto.js';
import { SimpulError, type ProblemCode } from '../core/errors.js';
import { memberOf, parseExchangeId, parsePurposeCode } from '../core/ids.js';
import type { ExchangeRecord } from './exchange-record.js';
import { outcomeOf, problemCodeOf, refusal, subjectCommitment, type GatewayContext, type HttpResult } from './context.js';
import { PASSED_HEADERS, claimedService, headerValue, parseClientHeader, parseExchangePath, parseSubject } from './exchange-path.js';
import { MODEL_WARNING_HEADER } from './model-check.js';
import { H, bodyDigest, formatSignature, parseSignature, requestDigest, responseDigest } from './protocol.js';

export interface LocalRequest {
  method: string;
  /** Path as received, percent-encoded. */
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer | undefined;
}

export async function consume(ctx: GatewayContext, req: LocalRequest): Promise<HttpResult> {
  const started = performance.now();
  const time = Date.now();
  const rawId = headerValue(req.headers, H.id);
  let id: string = randomUUID();
  const record: ExchangeRecord = {
    id: id as ExchangeRecord['id'],
    side: 'consumer',
    time,
    client: headerValue(req.headers, H.client) ?? '',
    service: claimedService(req.path),
    purpose: headerValue(req.headers, H.purpose) ?? null,
    legalBasis: null,
    subjectCommitment: null,
    outcome: 'refused',
    status: 0,
    code: null,
    requestHash: Buffer.alloc(32),
    responseHash: null,
    peer: null,
    durationMs: 0,
  };
  let result: HttpResult;
  try {
    if (rawId !== undefined) id = parseExchangeId(rawId);
    record.id = id as ExchangeRecord['id'];
    const authenticated = ctx.clients.authenticate(headerValue(req.headers, 'authorization'));
    const client = parseClientHeader(headerValue(req.headers, H.client));
    if (client !== authenticated) throw new SimpulError('client.not_owner', `The token belongs to ${authenticated}, not to ${client}.`);
    const { service } = parseExchangePath(req.path);
    record.service = service;
    const purposeHeader = headerValue(req.headers, H.purpose);
    if (!purposeHeader) throw new SimpulError('request.malformed_header', 'Simpul-Purpose is required: name the purpose code the access right grants.');
    const purpose = parsePurposeCode(purposeHeader);
    const subject = parseSubject(headerValue(req.headers, H.subject));
    record.subjectCommitment = subjectCommitment(ctx.identity, subject);
    if (req.body && req.body.length > ctx.maxBodyBytes) throw new SimpulError('request.body_too_large', `Request bodies are limited to ${ctx.maxBodyBytes} bytes.`);
    const view = ctx.config.current();
    const entry = view.service(service);
    if (entry.personalData && !subject) throw new SimpulError('request.subject_required', `${service} handles personal data: name the data subject in Simpul-Subject.`);
    const providers = view.providerGateways(memberOf(service));
    const provider = providers[time % providers.length]!;
    record.peer = provider.id;

    const digestOfBody = bodyDigest(req.body);
    const digest = requestDigest({ method: req.method, path: req.path, query: req.query, client, purpose, subject: subject ?? '', id, time, sender: ctx.identity.id, bodyDigest: digestOfBody });
    record.requestHash = digest;
    const signature = await ctx.signer.sign(digest);
    const headers: Record<string, string> = {
      [H.client]: client,
      [H.purpose]: purpose,
      [H.id]: id,
      [H.time]: String(time),
      [H.sender]: ctx.identity.id,
      [H.bodyDigest]: b64.encode(digestOfBody),
      [H.signature]: formatSignature(signature),
    };
    if (subject) headers[H.subject] = subject;
    for (const name of PASSED_HEADERS) {
      const v = headerValue(req.headers, name);
      if (v) headers[name] = v;
    }
    const response = await ctx.peers.send(provider.address, { method: req.method, path: req.path + (req.query ? `?${req.query}` : ''), headers, body: req.body });

    // The answer must come from the gateway we addressed, be signed by it, and answer this request.
    const contentType = response.headers['content-type'] ?? '';
    if (response.headers[H.requestHash] !== b64.encode(digest)) throw new SimpulError('message.response_mismatch', 'The provider gateway answered a different request.');
    const responseSig = parseSignature(response.headers[H.signature]);
    if (responseSig.key !== provider.id || response.headers[H.sender] !== provider.id) throw new SimpulError('message.signature_invalid', `The response is not signed by ${provider.id}.`);
    const responseTime = Number(response.headers[H.time]);
    const rDigest = responseDigest({ status: response.status, contentType, id, requestHash: digest, time: responseTime, sender: provider.id, bodyDigest: bodyDigest(response.body) });
    if (!ctx.verifier.verify(rDigest, responseSig, provider.verifyKey)) throw new SimpulError('message.signature_invalid', 'The provider gateway\'s response signature does not verify.');
    record.responseHash = rDigest;
    const legalBasis = response.headers[H.legalBasis];
    record.legalBasis = legalBasis ? decodeURIComponent(legalBasis) : null;
    const code = problemCodeOf(contentType, response.body);
    record.code = code;
    record.outcome = outcomeOf(code, response.status);
    record.status = response.status;
    const out: Record<string, string> = { [H.id]: id, [H.requestHash]: b64.encode(digest) };
    if (contentType) out['content-type'] = contentType;
    if (legalBasis) out[H.legalBasis] = legalBasis;
    const modelWarning = response.headers[MODEL_WARNING_HEADER];
    if (modelWarning) {
      out[MODEL_WARNING_HEADER] = modelWarning;
      // Passed on in warn mode: the consumer's record says so too.
      record.code ??= 'model.violation';
    }
    result = { status: response.status, headers: out, body: response.body };
  } catch (error) {
    result = refusal(ctx, error, id, req.path);
    record.code = result.headers['x-problem-code'] as ProblemCode;
    delete result.headers['x-problem-code'];
    record.status = result.status;
    record.outcome = outcomeOf(record.code, result.status);
  }
  record.durationMs = performance.now() - started;
  await ctx.store.record(record);
  return result;
}
