/**
 * The generator's only source of randomness: pure-rand's xoroshiro128+ seeded from the caller's
 * seed. Each stage (population, every agency's copy) draws from its own stream, derived from
 * the seed and the stage's name, so changing how one agency's copy is made never reshuffles the
 * population or the other copies.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

type Generator = ReturnType<typeof xoroshiro128plus>;

export class Random {
  readonly #rng: Generator;

  constructor(seed: number, stream = '') {
    this.#rng = xoroshiro128plus(mixSeed(seed, stream));
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return uniformInt(this.#rng, min, max);
  }

  /** A float in [0, 1). */
  float(): number {
    return uniformFloat64(this.#rng);
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)] as T;
  }

  /** Picks a key of `weights` with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    // for…in without allocating: this is called a few hundred thousand times per federation.
    let total = 0;
    for (const key in weights) total += weights[key];
    let draw = this.float() * total;
    let last: K | undefined;
    for (const key in weights) {
      draw -= weights[key];
      last = key;
      if (draw < 0) return key;
    }
    return last as K;
  }

  /** A roughly normal draw (sum of uniforms), clamped to [min, max]. */
  normal(mean: number, spread: number, min: number, max: number): number {
    const z = this.float() + this.float() + this.float() + this.float() - 2; // variance 1/3
    return Math.min(max, Math.max(min, mean + z * spread * Math.sqrt(3)));
  }

  /** A fresh array holding `count` items drawn without replacement. */
  sample<T>(items: readonly T[], count: number): T[] {
    const copy = items.slice();
    const n = Math.min(count, copy.length);
    for (let i = 0; i < n; i++) {
      const j = this.int(i, copy.length - 1);
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy.slice(0, n);
  }

  /** `length` decimal digits. */
  digits(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += String(this.int(0, 9));
    return out;
  }
}

// FNV-1a over the stream name, folded into the seed: cheap, stable across Node versions.
function mixSeed(seed: number, stream: string): number {
  let hash = 0x811c9dc5 ^ (seed | 0);
  for (let i = 0; i < stream.length; i++) {
    hash ^= stream.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}
