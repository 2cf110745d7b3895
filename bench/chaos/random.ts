/**
 * The chaos run's one source of chance: every choice (the board's shape, which fault, when, on
 * whom) is drawn from it in order, so a seed names a run. Runs under load still differ in timing;
 * the seed fixes what is tried, not when the system happens to be.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

export interface Random {
  /** An integer from `from` to `to`, both included. */
  int(from: number, to: number): number;
  /** A number in [from, to). */
  between(from: number, to: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

export function seeded(seed: number): Random {
  const rng = xoroshiro128plus(seed);
  const between = (from: number, to: number) => from + uniformFloat64(rng) * (to - from);
  return {
    int: (from, to) => uniformInt(rng, from, to),
    between,
    chance: (p) => uniformFloat64(rng) < p,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[uniformInt(rng, 0, items.length - 1)]!;
    },
  };
}
