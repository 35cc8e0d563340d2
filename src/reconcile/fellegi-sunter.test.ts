import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { constrainAgreement, expectationMaximisation, probabilityFromWeight, uncontaminatedU, weightFromProbability, type Patterns } from './fellegi-sunter.js';

/**
 * Exact expected counts of every comparison vector under a known model: EM given these must
 * find that model again (u is given, as the engine gives it from random pairs).
 */
function expectedPatterns(m: number[][], u: number[][], lambda: number, total: number): Patterns {
  const levels = m.map((row) => row.length);
  const vectors: number[][] = [[]];
  for (const k of levels) {
    const next: number[][] = [];
    for (const v of vectors) for (let g = 0; g < k; g++) next.push([...v, g]);
    vectors.splice(0, vectors.length, ...next);
  }
  const counts = vectors.map((v) => total * (lambda * v.reduce((p, g, c) => p * (m[c] as number[])[g]!, 1) + (1 - lambda) * v.reduce((p, g, c) => p * (u[c] as number[])[g]!, 1)));
  return { gammas: levels.map((_, c) => Int8Array.from(vectors.map((v) => v[c] as number))), counts: Float64Array.from(counts) };
}

describe('Fellegi–Sunter estimation', () => {
  it('recovers m and λ from the comparison vectors when u is known', () => {
    const m = [[0.05, 0.1, 0.85], [0.1, 0.9], [0.02, 0.08, 0.9]];
    const u = [[0.9, 0.09, 0.01], [0.8, 0.2], [0.95, 0.049, 0.001]];
    const total = 10_000_000;
    const lambda = 2e-4;
    const patterns = expectedPatterns(m, u, lambda, total);
    // Started where the engine starts: a prior that favours the strongest level.
    const start = [[0.1, 0.2, 0.7], [0.2, 0.8], [0.1, 0.2, 0.7]];
    const result = expectationMaximisation(patterns, u, start, 1e-3, total, { priorStrength: 0, maxIterations: 10_000, tolerance: 1e-9 });
    assert.ok(result.converged, `${result.iterations} iterations`);
    assert.ok(Math.abs(result.lambda - lambda) / lambda < 0.01, `λ ${result.lambda}`);
    for (const [c, row] of m.entries()) for (const [g, x] of row.entries()) assert.ok(Math.abs((result.m[c] as number[])[g]! - x) < 0.01, `m[${c}][${g}]`);
  });

  it('keeps identity bounds: the strongest levels hold their share and "different" stays capped', () => {
    const m = [0.5, 0.2, 0.2, 0.1];
    constrainAgreement(m, 2, 0.8, 0.05);
    assert.ok(Math.abs(m.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.ok((m[0] as number) <= 0.05 + 1e-12);
    assert.ok((m[2] as number) + (m[3] as number) >= 0.8 - 1e-12);
    assert.ok(Math.abs((m[2] as number) / (m[3] as number) - 2) < 1e-9, 'proportions kept inside the strongest levels');
    const fine = [0.01, 0.04, 0.95];
    constrainAgreement(fine, 1, 0.9, 0.05);
    assert.deepEqual(fine, [0.01, 0.04, 0.95], 'a model within the bounds is left alone');
  });

  it('takes the matches out of sampled level frequencies', () => {
    const [u] = uncontaminatedU([[0.5, 0.5]], [[0, 1]], 0.4);
    // Sample = 0.4·m + 0.6·u with m = (0, 1): u = (0.5/0.6, 0.1/0.6).
    assert.ok(Math.abs((u as number[])[0]! - 0.8333333) < 1e-6);
    assert.ok(Math.abs((u as number[])[1]! - 0.1666667) < 1e-6);
  });

  it('turns weights into probabilities and back', () => {
    assert.equal(probabilityFromWeight(0), 0.5);
    assert.ok(Math.abs(weightFromProbability(0.9) - Math.log2(9)) < 1e-12);
    assert.ok(Math.abs(probabilityFromWeight(weightFromProbability(0.123)) - 0.123) < 1e-12);
  });
});
