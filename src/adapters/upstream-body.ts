/**
 * Reads an answer from an agency system up to a limit: the gateway holds whole answers in
 * memory (it signs their digests), so a runaway export must not take the process down.
 */
import { SimpulError } from '../core/errors.js';

export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 10_000;

export async function readLimited(response: Response, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge(maxBytes);
  }
  if (!response.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      await response.body.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

export function tooLarge(maxBytes: number): SimpulError {
  return new SimpulError('adapter.upstream_too_large', `The agency system answered with more than ${maxBytes} bytes, the limit declared for this backend.`);
}

/** Maps a fetch failure (not an HTTP status) to the gateway's problem codes. */
export function fetchFailure(error: unknown, origin: string, timeoutMs: number): SimpulError {
  if (error instanceof SimpulError) return error;
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return new SimpulError('provider.timeout', `The agency system at ${origin} did not answer within ${timeoutMs} ms.`);
  }
  const reason = e.cause?.code ?? e.cause?.message ?? e.message ?? String(error);
  return new SimpulError('provider.unreachable', `The agency system at ${origin} could not be reached (${reason}).`);
}
