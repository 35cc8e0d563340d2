/**
 * Declarative mappings are JSONata expressions (jsonata.org), a query and transformation
 * language for JSON with a specification, a reference implementation and an exerciser, rather
 * than a language of our own (docs/adr/0041). Expressions are parsed once, when the backend
 * is created, so a syntax error stops the gateway at start-up, not at the first request; each
 * evaluation runs under JSONata's own guardrails (time, depth, sequence length).
 */
import jsonata from 'jsonata';
import { SimpulError } from '../core/errors.js';

export interface Mapping {
  /** Where it is declared, for messages: `operations[2].response`. */
  readonly where: string;
  /**
   * Whether the expression reads per-request variables ($params, $client, …). One that does
   * not gives the same record for the same input, so callers may keep its results.
   */
  readonly usesRequest: boolean;
  /** Evaluates over `input` with `$name` variables from `bindings`; the result is plain JSON (or undefined). */
  evaluate(input: unknown, bindings?: Record<string, unknown>): Promise<unknown>;
}

export interface MappingLimits {
  timeoutMs?: number;
  maxDepth?: number;
  maxSequence?: number;
}

interface JsonataError {
  code?: string;
  position?: number;
  token?: string;
  message?: string;
}

export function compileMapping(source: string, where: string, limits: MappingLimits = {}): Mapping {
  let expression: jsonata.Expression;
  try {
    expression = jsonata(source, {
      timeout: limits.timeoutMs ?? 1000,
      stack: limits.maxDepth ?? 200,
      sequence: limits.maxSequence ?? 100_000,
    });
  } catch (error) {
    const e = error as JsonataError;
    throw new SimpulError('request.invalid', `The JSONata expression at ${where} does not parse: ${e.message ?? String(error)} (${e.code ?? '?'} at position ${e.position ?? '?'}).`, {
      errors: [{ path: where, message: e.message ?? 'does not parse' }],
    });
  }
  return {
    where,
    // Erring towards true (a "$params" inside a string literal) only costs a missed reuse.
    usesRequest: /\$(params|body|client|purpose|subject|exchangeId|status|headers|where)\b/.test(source),
    async evaluate(input, bindings) {
      let result: unknown;
      try {
        result = await expression.evaluate(input, bindings);
      } catch (error) {
        const e = error as JsonataError;
        throw new SimpulError('adapter.mapping_failed', `The mapping at ${where} failed: ${e.message ?? String(error)}`, {
          mapping: where,
          ...(e.code ? { jsonataCode: e.code } : {}),
          ...(e.position !== undefined ? { position: e.position } : {}),
        });
      }
      return toJson(result, where);
    },
  };
}

/**
 * JSONata results may be sequences (arrays with flags), carry functions or non-finite numbers;
 * what leaves an adapter is plain JSON.
 */
function toJson(value: unknown, where: string): unknown {
  if (value === undefined) return undefined;
  try {
    const text = JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'function') throw new Error('it gives a function, not data');
      if (typeof v === 'number' && !Number.isFinite(v)) throw new Error('it gives a number JSON cannot carry');
      return v;
    });
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch (error) {
    throw new SimpulError('adapter.mapping_failed', `The mapping at ${where} failed: ${(error as Error).message}.`, { mapping: where });
  }
}
